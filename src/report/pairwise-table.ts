import type { PairwiseMethod } from '../studies/pairwise/run.js';
import type { PairwiseMatrixResult, PairwiseReport } from '../studies/pairwise/report.js';
import { plainPaint, type Paint } from './table.js';

const METHOD_NAMES: Record<PairwiseMethod, string> = { pwcca: 'PWCCA', cca: 'CCA', svcca: 'SVCCA', cka: 'CKA' };

/** Three decimals: enough to read a matrix at a glance; CSV and JSON carry full precision. */
function cell(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

/**
 * `pwcca pairwise` for people: per matrix and method, the distance matrix
 * (coloured by distance; `-` where a pair failed), then group statistics,
 * clusters and metadata correlations when there are any.
 */
export function toPairwiseTable(report: PairwiseReport, options: { paint?: Paint } = {}): string {
  const paint = options.paint ?? plainPaint;
  const blocks: string[] = [];
  for (const matrix of report.matrices) {
    for (const method of report.methods) blocks.push(matrixBlock(matrix, method, report.scopeKind, paint, undefined, report.kind?.labels));
  }
  const aggregate = report.aggregate;
  if (aggregate) {
    const title = `mean over ${count(aggregate.layers.length, 'layer')} (${aggregate.layers.join(', ')})`;
    for (const method of report.methods) blocks.push(matrixBlock(aggregate, method, report.scopeKind, paint, title));
  }
  return `${blocks.join('\n')}`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function matrixBlock(matrix: PairwiseMatrixResult, method: PairwiseMethod, scopeKind: 'layer' | 'network', paint: Paint, title = `${scopeKind} ${matrix.scope}`, labelKind?: string): string {
  const distance = matrix.methods[method]!.distance;
  const n = matrix.labels.length;
  const what = labelKind !== undefined ? `${n} ${labelKind}` : scopeKind === 'layer' ? count(n, 'network') : count(n, 'layer');
  const lines = [paint.bold(`${title}: ${METHOD_NAMES[method]} distance (${what})`)];
  // Short labels head their columns; long ones are numbered so wide matrices stay readable.
  const short = matrix.labels.every((label) => label.length <= 6);
  const width = 6;
  const rowNames = matrix.labels.map((label, i) => (short ? label : `${String(i + 1).padStart(String(n).length)} ${label}`));
  const nameWidth = Math.max(...rowNames.map((name) => name.length));
  const heads = matrix.labels.map((label, i) => (short ? label : String(i + 1)).padStart(width));
  lines.push(`${' '.repeat(nameWidth)} ${paint.dim(heads.join(' '))}`);
  distance.forEach((row, i) => {
    const cells = row.map((value, j) => {
      const text = cell(value).padStart(width);
      if (i === j) return paint.dim(text);
      return value === null ? paint.dim(text) : paint.distance(text, value);
    });
    lines.push(`${rowNames[i].padEnd(nameWidth)} ${cells.join(' ')}`);
  });
  const stats = matrix.groupStats?.[method];
  if (stats) {
    const format = (s: { mean: number | null; std: number | null; count: number }) =>
      `mean ${cell(s.mean)} sd ${cell(s.std)} (${count(s.count, 'pair')})`;
    lines.push(paint.dim('groups'));
    for (const w of stats.within) lines.push(`  within  ${w.group}: ${format(w)}`);
    for (const b of stats.between) lines.push(`  between ${b.groupA} and ${b.groupB}: ${format(b)}`);
  }
  const tests = matrix.groupTest?.[method];
  if (tests && tests.length > 0) {
    lines.push(paint.dim(`group test: mean between minus mean within distance, ${tests[0].permutations} shuffles of the networks' groups`));
    for (const t of tests) {
      const figures =
        t.observed === null
          ? 'not testable (needs pairs within and between the groups)'
          : `${t.observed.toFixed(3)}, null ${cell(t.nullMean)} ± ${cell(t.nullStd)}, p ${formatP(t.pValue)}`;
      lines.push(`  ${t.groups[0]} vs ${t.groups[1]}: ${figures}`);
    }
  }
  const cellTests = matrix.cells?.[method];
  if (cellTests) {
    lines.push(
      paint.dim(`cells: ${cellTests.significant} of ${cellTests.tests} pairs more similar than chance after Benjamini-Hochberg at ${cellTests.alpha}`),
    );
  }
  const clusters = matrix.clusters?.[method];
  if (clusters) {
    const ari = clusters.adjustedRandIndex === null ? '' : `, adjusted Rand index with groups ${clusters.adjustedRandIndex.toFixed(3)}`;
    lines.push(paint.dim(`clusters (average linkage, k = ${clusters.k}${ari})`));
    for (let c = 1; c <= clusters.k; c++) {
      const members = clusters.order.filter((label) => clusters.assignments[matrix.labels.indexOf(label)] === c);
      lines.push(`  ${c}: ${members.join(' ')}`);
    }
  }
  const meta = matrix.meta?.[method];
  if (meta) {
    const grouped = matrix.groups.some((group) => group !== null);
    lines.push(paint.dim(`${grouped ? 'mean within-group distance' : 'mean distance to the other networks'} vs --meta`));
    for (const m of meta) {
      const r = m.pearson.r === null ? '-' : `${m.pearson.r.toFixed(3)} (p ${formatP(m.pearson.p)})`;
      const rho = m.spearman.rho === null ? '-' : `${m.spearman.rho.toFixed(3)} (p ${formatP(m.spearman.p)})`;
      lines.push(`  ${m.column}: pearson r ${r}, spearman rho ${rho}, n ${m.n}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}
