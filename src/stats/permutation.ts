/**
 * Permutation test of a pair's similarity: is it larger than chance?
 *
 * The null shuffles the datapoint pairing (the rows of one side) K times with
 * the seeded generator of ./random.ts and recomputes every requested
 * similarity for each shuffle; for a compared pair that is a
 * `PermutablePair` (../metrics/permutable.ts): one n x rx x ry product and a
 * small SVD per shuffle, never a re-preparation. The shuffles are evaluated
 * in batches (./draws.ts), on as many threads as the caller's evaluator uses,
 * with the same results on any number. Pure: numbers in, numbers out.
 */
import { UsageError } from '../errors.js';
import { isFailedDraw, runDraws, type BatchEvaluator, type MethodValues } from './draws.js';
import { randomPermutation, seededRandom, checkSeed } from './random.js';

export type { MethodValues } from './draws.js';

/** Null values within this of the observed one count as at least as large (rounding of two routes). */
const TIE_TOLERANCE = 1e-12;

/** One method's test. */
export interface NullSummary {
  /** The similarity of the pair as reported (e.g. by `compare`). */
  readonly observed: number;
  /** Mean of the null similarities. */
  readonly nullMean: number;
  /** Population standard deviation (ddof = 0) of the null similarities. */
  readonly nullStd: number;
  /** (1 + #{null >= observed}) / (K + 1): one-sided, more similar than chance. */
  readonly pValue: number;
  /** observed - nullMean: a similarity corrected for the chance level at this n and these ranks. */
  readonly excess: number;
  /** The K null similarities, in permutation order (for plots). */
  readonly nullValues: number[];
}

/** The result of {@link permutationTest}, keyed as pwcca's JSON `significance` object. */
export type PermutationTestResult<M extends string = string> = {
  readonly test: 'permutation';
  readonly permutations: number;
  readonly seed: number;
} & Partial<Record<M, NullSummary>>;

export interface PermutationOptions {
  /** K, the number of shuffles (a positive whole number). */
  readonly permutations: number;
  /** Seed of the generator (default 0: runs repeat exactly). */
  readonly seed?: number;
  /** Batches of shuffles evaluated at a time (default 1; see ./draws.ts). */
  readonly lanes?: number;
  /** Called as shuffles finish with (done, K). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A usage error unless `k` is a positive whole number (the `--permutations` / `--bootstrap` check). */
export function checkResampleCount(k: number, flag = '--permutations'): void {
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new UsageError(`${flag} must be a positive whole number, got ${k}`, {
      hint: `for example ${flag} 1000`,
    });
  }
}

/**
 * Runs K shuffles of n rows through `evaluate` (the similarities with row i
 * of x paired with row permutation[i] of y) and summarises the null of every
 * method of `observed` (see {@link NullSummary}).
 */
export async function permutationTest<M extends string>(
  n: number,
  evaluate: BatchEvaluator<M>,
  observed: MethodValues<M>,
  options: PermutationOptions,
): Promise<PermutationTestResult<M>> {
  const k = options.permutations;
  checkResampleCount(k);
  const seed = options.seed ?? 0;
  checkSeed(seed);
  const methods = (Object.keys(observed) as M[]).filter((m) => observed[m] !== undefined);
  const random = seededRandom(seed);
  const outcomes = await runDraws(k, n, () => randomPermutation(n, random), evaluate, options);
  const result: Record<string, unknown> = { test: 'permutation', permutations: k, seed };
  for (const method of methods) {
    const nulls = outcomes.map((outcome) => {
      // A shuffle changes neither side's covariance, so it cannot make a comparison undefined.
      if (isFailedDraw(outcome)) throw new RangeError(`a shuffle failed: ${outcome.failed}`);
      const value = outcome[method];
      if (value === undefined) throw new RangeError(`the prepared pair does not compute ${method}`);
      return value;
    });
    result[method] = summariseNull(observed[method]!, nulls);
  }
  return result as PermutationTestResult<M>;
}

/** observed, null mean and population std, one-sided p-value and excess of a null sample. */
export function summariseNull(observed: number, nullValues: number[]): NullSummary {
  const k = nullValues.length;
  let sum = 0;
  let atLeast = 0;
  for (const value of nullValues) {
    sum += value;
    if (value >= observed - TIE_TOLERANCE) atLeast++;
  }
  const nullMean = sum / k;
  let squares = 0;
  for (const value of nullValues) squares += (value - nullMean) ** 2;
  return {
    observed,
    nullMean,
    nullStd: Math.sqrt(squares / k),
    pValue: (1 + atLeast) / (k + 1),
    excess: observed - nullMean,
    nullValues,
  };
}

