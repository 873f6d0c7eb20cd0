/**
 * Bootstrap intervals of a pair's similarities over datapoints: resample the
 * rows (the same rows of both sides, so pairs stay paired) with replacement B
 * times with the seeded generator of ./random.ts, recompute every requested
 * similarity, and report the percentile interval at a confidence level.
 *
 * Resampling with replacement repeats rows (about 63% distinct), which
 * inflates CCA-family similarities: the resampled values sit above the
 * observed one (by 0.01 or more at 25 datapoints per dimension), so the plain
 * percentile interval can miss the observed value altogether. With the
 * observed values given, the interval is therefore the percentile interval
 * shifted by the bootstrap estimate of that bias (mean of the resamples minus
 * the observed value): the spread of the similarity over redrawn
 * datapoints, centred where this draw landed. The plain percentiles and the
 * bias are reported beside it.
 *
 * A resample changes both sides' covariances, so each one costs a full
 * comparison (moments, decompositions, cross product): B times `compare`.
 * For a compared pair the statistic is `resampledSimilarities`
 * (../metrics/resample.ts).
 * The interval describes how much the similarity moves when the probe
 * datapoints are redrawn from the same distribution; it is unreliable when n
 * is close to the effective ranks (resamples repeat rows, which lowers the
 * rank and biases CCA-family similarities upwards) and says nothing about
 * other datasets or other trained networks. Pure: matrices in, numbers out.
 */
import { NumericError, UsageError } from '../errors.js';
import { isFailedDraw, runDraws, type BatchEvaluator } from './draws.js';
import { checkResampleCount } from './permutation.js';
import { checkSeed, resampleIndices, seededRandom } from './random.js';

/** A percentile interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** A bootstrap interval of one method (see the module comment). */
export interface BootstrapInterval extends Interval {
  /** Mean of the resampled values minus the observed value (0 without an observed value). */
  readonly bias: number;
  /** The plain percentile interval of the resampled values; low/high are these minus `bias`. */
  readonly percentile: Interval;
}

/** The result of a bootstrap, keyed as pwcca's JSON `confidence` object. */
export type BootstrapResult<M extends string = string> = {
  /** Confidence level of the intervals, e.g. 0.95. */
  readonly level: number;
  /** B, the number of resamples drawn. */
  readonly resamples: number;
  readonly seed: number;
  /** Resamples on which the comparison was undefined (e.g. rank too high for the rows drawn); left out of the intervals. */
  readonly failed: number;
} & Partial<Record<M, BootstrapInterval>>;

export interface BootstrapOptions {
  /** B, the number of resamples (a positive whole number). */
  readonly resamples: number;
  /** Seed of the generator (default 0). */
  readonly seed?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  readonly confidence?: number;
  /** The observed value per method: the intervals are then shifted by the bootstrap bias estimate. */
  readonly observed?: Readonly<Record<string, number | undefined>>;
  /** Batches of resamples evaluated at a time (default 1; see ./draws.ts). */
  readonly lanes?: number;
  /** Called as resamples finish with (done, B). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A usage error unless the level is in (0, 1). */
export function checkConfidence(level: number): void {
  if (!(level > 0 && level < 1)) {
    throw new UsageError(`--confidence must be a number between 0 and 1 (exclusive), got ${level}`, { hint: 'for example --confidence 0.9' });
  }
}

/**
 * The q-quantile of `values` with linear interpolation between order
 * statistics (numpy's default `np.percentile(values, 100 q)`).
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** The central percentile interval holding `level` of the values. */
export function percentileInterval(values: readonly number[], level: number): Interval {
  checkConfidence(level);
  const tail = (1 - level) / 2;
  return { low: quantile(values, tail), high: quantile(values, 1 - tail) };
}

/**
 * Generic bootstrap: draws B sets of n row indices with replacement, has
 * `evaluate` compute the statistic on each (a NumericError there marks a
 * failed resample), and returns the percentile interval of every method.
 */
export async function bootstrap<M extends string>(
  n: number,
  evaluate: BatchEvaluator<M>,
  options: BootstrapOptions,
): Promise<BootstrapResult<M>> {
  const b = options.resamples;
  checkResampleCount(b, '--bootstrap');
  const seed = options.seed ?? 0;
  checkSeed(seed);
  const level = options.confidence ?? 0.95;
  checkConfidence(level);
  const random = seededRandom(seed);
  const outcomes = await runDraws(b, n, () => resampleIndices(n, random), evaluate, options);
  const samples = new Map<M, number[]>();
  let failed = 0;
  let lastFailure = '';
  for (const outcome of outcomes) {
    if (isFailedDraw(outcome)) {
      failed++;
      lastFailure = outcome.failed;
      continue;
    }
    for (const [method, value] of Object.entries(outcome) as [M, number][]) {
      if (!samples.has(method)) samples.set(method, []);
      samples.get(method)!.push(value);
    }
  }
  if (failed === b) {
    throw new NumericError(`every bootstrap resample failed (${b} of ${b}): ${lastFailure}`, {
      hint: 'the pair has too few datapoints for its ranks; use more datapoints or --method svcca',
    });
  }
  const result: Record<string, unknown> = { level, resamples: b, seed, failed };
  for (const [method, values] of samples) {
    const percentile = percentileInterval(values, level);
    const observed = options.observed?.[method];
    const bias = observed === undefined ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length - observed;
    result[method] = { low: percentile.low - bias, high: percentile.high - bias, bias, percentile };
  }
  return result as BootstrapResult<M>;
}
