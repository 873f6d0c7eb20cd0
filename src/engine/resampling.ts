/**
 * Resampling tests of one compared pair, run by the engine right after the
 * pair's comparison while both matrices and prepared sides are in memory:
 * the permutation null (shuffled datapoint pairing, reusing the prepared
 * sides) and bootstrap intervals (resampled datapoints, compared from
 * scratch). The shuffles and resamples run in batches on the executor's
 * threads, as many at a time as the pair has threads.
 */
import type { CompareOptions, PairComparison } from '../metrics/compare.js';
import { observedValues, variateWhitenings, type PermutableInputs, type SimilarityMethod } from '../metrics/permutable.js';
import type { PreparedSide } from '../metrics/side.js';
import { bootstrap, type BootstrapResult } from '../stats/bootstrap.js';
import { permutationTest, type PermutationTestResult } from '../stats/permutation.js';
import type { Matrix } from '../types.js';
import type { Executor, PairResampling, PairResamplingResult } from './types.js';

/** The methods of `wanted` that `comparison` holds, in pwcca, cca, svcca, cka order. */
export function testedMethods(comparison: PairComparison, wanted: readonly SimilarityMethod[]): SimilarityMethod[] {
  const computed: Record<SimilarityMethod, boolean> = { pwcca: true, cca: true, svcca: comparison.svcca !== undefined, cka: comparison.cka !== undefined };
  return (['pwcca', 'cca', 'svcca', 'cka'] as const).filter((method) => wanted.includes(method) && computed[method]);
}

/** Distinguishes the permutable inputs of the pairs of one process (a worker thread keeps the pair it built last). */
let inputsCount = 0;

/**
 * Runs the requested tests on one pair (x, y as loaded; px, py prepared from
 * them), `lanes` batches at a time on the executor.
 */
export async function runPairResampling(
  executor: Executor,
  sides: { x: Matrix; px: PreparedSide; y: Matrix; py: PreparedSide },
  comparison: PairComparison,
  compare: CompareOptions,
  resampling: PairResampling,
  lanes: number,
): Promise<PairResamplingResult> {
  const { x, y } = sides;
  const methods = testedMethods(comparison, resampling.methods);
  const total = (resampling.permutations ?? 0) + (resampling.bootstrap ?? 0);
  const seed = resampling.seed ?? 0;
  const { labels: _labels, ...options } = compare;
  let significance: PermutationTestResult<SimilarityMethod> | undefined;
  let confidence: BootstrapResult<SimilarityMethod> | undefined;
  if (resampling.permutations !== undefined) {
    const inputs = await permutableInputsOn(executor, sides, methods, options);
    significance = await permutationTest(x.rows, (draws) => executor.permutationBatch(inputs, draws), observedValues(comparison, methods), {
      permutations: resampling.permutations,
      seed,
      lanes,
      onProgress: (done) => resampling.onProgress?.(done, total),
    });
  }
  if (resampling.bootstrap !== undefined) {
    const offset = resampling.permutations ?? 0;
    const { cka: _cka, ...bootstrapOptions } = options;
    confidence = await bootstrap(x.rows, (draws) => executor.bootstrapBatch(x, y, draws, methods, bootstrapOptions), {
      resamples: resampling.bootstrap,
      observed: observedValues(comparison, methods),
      seed,
      confidence: resampling.confidence,
      lanes,
      onProgress: (done) => resampling.onProgress?.(offset + done, total),
    });
  }
  return { ...(significance && { significance }), ...(confidence && { confidence }) };
}

/** The pair's permutable inputs, each side's variates computed on its own thread. */
async function permutableInputsOn(
  executor: Executor,
  { x, px, y, py }: { x: Matrix; px: PreparedSide; y: Matrix; py: PreparedSide },
  methods: readonly SimilarityMethod[],
  options: CompareOptions,
): Promise<PermutableInputs> {
  if (y.rows !== x.rows) throw new RangeError(`sides differ in rows: ${x.rows} and ${y.rows}`);
  const { rank, epsilon } = variateWhitenings(methods, options);
  const both = (whitening: number | undefined) =>
    Promise.all([executor.variates(x, px, whitening), executor.variates(y, py, whitening)]).then(([vx, vy]) => ({ x: vx, y: vy }));
  const [rankVariates, epsilonVariates] = await Promise.all([
    rank ? both(undefined) : null,
    epsilon === undefined ? null : both(epsilon),
  ]);
  return { key: `pair-${++inputsCount}`, n: x.rows, methods, options, px, py, rankVariates, epsilonVariates };
}
