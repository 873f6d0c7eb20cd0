/**
 * From pair records to what `pwcca pairwise` reports: one symmetric distance
 * matrix per scope and method (exact 0 diagonal, null where a pair failed),
 * group statistics, clusters and metadata correlations. Pure.
 */
import { clusterDistances } from '../../stats/clustering.js';
import { buildGroupStats, type GroupStats } from '../../stats/group-stats.js';
import { groupPermutationTest, type GroupTestEntry } from '../../stats/group-test.js';
import { benjaminiHochberg } from '../../stats/multiple-testing.js';
import { correlateWithMeta, matchMetaRows, meanDistanceWithinGroup, type MetaCorrelation, type MetaTable } from '../../stats/meta-correlation.js';
import { adjustedRandIndex } from '../../stats/rand-index.js';
import { SCHEMA_VERSION } from '../../types.js';
import type { Discovery } from './discover.js';
import { recordKey, type PairwiseMethod, type PairwiseOptions, type PairwiseRecord, type PairwiseRun } from './run.js';
import type { PairwisePlan } from './plan.js';

/** Distances of one matrix: `distance[i][j]` between labels i and j; null when their pair failed. */
export type DistanceMatrix = (number | null)[][];

/** Clusters of one matrix (average linkage, cut into k). */
export interface PairwiseClusters {
  /** How clusters merge: average linkage (UPGMA). */
  readonly method: 'average';
  /**
   * The dendrogram, as scipy.cluster.hierarchy.linkage returns it: n - 1
   * rows `[left, right, height, size]`, ids below n index `labels`, id
   * n + k is the cluster of row k (scipy's dendrogram() draws it as is).
   */
  readonly linkage: ReadonlyArray<readonly [number, number, number, number]>;
  readonly k: number;
  /** Cluster (1-based) of each label, aligned with the matrix's labels. */
  readonly assignments: readonly number[];
  /** Labels in dendrogram leaf order, for plotting. */
  readonly order: readonly string[];
  /** Adjusted Rand index between the clusters and the groups (labels with a group only); null without groups. */
  readonly adjustedRandIndex: number | null;
}

/** Everything reported about one matrix. */
export interface PairwiseMatrixResult {
  readonly scope: string;
  readonly labels: readonly string[];
  readonly groups: readonly (string | null)[];
  readonly methods: Partial<Record<PairwiseMethod, { readonly distance: DistanceMatrix; readonly pValue?: DistanceMatrix }>>;
  /** By method; only when some label has a group. */
  readonly groupStats?: Partial<Record<PairwiseMethod, GroupStats>>;
  /** By method, one entry per pair of groups: the between-minus-within permutation test (with --permutations and groups). */
  readonly groupTest?: Partial<Record<PairwiseMethod, readonly GroupTestEntry[]>>;
  /** By method: how many cells' permutation p-values stay significant after a Benjamini-Hochberg correction (with --cells). */
  readonly cells?: Partial<Record<PairwiseMethod, CellSignificance>>;
  /** By method; only with --clusters, and only for matrices without failed pairs. */
  readonly clusters?: Partial<Record<PairwiseMethod, PairwiseClusters>>;
  /** By method: each network's mean within-group distance against each metadata column. */
  readonly meta?: Partial<Record<PairwiseMethod, readonly MetaCorrelation[]>>;
}

/** The per-cell tests of one matrix and method after the false discovery rate correction. */
export interface CellSignificance {
  readonly correction: 'benjamini-hochberg';
  readonly alpha: number;
  /** Cells with a p-value (pairs that did not fail). */
  readonly tests: number;
  /** Cells significant at `alpha` after the correction. */
  readonly significant: number;
}

/** False discovery rate of the per-cell correction. */
export const CELL_ALPHA = 0.05;

export interface PairwiseAnalysisOptions {
  /** The between-minus-within group test per matrix and method, for matrices with groups. */
  readonly groupTest?: { readonly permutations: number; readonly seed?: number };
  /** Cut each matrix's average-linkage dendrogram into this many clusters. */
  readonly clusters?: number;
  /** Per-network values to correlate with distances. */
  readonly meta?: MetaTable;
}

