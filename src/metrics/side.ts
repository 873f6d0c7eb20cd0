import { symmetricEigen } from '../linalg/decompose.js';
import {
  centredCrossProduct,
  centredCrossProductInto,
  centredGram,
  centredGramInto,
  columnMeans,
  columnSumsInto,
} from '../linalg/kernels.js';
import { NumericError } from '../errors.js';
import type { Matrix } from '../types.js';

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

/** Per-neuron centred moments of an in-memory matrix (two-pass: means first, then centred products). */
export function computeMoments(x: Matrix): SideMoments {
  const mean = columnMeans(x.data, x.rows, x.cols);
  const covariance = centredGram(x.data, mean, x.cols, x.rows);
  scaleInPlace(covariance, 1 / (x.rows - 1));
  return { n: x.rows, d: x.cols, mean, covariance };
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

/** Centred cross-covariance Xc^T Yc / (n - 1), dx x dy row-major, using the prepared sides' means. */
export function crossCovariance(x: Matrix, px: SideMoments, y: Matrix, py: SideMoments): Float64Array {
  const product = centredCrossProduct(x.data, px.mean, x.cols, y.data, py.mean, y.cols, x.rows);
  return scaleInPlace(product, 1 / (x.rows - 1));
}

/** The same rows of both sides: x is rows x dx and y rows x dy, row-major. */
export interface PairChunk {
  readonly rows: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Both sides' moments and their cross-covariance: all that {@link prepareFromMoments} and comparePrepared need. */
export interface PairMoments {
  readonly x: SideMoments;
  readonly y: SideMoments;
  /** Xc^T Yc / (n - 1), dx x dy row-major. */
  readonly crossCovariance: Float64Array;
}

/**
 * Moments of two sides whose rows arrive in aligned chunks (e.g. streamed from
 * two files), in memory that depends on dx and dy only, never on the number of
 * rows.
 *
 * Exact two-pass centring, as {@link computeMoments}: `pass()` is called twice
 * and must yield the same rows in the same order each time. The first pass
 * sums the columns; the second subtracts the final means from every chunk
 * before any product and accumulates X^T X, Y^T Y and X^T Y together, so each
 * row is read once per pass and a large common offset costs no accuracy.
 * The result equals the in-memory route to rounding (about 1e-15 relative).
 */
export async function streamPairMoments(
  dx: number,
  dy: number,
  pass: () => AsyncIterable<PairChunk>,
): Promise<PairMoments> {
  const sumX = new Float64Array(dx);
  const sumY = new Float64Array(dy);
  let n = 0;
  for await (const chunk of pass()) {
    columnSumsInto(chunk.x, chunk.rows, dx, sumX);
    columnSumsInto(chunk.y, chunk.rows, dy, sumY);
    n += chunk.rows;
  }
  if (n < 2) {
    throw new NumericError(`too few datapoints: ${n} row(s)`, {
      hint: 'CCA needs more datapoints (rows) than neurons; save activations for more probe inputs',
    });
  }
  const meanX = sumX.map((sum) => sum / n);
  const meanY = sumY.map((sum) => sum / n);
  const xx = new Float64Array(dx * dx);
  const yy = new Float64Array(dy * dy);
  const xy = new Float64Array(dx * dy);
  let seen = 0;
  for await (const chunk of pass()) {
    centredGramInto(chunk.x, meanX, dx, chunk.rows, xx);
    centredGramInto(chunk.y, meanY, dy, chunk.rows, yy);
    centredCrossProductInto(chunk.x, meanX, dx, chunk.y, meanY, dy, chunk.rows, xy);
    seen += chunk.rows;
  }
  if (seen !== n) throw new RangeError(`the second pass gave ${seen} rows, the first ${n}`);
  const scale = 1 / (n - 1);
  return {
    x: { n, d: dx, mean: meanX, covariance: scaleInPlace(xx, scale) },
    y: { n, d: dy, mean: meanY, covariance: scaleInPlace(yy, scale) },
    crossCovariance: scaleInPlace(xy, scale),
  };
}

function scaleInPlace(values: Float64Array, factor: number): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] *= factor;
  return values;
}
