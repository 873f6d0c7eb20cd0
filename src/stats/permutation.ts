/**
 * Permutation test of a pair's similarity: is it larger than chance?
 *
 * The null shuffles the datapoint pairing (the rows of one side) K times with
 * the seeded generator of ./random.ts and recomputes every requested
 * similarity from the prepared sides (../metrics/permutable.ts): one
 * n x rx x ry product and a small SVD per shuffle, never a re-preparation.
 * Pure: matrices in, numbers out.
 */
import { UsageError } from '../errors.js';
import type { CompareOptions, PairComparison } from '../metrics/compare.js';
import { preparePermutablePair, type MethodValues, type PermutablePair, type SimilarityMethod } from '../metrics/permutable.js';
import type { PreparedSide } from '../metrics/side.js';
import type { Matrix } from '../types.js';
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

/** The result of {@link permutationTest}, keyed as pwcca's JSON `significance` object. */
export type PermutationTestResult = {
  readonly test: 'permutation';
  readonly permutations: number;
  readonly seed: number;
} & Partial<Record<SimilarityMethod, NullSummary>>;

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

/** The similarities a comparison reports, per method (linear CKA for `cka`). */
export function observedValues(comparison: PairComparison, methods: readonly SimilarityMethod[]): MethodValues {
  const values: MethodValues = {};
  for (const method of methods) {
    const value =
      method === 'pwcca'
        ? comparison.pwcca.similarity
        : method === 'cca'
          ? comparison.cca.similarity
          : method === 'svcca'
            ? comparison.svcca?.similarity
            : comparison.cka?.similarity;
    if (value === undefined) throw new RangeError(`the comparison has no ${method} value: compute it first`);
    values[method] = value;
  }
  return values;
}

/**
 * Runs K shuffles of the rows of y through `pair` and summarises the null of
 * every method of `observed` (see {@link NullSummary}).
 */
export function permutationTest(pair: PermutablePair, observed: MethodValues, options: PermutationOptions): PermutationTestResult {
  const k = options.permutations;
  checkResampleCount(k);
  const seed = options.seed ?? 0;
  checkSeed(seed);
  const methods = (Object.keys(observed) as SimilarityMethod[]).filter((m) => observed[m] !== undefined);
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
  return result as PermutationTestResult;
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

/**
 * The permutation test of one compared pair: prepares the pair for shuffles
 * (../metrics/permutable.ts) and tests the values `comparison` reports.
 * x and y are the matrices px and py were prepared from; `options` the
 * comparison's (variant, epsilon, svcca dims). `comparison` must hold every
 * requested method (svcca / cka computed).
 */
export function runPairPermutationTest(
  x: Matrix,
  px: PreparedSide,
  y: Matrix,
  py: PreparedSide,
  comparison: PairComparison,
  methods: readonly SimilarityMethod[],
  options: PermutationOptions & { readonly compare?: CompareOptions },
): PermutationTestResult {
  checkResampleCount(options.permutations);
  const observed = observedValues(comparison, methods);
  const pair = preparePermutablePair(x, px, y, py, methods, options.compare ?? {});
  return permutationTest(pair, observed, options);
}
