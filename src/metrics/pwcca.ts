import { multiply, multiplyTransposeA } from '../linalg/kernels.js';
import type { CcaSolution } from './cca.js';
import type { PreparedSide } from './side.js';
import type { Whitening } from './whitening.js';

/** Which argument's canonical variates and activations give the projection weights. */
export type Side = 'a' | 'b';

/** PWCCA from one side's point of view. */
export interface DirectionalPwcca {
  readonly similarity: number;
  /** One weight per canonical correlation, same order, summing to 1. */
  readonly weights: Float64Array;
}

/**
 * Projection weights as the seed paper defines them: alpha_i proportional to
 * sum_j |<h_i, z_j>|, with h_i the i-th unit canonical variate over the
 * datapoints and z_j the j-th centred neuron.
 *
 * h_i = Xc W u_i / sqrt(n-1) and Xc^T Xc = (n-1) C, so
 * <h_i, z_j> = sqrt(n-1) (C W U)_{j,i}: the weights need only the d x r
 * loadings C W, never the n x d activations (the constant cancels).
 */
export function paperWeights(whitening: Whitening, directions: Float64Array, k: number): Float64Array {
  const projections = multiply(whitening.loadings, whitening.kept.length, whitening.r, directions, k);
  return normalisedAbsColumnSums(projections, whitening.kept.length, k);
}

/** sum_i weights_i * rho_i. */
export function weightedSimilarity(weights: ArrayLike<number>, rho: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] * rho[i];
  return sum;
}

/** Paper PWCCA with the weights taken from side a (the u directions) or b (the v directions). */
export function paperPwcca(cca: CcaSolution, whitening: Whitening, side: Side): DirectionalPwcca {
  const weights = paperWeights(whitening, side === 'a' ? cca.u : cca.v, cca.k);
  return { similarity: weightedSimilarity(weights, cca.rho), weights };
}

/**
 * google/svcca's `compute_pwcca` weights, on centred activations.
 *
 * The reference applies the rotation U^T from the (symmetric) whitened basis
 * to the unwhitened centred activations, orthonormalises the k resulting
 * variates over the datapoints with a QR decomposition in canonical order, and
 * sums |projections| of the activations onto them.
 *
 * With B = Xc U and B = P R (QR), P^T Xc = R^-T U^T Xc^T Xc, and
 * R^T R = U^T G U with G = Xc^T Xc: so the weights follow from a Cholesky
 * factorisation of the k x k matrix U^T G U, in d x d algebra only. A variate
 * that lies in the span of the earlier ones (rank-deficient activations) gets
 * a zero pivot: its orthonormalised direction is orthogonal to every
 * activation, so its weight is exactly 0.
 */
export function referenceWeights(side: PreparedSide, whitening: Whitening, directions: Float64Array, k: number): Float64Array {
  const kept = whitening.kept;
  const m = kept.length;
  if (whitening.r !== m) throw new RangeError('reference weights need the neuron-aligned (epsilon) whitening');
  // G restricted to the kept neurons; any positive scale cancels in the normalisation.
  const gram = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) gram[a * m + b] = side.covariance[kept[a] * side.d + kept[b]];
  const rotatedGram = multiplyTransposeA(directions, m, k, gram, m); // U^T G: k x m
  const variateGram = multiply(rotatedGram, k, m, directions, k); // U^T G U: k x k
  const factor = semidefiniteCholesky(variateGram, k);
  // Rows of R^-T U^T G by forward substitution, L = R^T lower triangular.
  const projections = new Float64Array(k * m);
  for (let i = 0; i < k; i++) {
    const pivot = factor[i * k + i];
    if (pivot === 0) continue; // dependent variate: weight 0
    for (let j = 0; j < m; j++) {
      let value = rotatedGram[i * m + j];
      for (let p = 0; p < i; p++) value -= factor[i * k + p] * projections[p * m + j];
      projections[i * m + j] = value / pivot;
    }
  }
  return normalisedAbsRowSums(projections, k, m);
}

/**
 * Lower Cholesky factor of a positive semidefinite k x k matrix. A pivot whose
 * squared value falls below a rounding-level fraction of the largest diagonal
 * marks a column dependent on the earlier ones; its column of the factor is
 * set to zero, as a rank-revealing QR leaves it.
 */
function semidefiniteCholesky(matrix: Float64Array, k: number): Float64Array {
  let largestDiagonal = 0;
  for (let i = 0; i < k; i++) largestDiagonal = Math.max(largestDiagonal, matrix[i * k + i]);
  const floor = largestDiagonal * k * 2 ** -52 * 16;
  const factor = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * k + j];
      for (let p = 0; p < j; p++) sum -= factor[i * k + p] * factor[j * k + p];
      if (i === j) {
        factor[i * k + i] = sum > floor ? Math.sqrt(sum) : 0;
      } else {
        const pivot = factor[j * k + j];
        factor[i * k + j] = pivot === 0 ? 0 : sum / pivot;
      }
    }
  }
  return factor;
}

function normalisedAbsColumnSums(values: Float64Array, rows: number, cols: number): Float64Array {
  const sums = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sums[j] += Math.abs(values[i * cols + j]);
  return normalise(sums);
}

function normalisedAbsRowSums(values: Float64Array, rows: number, cols: number): Float64Array {
  const sums = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.abs(values[i * cols + j]);
    sums[i] = sum;
  }
  return normalise(sums);
}

function normalise(values: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  for (let i = 0; i < values.length; i++) values[i] /= total;
  return values;
}
