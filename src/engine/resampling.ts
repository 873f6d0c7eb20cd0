/**
 * Resampling tests of one compared pair, run by the engine right after the
 * pair's comparison while both matrices and prepared sides are in memory:
 * the permutation null (shuffled datapoint pairing, reusing the prepared
 * sides) and bootstrap intervals (resampled datapoints, compared from
 * scratch).
 */
import type { CompareOptions, PairComparison } from '../metrics/compare.js';
import { observedValues, preparePermutablePair, type SimilarityMethod } from '../metrics/permutable.js';
import { resampledSimilarities } from '../metrics/resample.js';
import type { PreparedSide } from '../metrics/side.js';
import { bootstrap, type BootstrapResult } from '../stats/bootstrap.js';
import { permutationTest, type PermutationTestResult } from '../stats/permutation.js';
import type { Matrix } from '../types.js';

/** What to resample for each pair of a run. */
export interface PairResampling {
  /** Methods to test; those the comparison did not compute are left out. */
  readonly methods: readonly SimilarityMethod[];
  /** K shuffles of the datapoint pairing (permutation null), if any. */
  readonly permutations?: number;
  /** B bootstrap resamples of the datapoints, if any. */
  readonly bootstrap?: number;
  /** Seed of both (default 0). */
  readonly seed?: number;
  /** Confidence level of the bootstrap intervals (default 0.95). */
  readonly confidence?: number;
  /** Progress of one pair's resampling: done and total resamples (permutations first, then bootstrap). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The resampling results of one pair, as `compare`'s JSON names them. */
export interface PairResamplingResult {
  readonly significance?: PermutationTestResult<SimilarityMethod>;
  readonly confidence?: BootstrapResult<SimilarityMethod>;
}

/** The methods of `wanted` that `comparison` holds, in pwcca, cca, svcca, cka order. */
export function testedMethods(comparison: PairComparison, wanted: readonly SimilarityMethod[]): SimilarityMethod[] {
  const computed: Record<SimilarityMethod, boolean> = { pwcca: true, cca: true, svcca: comparison.svcca !== undefined, cka: comparison.cka !== undefined };
  return (['pwcca', 'cca', 'svcca', 'cka'] as const).filter((method) => wanted.includes(method) && computed[method]);
}

/** Runs the requested tests on one pair (x, y as loaded; px, py prepared from them). */
export function runPairResampling(
  x: Matrix,
  px: PreparedSide,
  y: Matrix,
  py: PreparedSide,
  comparison: PairComparison,
  compare: CompareOptions,
  resampling: PairResampling,
): PairResamplingResult {
  const methods = testedMethods(comparison, resampling.methods);
  const total = (resampling.permutations ?? 0) + (resampling.bootstrap ?? 0);
  const seed = resampling.seed ?? 0;
  let significance: PermutationTestResult<SimilarityMethod> | undefined;
  let confidence: BootstrapResult<SimilarityMethod> | undefined;
  if (resampling.permutations !== undefined) {
    const pair = preparePermutablePair(x, px, y, py, methods, compare);
    significance = permutationTest(pair, observedValues(comparison, methods), {
      permutations: resampling.permutations,
      seed,
      onProgress: (done) => resampling.onProgress?.(done, total),
    });
  }
  if (resampling.bootstrap !== undefined) {
    const offset = resampling.permutations ?? 0;
    const { labels: _labels, cka: _cka, ...options } = compare;
    confidence = bootstrap(x.rows, (rows) => resampledSimilarities(x, y, rows, methods, options), {
      resamples: resampling.bootstrap,
      observed: observedValues(comparison, methods),
      seed,
      confidence: resampling.confidence,
      onProgress: (done) => resampling.onProgress?.(offset + done, total),
    });
  }
  return { ...(significance && { significance }), ...(confidence && { confidence }) };
}
