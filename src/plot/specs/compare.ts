import type { CompareDocument, MethodSignificance } from '../document.js';
import { DEFAULT_WIDTH, GROUP_COLORS, formatP, formatValue, methodName, selectNamed, type Figure, type FigureOptions, type SelectOptions, type VlSpec } from './common.js';

/** One canonical direction: its rank (1 = largest), correlation and PWCCA weight. */
export interface CoefficientRow {
  index: number;
  series: string;
  rho: number;
  weight: number | null;
}

function baseName(path: string | null): string {
  if (path === null) return '?';
  const parts = path.split(/[\\/]/);
  return parts.slice(-2).join('/');
}

/** The canonical correlations sorted descending (CCA, and SVCCA's when present), with the PWCCA weight of each CCA direction. */
export function buildCoefficientRows(doc: CompareDocument): CoefficientRow[] {
  const rows: CoefficientRow[] = [];
  const weights = doc.pwcca?.weights;
  const cca = doc.cca?.coefficients;
  if (cca) {
    // The report lists them descending; sort anyway so the weights follow their own direction.
    const indexed = cca.map((rho, i) => ({ rho, weight: weights && weights.length === cca.length ? weights[i] : null }));
    indexed.sort((a, b) => b.rho - a.rho);
    indexed.forEach((item, i) => rows.push({ index: i + 1, series: 'CCA', rho: item.rho, weight: item.weight }));
  }
  const svcca = doc.svcca?.coefficients;
  if (svcca) [...svcca].sort((a, b) => b - a).forEach((rho, i) => rows.push({ index: i + 1, series: 'SVCCA', rho, weight: null }));
  return rows;
}

/**
 * Sorted canonical correlations with the PWCCA weights beneath them (the
 * paper's Figure 1 and 2 style), the PWCCA, mean CCA and SVCCA values in the
 * subtitle and the mean CCA as a dashed line.
 */
export function buildCoefficientsFigure(doc: CompareDocument, options: FigureOptions = {}): Figure | null {
  const rows = buildCoefficientRows(doc);
  if (rows.length === 0) return null;
  const width = options.width ?? DEFAULT_WIDTH;
  const count = Math.max(...rows.map((r) => r.index));
  const x = { field: 'index', type: 'quantitative', scale: { domain: [0.5, count + 0.5], nice: false, zero: false }, axis: { title: 'canonical direction (sorted by correlation)', tickMinStep: 1, format: 'd' } };
  const seriesColor = { field: 'series', type: 'nominal', scale: { domain: ['CCA', 'SVCCA'], range: [GROUP_COLORS[4], GROUP_COLORS[5]] }, legend: { title: null } };
  const annotations: VlSpec[] = [];
  const meanCca = doc.cca?.mean ?? doc.cca?.similarity;
  if (meanCca !== undefined) {
    annotations.push({
      data: { values: [{ value: meanCca, text: `mean CCA ${formatValue(meanCca)}` }] },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'value', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 10, color: '#333' }, encoding: { y: { field: 'value', type: 'quantitative' }, x: { value: 0 }, text: { field: 'text' } } },
      ],
    });
  }
  const top: VlSpec = {
    width,
    height: Math.round(width * 0.5),
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: { size: 30 }, strokeWidth: 1.8 },
        encoding: {
          x,
          y: { field: 'rho', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'canonical correlation ρ' } },
          color: seriesColor,
          tooltip: [
            { field: 'series', type: 'nominal' },
            { field: 'index', type: 'quantitative', title: 'direction' },
            { field: 'rho', type: 'quantitative', title: 'ρ', format: '.4f' },
            { field: 'weight', type: 'quantitative', title: 'PWCCA weight', format: '.4f' },
          ],
        },
      },
      ...annotations,
    ],
  };
  const panels: VlSpec[] = [top];
  const weighted = rows.filter((r) => r.series === 'CCA' && r.weight !== null).map((r) => ({ ...r, x0: r.index - 0.4, x1: r.index + 0.4 }));
  if (weighted.length > 0) {
    panels.push({
      width,
      height: Math.round(width * 0.3),
      data: { values: weighted },
      mark: { type: 'rect', color: GROUP_COLORS[0] },
      encoding: {
        x: { ...x, field: 'x0' },
        x2: { field: 'x1' },
        y: { field: 'weight', type: 'quantitative', axis: { title: 'PWCCA weight α' }, scale: { zero: true } },
        y2: { datum: 0 },
        tooltip: [
          { field: 'index', type: 'quantitative', title: 'direction' },
          { field: 'weight', type: 'quantitative', title: 'PWCCA weight', format: '.4f' },
          { field: 'rho', type: 'quantitative', title: 'ρ', format: '.4f' },
        ],
      },
    });
  }
  const values = [
    doc.pwcca ? `PWCCA ${formatValue(doc.pwcca.similarity)}` : null,
    meanCca !== undefined ? `mean CCA ${formatValue(meanCca)}` : null,
    doc.svcca ? `SVCCA ${formatValue(doc.svcca.similarity)}` : null,
  ].filter((part): part is string => part !== null);
  const text = `Canonical correlations${weighted.length > 0 ? ' and PWCCA weights' : ''}, ${baseName(doc.inputs.a)} vs ${baseName(doc.inputs.b)}`;
  const subtitle = [
    `similarity: ${values.join(', ')}`,
    doc.pwcca && doc.variant ? `variant ${doc.variant}` : null,
    doc.datapoints !== null ? `N = ${doc.datapoints}` : null,
  ].filter((part): part is string => part !== null);
  return {
    id: 'coefficients',
    title: `${text} (${subtitle.join(' · ')})`,
    spec: { title: { text, subtitle: subtitle.join(' · ') }, vconcat: panels, spacing: 12, resolve: { scale: { x: 'shared' } } },
  };
}

