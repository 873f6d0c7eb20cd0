import { InputError } from '../errors.js';
import type { PlotDocument } from './document.js';
import type { Figure, SelectOptions } from './specs/common.js';
import { buildCompareFigures } from './specs/compare.js';
import { buildConvergenceFigures } from './specs/convergence.js';
import { buildPairwiseFigures } from './specs/pairwise.js';

/**
 * Every figure a report has, narrowed by `--layer` / `--method`. Throws an
 * InputError when the report holds nothing to draw (e.g. a compare report
 * without coefficients).
 */
export function buildFigures(doc: PlotDocument, options: SelectOptions = {}, source = 'report'): Figure[] {
  const figures =
    doc.command === 'pairwise' ? buildPairwiseFigures(doc, options) : doc.command === 'convergence' ? buildConvergenceFigures(doc, options) : buildCompareFigures(doc, options);
  if (figures.length === 0) {
    throw new InputError(`nothing to draw in this ${doc.command} report`, {
      where: source,
      hint: doc.command === 'compare' ? 'write the report with `pwcca compare --format json` (it lists cca.coefficients)' : 'check --layer and --method against the report',
    });
  }
  return figures;
}
