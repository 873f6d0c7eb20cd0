/**
 * Linear centred kernel alignment (CKA, Kornblith et al. 2019) and its
 * debiased form (the unbiased HSIC estimator of Song et al. 2012, as
 * `feature_space_linear_cka(..., debiased=True)` in Kornblith's demo),
 * computed in feature space from centred products: never an N x N Gram
 * matrix, so the same inputs serve in-memory and streamed files.
 *
 * With Xc, Yc the column-centred sides (n rows):
 *
 *   linear CKA = ||Xc^T Yc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)
 *
 * and, with s^x_i = ||row i of Xc||^2 (the diagonal of the Gram matrix),
 *
 *   h(a, sx, sy, Sx, Sy) = a - n/(n-2) sx.sy + Sx Sy / ((n-1)(n-2)),
 *   debiased CKA = h(||Xc^T Yc||^2, s^x, s^y, sum s^x, sum s^y)
 *                  / sqrt(h(||Xc^T Xc||^2, s^x, s^x, ...) h(||Yc^T Yc||^2, s^y, s^y, ...)).
 *
 * CKA is invariant to orthogonal maps and isotropic scaling of either side,
 * not to general invertible linear maps (CCA is).
 */
import type { Matrix } from '../types.js';
import type { SideMoments } from './side.js';
import { scaledMatrix } from './magnitude.js';

/** The per-row sums the debiased form needs (s^x_i, s^y_i: squared norms of the centred rows). */
export interface CkaRowSums {
  /** sum_i s^x_i s^y_i. Changes when the rows of one side are permuted. */
  readonly xDotY: number;
  /** sum_i (s^x_i)^2. */
  readonly xDotX: number;
  /** sum_i (s^y_i)^2. */
  readonly yDotY: number;
  /** sum_i s^x_i = trace(Xc^T Xc). */
  readonly xSum: number;
  /** sum_i s^y_i = trace(Yc^T Yc). */
  readonly ySum: number;
}

/**
 * Everything CKA needs from a pair, as sums over rows of centred products
 * (NOT divided by n - 1). Any common power-of-two scaling of a side is fine:
 * both forms are invariant to scaling a side.
 */
export interface CkaInputs {
  readonly n: number;
  /** ||Xc^T Yc||_F^2. */
  readonly crossSquaredNorm: number;
  /** ||Xc^T Xc||_F^2. */
  readonly xSquaredNorm: number;
  /** ||Yc^T Yc||_F^2. */
  readonly ySquaredNorm: number;
  /** Needed for the debiased form; without it `debiased` is null. */
  readonly rows?: CkaRowSums;
}

/** Linear CKA of a pair (`similarity`, `distance` = 1 - similarity) and its debiased form. */
export interface CkaResult {
  readonly similarity: number;
  readonly distance: number;
  /**
   * Debiased linear CKA (can be slightly negative for unrelated sides); null
   * when the row sums were not supplied or n < 4, or when a side's debiased
   * self-similarity is not positive (too few datapoints).
   */
  readonly debiased: number | null;
}

/** Linear and debiased CKA from their inputs (see {@link CkaInputs}). */
export function ckaFromInputs(inputs: CkaInputs): CkaResult {
  const { n, crossSquaredNorm, xSquaredNorm, ySquaredNorm, rows } = inputs;
  const denominator = Math.sqrt(xSquaredNorm) * Math.sqrt(ySquaredNorm);
  const similarity = denominator > 0 ? crossSquaredNorm / denominator : Number.NaN;
  let debiased: number | null = null;
  if (rows !== undefined && n >= 4) {
    const h = (value: number, dot: number, sumA: number, sumB: number) =>
      value - (n / (n - 2)) * dot + (sumA * sumB) / ((n - 1) * (n - 2));
    const xy = h(crossSquaredNorm, rows.xDotY, rows.xSum, rows.ySum);
    const xx = h(xSquaredNorm, rows.xDotX, rows.xSum, rows.xSum);
    const yy = h(ySquaredNorm, rows.yDotY, rows.ySum, rows.ySum);
    debiased = xx > 0 && yy > 0 ? xy / (Math.sqrt(xx) * Math.sqrt(yy)) : null;
  }
  return { similarity, distance: 1 - similarity, debiased };
}

/** Sum of squares of all entries (squared Frobenius norm). */
export function squaredFrobenius(values: ArrayLike<number>): number {
  // Scaled sum of squares would guard against overflow, but the sides are
  // already power-of-two normalised (./magnitude.ts) before any product.
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return sum;
}

/**
 * CKA inputs from two sides' covariances (Xc^T Xc / (n - 1)) and their
 * cross-covariance (dx x dy), plus the row sums for the debiased form. The
 * (n - 1)^2 factors are put back because the debiased form mixes the norms
 * with the row sums.
 */
export function ckaInputsFromMoments(
  px: SideMoments,
  py: SideMoments,
  crossCovariance: Float64Array,
  rows?: CkaRowSums,
): CkaInputs {
  const n = px.n;
  const factor = (n - 1) * (n - 1);
  return {
    n,
    crossSquaredNorm: squaredFrobenius(crossCovariance) * factor,
    xSquaredNorm: squaredFrobenius(px.covariance) * factor,
    ySquaredNorm: squaredFrobenius(py.covariance) * factor,
    rows,
  };
}

/**
 * Squared norms of the centred rows of x, s_i = ||x_i - mean||^2 (length
 * rows), on the side's power-of-two scale (`side.scaleExponent`), with the
 * side's means. A streamed route computes the same per chunk.
 */
export function centredRowSquaredNorms(x: Matrix, side: SideMoments): Float64Array {
  const scaled = scaledMatrix(x, side.scaleExponent ?? 0);
  const { rows, cols, data } = scaled;
  const mean = side.mean;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const offset = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[offset + c] - mean[c];
      sum += v * v;
    }
    out[r] = sum;
  }
  return out;
}

/** The row sums of {@link CkaRowSums} from the two sides' centred row squared norms. */
export function ckaRowSums(sx: ArrayLike<number>, sy: ArrayLike<number>): CkaRowSums {
  if (sx.length !== sy.length) throw new RangeError(`row norms differ in length: ${sx.length} and ${sy.length}`);
  let xDotY = 0;
  let xDotX = 0;
  let yDotY = 0;
  let xSum = 0;
  let ySum = 0;
  for (let i = 0; i < sx.length; i++) {
    xDotY += sx[i] * sy[i];
    xDotX += sx[i] * sx[i];
    yDotY += sy[i] * sy[i];
    xSum += sx[i];
    ySum += sy[i];
  }
  return { xDotY, xDotX, yDotY, xSum, ySum };
}

/**
 * The row sums of the debiased form for two in-memory matrices (see
 * {@link CkaRowSums}), on the prepared sides' scale and means.
 */
export function ckaRowSumsOf(x: Matrix, px: SideMoments, y: Matrix, py: SideMoments): CkaRowSums {
  return ckaRowSums(centredRowSquaredNorms(x, px), centredRowSquaredNorms(y, py));
}

/**
 * Linear and debiased CKA of two in-memory matrices given their prepared
 * moments and cross-covariance (as {@link crossCovariance} returns it).
 */
export function computeCka(x: Matrix, px: SideMoments, y: Matrix, py: SideMoments, crossCovariance: Float64Array): CkaResult {
  const rows = ckaRowSumsOf(x, px, y, py);
  return ckaFromInputs(ckaInputsFromMoments(px, py, crossCovariance, rows));
}
