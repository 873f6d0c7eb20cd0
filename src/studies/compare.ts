/**
 * `pwcca compare`: one pair through the engine (a run of one task), and the
 * report of it.
 */
import { InputError } from '../errors.js';
import type { InputInfo } from '../io/load.js';
import type { PairComparison, PwccaVariant } from '../metrics/compare.js';
import type { SimilarityMethod } from '../metrics/permutable.js';
import type { SvccaOptions } from '../metrics/svcca.js';
import type { BootstrapResult } from '../stats/bootstrap.js';
import type { PermutationTestResult } from '../stats/permutation.js';
import { runPairs } from '../engine/run-pairs.js';
import type { EngineOptions } from '../engine/types.js';
import { SCHEMA_VERSION } from '../types.js';

/** The statistics `compare` can put first. `all` reports PWCCA first and computes SVCCA and CKA too. */
export const COMPARE_METHODS = ['pwcca', 'cca', 'svcca', 'cka', 'all'] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/**
 * Options of `compare`: the engine's (reading, `jobs` threads for a large
 * pair, `stream`, `onRowsRead`) and the comparison's.
 */
export interface CompareRunOptions extends EngineOptions {
  readonly method?: CompareMethod;
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  readonly threshold?: number;
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
  /** K shuffles of the datapoint pairing: a permutation test of every computed similarity. */
  readonly permutations?: number;
  /** B bootstrap resamples of the datapoints: percentile intervals of every computed similarity. */
  readonly bootstrap?: number;
  /** Seed of the permutations and resamples (default 0). */
  readonly seed?: number;
  /** Confidence level of the bootstrap intervals (default 0.95). */
  readonly confidence?: number;
  /** Progress of the resampling: resamples done and total. */
  readonly onResample?: (done: number, total: number) => void;
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
  /** The permutation test (with `permutations`). */
  readonly significance?: PermutationTestResult<SimilarityMethod>;
  /** The bootstrap intervals (with `bootstrap`). */
  readonly confidence?: BootstrapResult<SimilarityMethod>;
}

/**
 * Compares two activation files (`pwcca compare`): the engine's run of one
 * pair, so it takes the same route (in memory, or streamed for large 2-D
 * .npy files) and gives the same numbers as a pair of a multi-pair study.
 * Errors are thrown, not recorded.
 */
export async function runCompare(pathA: string, pathB: string, options: CompareRunOptions = {}): Promise<CompareReport> {
  if (pathA === '-' && pathB === '-') {
    throw new InputError('both inputs are standard input', { hint: 'pass at most one file as -' });
  }
  const method = options.method ?? 'pwcca';
  const resampling = options.permutations !== undefined || options.bootstrap !== undefined;
  const files = [
    { id: 'a', path: pathA },
    { id: 'b', path: pathB },
  ];
  const { outcomes, stats } = await runPairs(files, [{ key: 'a vs b', a: 'a', b: 'b' }], {
    ...options,
    // Resampling needs the rows in memory; an explicit --stream is refused by the engine.
    stream: resampling && options.stream !== true ? false : options.stream,
    compare: {
      variant: options.variant,
      epsilon: options.epsilon,
      threshold: options.threshold,
      svcca: method === 'svcca' || method === 'all' ? (options.svcca ?? {}) : undefined,
      cka: method === 'cka' || method === 'all' ? {} : undefined,
    },
    resampling: resampling
      ? {
          methods: SIMILARITY_METHODS,
          permutations: options.permutations,
          bootstrap: options.bootstrap,
          seed: options.seed,
          confidence: options.confidence,
          onProgress: options.onResample,
        }
      : undefined,
  });
  const [outcome] = outcomes;
  if (outcome.error) throw outcome.cause;
  const comparison = outcome.comparison;
  const infoOf = (id: string): InputInfo => {
    const { rank: _rank, ...info } = stats.inputs.get(id)!;
    return info;
  };
  const selected =
    method === 'cca' ? comparison.cca : method === 'svcca' ? comparison.svcca! : method === 'cka' ? comparison.cka! : comparison.pwcca;
  return {
    schemaVersion: SCHEMA_VERSION,
    method,
    variant: comparison.pwcca.variant,
    similarity: selected.similarity,
    distance: selected.distance,
    inputs: {
      a: { ...infoOf('a'), rank: comparison.sides.a.rank, droppedNeurons: comparison.sides.a.droppedNeurons },
      b: { ...infoOf('b'), rank: comparison.sides.b.rank, droppedNeurons: comparison.sides.b.droppedNeurons },
    },
    comparison,
    ...(outcome.resampling?.significance && { significance: outcome.resampling.significance }),
    ...(outcome.resampling?.confidence && { confidence: outcome.resampling.confidence }),
  };
}

/** Every similarity a resampling test can cover; each run tests those its comparison computed. */
const SIMILARITY_METHODS: readonly SimilarityMethod[] = ['pwcca', 'cca', 'svcca', 'cka'];
