/**
 * Which comparisons `pwcca pairwise` runs: one matrix per layer (networks x
 * networks), or with `crossLayer` one per network (layers x layers), and
 * every unordered pair of its labels once. Pure.
 */
import { UsageError } from '../../errors.js';
import { pairKey } from '../../types.js';
import type { Discovery } from './discover.js';
import type { PairTask, SourceFile } from '../../engine/run-pairs.js';

/** What a matrix is about: a layer (labels are networks) or, with --cross-layer, a network (labels are layers). */
export type ScopeKind = 'layer' | 'network';

/** One distance matrix to fill. */
export interface PlannedMatrix {
  /** The layer (or network, with --cross-layer) this matrix is about. */
  readonly scope: string;
  /** Row/column labels in natural order. */
  readonly labels: readonly string[];
  /** Group of each label (null when none). */
  readonly groups: readonly (string | null)[];
  /** File id (= path) of each label. */
  readonly fileIds: readonly string[];
}

/** One comparison: labels `a` (row i) and `b` (column j, i < j) of matrix `scope`. */
export interface PairwiseTask extends PairTask {
  readonly scope: string;
  readonly matrix: number;
  readonly i: number;
  readonly j: number;
  readonly labelA: string;
  readonly labelB: string;
}

export interface PairwisePlan {
  readonly scopeKind: ScopeKind;
  readonly files: readonly SourceFile[];
  readonly matrices: readonly PlannedMatrix[];
  /** Matrix by matrix, row by row: consecutive tasks share files, so few prepared sides are held at once. */
  readonly tasks: readonly PairwiseTask[];
  readonly warnings: readonly string[];
}

export interface PairwisePlanOptions {
  /** Layer x layer matrices within each network instead of network x network matrices per layer. */
  readonly crossLayer?: boolean;
  /** Only these layers (must exist), in this order: the order of --cross-layer labels and of the matrices. */
  readonly layers?: readonly string[];
  /** Only the networks of these groups (must exist). */
  readonly groups?: readonly string[];
}

/** The matrices of a pairwise run and what the user should know about them, before any pair is listed. */
export interface PairwiseOutline {
  readonly scopeKind: ScopeKind;
  readonly matrices: readonly PlannedMatrix[];
  readonly warnings: readonly string[];
}

/**
 * Plans the matrices of a pairwise run from discovered files, without listing
 * their pairs: cheap however many pairs there are, so a run can say how big
 * it is (see {@link countPairs}) before it commits memory to the pair list.
 */
