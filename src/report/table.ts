import type { CompareReport, InputSummary } from '../studies/compare.js';

/** Text styling for terminal output; the CLI passes colours or plain identity functions. */
export interface Paint {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  /** Colour for a distance in [0, 1]: close (green) to far (red). */
  readonly distance: (text: string, distance: number) => string;
}

/** Styling that leaves text as it is (files, pipes, NO_COLOR). */
export const plainPaint: Paint = { bold: (t) => t, dim: (t) => t, distance: (t) => t };

/** Six decimals: what a person reads; JSON and CSV carry full precision. */
export function formatValue(value: number): string {
  return value.toFixed(6);
}

/** `pwcca compare` for people: the inputs, one line per method, and with `details` the coefficients and weights. */
export function toCompareTable(report: CompareReport, options: { paint?: Paint; details?: boolean } = {}): string {
  const paint = options.paint ?? plainPaint;
  const c = report.comparison;
  const lines: string[] = [];
  const pathWidth = Math.max(report.inputs.a.path.length, report.inputs.b.path.length);
  lines.push(describeInput('a', report.inputs.a, pathWidth, paint));
  lines.push(describeInput('b', report.inputs.b, pathWidth, paint));
  lines.push(paint.dim(`${c.datapoints} datapoints, ${c.regularisation.mode === 'rank' ? 'rank-revealing CCA' : `epsilon ${c.regularisation.epsilon}`}`));
  lines.push('');

  const rows: Array<{ method: string; similarity: number; note: string }> = [];
  const directions = `from a ${formatValue(c.pwcca.directional.a)}, from b ${formatValue(c.pwcca.directional.b)}`;
  const pwccaNote = c.pwcca.symmetric
    ? `mean of both directions: equal ranks (variant ${c.pwcca.variant}; ${directions})`
    : `weights from ${c.pwcca.side} (variant ${c.pwcca.variant}; ${directions})`;
  const ccaNote = `mean of ${c.cca.coefficients.length} coefficients (thresholded mean ${formatValue(c.cca.meanThresholded)})`;
  const pwccaRow = { method: 'PWCCA', similarity: c.pwcca.similarity, note: pwccaNote };
  const ccaRow = { method: 'CCA', similarity: c.cca.mean, note: ccaNote };
  const svccaRow = c.svcca && {
    method: 'SVCCA',
    similarity: c.svcca.similarity,
    note: `${c.svcca.dims.a} and ${c.svcca.dims.b} directions kept`,
  };
  const ckaRow = c.cka && {
    method: 'CKA',
    similarity: c.cka.similarity,
    note: `linear CKA${c.cka.debiased === null ? '' : `; debiased ${formatValue(c.cka.debiased)}`}`,
  };
  const extra = [...(svccaRow ? [svccaRow] : []), ...(ckaRow ? [ckaRow] : [])];
  if (report.method === 'cca') rows.push(ccaRow, pwccaRow);
  else if (report.method === 'svcca') rows.push(svccaRow!, pwccaRow, ccaRow);
  else if (report.method === 'cka') rows.push(ckaRow!, pwccaRow, ccaRow);
  else rows.push(pwccaRow, ccaRow, ...extra);

  rows.forEach((row, index) => {
    const distance = 1 - row.similarity;
    const name = row.method.padEnd(6);
    const figures = `distance ${paint.distance(formatValue(distance), distance)}   similarity ${formatValue(row.similarity)}`;
    lines.push(`${index === 0 ? paint.bold(name) : name}  ${figures}   ${paint.dim(row.note)}`);
  });

  const tests = resamplingLines(report, rows.map((row) => row.method));
  if (tests.length > 0) lines.push('', ...tests.map((line) => (line.startsWith(' ') ? line : paint.bold(line))));

  if (options.details) {
    lines.push('', paint.bold('   #  coefficient  pwcca weight'));
    c.cca.coefficients.forEach((rho, i) => {
      lines.push(`${String(i + 1).padStart(4)}  ${formatValue(rho)}     ${formatValue(c.pwcca.weights[i])}`);
    });
    if (c.svcca) {
      lines.push('', paint.bold('   #  svcca coefficient'));
      c.svcca.coefficients.forEach((rho, i) => lines.push(`${String(i + 1).padStart(4)}  ${formatValue(rho)}`));
    }
  }
  return `${lines.join('\n')}\n`;
}

const METHOD_KEYS: Record<string, 'pwcca' | 'cca' | 'svcca' | 'cka'> = { PWCCA: 'pwcca', CCA: 'cca', SVCCA: 'svcca', CKA: 'cka' };

/** The permutation test and bootstrap intervals, one line per method in the table's order. */
function resamplingLines(report: CompareReport, order: readonly string[]): string[] {
  const lines: string[] = [];
  const s = report.significance;
  if (s) {
    lines.push(`permutation test: ${s.permutations} shuffles of the datapoint pairing, seed ${s.seed}`);
    for (const name of order) {
      const test = s[METHOD_KEYS[name]];
      if (!test) continue;
      lines.push(
        `  ${name.padEnd(6)}  p ${formatP(test.pValue)}   null ${formatValue(test.nullMean)} ± ${formatValue(test.nullStd)}   excess ${formatValue(test.excess)}`,
      );
    }
  }
  const ci = report.confidence;
  if (ci) {
    const failed = ci.failed > 0 ? `, ${ci.failed} degenerate resamples left out` : '';
    lines.push(`bootstrap: ${Math.round(ci.level * 100)}% intervals of the similarity, ${ci.resamples} resamples of the datapoints, seed ${ci.seed}${failed}`);
    for (const name of order) {
      const interval = ci[METHOD_KEYS[name]];
      if (interval) lines.push(`  ${name.padEnd(6)}  [${formatValue(interval.low)}, ${formatValue(interval.high)}]`);
    }
  }
  return lines;
}

/** A p-value: four significant digits are plenty. */
function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(4);
}

function describeInput(label: string, input: InputSummary, pathWidth: number, paint: Paint): string {
  const stored = `[${input.shape.join(', ')}] ${input.dtype}`;
  const reduced = input.reduction === 'none' ? '' : ` -> ${input.datapoints} x ${input.neurons} (${input.layout}, ${input.reduction})`;
  const dropped = input.droppedNeurons.length > 0 ? `, ${input.droppedNeurons.length} dropped` : '';
  return `${paint.bold(label)}  ${input.path.padEnd(pathWidth)}  ${stored}${reduced}  ${paint.dim(`rank ${input.rank}${dropped}`)}`;
}