/**
 * Fills the distance matrices of the plan from its records (one per planned
 * pair, in any order). The matrix is symmetric with an exact 0 diagonal.
 */
export function buildDistanceMatrices(plan: PairwisePlan, records: readonly PairwiseRecord[], methods: readonly PairwiseMethod[]): PairwiseMatrixResult[] {
  const byKey = new Map(records.map((record) => [recordKey(record), record]));
  const tasksOf = plan.matrices.map(() => [] as PairwisePlan['tasks'][number][]);
  for (const task of plan.tasks) tasksOf[task.matrix].push(task);
  return plan.matrices.map((matrix, m) => {
    const n = matrix.labels.length;
    const result: Partial<Record<PairwiseMethod, { distance: DistanceMatrix; pValue?: DistanceMatrix }>> = {};
    for (const method of methods) {
      const distance: DistanceMatrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : null)));
      const pValue: DistanceMatrix = Array.from({ length: n }, () => Array.from({ length: n }, () => null));
      let tested = false;
      for (const task of tasksOf[m]) {
        const record = byKey.get(task.key);
        const p = record?.significance?.[method]?.pValue;
        if (p !== undefined) {
          pValue[task.i][task.j] = p;
          pValue[task.j][task.i] = p;
          tested = true;
        }
        const value = record?.values?.[method]?.distance;
        if (value === undefined || !Number.isFinite(value)) continue;
        distance[task.i][task.j] = value;
        distance[task.j][task.i] = value;
      }
      result[method] = tested ? { distance, pValue } : { distance };
    }
    return { scope: matrix.scope, labels: matrix.labels, groups: matrix.groups, methods: result };
  });
}

/** A matrix averaged over layers: its scope is `mean`, `layers` the layers it averages. */
export interface AggregateMatrixResult extends PairwiseMatrixResult {
  readonly aggregate: 'mean';
  readonly layers: readonly string[];
}

/**
 * The distance matrix averaged over layers (the PWCCA paper clusters
 * networks by their mean distance over layers): over the networks present
 * in every layer's matrix, cell (i, j) the mean of the layers' cells; null
 * when any layer's pair failed, so no mean is over fewer layers than the
 * others. Undefined with fewer than two layers or two common networks.
 */
export function buildMeanMatrix(
  matrices: readonly PairwiseMatrixResult[],
  methods: readonly PairwiseMethod[],
): { matrix?: AggregateMatrixResult; warnings: string[] } {
  const warnings: string[] = [];
  if (matrices.length < 2) return { warnings: ['--aggregate mean needs two or more layers; only one was compared, so there is no mean matrix'] };
  const common = matrices[0].labels.filter((label) => matrices.every((matrix) => matrix.labels.includes(label)));
  const all = new Set(matrices.flatMap((matrix) => matrix.labels));
  if (common.length < 2) return { warnings: ['--aggregate mean: fewer than two networks have every layer, so there is no mean matrix'] };
  if (common.length < all.size) {
    const left = [...all].filter((label) => !common.includes(label));
    warnings.push(`--aggregate mean leaves out ${left.length} network(s) that lack some layer (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''})`);
  }
  const index = matrices.map((matrix) => common.map((label) => matrix.labels.indexOf(label)));
  const result: Partial<Record<PairwiseMethod, { distance: DistanceMatrix }>> = {};
  for (const method of methods) {
    const distance: DistanceMatrix = common.map((_, i) =>
      common.map((_, j) => {
        if (i === j) return 0;
        let sum = 0;
        for (let m = 0; m < matrices.length; m++) {
          const value = matrices[m].methods[method]?.distance[index[m][i]][index[m][j]];
          if (value === null || value === undefined) return null;
          sum += value;
        }
        return sum / matrices.length;
      }),
    );
    result[method] = { distance };
  }
  const first = matrices[0];
  const groups = common.map((label) => first.groups[first.labels.indexOf(label)]);
  return {
    matrix: { scope: 'mean', aggregate: 'mean', layers: matrices.map((matrix) => matrix.scope), labels: common, groups, methods: result },
    warnings,
  };
}

