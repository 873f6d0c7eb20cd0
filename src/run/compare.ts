import { InputError, withWhere, PwccaError } from '../errors.js';
import { loadMatrix, type InputInfo, type LoadedMatrix } from '../io/load.js';
import { comparePrepared, type PairComparison, type PwccaVariant } from '../metrics/compare.js';
import { crossCovariance, prepareSide } from '../metrics/side.js';
import type { SvccaOptions } from '../metrics/svcca.js';

/** Version of the JSON documents pwcca writes; bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

/** The statistics `compare` can put first. `all` reports PWCCA first and computes SVCCA too. */
export const COMPARE_METHODS = ['pwcca', 'cca', 'svcca', 'all'] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/** How files are read: layout of the stored axes and the reduction of conv/sequence activations. */
export interface ReadOptions {
  readonly layout?: string;
  readonly conv?: 'flatten' | 'mean';
  readonly skipNonNumeric?: boolean;
  readonly stdin?: NodeJS.ReadableStream;
}

export interface CompareRunOptions extends ReadOptions {
  readonly method?: CompareMethod;
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  readonly threshold?: number;
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
}

/** One input as reported: where it came from, how it was read, and what the engine saw. */
export interface InputSummary extends InputInfo {
  readonly rank: number;
  readonly droppedNeurons: readonly number[];
}

/** The result of `pwcca compare`: the engine's numbers plus the inputs and options that produced them. */
export interface CompareReport {
  readonly schemaVersion: number;
  readonly method: CompareMethod;
  readonly variant: PwccaVariant;
  /** Similarity of the selected method (PWCCA for `all`). */
  readonly similarity: number;
  readonly distance: number;
  readonly inputs: { readonly a: InputSummary; readonly b: InputSummary };
  readonly comparison: PairComparison;
}

/** Loads two activation files and compares them (`pwcca compare`). */
export async function runCompare(pathA: string, pathB: string, options: CompareRunOptions = {}): Promise<CompareReport> {
  if (pathA === '-' && pathB === '-') {
    throw new InputError('both inputs are standard input', { hint: 'pass at most one file as -' });
  }
  const method = options.method ?? 'pwcca';
  const a = await loadMatrix(pathA, options);
  const b = await loadMatrix(pathB, options);
  checkPairShapes(a, b);
  const labels = { a: a.info.path, b: b.info.path };
  const px = prepareOrExplain(a);
  const py = prepareOrExplain(b);
  const comparison = comparePrepared(px, py, crossCovariance(a.matrix, px, b.matrix, py), {
    variant: options.variant,
    epsilon: options.epsilon,
    threshold: options.threshold,
    svcca: method === 'svcca' || method === 'all' ? (options.svcca ?? {}) : undefined,
    labels,
  });
  const selected = method === 'cca' ? comparison.cca : method === 'svcca' ? comparison.svcca! : comparison.pwcca;
  return {
    schemaVersion: SCHEMA_VERSION,
    method,
    variant: comparison.pwcca.variant,
    similarity: selected.similarity,
    distance: selected.distance,
    inputs: {
      a: { ...a.info, rank: comparison.sides.a.rank, droppedNeurons: comparison.sides.a.droppedNeurons },
      b: { ...b.info, rank: comparison.sides.b.rank, droppedNeurons: comparison.sides.b.droppedNeurons },
    },
    comparison,
  };
}

function prepareOrExplain(loaded: LoadedMatrix) {
  try {
    return prepareSide(loaded.matrix);
  } catch (error) {
    throw error instanceof PwccaError ? withWhere(error, loaded.info.path) : error;
  }
}

/**
 * Two files can be compared only when their rows are the same datapoints.
 * Explains the two usual causes of a mismatch: a transposed dump and conv
 * maps of different spatial size.
 */
export function checkPairShapes(a: LoadedMatrix, b: LoadedMatrix): void {
  const [ia, ib] = [a.info, b.info];
  if (ia.datapoints === ib.datapoints) return;
  const where = `${ia.path} vs ${ib.path}`;
  const seen = `${ia.path} has shape [${ia.shape.join(', ')}] -> ${ia.datapoints} datapoints, ${ib.path} has shape [${ib.shape.join(', ')}] -> ${ib.datapoints} datapoints`;
  if (ia.reduction === 'flatten' && ib.reduction === 'flatten') {
    throw new InputError(`conv maps of different spatial size cannot be flattened together: ${seen}`, {
      where,
      hint: `spatial sizes [${ia.spatialShape.join(', ')}] and [${ib.spatialShape.join(', ')}] differ; pass --conv mean to average over space`,
    });
  }
  const transposedMatches =
    ia.shape.length === 2 && ib.shape.length === 2 && (ia.shape[1] === ib.datapoints || ib.shape[1] === ia.datapoints);
  throw new InputError(`different numbers of datapoints: ${seen}`, {
    where,
    hint: transposedMatches
      ? 'a file looks transposed (neurons x datapoints, as google/svcca stores them): re-save it as (datapoints, neurons), or pass --layout neurons-first when both files are stored that way'
      : 'both files must hold activations for the same probe inputs, in the same order',
  });
}
