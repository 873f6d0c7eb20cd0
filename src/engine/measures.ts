/**
 * What a run computes for each pair from its prepared sides: a comparison
 * (CCA, PWCCA, SVCCA), or the moments themselves.
 */
import { comparePrepared, type CompareOptions, type PairComparison } from '../metrics/compare.js';
import { splitCrossCovariance } from './executor.js';
import type { PairMeasure, PairMoments } from './types.js';

/** Comparisons (CCA, PWCCA, SVCCA) with the given options: what {@link runPairs} measures. */
export function compareMeasure(compare: Omit<CompareOptions, 'labels'> = {}): PairMeasure<PairComparison> {
  return {
    async loaded(executor, { x, px, y, py }, labels, shares) {
      if (shares > 1) return comparePrepared(px, py, await splitCrossCovariance(executor, x, px, y, py, shares), { ...compare, labels });
      return executor.compare(x, px, y, py, { ...compare, labels });
    },
    fromCross: (executor, px, py, cross, labels) => executor.compareMoments(px, py, cross, { ...compare, labels }),
  };
}

/** The prepared sides and cross-covariance themselves: what {@link runPairMoments} measures. */
export const momentsMeasure: PairMeasure<PairMoments> = {
  async loaded(executor, { x, px, y, py }, _labels, shares) {
    return { x: px, y: py, cross: await splitCrossCovariance(executor, x, px, y, py, shares) };
  },
  fromCross: async (_executor, px, py, cross) => ({ x: px, y: py, cross }),
};
