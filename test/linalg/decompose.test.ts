import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import { EigenvalueDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { NumericError } from '../../src/errors.js';
import { svd, symmetricEigen, symmetricEigenRoute } from '../../src/linalg/decompose.js';
import { randomMatrix } from '../helpers/random.js';
import {
  fromMl,
  isDescending,
  maxAbs,
  maxAbsDiff,
  naiveMultiply,
  naiveTranspose,
  orthonormalityError,
  randomOrthogonal,
  randomSymmetric,
  toMl,
  withSpectrum,
  firstFailing,
  worstAlignment,
} from './linalg-helpers.js';

const SEEDS = [1, 2, 3];

/**
 * Worst |<u_c, ou_c> - <v_c, ov_c>| over the well-separated columns: the sign
 * chosen for a singular pair must be the same on the left and on the right.
 */
function worstSignMismatch(
  u: Float64Array, v: Float64Array, ou: Float64Array, ouCols: number, ov: Float64Array, ovCols: number,
  rows: number, cols: number, s: Float64Array, minGap: number,
): number {
  const k = s.length;
  let worst = 0;
  for (let c = 0; c < k; c++) {
    const gap = Math.min(c > 0 ? s[c - 1] - s[c] : Infinity, c < k - 1 ? s[c] - s[c + 1] : Infinity);
    if (gap < minGap) continue;
    let du = 0;
    for (let r = 0; r < rows; r++) du += u[r * k + c] * ou[r * ouCols + c];
    let dv = 0;
    for (let r = 0; r < cols; r++) dv += v[r * k + c] * ov[r * ovCols + c];
    worst = Math.max(worst, Math.abs(du - dv));
  }
  return worst;
}

/** Q diag(values) Q^T, symmetrised so the input is exactly symmetric. */
function symmetricWithSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * values[k] * q[j * n + k];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** Checks A V = V diag(values), V^T V = I and the ordering; returns the scaled residual. */
function checkEigen(a: Float64Array, n: number, tol = 1e-13): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = symmetricEigen(a, n);
  expect(values.length).toBe(n);
  expect(vectors.length).toBe(n * n);
  expect(isDescending(values)).toBe(true);
  const scale = Math.max(maxAbs(values), Number.MIN_VALUE);
  const av = naiveMultiply(a, n, n, vectors, n);
  const vl = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) vl[r * n + c] = vectors[r * n + c] * values[c];
  const residual = maxAbsDiff(av, vl) / scale;
  expect(residual).toBeLessThan(tol * Math.max(1, Math.sqrt(n)));
  expect(orthonormalityError(vectors, n, n)).toBeLessThan(tol * Math.max(1, Math.sqrt(n)));
  return { values, vectors };
}

/** Checks a = u diag(s) v^T, orthonormal u and v, s descending and non-negative. */
function checkSvd(a: Float64Array, rows: number, cols: number, tol = 1e-13): ReturnType<typeof svd> {
  const result = svd(a, rows, cols);
  const { s, u, v } = result;
  const k = Math.min(rows, cols);
  expect(s.length).toBe(k);
  expect(u.length).toBe(rows * k);
  expect(v.length).toBe(cols * k);
  expect(isDescending(s)).toBe(true);
  expect(firstFailing(s, (x) => x >= 0), 'negative singular value').toBeNull();
  const us = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) us[r * k + c] = u[r * k + c] * s[c];
  const back = naiveMultiply(us, rows, k, naiveTranspose(v, cols, k), cols);
  const scale = Math.max(s[0] ?? 0, Number.MIN_VALUE);
  const bound = tol * Math.max(1, Math.sqrt(Math.max(rows, cols)));
  expect(maxAbsDiff(back, a) / scale).toBeLessThan(bound);
  expect(orthonormalityError(u, rows, k)).toBeLessThan(bound);
  expect(orthonormalityError(v, cols, k)).toBeLessThan(bound);
  return result;
}

