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
  /** Only these layers (must exist). */
  readonly layers?: readonly string[];
}

/** Plans the matrices and pairs of a pairwise run from discovered files. */
export function buildPairwisePlan(discovery: Discovery, options: PairwisePlanOptions = {}): PairwisePlan {
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
    const wanted = new Set(options.layers);
    layers = discovery.layers.filter((layer) => wanted.has(layer));
  }
  const keep = new Set(layers);
  const used = discovery.files.filter((file) => keep.has(file.layer));
  const matrices: PlannedMatrix[] = [];
  if (options.crossLayer) {
    for (const network of discovery.networks) {
      const files = used.filter((file) => file.network === network); // already in natural layer order
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
      const files = used.filter((file) => file.layer === layer); // already in natural network order
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
  const ids = new Set(matrices.flatMap((matrix) => matrix.fileIds));
  const files = discovery.files.filter((file) => ids.has(file.path)).map((file) => ({ id: file.path, path: file.path }));
  return { scopeKind: options.crossLayer ? 'network' : 'layer', files, matrices, tasks, warnings };
}
