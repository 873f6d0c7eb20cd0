/**
 * What a run computes for each pair from its prepared sides: a comparison
 * (CCA, PWCCA, SVCCA, CKA; with resampling tests when asked), or the moments
 * themselves.
 */
import { comparePrepared, withCkaRows, type CompareOptions, type PairComparison } from '../metrics/compare.js';
import { splitCrossCovariance } from './executor.js';
import { runPairResampling } from './resampling.js';
import type { PairMeasure, PairMoments, PairResampling, PairResamplingResult } from './types.js';

/** A pair's comparison and, when the run asked for them, its permutation test and bootstrap intervals. */
export interface ComparedPair {
  readonly comparison: PairComparison;
  readonly resampling?: PairResamplingResult;
}

/**
 * Comparisons with the given options: what {@link runPairs} measures. With
 * `resampling`, each pair's tests run right after its comparison, while both
 * matrices are in memory, on as many of the executor's threads as the pair has.
 */
export function compareMeasure(compare: Omit<CompareOptions, 'labels'> = {}, resampling?: PairResampling): PairMeasure<ComparedPair> {
  return {
    async loaded(executor, { x, px, y, py }, labels, shares) {
      const comparison =
        shares > 1
          ? comparePrepared(px, py, await splitCrossCovariance(executor, x, px, y, py, shares), withCkaRows(x, px, y, py, { ...compare, labels }))
          : await executor.compare(x, px, y, py, { ...compare, labels });
      if (!resampling) return { comparison };
      return { comparison, resampling: await runPairResampling(executor, { x, px, y, py }, comparison, compare, resampling, shares) };
    },
    fromCross: async (executor, px, py, cross, labels, rows) => ({
      comparison: await executor.compareMoments(px, py, cross, { ...compare, ...(compare.cka && rows && { cka: { rows } }), labels }),
    }),
    wantsRowSums: compare.cka !== undefined,
    needsRows: resampling
      ? 'permutation tests and bootstrap intervals need the files in memory, but this run streams them'
      : undefined,
    resamplesPerPair: resampling ? (resampling.permutations ?? 0) + (resampling.bootstrap ?? 0) : 0,
  };
}

/** The prepared sides and cross-covariance themselves: what {@link runPairMoments} measures. */
export const momentsMeasure: PairMeasure<PairMoments> = {
  async loaded(executor, { x, px, y, py }, _labels, shares) {
    return { x: px, y: py, cross: await splitCrossCovariance(executor, x, px, y, py, shares) };
  },
  fromCross: async (_executor, px, py, cross) => ({ x: px, y: py, cross }),
};