/** Adds group statistics, clusters and metadata correlations; returns the warnings of the analysis. */
export function analysePairwise(
  matrices: readonly PairwiseMatrixResult[],
  options: PairwiseAnalysisOptions = {},
): { matrices: PairwiseMatrixResult[]; warnings: string[] } {
  const warnings: string[] = [];
  const unmatchedMeta = new Set<string>();
  const analysed = matrices.map((matrix) => {
    const methods = Object.keys(matrix.methods) as PairwiseMethod[];
    const grouped = matrix.groups.some((group) => group !== null);
    const groupStats: Partial<Record<PairwiseMethod, GroupStats>> = {};
    const clusters: Partial<Record<PairwiseMethod, PairwiseClusters>> = {};
    const meta: Partial<Record<PairwiseMethod, readonly MetaCorrelation[]>> = {};
    const groupTest: Partial<Record<PairwiseMethod, readonly GroupTestEntry[]>> = {};
    const cells: Partial<Record<PairwiseMethod, CellSignificance>> = {};
    for (const method of methods) {
      const distance = matrix.methods[method]!.distance;
      if (grouped) groupStats[method] = buildGroupStats(distance, matrix.groups);
      if (grouped && options.groupTest) groupTest[method] = groupPermutationTest(distance, matrix.groups, options.groupTest);
      const pValue = matrix.methods[method]!.pValue;
      if (pValue) {
        const upper = pValue.flatMap((row, i) => row.slice(i + 1));
        const corrected = benjaminiHochberg(upper, CELL_ALPHA);
        cells[method] = { correction: 'benjamini-hochberg', alpha: CELL_ALPHA, tests: corrected.tests, significant: corrected.count };
      }
      if (options.clusters !== undefined) {
        if (distance.some((row) => row.some((value) => value === null))) {
          warnings.push(`${matrix.scope} (${method}): not clustered, some pairs failed`);
        } else {
          const clustering = clusterDistances(distance as number[][], options.clusters);
          clusters[method] = {
            method: 'average',
            linkage: clustering.linkage,
            k: clustering.k,
            assignments: clustering.assignments,
            order: clustering.order.map((i) => matrix.labels[i]),
            adjustedRandIndex: grouped ? randIndexWithGroups(clustering.assignments, matrix.groups) : null,
          };
        }
      }
      if (options.meta) {
        const { values, unmatched } = matchMetaRows(matrix.labels, options.meta);
        unmatched.forEach((label) => unmatchedMeta.add(label));
        meta[method] = correlateWithMeta(matrix.labels, meanDistanceWithinGroup(distance, matrix.groups), values, options.meta.columns);
      }
    }
    if (options.clusters !== undefined && options.clusters > matrix.labels.length) {
      warnings.push(`${matrix.scope}: --clusters ${options.clusters} is more than its ${matrix.labels.length} labels; each label is its own cluster`);
    }
    return {
      ...matrix,
      ...(grouped && { groupStats }),
      ...(grouped && options.groupTest && { groupTest }),
      ...(Object.keys(cells).length > 0 && { cells }),
      ...(options.clusters !== undefined && { clusters }),
      ...(options.meta && { meta }),
    };
  });
  if (unmatchedMeta.size > 0) {
    const names = [...unmatchedMeta];
    warnings.push(`no --meta row for ${names.length} network(s) (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}): left out of the correlations`);
  }
  return { matrices: analysed, warnings };
}

/** The names a report of another study made of pairwise matrices goes by. */
export interface PairwiseReportKind {
  /** JSON `command`, e.g. `timesteps`. */
  readonly command: string;
  /** JSON `scope`, e.g. `timestep`. */
  readonly scope: string;
  /** What the labels are (plural), for tables, e.g. `timesteps`. */
  readonly labels: string;
}

