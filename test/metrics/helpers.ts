import { comparePrepared, type CompareOptions, type PairComparison } from '../../src/metrics/compare.js';
import { crossCovariance, prepareSide } from '../../src/metrics/side.js';
import { buildMatrix, type Matrix } from '../../src/types.js';
import { multiplyMatrices, randomMatrix, seededNormal } from '../helpers/random.js';

/** Prepares both sides and compares them, as `pwcca compare` does after loading. */
export function compareMatrices(x: Matrix, y: Matrix, options: CompareOptions = {}): PairComparison {
  const px = prepareSide(x);
  const py = prepareSide(y);
  return comparePrepared(px, py, crossCovariance(x, px, y, py), options);
}

/**
 * Two views of shared latent factors: each side mixes `shared` common
 * factors into its neurons and adds independent noise, with non-zero means.
 */
export function correlatedPair(n: number, dx: number, dy: number, seed: number, shared = Math.min(dx, dy) >> 1): { x: Matrix; y: Matrix } {
  const latent = randomMatrix(n, shared, seed);
  const mixX = randomMatrix(shared, dx, seed + 1);
  const mixY = randomMatrix(shared, dy, seed + 2);
  const x = addNoise(multiplyMatrices(latent, mixX), 0.7, seed + 3, 2);
  const y = addNoise(multiplyMatrices(latent, mixY), 1.1, seed + 4, -3);
  return { x, y };
}

function addNoise(m: Matrix, scale: number, seed: number, offset: number): Matrix {
  const normal = seededNormal(seed);
  return buildMatrix(m.rows, m.cols, m.data.map((v) => v + scale * normal() + offset));
}

/** x with `value` added to every entry. */
export function offsetMatrix(x: Matrix, value: number): Matrix {
  return buildMatrix(x.rows, x.cols, x.data.map((v) => v + value));
}

/** x with every entry multiplied by `factor`. */
export function scaleMatrix(x: Matrix, factor: number): Matrix {
  return buildMatrix(x.rows, x.cols, x.data.map((v) => v * factor));
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A random orthogonal d x d matrix (QR of a Gaussian matrix by modified Gram-Schmidt). */
export function randomOrthogonal(d: number, seed: number): Matrix {
  const g = randomMatrix(d, d, seed);
  const q = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const column = new Float64Array(d);
    for (let i = 0; i < d; i++) column[i] = g.data[i * d + j];
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += q[i * d + p] * column[i];
      for (let i = 0; i < d; i++) column[i] -= dot * q[i * d + p];
    }
    const norm = Math.hypot(...column);
    for (let i = 0; i < d; i++) q[i * d + j] = column[i] / norm;
  }
  return buildMatrix(d, d, q);
}

/** Columns of x with some duplicated at the end (rank-deficient side). */
export function withDuplicatedColumns(x: Matrix, columns: number[]): Matrix {
  const cols = x.cols + columns.length;
  const data = new Float64Array(x.rows * cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) data[r * cols + c] = x.data[r * x.cols + c];
    columns.forEach((source, k) => (data[r * cols + x.cols + k] = x.data[r * x.cols + source]));
  }
  return buildMatrix(x.rows, cols, data);
}