// Every test below runs on each kernel backend this runtime has (relaxed SIMD, SIMD, TypeScript).
for (const backend of availableKernelBackends()) {
  describe(`symmetricEigen (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    for (const seed of SEEDS) {
      for (const n of [1, 2, 3, 7, 50, 130]) {
        it(`matches ml-matrix on a random symmetric ${n}x${n} matrix (seed ${seed})`, () => {
          const a = randomSymmetric(n, seed);
          const copy = Float64Array.from(a);
          const { values, vectors } = checkEigen(a, n);
          expect(a).toEqual(copy); // input not mutated

          const oracle = new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true });
          const expected = [...oracle.realEigenvalues].sort((x, y) => y - x);
          expect(maxAbsDiff(values, expected) / maxAbs(expected)).toBeLessThan(1e-13);

          // Eigenvectors agree up to sign where the eigenvalue is well separated.
          const ov = fromMl(oracle.eigenvectorMatrix);
          const oorder = [...oracle.realEigenvalues.keys()].sort(
            (i, j) => oracle.realEigenvalues[j] - oracle.realEigenvalues[i],
          );
          expect(worstAlignment(vectors, n, ov, n, n, values, 1e-3 * maxAbs(values), oorder)).toBeLessThan(1e-10);
        });
      }
    }

    it('the blocked reduction agrees with the unblocked one (random, graded, repeated and rank-deficient spectra)', () => {
    const n = 130;
    const graded = Array.from({ length: n }, (_, i) => 10 ** (-12 * i / (n - 1)));
    const repeated = Array.from({ length: n }, (_, i) => [5, 5, 5, 2, 2, 1][i % 6]);
    const x = randomMatrix(100, n, 7).data;
    const inputs: [string, Float64Array][] = [
      ['random', randomSymmetric(n, 31)],
      ['random 257', randomSymmetric(257, 32)],
      ['graded 1 .. 1e-12', symmetricWithSpectrum(graded, 33)],
      ['repeated', symmetricWithSpectrum(repeated, 34)],
      ['rank 100 covariance', naiveMultiply(naiveTranspose(x, 100, n), n, 100, x, n)],
    ];
    const failures: string[] = [];
    for (const [name, a] of inputs) {
      const order = Math.round(Math.sqrt(a.length));
      const blocked = symmetricEigenRoute(a, order, true);
      const plain = symmetricEigenRoute(a, order, false);
      const scale = maxAbs(plain.values);
      const dv = maxAbsDiff(blocked.values, plain.values) / scale;
      if (!(dv < 1e-13)) failures.push(`${name}: values differ by ${dv.toExponential(2)} of the largest`);
      const align = worstAlignment(blocked.vectors, order, plain.vectors, order, order, plain.values, 1e-3 * scale);
      if (!(align < 1e-12)) failures.push(`${name}: separated eigenvectors differ by ${align.toExponential(2)}`);
      const orth = orthonormalityError(blocked.vectors, order, order);
      if (!(orth < 1e-13 * Math.sqrt(order))) failures.push(`${name}: blocked vectors orthonormal to ${orth.toExponential(2)}`);
    }
    expect(failures).toEqual([]);
  });

  it('reads only the upper triangle', () => {
      const n = 9;
      const a = randomSymmetric(n, 4);
      const garbled = Float64Array.from(a);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) garbled[i * n + j] = 1e3 * (i - j);
      const clean = symmetricEigen(a, n);
      const got = symmetricEigen(garbled, n);
      expect(maxAbsDiff(got.values, clean.values)).toBe(0);
      expect(maxAbsDiff(got.vectors, clean.vectors)).toBe(0);
    });

    it('handles a larger matrix (200x200) against ml-matrix', () => {
      const n = 200;
      const a = randomSymmetric(n, 21);
      const { values } = checkEigen(a, n);
      const oracle = new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true });
      const expected = [...oracle.realEigenvalues].sort((x, y) => y - x);
      expect(maxAbsDiff(values, expected) / maxAbs(expected)).toBeLessThan(1e-13);
    });

    it('handles a positive semi-definite covariance X^T X from several seeds', () => {
      for (const seed of SEEDS) {
        const x = randomMatrix(200, 60, seed).data;
        const c = naiveMultiply(naiveTranspose(x, 200, 60), 60, 200, x, 60);
        const { values } = checkEigen(c, 60);
        expect(values[59]).toBeGreaterThan(0);
      }
    });

    it('returns the sorted diagonal and unit vectors for a diagonal matrix', () => {
      const diag = [3, -1, 7, 0, 2.5, 7.5];
      const n = diag.length;
      const a = new Float64Array(n * n);
      diag.forEach((d, i) => (a[i * n + i] = d));
      const { values, vectors } = checkEigen(a, n);
      expect(Array.from(values)).toEqual([...diag].sort((x, y) => y - x));
      // Column c is +-e_source, source being the row of values[c] on the diagonal.
      const pivots = Array.from(values, (v, c) => Math.abs(vectors[diag.indexOf(v) * n + c]));
      expect(pivots).toEqual(new Array(n).fill(1));
    });

    it('handles repeated eigenvalues', () => {
      const spectrum = [5, 5, 5, 2, 2, 1, 1, 1, 1, 0.5];
      for (const seed of SEEDS) {
        const a = symmetricWithSpectrum(spectrum, seed);
        const { values } = checkEigen(a, spectrum.length);
        expect(maxAbsDiff(values, spectrum)).toBeLessThan(1e-14 * 5 * spectrum.length);
      }
    });

    it('gets small eigenvalues right in absolute terms (spectrum 1 .. 1e-12)', () => {
      const n = 40;
      const spectrum = Array.from({ length: n }, (_, i) => 10 ** (-12 * i / (n - 1)));
      for (const seed of SEEDS) {
        const a = symmetricWithSpectrum(spectrum, seed);
        const { values } = checkEigen(a, n);
        // The rounding in forming A is itself ~n * eps, so this is the best possible.
        expect(maxAbsDiff(values, spectrum)).toBeLessThan(2e-14);
      }
    });

    it('finds the zero eigenvalues of a rank-deficient covariance (duplicated columns)', () => {
      const n = 30;
      const x = randomMatrix(100, n, 7).data;
      for (let r = 0; r < 100; r++) {
        x[r * n + 5] = x[r * n + 3];
        x[r * n + 9] = 2 * x[r * n + 3];
        x[r * n + 20] = 0;
      }
      const c = naiveMultiply(naiveTranspose(x, 100, n), n, 100, x, n);
      const { values } = checkEigen(c, n);
      expect(values[n - 4]).toBeGreaterThan(1e-3 * values[0]);
      expect(maxAbs(values.subarray(n - 3)), 'the three zero eigenvalues').toBeLessThan(1e-14 * n * values[0]);
    });

    it('keeps its accuracy for entries near overflow and underflow (2^990 A and 2^-990 A give A\'s eigenpairs, scaled)', () => {
      // Regression: the QL route returned NaN at 2^990 and eigenvalues off by 20% at 2^-990.
      const n = 50;
      const a = randomSymmetric(n, 8);
      const plain = symmetricEigen(a, n);
      for (const k of [990, -990, 1000, -1000]) {
        const f = 2 ** k;
        const got = symmetricEigen(a.map((x) => x * f), n);
        const values = got.values.map((x) => x / f);
        expect(maxAbsDiff(values, plain.values) / maxAbs(plain.values), `2^${k}: eigenvalues`).toBeLessThan(1e-14);
        expect(worstAlignment(got.vectors, n, plain.vectors, n, n, plain.values, 1e-3 * maxAbs(plain.values)), `2^${k}: vectors`).toBeLessThan(1e-12);
      }
    });

    it('handles the zero matrix, 1x1 and 0x0', () => {
      const z = checkEigen(new Float64Array(16), 4);
      expect(Array.from(z.values)).toEqual([0, 0, 0, 0]);
      const one = symmetricEigen(Float64Array.of(-3.5), 1);
      expect(Array.from(one.values)).toEqual([-3.5]);
      expect(Array.from(one.vectors)).toEqual([1]);
      const empty = symmetricEigen(new Float64Array(0), 0);
      expect(empty.values.length).toBe(0);
    });

    it('rejects bad shapes and non-finite input', () => {
      expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(RangeError);
      expect(() => symmetricEigen(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2)).toThrow(NumericError);
      expect(() => symmetricEigen(Float64Array.of(Infinity), 1)).toThrow(NumericError);
    });
  });

  describe(`svd (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    const shapes: Array<[number, number]> = [
      [1, 1], [1, 5], [5, 1], [2, 2], [3, 7], [7, 3], [50, 50], [130, 40], [40, 130], [64, 63], [300, 5], [4, 200],
    ];
    for (const seed of SEEDS) {
      for (const [rows, cols] of shapes) {
        it(`matches ml-matrix on a random ${rows}x${cols} matrix (seed ${seed})`, () => {
          const a = randomMatrix(rows, cols, seed).data;
          const copy = Float64Array.from(a);
          const { s, u, v } = checkSvd(a, rows, cols);
          expect(a).toEqual(copy);
          const oracle = new SingularValueDecomposition(toMl(a, rows, cols), { autoTranspose: true });
          const expected = oracle.diagonal.slice(0, s.length);
          expect(maxAbsDiff(s, expected) / expected[0]).toBeLessThan(1e-13);
          // Singular vectors agree up to sign where the singular value is well separated, with the same sign on both sides.
          const k = s.length;
          const ou = fromMl(oracle.leftSingularVectors);
          const ov = fromMl(oracle.rightSingularVectors);
          const ouCols = oracle.leftSingularVectors.columns;
          const ovCols = oracle.rightSingularVectors.columns;
          const minGap = 1e-3 * s[0];
          expect(worstAlignment(u, k, ou, ouCols, rows, s, minGap), 'left vectors').toBeLessThan(1e-10);
          expect(worstAlignment(v, k, ov, ovCols, cols, s, minGap), 'right vectors').toBeLessThan(1e-10);
          expect(worstSignMismatch(u, v, ou, ouCols, ov, ovCols, rows, cols, s, minGap), 'sign of u vs v').toBeLessThan(1e-10);
        });
      }
    }

    it('gets small singular values right in absolute terms (1 .. 1e-12)', () => {
      for (const [rows, cols] of [[40, 40], [60, 30], [30, 60]] as const) {
        const k = Math.min(rows, cols);
        const spectrum = Array.from({ length: k }, (_, i) => 10 ** (-12 * i / (k - 1)));
        for (const seed of SEEDS) {
          const { a } = withSpectrum(spectrum, rows, cols, seed);
          const { s } = checkSvd(a, rows, cols);
          expect(maxAbsDiff(s, spectrum)).toBeLessThan(2e-14);
          const oracle = new SingularValueDecomposition(toMl(a, rows, cols), { autoTranspose: true });
          expect(maxAbsDiff(s, oracle.diagonal.slice(0, k))).toBeLessThan(2e-14);
        }
      }
    });

    it('handles a larger square matrix (200x200) against ml-matrix', () => {
      const a = randomMatrix(200, 200, 22).data;
      const { s } = checkSvd(a, 200, 200);
      const oracle = new SingularValueDecomposition(toMl(a, 200, 200), { autoTranspose: true });
      expect(maxAbsDiff(s, oracle.diagonal) / s[0]).toBeLessThan(1e-13);
    });

    it('handles rank-deficient matrices (duplicated and zero columns)', () => {
      for (const [rows, cols] of [[50, 20], [20, 50], [30, 30]] as const) {
        const a = randomMatrix(rows, cols, 11).data;
        for (let r = 0; r < rows; r++) {
          a[r * cols + 1] = a[r * cols + 0];
          a[r * cols + 4] = -3 * a[r * cols + 2];
          a[r * cols + 7] = 0;
        }
        const { s } = checkSvd(a, rows, cols);
        const k = s.length;
        const rank = Math.min(rows, cols - 3);
        expect(s[rank - 1]).toBeGreaterThan(1e-3 * s[0]);
        expect(maxAbs(s.subarray(rank, k)), 'the zero singular values').toBeLessThan(1e-14 * Math.max(rows, cols) * s[0]);
      }
    });

    it('handles low-rank products and repeated singular values', () => {
      const { a } = withSpectrum([3, 3, 3, 1, 1, 0, 0, 0], 12, 8, 5);
      const { s } = checkSvd(a, 12, 8);
      expect(maxAbsDiff(s, [3, 3, 3, 1, 1, 0, 0, 0])).toBeLessThan(1e-14 * 3 * 12);
    });

    it('handles the zero matrix, 1x1 and empty shapes', () => {
      for (const [rows, cols] of [[4, 4], [5, 3], [3, 5]] as const) {
        const { s, u, v } = svd(new Float64Array(rows * cols), rows, cols);
        expect(Array.from(s)).toEqual(new Array(Math.min(rows, cols)).fill(0));
        expect(orthonormalityError(u, rows, s.length)).toBeLessThan(1e-15);
        expect(orthonormalityError(v, cols, s.length)).toBeLessThan(1e-15);
      }
      const one = svd(Float64Array.of(-2), 1, 1);
      expect(Array.from(one.s)).toEqual([2]);
      expect(one.u[0] * one.v[0]).toBe(-1);
      expect(svd(new Float64Array(0), 0, 3).s.length).toBe(0);
    });

    it('rejects bad shapes and non-finite input', () => {
      expect(() => svd(new Float64Array(5), 2, 3)).toThrow(RangeError);
      expect(() => svd(Float64Array.of(1, 2, Number.NaN), 1, 3)).toThrow(NumericError);
    });
  });
}