export function outlinePairwisePlan(discovery: Discovery, options: PairwisePlanOptions = {}): PairwiseOutline {
  const warnings: string[] = [];
  if (options.crossLayer && discovery.mode !== 'tree') {
    throw new UsageError('--cross-layer needs a ROOT/<network>/<layer> folder tree', {
      hint: 'put each network\'s layer files in its own folder: ROOT/<network>/<layer>.npy',
    });
  }
  let layers = discovery.layers;
  if (options.layers && options.layers.length > 0) {
    const unknown = options.layers.filter((layer) => !discovery.layers.includes(layer));
    if (unknown.length > 0) {
      throw new UsageError(`unknown layer(s) in --layers: ${unknown.join(', ')}`, {
        hint: `the layers found are: ${discovery.layers.join(', ')}`,
      });
    }
    const duplicate = options.layers.find((layer, i) => options.layers!.indexOf(layer) !== i);
    if (duplicate !== undefined) throw new UsageError(`--layers names ${duplicate} twice`, { hint: 'list each layer once' });
    layers = [...options.layers];
  }
  let networks = discovery.networks;
  if (options.groups && options.groups.length > 0) {
    const found = [...new Set(networks.map((network) => discovery.groups.get(network)).filter((group): group is string => group != null))];
    if (found.length === 0) {
      throw new UsageError('--groups selects groups, but no network has one', {
        hint: 'groups come from ROOT/<group>/<network>/<layer>.npy trees or --group-by REGEX',
      });
    }
    const unknown = options.groups.filter((group) => !found.includes(group));
    if (unknown.length > 0) {
      throw new UsageError(`unknown group(s) in --groups: ${unknown.join(', ')}`, { hint: `the groups found are: ${found.join(', ')}` });
    }
    const wanted = new Set(options.groups);
    networks = networks.filter((network) => wanted.has(discovery.groups.get(network) ?? ''));
  }
  if (discovery.mode === 'tree' && !options.crossLayer) {
    // Gaps only among the layers and networks compared: others are not the user's concern here.
    for (const layer of layers) {
      const have = new Set(discovery.files.filter((file) => file.layer === layer).map((file) => file.network));
      const missing = networks.filter((network) => !have.has(network));
      if (missing.length === 0 || missing.length === networks.length) continue;
      warnings.push(
        `layer ${layer} is missing in ${missing.length} of ${networks.length} networks (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}): comparing the ${networks.length - missing.length} that have it`,
      );
    }
  }
  const keep = new Set(layers);
  const keepNetworks = new Set(networks);
  const depth = new Map(layers.map((layer, i) => [layer, i]));
  const used = discovery.files
    .filter((file) => keep.has(file.layer) && keepNetworks.has(file.network))
    .sort((p, q) => networks.indexOf(p.network) - networks.indexOf(q.network) || depth.get(p.layer)! - depth.get(q.layer)!);
  const matrices: PlannedMatrix[] = [];
  if (options.crossLayer) {
    for (const network of networks) {
      const files = used.filter((file) => file.network === network); // in layer order
      if (files.length === 0) continue;
      if (files.length < 2) {
        warnings.push(`network ${network} has only one layer (${files[0].layer}): nothing to compare`);
        continue;
      }
      // Layers have no groups: group statistics compare networks, not the layers of one network.
      matrices.push({ scope: network, labels: files.map((f) => f.layer), groups: files.map(() => null), fileIds: files.map((f) => f.path) });
    }
  } else {
    for (const layer of layers) {
      const files = used.filter((file) => file.layer === layer); // in network order
      if (files.length < 2) {
        warnings.push(`layer ${layer} exists in only one network (${files[0]?.network}): nothing to compare`);
        continue;
      }
      matrices.push({ scope: layer, labels: files.map((f) => f.network), groups: files.map((f) => f.group), fileIds: files.map((f) => f.path) });
    }
  }
  if (matrices.length === 0) {
    throw new UsageError('nothing to compare: no layer has two or more files', {
      hint: 'check the folder layout (ROOT/<network>/<layer>.npy) and --layers',
    });
  }
  return { scopeKind: options.crossLayer ? 'network' : 'layer', matrices, warnings };
}

/** The number of pairs of the matrices: every unordered pair of labels, once per matrix. */
export function countPairs(matrices: readonly PlannedMatrix[]): number {
  return matrices.reduce((sum, matrix) => sum + (matrix.labels.length * (matrix.labels.length - 1)) / 2, 0);
}

/**
 * Every unordered pair of labels of each matrix, matrix by matrix and row by
 * row (consecutive pairs share files, so few prepared sides are held at once).
 */
export function listMatrixTasks(matrices: readonly PlannedMatrix[]): PairwiseTask[] {
  const tasks: PairwiseTask[] = [];
  matrices.forEach((matrix, m) => {
    for (let i = 0; i < matrix.labels.length; i++) {
      for (let j = i + 1; j < matrix.labels.length; j++) {
        tasks.push({
          key: pairKey(matrix.scope, matrix.labels[i], matrix.labels[j]),
          a: matrix.fileIds[i],
          b: matrix.fileIds[j],
          scope: matrix.scope,
          matrix: m,
          i,
          j,
          labelA: matrix.labels[i],
          labelB: matrix.labels[j],
        });
      }
    }
  });
  return tasks;
}

/** Plans the matrices and pairs of a pairwise run from discovered files. */
export function buildPairwisePlan(discovery: Discovery, options: PairwisePlanOptions = {}): PairwisePlan {
  const { scopeKind, matrices, warnings } = outlinePairwisePlan(discovery, options);
  const tasks = listMatrixTasks(matrices);
  const ids = new Set(matrices.flatMap((matrix) => matrix.fileIds));
  const files = discovery.files.filter((file) => ids.has(file.path)).map((file) => ({ id: file.path, path: file.path }));
  return { scopeKind, files, matrices, tasks, warnings };
}
