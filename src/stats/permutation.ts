/**
 * Permutation test of a pair's similarity: is it larger than chance?
 *
 * The null shuffles the datapoint pairing (the rows of one side) K times with
 * the seeded generator of ./random.ts and recomputes every requested
 * similarity through a {@link PermutableStatistic}; for a compared pair that
 * is `preparePermutablePair` (../metrics/permutable.ts): one n x rx x ry
 * product and a small SVD per shuffle, never a re-preparation. Pure: numbers
 * in, numbers out.
 */
import { UsageError } from '../errors.js';
import { randomPermutation, seededRandom, checkSeed } from './random.js';

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

/** Similarities of one pairing of the rows, per method name. */
export type MethodValues<M extends string = string> = Partial<Record<M, number>>;

/** Something whose similarities can be recomputed with the rows of one side permuted. */
export interface PermutableStatistic<M extends string = string> {
  /** Number of rows (datapoints). */
  readonly n: number;
  /** The similarities with row i of one side paired with row permutation[i] of the other. */
  similarities(permutation: Int32Array): MethodValues<M>;
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
  /** Called after each shuffle with (done, K). */
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
 * Runs K shuffles of the rows of y through `pair` and summarises the null of
 * every method of `observed` (see {@link NullSummary}).
 */
export function permutationTest<M extends string>(
  pair: PermutableStatistic<M>,
  observed: MethodValues<M>,
  options: PermutationOptions,
): PermutationTestResult<M> {
  const k = options.permutations;
  checkResampleCount(k);
  const seed = options.seed ?? 0;
  checkSeed(seed);
  const methods = (Object.keys(observed) as M[]).filter((m) => observed[m] !== undefined);
  const nulls = new Map(methods.map((method) => [method, new Array<number>(k)]));
  const random = seededRandom(seed);
  for (let t = 0; t < k; t++) {
    const values = pair.similarities(randomPermutation(pair.n, random));
    for (const method of methods) {
      const value = values[method];
      if (value === undefined) throw new RangeError(`the prepared pair does not compute ${method}`);
      nulls.get(method)![t] = value;
    }
    options.onProgress?.(t + 1, k);
  }
  const result: Record<string, unknown> = { test: 'permutation', permutations: k, seed };
  for (const method of methods) result[method] = summariseNull(observed[method]!, nulls.get(method)!);
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

