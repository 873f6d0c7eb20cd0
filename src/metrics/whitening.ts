import { symmetricEigen } from '../linalg/decompose.js';
import { multiply } from '../linalg/kernels.js';
import { NumericError } from '../errors.js';
import type { PreparedSide } from './side.js';

/**
 * A whitening of one side: coordinates in which the side's centred
 * activations have (close to) identity covariance.
 *
 * Every member of the CCA family is computed from the whitened
 * cross-covariance `basis_x^T C_xy basis_y` and, for the projection weights,
 * from `loadings = C basis` restricted to the neurons whose activations count.
 */
export interface Whitening {
  /** Neurons of the side (rows of `basis`). */
  readonly d: number;
  /** Whitened dimensions (columns of `basis` and `loadings`). */
  readonly r: number;
  /** d x r row-major: Xc · basis has identity covariance. */
  readonly basis: Float64Array;
  /** Neurons that take part in the projection weights, in order (rows of `loadings`). */
  readonly kept: Int32Array;
  /** kept.length x r row-major: (C · basis) restricted to the kept neurons, up to a positive factor. */
  readonly loadings: Float64Array;
  /** Neurons left out of the comparison (constant, or cut by the epsilon rule). */
  readonly droppedNeurons: readonly number[];
}

/** Options of {@link rankWhitening}. */
export interface RankWhiteningOptions {
  /** Keep at most this many leading eigendirections (default: the effective rank). */
  readonly dims?: number;
  /**
   * Reference-style ridge in the eigenbasis: drop directions whose variance
   * is below epsilon times the largest and add epsilon times the largest to
   * every kept variance. Default 0: exact whitening.
   */
  readonly epsilon?: number;
}

/**
 * Rank-revealing whitening (pwcca's default): keep the leading covariance
 * eigendirections, W = V_r diag(l_r^-1/2). No ridge, so the canonical
 * correlations are exact for the retained subspace.
 *
 * C W = V_r diag(l_r^1/2), so the loadings need no further product.
 */
export function rankWhitening(side: PreparedSide, options: RankWhiteningOptions = {}): Whitening {
  const { d, eigenvalues, eigenvectors } = side;
  const epsilon = options.epsilon ?? 0;
  const ridge = epsilon * Math.max(eigenvalues[0] ?? 0, 0);
  let r = Math.min(options.dims ?? side.rank, side.rank);
  while (r > 0 && eigenvalues[r - 1] < ridge) r--;
  const basis = new Float64Array(d * r);
  const loadings = new Float64Array(d * r);
  for (let k = 0; k < r; k++) {
    const inverseRoot = 1 / Math.sqrt(eigenvalues[k] + ridge);
    const loading = eigenvalues[k] * inverseRoot;
    for (let i = 0; i < d; i++) {
      const vik = eigenvectors[i * d + k];
      basis[i * r + k] = vik * inverseRoot;
      loadings[i * r + k] = vik * loading;
    }
  }
  const kept = Int32Array.from({ length: d }, (_, j) => j);
  return { d, r, basis, kept, loadings, droppedNeurons: side.deadNeurons };
}

/**
 * The reference implementation's regularised whitening (google/svcca,
 * cca_core.py): divide the covariance by its largest absolute entry, drop
 * neurons whose scaled variance is below `epsilon`, add `epsilon` to the
 * diagonal and take the symmetric inverse square root.
 *
 * The inverse square root comes from one symmetric eigendecomposition of the
 * ridged matrix, never from pinv followed by a second eigendecomposition: that
 * route loses the small eigenvalues and returns NaN on near-singular inputs.
 * The result is symmetric (neuron-aligned), which the reference-compatible
 * PWCCA variant relies on.
 */
export function ridgeWhitening(side: PreparedSide, epsilon: number): Whitening {
  const { d, covariance } = side;
  let largest = 0;
  for (let i = 0; i < covariance.length; i++) largest = Math.max(largest, Math.abs(covariance[i]));
  if (!(largest > 0)) {
    throw new NumericError('every neuron is constant: the covariance is zero', {
      hint: 'check that the file holds the activations you meant to compare',
    });
  }
  const keptList: number[] = [];
  const droppedNeurons: number[] = [];
  for (let j = 0; j < d; j++) {
    if (Math.abs(covariance[j * d + j]) / largest >= epsilon) keptList.push(j);
    else droppedNeurons.push(j);
  }
  const kept = Int32Array.from(keptList);
  const m = kept.length;
  const scaled = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) scaled[a * m + b] = covariance[kept[a] * d + kept[b]] / largest;
    scaled[a * m + a] += epsilon;
  }
  const inverseRoot = symmetricInverseSqrt(scaled, m, epsilon);
  // Xc[:, kept] · inverseRoot / sqrt(largest) has identity covariance (up to the ridge).
  const basis = new Float64Array(d * m);
  const unscale = 1 / Math.sqrt(largest);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) basis[kept[a] * m + b] = inverseRoot[a * m + b] * unscale;
  }
  // Loadings use the covariance without the ridge: the activations themselves.
  const keptCovariance = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) keptCovariance[a * m + b] = covariance[kept[a] * d + kept[b]] / largest;
  }
  const loadings = multiply(keptCovariance, m, m, inverseRoot, m);
  return { d, r: m, basis, kept, loadings, droppedNeurons };
}

function symmetricInverseSqrt(matrix: Float64Array, m: number, epsilon: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, m);
  const scaledVectors = new Float64Array(m * m);
  for (let k = 0; k < m; k++) {
    if (!(values[k] > 0)) {
      throw new NumericError(`the ridged covariance is not positive definite (eigenvalue ${values[k]} with epsilon ${epsilon})`, {
        hint: 'use a larger --epsilon, or leave it out to use the rank-revealing default',
      });
    }
  }
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) scaledVectors[i * m + k] = vectors[i * m + k] / Math.sqrt(values[k]);
  }
  // V diag(l^-1/2) V^T
  const result = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let sum = 0;
      for (let k = 0; k < m; k++) sum += scaledVectors[i * m + k] * vectors[j * m + k];
      result[i * m + j] = sum;
      result[j * m + i] = sum;
    }
  }
  return result;
}
