/**
 * Per-network metadata (e.g. test accuracy) against distances (the PWCCA
 * paper's Figure 4b: do networks that generalise better converge to more
 * similar solutions?). Pure: the CSV text comes in, numbers go out.
 */
import { UsageError } from '../errors.js';
import { pearson, spearman } from './correlation.js';

/** A per-network table: numeric columns by network label. */
export interface MetaTable {
  /** Name of the column that holds the network labels. */
  readonly networkColumn: string;
  /** Numeric columns, in file order. */
  readonly columns: readonly string[];
  /** Values by network label and column (null where a cell is empty or not a number). */
  readonly rows: ReadonlyMap<string, Readonly<Record<string, number | null>>>;
}

export interface MetaCorrelation {
  readonly column: string;
  /** Networks with both a mean distance and a value. */
  readonly n: number;
  readonly pearson: { readonly r: number | null; readonly p: number | null };
  readonly spearman: { readonly rho: number | null; readonly p: number | null };
}

/**
 * Parses a metadata CSV: a header line, a column named `network` (else the
 * first column) with network labels, and numeric columns. Columns with a
 * non-numeric value are skipped (reported in `skipped`).
 */
export function parseMetaCsv(text: string): MetaTable & { skipped: string[] } {
  const records = parseCsvRecords(text).filter((record) => !(record.length === 1 && record[0].trim() === ''));
  if (records.length < 2) {
    throw new UsageError('the --meta file needs a header line and one line per network', {
      hint: 'e.g. "network,test_accuracy" then "s1,0.91"',
    });
  }
  const header = records[0].map((name) => name.trim());
  const networkIndex = Math.max(0, header.findIndex((name) => name.toLowerCase() === 'network'));
  const skipped: string[] = [];
  const columns: number[] = [];
  header.forEach((name, c) => {
    if (c === networkIndex) return;
    const numeric = records.slice(1).every((record) => {
      const cell = (record[c] ?? '').trim();
      return cell === '' || cell.toLowerCase() === 'nan' || Number.isFinite(Number(cell));
    });
    if (numeric) columns.push(c);
    else skipped.push(name);
  });
  const rows = new Map<string, Record<string, number | null>>();
  for (const record of records.slice(1)) {
    const network = (record[networkIndex] ?? '').trim();
    if (network === '') continue;
    const values: Record<string, number | null> = {};
    for (const c of columns) {
      const cell = (record[c] ?? '').trim();
      const value = cell === '' ? Number.NaN : Number(cell);
      values[header[c]] = Number.isFinite(value) ? value : null;
    }
    rows.set(network, values);
  }
  if (columns.length === 0) {
    throw new UsageError(`the --meta file has no numeric column besides ${header[networkIndex]}`, {
      hint: 'add a column of numbers per network, e.g. test_accuracy',
    });
  }
  return { networkColumn: header[networkIndex], columns: columns.map((c) => header[c]), rows, skipped };
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/**
 * Each label's mean distance to the other labels of its group (all other
 * labels when no label has a group); null when it has no such distance
 * (alone in its group, no group, or all its pairs failed).
 */
export function meanDistanceWithinGroup(distance: ReadonlyArray<ReadonlyArray<number | null>>, groups: ReadonlyArray<string | null>): (number | null)[] {
  const grouped = groups.some((group) => group !== null);
  return groups.map((group, i) => {
    if (grouped && group === null) return null;
    let sum = 0;
    let count = 0;
    groups.forEach((other, j) => {
      const value = distance[i][j];
      if (j === i || (grouped && other !== group) || value === null || !Number.isFinite(value)) return;
      sum += value;
      count++;
    });
    return count > 0 ? sum / count : null;
  });
}

/**
 * Pearson r (two-sided p) and Spearman rho between each label's mean
 * within-group distance and each metadata column, over the labels that have
 * both. Statistics are null when fewer than three labels qualify or a side is
 * constant (every value equal).
 */
export function correlateWithMeta(
  labels: readonly string[],
  meanDistances: ReadonlyArray<number | null>,
  values: ReadonlyArray<Readonly<Record<string, number | null>> | undefined>,
  columns: readonly string[],
): MetaCorrelation[] {
  return columns.map((column) => {
    const x: number[] = [];
    const y: number[] = [];
    labels.forEach((_, i) => {
      const d = meanDistances[i];
      const v = values[i]?.[column];
      if (d === null || d === undefined || v === null || v === undefined) return;
      x.push(d);
      y.push(v);
    });
    const n = x.length;
    // A constant side has no correlation (0/0), not r = 0 with p = 1: rounding in the
    // mean of equal values would otherwise leave a tiny spread to correlate.
    const constant = (values: number[]) => values.every((value) => value === values[0]);
    if (n < 3 || constant(x) || constant(y)) return { column, n, pearson: { r: null, p: null }, spearman: { rho: null, p: null } };
    const linear = pearson(x, y);
    const ranked = spearman(x, y);
    return {
      column,
      n,
      pearson: { r: finiteOrNull(linear.r), p: finiteOrNull(linear.p) },
      spearman: { rho: finiteOrNull(ranked.r), p: finiteOrNull(ranked.p) },
    };
  });
}

/**
 * The metadata row of each network label: an exact match of the label, else
 * the row whose key ends in the most path components the label ends in
 * (`mlp/seed0` matches a row `seed0` or `runs/mlp/seed0`), when that row is
 * the only one that close to the label and the label the only one that close
 * to the row. Anything else is ambiguous and left unmatched.
 */
export function matchMetaRows(labels: readonly string[], table: MetaTable): { values: (Readonly<Record<string, number | null>> | undefined)[]; unmatched: string[] } {
  const keys = [...table.rows.keys()];
  const parts = (text: string) => text.split('/').filter((part) => part !== '');
  const shared = (p: readonly string[], q: readonly string[]) => {
    let k = 0;
    while (k < p.length && k < q.length && p[p.length - 1 - k] === q[q.length - 1 - k]) k++;
    return k;
  };
  const labelParts = labels.map(parts);
  const keyParts = keys.map(parts);
  const score = labelParts.map((label) => keyParts.map((key) => shared(label, key)));
  /** The one best index of a row of scores, or -1 when none is above 0 or the best is tied. */
  const unique = (row: readonly number[]) => {
    const best = Math.max(0, ...row);
    const at = row.flatMap((value, i) => (value === best && best > 0 ? [i] : []));
    return at.length === 1 ? at[0] : -1;
  };
  const unmatched: string[] = [];
  const values = labels.map((label, i) => {
    const exact = table.rows.get(label);
    if (exact) return exact;
    const k = unique(score[i]);
    if (k >= 0 && unique(score.map((row) => row[k])) === i) return table.rows.get(keys[k]);
    unmatched.push(label);
    return undefined;
  });
  return { values, unmatched };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
