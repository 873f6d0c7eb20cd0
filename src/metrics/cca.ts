import { svd } from '../linalg/decompose.js';
import { multiply, multiplyTransposeA } from '../linalg/kernels.js';
import type { Whitening } from './whitening.js';

/** Canonical correlations of a pair and the canonical directions in each side's whitened coordinates. */
export interface CcaSolution {
  /** Canonical correlations, descending, clipped to [0, 1]; length k = min(rx, ry). */
  readonly rho: Float64Array;
  readonly k: number;
  /** rx x k row-major: column i rotates side x's whitened coordinates onto canonical direction i. */
  readonly u: Float64Array;
  /** ry x k row-major: the same for side y. */
  readonly v: Float64Array;
}

/**
 * Solves CCA from two whitenings and the cross-covariance C_xy (dx x dy):
 * the SVD of M = W_x^T C_xy W_y gives the canonical correlations as its
 * singular values and the canonical directions as its singular vectors.
 */
export function solveCca(wx: Whitening, wy: Whitening, crossCovariance: Float64Array): CcaSolution {
  const projected = multiplyTransposeA(wx.basis, wx.d, wx.r, crossCovariance, wy.d);
  const whitenedCross = multiply(projected, wx.r, wy.d, wy.basis, wy.r);
  return solveWhitenedCca(whitenedCross, wx.r, wy.r);
}

/**
 * Solves CCA from the whitened cross-covariance M (rx x ry row-major), e.g.
 * (Xc W_x)^T (Yc W_y) / (n - 1) formed from the whitened variates, as the
 * permutation null does for every shuffle of the rows.
 */
export function solveWhitenedCca(whitenedCross: Float64Array, rx: number, ry: number): CcaSolution {
  const { s, u, v } = svd(whitenedCross, rx, ry);
  // Rounding can push a correlation of 1 slightly above it; correlations are in [0, 1].
  const rho = s.map((value) => Math.min(1, Math.max(0, value)));
  return { rho, k: rho.length, u, v };
}

/** Plain mean of the canonical correlations: the mean CCA similarity. */
export function meanCorrelation(rho: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < rho.length; i++) sum += rho[i];
  return sum / rho.length;
}

/**
 * google/svcca's `mean` statistic: the mean of the leading coefficients whose
 * running sum first reaches `threshold` of the total (all of them if none does).
 * Reported as `meanThresholded` so results can be checked against that code.
 */
export function thresholdedMean(rho: ArrayLike<number>, threshold = 0.98): number {
  let total = 0;
  for (let i = 0; i < rho.length; i++) total += rho[i];
  let count = rho.length;
  let running = 0;
  for (let i = 0; i < rho.length; i++) {
    // The reference tests prefixes of length i = 0, 1, ... before adding rho[i].
    if (running / total >= threshold) {
      count = i;
      break;
    }
    running += rho[i];
  }
  return meanCorrelation(Array.prototype.slice.call(rho, 0, Math.max(count, 1)) as number[]);
}