/** Everything `pwcca pairwise` reports, for the CSV, JSON and table renderers. */
export interface PairwiseReport {
  readonly schemaVersion: number;
  /** What each matrix is about: a layer (labels = networks) or, with --cross-layer, a network (labels = layers). */
  readonly scopeKind: 'layer' | 'network';
  readonly methods: readonly PairwiseMethod[];
  /** The options that produced the numbers, as given. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly discovery: { readonly mode: string; readonly root?: string; readonly files: readonly { path: string; network: string; layer: string; group: string | null }[] };
  readonly matrices: readonly PairwiseMatrixResult[];
  /** With --aggregate mean: the matrix averaged over the layers, analysed like the others. */
  readonly aggregate?: AggregateMatrixResult;
  /** One per pair, in plan order. */
  readonly records: readonly PairwiseRecord[];
  readonly warnings: readonly string[];
  /** How a study built on pairwise matrices names its report (e.g. timesteps); default: pairwise. */
  readonly kind?: PairwiseReportKind;
}

/** Options of a pairwise report: the study's, the analysis', and the choices recorded with the numbers. */
export interface PairwiseReportOptions extends PairwiseOptions, PairwiseAnalysisOptions {
  /** Layer x layer matrices within each network (see the plan). */
  readonly crossLayer?: boolean;
  readonly layers?: readonly string[];
  readonly groupBy?: RegExp;
  /** Where `meta` was read from, as given. */
  readonly metaPath?: string;
  /** The groups selected (see the plan). */
  readonly groups?: readonly string[];
  /** Add the matrix averaged over the layers (`mean`), analysed like the others. */
  readonly aggregate?: 'mean';
}

/**
 * Builds what `pwcca pairwise` reports from a finished run: the distance
 * matrices with their group statistics, clusters and metadata correlations,
 * every record, the options that produced them, and the warnings of
 * discovery, plan and analysis.
 */
export function buildPairwiseReport(
  discovery: Discovery,
  plan: PairwisePlan,
  run: Pick<PairwiseRun, 'records'>,
  options: PairwiseReportOptions = {},
): PairwiseReport {
  const methods = options.methods ?? ['pwcca'];
  const matrices = buildDistanceMatrices(plan, run.records, methods);
  const analysis = { clusters: options.clusters, meta: options.meta, groupTest: options.groupTest };
  const analysed = analysePairwise(matrices, analysis);
  const mean = options.aggregate === 'mean' ? buildMeanMatrix(matrices, methods) : undefined;
  const aggregated = mean?.matrix ? analysePairwise([mean.matrix], analysis) : undefined;
  const analysisWarnings = [...new Set([...analysed.warnings, ...(mean?.warnings ?? []), ...(aggregated?.warnings ?? [])])];
  return {
    schemaVersion: SCHEMA_VERSION,
    scopeKind: plan.scopeKind,
    methods,
    options: {
      methods,
      variant: options.variant ?? 'paper',
      epsilon: options.epsilon ?? null,
      svdDims: options.svcca?.dims ?? null,
      svdVariance: options.svcca?.varianceFraction ?? 0.99, // SVCCA's default fraction
      layout: options.layout ?? 'auto',
      conv: options.conv ?? 'flatten',
      skipNonNumeric: options.skipNonNumeric === true,
      crossLayer: options.crossLayer === true,
      layers: options.layers ?? null,
      groupBy: options.groupBy?.source ?? null,
      clusters: options.clusters ?? null,
      meta: options.metaPath ?? null,
      permutations: options.groupTest?.permutations ?? options.cells?.permutations ?? null,
      seed: options.groupTest || options.cells ? (options.groupTest?.seed ?? options.cells?.seed ?? 0) : null,
      cells: options.cells !== undefined,
      groups: options.groups ?? null,
      aggregate: options.aggregate ?? null,
    },
    discovery: { mode: discovery.mode, root: discovery.root, files: discovery.files.map((file) => ({ ...file })) },
    matrices: analysed.matrices,
    ...(aggregated && mean?.matrix && { aggregate: { ...mean.matrix, ...aggregated.matrices[0] } as AggregateMatrixResult }),
    records: run.records,
    warnings: [...discovery.warnings, ...plan.warnings, ...analysisWarnings],
  };
}

function randIndexWithGroups(assignments: readonly number[], groups: readonly (string | null)[]): number | null {
  const kept = groups.map((group, i) => ({ group, cluster: assignments[i] })).filter((entry) => entry.group !== null);
  if (kept.length < 2) return null;
  return adjustedRandIndex(
    kept.map((entry) => entry.cluster),
    kept.map((entry) => entry.group!),
  );
}