/** Histogram of a permutation null with the observed similarity marked. */
export function buildNullFigure(doc: CompareDocument, method: string, test: MethodSignificance, options: FigureOptions = {}): Figure {
  const width = options.width ?? DEFAULT_WIDTH;
  const observed = { value: test.observed, text: `observed ${formatValue(test.observed)}, ${formatP(test.pValue)}` };
  const layer: VlSpec[] = [];
  if (test.nullValues && test.nullValues.length > 0) {
    layer.push({
      data: { values: test.nullValues.map((value) => ({ value })) },
      mark: { type: 'bar', color: GROUP_COLORS[1], binSpacing: 0 },
      encoding: {
        x: { field: 'value', type: 'quantitative', bin: { maxbins: 40, extent: nullExtent(test) }, axis: { title: `${methodName(method)} similarity` } },
        y: { aggregate: 'count', type: 'quantitative', axis: { title: 'permutations' } },
      },
    });
  } else if (test.nullMean !== undefined && test.nullStd !== undefined) {
    // Only the null's moments are known: show mean +- 2 std as a band.
    layer.push({
      data: { values: [{ low: test.nullMean - 2 * test.nullStd, high: test.nullMean + 2 * test.nullStd }] },
      mark: { type: 'rect', color: GROUP_COLORS[1], opacity: 0.5 },
      encoding: { x: { field: 'low', type: 'quantitative', axis: { title: `${methodName(method)} similarity` } }, x2: { field: 'high' } },
    });
  }
  layer.push({
    data: { values: [observed] },
    layer: [
      { mark: { type: 'rule', color: GROUP_COLORS[5], strokeWidth: 2.5 }, encoding: { x: { field: 'value', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'right', baseline: 'top', dx: -4, dy: 4, fontSize: 10, color: GROUP_COLORS[5] }, encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 0 }, text: { field: 'text' } } },
    ],
  });
  const permutations = doc.significance?.permutations;
  const text = `Permutation null of the ${methodName(method)} similarity, ${baseName(doc.inputs.a)} vs ${baseName(doc.inputs.b)}`;
  const subtitle = [
    permutations !== null && permutations !== undefined ? `${permutations} row shuffles` : null,
    doc.significance?.seed !== null && doc.significance?.seed !== undefined ? `seed ${doc.significance.seed}` : null,
    test.nullMean !== undefined ? `null mean ${formatValue(test.nullMean)}${test.nullStd !== undefined ? ` ± ${formatValue(test.nullStd)}` : ''}` : null,
    test.excess !== undefined ? `excess ${formatValue(test.excess)}` : null,
    formatP(test.pValue),
    doc.datapoints !== null ? `N = ${doc.datapoints}` : null,
  ].filter((part): part is string => part !== null);
  return {
    id: `null-${method}`,
    title: `${text} (${subtitle.join(' · ')})`,
    spec: { title: { text, subtitle: subtitle.join(' · ') }, width, height: Math.round(width * 0.5), layer, resolve: { scale: { x: 'shared' } } },
  };
}

/** Histogram bins reach the observed value too, so the marker sits on the same axis. */
function nullExtent(test: MethodSignificance): [number, number] {
  const values = test.nullValues ?? [];
  let low = test.observed;
  let high = test.observed;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const pad = (high - low) * 0.05 || 0.01;
  return [Math.max(0, low - pad), Math.min(1, high + pad)];
}

/** Every figure of a compare report: the coefficients, and one null distribution per tested method. */
export function buildCompareFigures(doc: CompareDocument, options: SelectOptions = {}): Figure[] {
  const figures: Figure[] = [];
  const tested = Object.keys(doc.significance?.methods ?? {});
  const methods = options.method === undefined ? undefined : selectNamed(['pwcca', 'cca', 'svcca', ...tested], (m) => m, options.method, '--method');
  const coefficients = buildCoefficientsFigure(doc, options);
  if (coefficients && (methods === undefined || methods.some((m) => m === 'pwcca' || m === 'cca' || m === 'svcca'))) figures.push(coefficients);
  for (const method of tested) {
    if (methods !== undefined && !methods.includes(method)) continue;
    figures.push(buildNullFigure(doc, method, (doc.significance as NonNullable<CompareDocument['significance']>).methods[method], options));
  }
  return figures;
}
