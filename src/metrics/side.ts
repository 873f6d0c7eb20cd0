import { symmetricEigen } from '../linalg/decompose.js';
import { centredCrossProduct, centredGram, columnMeans } from '../linalg/kernels.js';
import { NumericError } from '../errors.js';
import type { Matrix } from '../types.js';
import { maxAbs, powerOfTwoScale, scaledMatrix } from './magnitude.js';

/**
 * First and second moments of one side: everything the CCA family needs from
 * a representation. Every metric in pwcca is a function of the two sides'
 * moments and their cross-covariance, so a side can be summarised once
 * (in memory or by streaming) and reused for every pair it takes part in.
 */
export interface SideMoments {
  /** Datapoints (rows). */
  readonly n: number;
  /** Neurons (columns). */
  readonly d: number;
  /** Per-neuron means (length d). */
  readonly mean: Float64Array;
  /** Centred covariance Xc^T Xc / (n - 1), d x d row-major. */
  readonly covariance: Float64Array;
  /**
   * The side's values were multiplied by 2^scaleExponent before any sum or
   * product (see ./magnitude.ts): `mean` and `covariance` are those of the
   * scaled values, and every product with this side's rows must scale them
   * the same way ({@link crossCovariance} does). Absent or 0: unscaled, the
   * case for every side whose largest magnitude is in [2^-64, 2^64].
   */
  readonly scaleExponent?: number;
}

/**
 * A side prepared for comparison: its moments plus the eigendecomposition of
 * its covariance and the effective rank. Computed once per matrix
 * ({@link prepareSide}) and reused by every pair and method.
 */
export interface PreparedSide extends SideMoments {
  /** Covariance eigenvalues, descending (length d). */
  readonly eigenvalues: Float64Array;
  /** d x d row-major; column i is the unit eigenvector of eigenvalues[i]. */
  readonly eigenvectors: Float64Array;
  /** Number of eigenvalues above {@link rankCutoff}: the effective rank. */
  readonly rank: number;
  /** Eigenvalues at or below this are treated as zero: max(n, d) * 2^-52 * largest eigenvalue. */
  readonly rankCutoff: number;
  /** Neurons whose own variance is at or below the rank cutoff (dead or constant neurons). */
  readonly deadNeurons: readonly number[];
}

/**
 * Per-neuron centred moments of an in-memory matrix (two-pass: means first,
 * then centred products), after scaling the matrix by the power of two that
 * {@link powerOfTwoScale} gives for its largest magnitude (a copy is made only
 * for such extreme sides).
 */
export function computeMoments(x: Matrix): SideMoments {
  const scaleExponent = powerOfTwoScale(maxAbs(x.data));
  const scaled = scaledMatrix(x, scaleExponent);
  const mean = columnMeans(scaled.data, x.rows, x.cols);
  const covariance = centredGram(scaled.data, mean, x.cols, x.rows);
  scaleInPlace(covariance, 1 / (x.rows - 1));
  return { n: x.rows, d: x.cols, mean, covariance, scaleExponent };
}

/** Centres, eigendecomposes and ranks one matrix (see {@link PreparedSide}). */
export function prepareSide(x: Matrix): PreparedSide {
  if (x.rows < 2) {
    throw new NumericError(`too few datapoints: ${x.rows} row(s)`, {
      hint: 'CCA needs more datapoints (rows) than neurons; save activations for more probe inputs',
    });
  }
  return prepareFromMoments(computeMoments(x));
}

/**
 * Eigendecomposes a side's covariance and finds its effective rank.
 *
 * The cutoff max(n, d) * 2^-52 * l_1 is the rounding floor of a covariance
 * formed from n products of d-vectors: directions below it carry no signal
 * the float64 covariance can resolve (dead neurons, exact duplicates).
 */
export function prepareFromMoments(moments: SideMoments): PreparedSide {
  const { n, d, covariance } = moments;
  const { values, vectors } = symmetricEigen(covariance, d);
  const largest = Math.max(values[0] ?? 0, 0);
  const rankCutoff = Math.max(n, d) * 2 ** -52 * largest;
  let rank = 0;
  while (rank < d && values[rank] > rankCutoff) rank++;
  const deadNeurons: number[] = [];
  for (let j = 0; j < d; j++) if (!(covariance[j * d + j] > rankCutoff)) deadNeurons.push(j);
  return { ...moments, eigenvalues: values, eigenvectors: vectors, rank, rankCutoff, deadNeurons };
}

/**
 * Centred cross-covariance Xc^T Yc / (n - 1), dx x dy row-major, using the
 * prepared sides' means, of the sides as scaled by their `scaleExponent`
 * (x and y are the unscaled matrices the sides were computed from).
 */
export function crossCovariance(x: Matrix, px: SideMoments, y: Matrix, py: SideMoments): Float64Array {
  const xs = scaledMatrix(x, px.scaleExponent ?? 0);
  const ys = scaledMatrix(y, py.scaleExponent ?? 0);
  const product = centredCrossProduct(xs.data, px.mean, x.cols, ys.data, py.mean, y.cols, x.rows);
  return scaleInPlace(product, 1 / (x.rows - 1));
}

function scaleInPlace(values: Float64Array, factor: number): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] *= factor;
  return values;
}
