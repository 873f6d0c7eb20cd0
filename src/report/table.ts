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
  const pwccaNote = `weights from ${c.pwcca.side} (variant ${c.pwcca.variant}; from a ${formatValue(c.pwcca.directional.a)}, from b ${formatValue(c.pwcca.directional.b)})`;
  const ccaNote = `mean of ${c.cca.coefficients.length} coefficients (thresholded mean ${formatValue(c.cca.meanThresholded)})`;
  const pwccaRow = { method: 'PWCCA', similarity: c.pwcca.similarity, note: pwccaNote };
  const ccaRow = { method: 'CCA', similarity: c.cca.mean, note: ccaNote };
  const svccaRow = c.svcca && {
    method: 'SVCCA',
    similarity: c.svcca.similarity,
    note: `${c.svcca.dims.a} and ${c.svcca.dims.b} directions kept`,
  };
  if (report.method === 'cca') rows.push(ccaRow, pwccaRow);
  else if (report.method === 'svcca') rows.push(svccaRow!, pwccaRow, ccaRow);
  else rows.push(pwccaRow, ccaRow, ...(svccaRow ? [svccaRow] : []));

  rows.forEach((row, index) => {
    const distance = 1 - row.similarity;
    const name = row.method.padEnd(6);
    const figures = `distance ${paint.distance(formatValue(distance), distance)}   similarity ${formatValue(row.similarity)}`;
    lines.push(`${index === 0 ? paint.bold(name) : name}  ${figures}   ${paint.dim(row.note)}`);
  });

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

function describeInput(label: string, input: InputSummary, pathWidth: number, paint: Paint): string {
  const stored = `[${input.shape.join(', ')}] ${input.dtype}`;
  const reduced = input.reduction === 'none' ? '' : ` -> ${input.datapoints} x ${input.neurons} (${input.layout}, ${input.reduction})`;
  const dropped = input.droppedNeurons.length > 0 ? `, ${input.droppedNeurons.length} dropped` : '';
  return `${paint.bold(label)}  ${input.path.padEnd(pathWidth)}  ${stored}${reduced}  ${paint.dim(`rank ${input.rank}${dropped}`)}`;
}
