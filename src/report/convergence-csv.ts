import type { ConvergenceReport } from '../studies/convergence/run.js';
import { csvLine } from './csv.js';

/** Column order of `pwcca convergence --format csv`; stable, documented in the README. */
export const CONVERGENCE_CSV_COLUMNS = [
  'run',
  'layer',
  'step',
  'method',
  'similarity',
  'distance',
  'reference_step',
  'pwcca_from_step',
  'pwcca_from_reference',
  'error',
] as const;

/**
 * `pwcca convergence --format csv`: a header line and one row per (run,
 * layer, step, method), in run, layer (depth), step, method order. The
 * reference step's own rows have distance 0; a failed comparison has empty
 * numbers and its message in `error`. The PWCCA rows also carry the value
 * with the weights from each side.
 */
export function toConvergenceCsv(report: ConvergenceReport): string {
  let text = csvLine([...CONVERGENCE_CSV_COLUMNS]);
  for (const cell of report.cells) {
    text += csvLine([
      cell.run,
      cell.layer,
      cell.step,
      cell.method,
      cell.similarity,
      cell.distance,
      report.referenceStep,
      cell.directional?.step,
      cell.directional?.reference,
      cell.error ? `${cell.error.message}${cell.error.hint ? ` (hint: ${cell.error.hint})` : ''}` : undefined,
    ]);
  }
  return text;
}
