import { UsageError } from '../errors.js';
import { meanCorrelation, solveCca } from './cca.js';
import type { PreparedSide } from './side.js';
import { rankWhitening } from './whitening.js';

/** How many singular directions SVCCA keeps per side. */
export interface SvccaOptions {
  /** A fixed number of directions (clipped to the side's rank), as the reference tutorial's 20. */
  readonly dims?: number;
  /** Otherwise: the smallest k whose leading variances reach this fraction of the total (default 0.99). */
  readonly varianceFraction?: number;
  /**
   * The reference's ridge on the reduced sides (variance cut and ridge, as a
   * fraction of the largest variance); default {@link REFERENCE_EPSILON},
   * as google/svcca's SVCCA tutorial. 0 gives the unregularised value.
   */
  readonly epsilon?: number;
}

/** The epsilon google/svcca's tutorials use. */
export const REFERENCE_EPSILON = 1e-10;

export interface SvccaResult {
  readonly similarity: number;
  readonly distance: number;
  /** Directions kept per side. */
  readonly dims: { readonly a: number; readonly b: number };
  /** Canonical correlations between the reduced sides, descending. */
  readonly coefficients: Float64Array;
}

/**
 * Number of principal directions SVCCA keeps for one side. The variance rule
 * sums eigenvalues of the covariance (variances), as the SVCCA paper does, not
 * singular values.
 */
export function svccaDims(side: PreparedSide, option: SvccaOptions = {}): number {
  if (option.dims !== undefined) {
    if (!Number.isInteger(option.dims) || option.dims < 1) {
      throw new UsageError(`--svd-dims must be a positive whole number, got ${option.dims}`);
    }
    return Math.min(option.dims, side.rank);
  }
  const fraction = option.varianceFraction ?? 0.99;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new UsageError(`--svd-variance must be in (0, 1], got ${fraction}`);
  }
  let total = 0;
  for (let i = 0; i < side.rank; i++) total += side.eigenvalues[i];
  let running = 0;
  for (let k = 0; k < side.rank; k++) {
    running += side.eigenvalues[k];
    if (running >= fraction * total) return k + 1;
  }
  return side.rank;
}

/**
 * SVCCA: represent each side by its leading principal coordinates (N x k),
 * then run CCA between the reduced sides. The reduced covariance is
 * diag(l_1..l_k) in the eigenbasis, so this is the CCA core with the
 * whitening truncated to k directions. Like the reference, the reduced sides
 * are regularised with a small ridge (`epsilon`), which matters only when the
 * kept variances span many orders of magnitude.
 */
export function computeSvcca(
  px: PreparedSide,
  py: PreparedSide,
  crossCovariance: Float64Array,
  option: SvccaOptions = {},
): SvccaResult {
  const dims = { a: svccaDims(px, option), b: svccaDims(py, option) };
  const epsilon = option.epsilon ?? REFERENCE_EPSILON;
  const cca = solveCca(
    rankWhitening(px, { dims: dims.a, epsilon }),
    rankWhitening(py, { dims: dims.b, epsilon }),
    crossCovariance,
  );
  const similarity = meanCorrelation(cca.rho);
  return { similarity, distance: 1 - similarity, dims, coefficients: cca.rho };
}
