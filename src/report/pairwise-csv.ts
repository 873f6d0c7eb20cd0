import type { PairwiseMethod, PairwiseRecord } from '../studies/pairwise/run.js';
import type { PairwiseMatrixResult, PairwiseReport } from '../studies/pairwise/report.js';
import { csvLine } from './csv.js';

/**
 * Columns of `pwcca pairwise --format csv` after the first (`layer`, or
 * `network` with --cross-layer); stable, documented in the README.
 */
export const PAIRWISE_CSV_COLUMNS = [
  'a',
  'b',
  'group_a',
  'group_b',
  'method',
  'similarity',
  'distance',
  'directional_a',
  'directional_b',
  'pwcca_side',
  'datapoints',
  'rank_a',
  'rank_b',
  'error_kind',
  'error',
] as const;

/** `pwcca pairwise --format csv`: one row per pair and method; empty value cells where the pair failed. */
export function toPairwiseCsv(report: PairwiseReport): string {
  const lines = [csvLine([report.scopeKind, ...PAIRWISE_CSV_COLUMNS])];
  for (const record of report.records) {
    for (const method of report.methods) lines.push(csvLine(pairwiseCsvRow(record, method)));
  }
  return lines.join('');
}

/** One long-format row (the scope first). */
export function pairwiseCsvRow(record: PairwiseRecord, method: PairwiseMethod): Array<string | number | null | undefined> {
  const value = record.values?.[method];
  const pwcca = method === 'pwcca' ? record.values?.pwcca : undefined;
  return [
    record.scope,
    record.a,
    record.b,
    record.groupA,
    record.groupB,
    method,
    value?.similarity,
    value?.distance,
    pwcca?.directional.a,
    pwcca?.directional.b,
    pwcca?.side,
    record.datapoints,
    record.ranks?.a,
    record.ranks?.b,
    record.error?.kind,
    record.error?.message,
  ];
}

/**
 * One matrix as a wide CSV: a header row of labels (first cell empty), then
 * one row per label; empty cells where a pair failed. Reads back with
 * `pandas.read_csv(path, index_col=0)`.
 */
export function toMatrixCsv(matrix: PairwiseMatrixResult, method: PairwiseMethod): string {
  const distance = matrix.methods[method]?.distance;
  if (!distance) throw new RangeError(`matrix ${matrix.scope} has no ${method} distances`);
  return [csvLine(['', ...matrix.labels]), ...distance.map((row, i) => csvLine([matrix.labels[i], ...row]))].join('');
}

/** File name of a matrix in `--format matrix-csv --out DIR/`: `<scope>.csv`, or `<scope>.<method>.csv` with several methods. */
export function matrixCsvFileName(scope: string, method: PairwiseMethod, severalMethods: boolean): string {
  const safe = scope.replace(/[\\/]+/g, '__').replace(/[<>:"|?*\u0000-\u001f]/g, '_');
  return severalMethods ? `${safe}.${method}.csv` : `${safe}.csv`;
}
