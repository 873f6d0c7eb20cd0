import { describe, expect, it } from 'vitest';
import { canonicalBasis, directionCorrelations, meanOf, selectDirections } from '../../src/metrics/directions.js';
import { crossCovariance, prepareSide } from '../../src/metrics/side.js';
import { buildMatrix, type Matrix } from '../../src/types.js';
import { multiplyMatrices, randomMatrix } from '../helpers/random.js';
import { correlatedPair } from './helpers.js';
import { expectClose } from '../helpers/expect-close.js';

function setup(early: Matrix, middle: Matrix) {
  const pe = prepareSide(early);
  const pm = prepareSide(middle);
  return { pm, basis: canonicalBasis(pe, pm, crossCovariance(early, pe, middle, pm)) };
}

function correlationsAt(middle: Matrix, basis: ReturnType<typeof setup>, later: Matrix, indices: number[]) {
  const pl = prepareSide(later);
  return directionCorrelations(basis.basis, pl, crossCovariance(later, pl, middle, basis.pm), indices);
}

/** Centred columns of m. */
function centred(m: Matrix): Float64Array[] {
  return Array.from({ length: m.cols }, (_, j) => {
    const column = Float64Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]);
    const mean = column.reduce((s, v) => s + v, 0) / m.rows;
    return column.map((v) => v - mean);
  });
}

/** |P h| for a unit vector h and the column space of m (modified Gram-Schmidt): the N-space route. */
function projectionNorm(h: Float64Array, m: Matrix): number {
  const basis: Float64Array[] = [];
  for (const column of centred(m)) {
    const v = Float64Array.from(column);
    for (const q of basis) {
      const dot = q.reduce((s, qi, i) => s + qi * v[i], 0);
      for (let i = 0; i < v.length; i++) v[i] -= dot * q[i];
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-9) basis.push(v.map((x) => x / norm));
  }
  let sum = 0;
  for (const q of basis) sum += q.reduce((s, qi, i) => s + qi * h[i], 0) ** 2;
  return Math.sqrt(sum);
}

/** The unit canonical variate h_i = Yc W v_i / |.| of the middle step, over the datapoints. */
function variate(middle: Matrix, basis: ReturnType<typeof setup>['basis'], index: number): Float64Array {
  const { whitening: w, v, k } = basis;
  const direction = Float64Array.from({ length: w.d }, (_, j) => {
    let s = 0;
    for (let c = 0; c < w.r; c++) s += w.basis[j * w.r + c] * v[c * k + index];
    return s;
  });
  const columns = centred(middle);
  const h = Float64Array.from({ length: middle.rows }, (_, i) => columns.reduce((s, col, j) => s + col[i] * direction[j], 0));
  const norm = Math.hypot(...h);
  return h.map((x) => x / norm);
}

describe('selectDirections', () => {
  it('takes the k most and k least correlated, never overlapping', () => {
    expect(selectDirections(10, 3)).toEqual({ stable: [0, 1, 2], unstable: [7, 8, 9] });
    expect(selectDirections(5, 4)).toEqual({ stable: [0, 1], unstable: [3, 4] });
    expect(selectDirections(1, 2)).toEqual({ stable: [], unstable: [] });
    expect(() => selectDirections(4, 0)).toThrow(RangeError);
  });
});

describe('directionCorrelations', () => {
  for (const seed of [1, 2, 3]) {
    it(`is 1 for every direction when the later step spans the middle step (seed ${seed})`, () => {
      const { x: early, y: middle } = correlatedPair(200, 8, 6, seed);
      const basis = setup(early, middle);
      // An invertible linear map of the middle step has the same column space.
      const later = multiplyMatrices(middle, randomMatrix(6, 6, seed + 10));
      const all = Array.from({ length: basis.basis.k }, (_, i) => i);
      const values = correlationsAt(middle, basis, later, all);
      expectClose(values, values.map(() => 1), 1e-10, 'multiple correlation of each direction');
    });

    it(`agrees with the projection computed over the datapoints (seed ${seed})`, () => {
      const { x: early, y: middle } = correlatedPair(150, 7, 6, seed);
      const basis = setup(early, middle);
      const later = randomMatrix(150, 5, seed + 20);
      // Mix part of the middle step into the later one so the values are spread over (0, 1).
      const mixed = buildMatrix(150, 5, later.data.map((v, i) => v + middle.data[Math.floor(i / 5) * 6 + (i % 5)]));
      const indices = [0, 2, 5];
      const algebra = correlationsAt(middle, basis, mixed, indices);
      indices.forEach((index, j) => {
        expect(algebra[j]).toBeCloseTo(projectionNorm(variate(middle, basis.basis, index), mixed), 9);
      });
    });
  }

  it('is low for a later step unrelated to the middle step in high dimension', () => {
    const { x: early, y: middle } = correlatedPair(2000, 10, 10, 4);
    const basis = setup(early, middle);
    const unrelated = randomMatrix(2000, 10, 99);
    const values = correlationsAt(middle, basis, unrelated, [0, 1, 8, 9]);
    // E[R^2] = rank / N = 10 / 2000 for an independent direction.
    expect(Math.max(...values)).toBeLessThan(0.2);
    expect(meanOf(values)).toBeLessThan(0.15);
  });

  it('tracks the stable set better than the unstable set when only the shared part survives', () => {
    const n = 400;
    const shared = randomMatrix(n, 3, 7);
    const extraEarly = randomMatrix(n, 3, 8);
    const extraMiddle = randomMatrix(n, 3, 9);
    const join = (a: Matrix, b: Matrix) =>
      buildMatrix(n, a.cols + b.cols, Float64Array.from({ length: n * (a.cols + b.cols) }, (_, k) => {
        const i = Math.floor(k / (a.cols + b.cols));
        const j = k % (a.cols + b.cols);
        return j < a.cols ? a.data[i * a.cols + j] : b.data[i * b.cols + j - a.cols];
      }));
    const early = join(shared, extraEarly);
    const middle = join(shared, extraMiddle);
    const later = join(shared, randomMatrix(n, 3, 10)); // keeps the shared part, replaces the rest
    const basis = setup(early, middle);
    const sets = selectDirections(basis.basis.k, 3);
    const stable = meanOf(correlationsAt(middle, basis, later, [...sets.stable]));
    const unstable = meanOf(correlationsAt(middle, basis, later, [...sets.unstable]));
    expect(stable).toBeCloseTo(1, 8);
    expect(unstable).toBeLessThan(0.3);
  });
});
