/**
 * Stable and unstable directions of a representation over training (PWCCA
 * paper, Figure 1 d-f).
 *
 * CCA between a layer at an early step (x) and at a middle step (y) gives
 * canonical directions of the middle step, h_i = Yc W_y v_i / sqrt(n-1): unit
 * vectors over the n datapoints, ordered by their canonical correlation rho_i
 * with the early step. The K most correlated ones are the stable part of the
 * representation, the K least correlated the part that keeps changing. Each
 * direction is then tracked to a later step t by its multiple correlation
 * with the layer's activations there:
 *
 *   R_i(t) = |P_t h_i| = sqrt(h_i^T P_t h_i),
 *
 * P_t the orthogonal projection onto the column space of the centred
 * activations Xc_t (the largest correlation of h_i with any linear combination
 * of the neurons at step t). With W_t whitening step t (W_t^T C_tt W_t = I),
 * P_t = Xc_t W_t W_t^T Xc_t^T / (n-1), so
 *
 *   R_i(t) = |W_t^T C_ty W_y v_i|,
 *
 * which needs only the prepared sides and the cross-covariance C_ty between
 * step t and the middle step: never the n-vectors themselves. Pure.
 */
import { multiply, multiplyTransposeA } from '../linalg/kernels.js';
import { solveCca } from './cca.js';
import type { PreparedSide } from './side.js';
import { rankWhitening, ridgeWhitening, type Whitening } from './whitening.js';

export interface DirectionOptions {
  /** Whiten with the reference's ridge instead of the exact rank-revealing whitening (as `--epsilon`). */
  readonly epsilon?: number;
}

/** Canonical directions of the middle step, in its whitened coordinates. */
export interface CanonicalBasis {
  /** Canonical correlations between the early and the middle step, descending (length k). */
  readonly rho: Float64Array;
  readonly k: number;
  /** Whitening of the middle step (d x r). */
  readonly whitening: Whitening;
  /** r x k row-major: column i is v_i, canonical direction i in the middle step's whitened coordinates. */
  readonly v: Float64Array;
}

/** Indices of the directions followed: the `count` most and the `count` least correlated. */
export interface DirectionSets {
  /** 0 .. count-1: the largest canonical correlations. */
  readonly stable: readonly number[];
  /** k-count .. k-1: the smallest. */
  readonly unstable: readonly number[];
}

function whiten(side: PreparedSide, options: DirectionOptions): Whitening {
  return options.epsilon === undefined ? rankWhitening(side) : ridgeWhitening(side, options.epsilon);
}

/**
 * CCA between the early step (x) and the middle step (y).
 *
 * @param crossEarlyMiddle C_xy = Xc^T Yc / (n-1), dx x dy row-major.
 */
export function canonicalBasis(
  early: PreparedSide,
  middle: PreparedSide,
  crossEarlyMiddle: Float64Array,
  options: DirectionOptions = {},
): CanonicalBasis {
  const wx = whiten(early, options);
  const wy = whiten(middle, options);
  const cca = solveCca(wx, wy, crossEarlyMiddle);
  return { rho: cca.rho, k: cca.k, whitening: wy, v: cca.v };
}

/**
 * The `count` most and `count` least correlated of k directions. The sets
 * never overlap: `count` is clipped to floor(k / 2).
 */
export function selectDirections(k: number, count: number): DirectionSets {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`the number of directions must be a positive integer, got ${count}`);
  const used = Math.min(count, Math.floor(k / 2));
  return {
    stable: Array.from({ length: used }, (_, i) => i),
    unstable: Array.from({ length: used }, (_, i) => k - used + i),
  };
}

/**
 * Multiple correlation R_i(t) of each chosen middle-step direction with the
 * activations at a later step t, in [0, 1].
 *
 * @param crossLaterMiddle C_ty = Xc_t^T Yc / (n-1), dt x dy row-major (y = the middle step).
 */
export function directionCorrelations(
  basis: CanonicalBasis,
  later: PreparedSide,
  crossLaterMiddle: Float64Array,
  indices: readonly number[],
  options: DirectionOptions = {},
): Float64Array {
  const wt = whiten(later, options);
  const wy = basis.whitening;
  if (crossLaterMiddle.length !== wt.d * wy.d) {
    throw new RangeError(`cross-covariance has ${crossLaterMiddle.length} values, expected ${wt.d} x ${wy.d}`);
  }
  // B = W_t^T C_ty W_y (rt x ry); R_i = |B v_i|.
  const left = multiplyTransposeA(wt.basis, wt.d, wt.r, crossLaterMiddle, wy.d);
  const b = multiply(left, wt.r, wy.d, wy.basis, wy.r);
  const out = new Float64Array(indices.length);
  indices.forEach((index, j) => {
    if (!(index >= 0 && index < basis.k)) throw new RangeError(`direction ${index} out of range 0..${basis.k - 1}`);
    let sumSquares = 0;
    for (let row = 0; row < wt.r; row++) {
      let value = 0;
      for (let col = 0; col < wy.r; col++) value += b[row * wy.r + col] * basis.v[col * basis.k + index];
      sumSquares += value * value;
    }
    // Rounding can push a projection of a unit vector slightly above 1.
    out[j] = Math.min(1, Math.sqrt(sumSquares));
  });
  return out;
}

/** Mean of the values (NaN for none). */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
