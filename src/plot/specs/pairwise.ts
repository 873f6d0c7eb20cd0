import type { PairwiseDocument, PairwiseMatrix } from '../document.js';
import { methodName, selectNamed, type Figure, type FigureOptions, type SelectOptions, type VlSpec } from './common.js';
import { buildDendrogram, buildDendrogramSpec } from './dendrogram.js';
import { buildGroupSummaryBars, buildGroupSummarySpec } from './group-summary.js';
import { buildHeatmapSpec, defaultHeatmapSize, sharedLabelParts } from './heatmap.js';


function scopeWords(scope: string): { across: string; of: string } {
  if (scope === 'network') return { across: 'layers', of: 'network' };
  if (scope === 'timestep') return { across: 'timesteps', of: 'layer' };
  return { across: 'networks', of: 'layer' };
}

function datapointsText(doc: PairwiseDocument, name: string): string | null {
  const seen = doc.datapoints.get(name);
  if (!seen) return null;
  return seen.min === seen.max ? `N = ${seen.min}` : `N = ${seen.min}-${seen.max}`;
}

/** The drawing order of a matrix's labels: the linkage's leaf order, else the report's cluster order, else as listed. */
export function heatmapOrder(matrix: PairwiseMatrix, method: string): { order: string[]; linkage: number[][] | null; how: string | null } {
  const cluster = matrix.clusters?.[method];
  if (cluster && Array.isArray(cluster.linkage)) {
    const dendrogram = buildDendrogram(cluster.linkage, matrix.labels.length, `clusters.${method}.linkage of ${matrix.name}`);
    return { order: dendrogram.order.map((i) => matrix.labels[i]), linkage: cluster.linkage, how: clusterText(cluster.method, cluster.k) };
  }
  if (cluster && Array.isArray(cluster.order) && cluster.order.length === matrix.labels.length && new Set(cluster.order).size === matrix.labels.length && cluster.order.every((l) => matrix.labels.includes(l))) {
    return { order: [...cluster.order], linkage: null, how: clusterText(typeof cluster.linkage === 'string' ? cluster.linkage : cluster.method, cluster.k) };
  }
  return { order: [...matrix.labels], linkage: null, how: null };
}

function clusterText(method: string | undefined, k: number | undefined): string {
  return `ordered by ${method ? `${method}-linkage ` : ''}clustering${k ? ` (k = ${k})` : ''}`;
}

/** The heatmap (with its dendrogram when the report has a linkage) of one matrix and method. */
export function buildPairwiseHeatmapFigure(doc: PairwiseDocument, matrix: PairwiseMatrix, method: string, options: FigureOptions = {}): Figure {
  const words = scopeWords(doc.scope);
  const n = matrix.labels.length;
  const size = options.width ?? defaultHeatmapSize(n);
  const { order, linkage, how } = heatmapOrder(matrix, method);
  const heatmap = buildHeatmapSpec({
    labels: matrix.labels,
    groups: matrix.groups,
    distance: matrix.methods[method].distance,
    order,
    size,
  });
  const text = `${methodName(method)} distance between ${words.across}, ${words.of} ${matrix.name}`;
  const subtitle = [
    method === 'pwcca' && doc.variant ? `variant ${doc.variant}` : null,
    datapointsText(doc, matrix.name),
    `${n} ${words.across}`,
    how,
    sharedLabelParts(matrix.labels),
  ].filter((part): part is string => part !== null);
  const title = { text, subtitle: subtitle.join(' · ') };
  let spec: VlSpec;
  if (linkage) {
    const dendrogram = buildDendrogram(linkage, n);
    // Flush bounds align the two plot areas, so leaf i of the tree sits over column i.
    spec = { title, vconcat: [buildDendrogramSpec(dendrogram, n, size), heatmap], spacing: 14, bounds: 'flush' };
  } else {
    spec = { title, ...heatmap };
  }
  return { id: `heatmap-${matrix.name}-${method}`, title: `${text} (${title.subtitle})`, spec };
}

/** The within/between group summary of one matrix and method, or null when it has no groups. */
export function buildPairwiseGroupFigure(doc: PairwiseDocument, matrix: PairwiseMatrix, method: string): Figure | null {
  const stats = matrix.groupStats?.[method];
  if (!stats || !Array.isArray(stats.within) || !Array.isArray(stats.between) || stats.within.length + stats.between.length === 0) return null;
  const tests = matrix.groupTest?.[method];
  const bars = buildGroupSummaryBars(stats.within, stats.between, Array.isArray(tests) ? tests : []);
  if (bars.length === 0) return null;
  const words = scopeWords(doc.scope);
  const text = `${methodName(method)} distance within and between groups, ${words.of} ${matrix.name}`;
  const permutations = Array.isArray(tests) ? tests.find((t) => typeof t.permutations === 'number')?.permutations : undefined;
  const subtitle = [
    'mean ± std over pairs',
    datapointsText(doc, matrix.name),
    Array.isArray(tests) && tests.length > 0 ? `p: permutation test of between - within${permutations ? ` (${permutations} permutations)` : ''}` : null,
  ].filter((part): part is string => part !== null);
  return {
    id: `groups-${matrix.name}-${method}`,
    title: `${text} (${subtitle.join(' · ')})`,
    spec: { title: { text, subtitle: subtitle.join(' · ') }, ...buildGroupSummarySpec(bars) },
  };
}

/**
 * Every figure of a pairwise report: per matrix (layer, network or timestep
 * set) and method, the heatmap (with dendrogram when clustered) and the group
 * summary when the labels have groups.
 */
export function buildPairwiseFigures(doc: PairwiseDocument, options: SelectOptions = {}): Figure[] {
  const matrices = selectNamed(doc.matrices, (m) => m.name, options.layer, doc.scope === 'network' ? '--layer (network)' : '--layer');
  const methods = selectNamed(doc.methods.length > 0 ? doc.methods : Object.keys(doc.matrices[0]?.methods ?? {}), (m) => m, options.method, '--method');
  const figures: Figure[] = [];
  for (const matrix of matrices) {
    for (const method of methods) {
      if (!matrix.methods[method]) continue;
      figures.push(buildPairwiseHeatmapFigure(doc, matrix, method, { width: options.width }));
      const groups = buildPairwiseGroupFigure(doc, matrix, method);
      if (groups) figures.push(groups);
    }
  }
  return figures;
}
