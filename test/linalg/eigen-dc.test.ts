import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EigenvalueDecomposition } from 'ml-matrix';
import { DC_MIN_ORDER, symmetricEigen, symmetricEigenRoute } from '../../src/linalg/decompose.js';
import { tridiagonalEigenDC } from '../../src/linalg/tridiagonal-dc.js';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { isDescending, maxAbs, randomOrthogonal, randomSymmetric, toMl } from './linalg-helpers.js';

/** Orders of the checks: leaves only, one merge, odd splits, and several levels. */
const ORDERS = [1, 2, 3, 33, 64, 65, 200, 513, 700];

/** a b for row-major a (r x k) and b (k x c): plain loops, i-k-j order so rows stream. */
function product(a: Float64Array, r: number, k: number, b: Float64Array, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const o = i * c;
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t];
      if (x === 0) continue;
      const bt = t * c;
      for (let j = 0; j < c; j++) out[o + j] += x * b[bt + j];
    }
  }
  return out;
}

/** Transpose of a rows x cols row-major matrix. */
function transposed(a: Float64Array, rows: number, cols = rows): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** Q diag(values) Q^T for a random orthogonal Q, exactly symmetric. */
function withValues(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, seed);
  const ql = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) ql[i * n + k] = q[i * n + k] * values[k];
  const a = product(ql, n, n, transposed(q, n), n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
  return a;
}

function diagonal(values: readonly number[]): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  values.forEach((v, i) => (a[i * n + i] = v));
  return a;
}

/** Wilkinson's W_n^+: diagonal |i - (n - 1) / 2|, off-diagonal 1 (pairs of nearly equal eigenvalues). */
function wilkinson(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = Math.abs(i - (n - 1) / 2);
    if (i + 1 < n) {
      a[i * n + i + 1] = 1;
      a[(i + 1) * n + i] = 1;
    }
  }
  return a;
}

/** The test matrices of order n (name, matrix). */
function cases(n: number): [string, Float64Array][] {
  const r = Math.max(1, Math.floor(n / 3));
  const x = randomMatrix(r, n, 11 + n).data;
  const tridiagonal = new Float64Array(n * n);
  const g = randomSymmetric(n, 5 + n);
  for (let i = 0; i < n; i++) {
    tridiagonal[i * n + i] = g[i * n + i];
    if (i + 1 < n) {
      tridiagonal[i * n + i + 1] = g[i * n + i + 1];
      tridiagonal[(i + 1) * n + i] = g[i * n + i + 1];
    }
  }
  return [
    ['random', randomSymmetric(n, 3 + n)],
    [`covariance of rank ${Math.min(r, n)}`, product(transposed(x, r, n), n, r, x, n)],
    ['clustered 1 + 1e-12 k', withValues(Array.from({ length: n }, (_, k) => 1 + 1e-12 * k), 7 + n)],
    ['identity', diagonal(new Array(n).fill(1))],
    ['repeated 1,1,1,2,2,...', withValues(Array.from({ length: n }, (_, i) => (i < 3 ? 1 : 2 + Math.floor((i - 3) / 2))), 9 + n)],
    ['graded 10^-k', withValues(Array.from({ length: n }, (_, k) => 10 ** -(16 * k / Math.max(1, n - 1))), 13 + n)],
    ['diagonal', diagonal(Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 6.5))],
    ['zero', new Float64Array(n * n)],
    ['tridiagonal', tridiagonal],
    ['Wilkinson W+', wilkinson(n)],
  ];
}

/** Why a decomposition of a fails the contract, or null. */
function defects(
  a: Float64Array, n: number, got: { values: Float64Array; vectors: Float64Array }, ql: { values: Float64Array },
): string[] {
  const out: string[] = [];
  const scale = Math.max(maxAbs(ql.values), Number.MIN_VALUE);
  if (!isDescending(got.values)) out.push('values not descending');
  let dv = 0;
  for (let i = 0; i < n; i++) dv = Math.max(dv, Math.abs(got.values[i] - ql.values[i]));
  if (!(dv <= 1e-13 * scale * Math.sqrt(n))) out.push(`values differ from QL by ${(dv / scale).toExponential(2)} of the largest`);
  const v = got.vectors;
  const av = product(a, n, n, v, n);
  let res = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) res = Math.max(res, Math.abs(av[r * n + c] - v[r * n + c] * got.values[c]));
  if (!(res <= 1e-12 * scale)) out.push(`residual ${(res / scale).toExponential(2)} of the largest`);
  const vtv = product(transposed(v, n), n, n, v, n);
  let orth = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth = Math.max(orth, Math.abs(vtv[i * n + j] - (i === j ? 1 : 0)));
  if (!(orth <= 1e-12)) out.push(`V^T V - I up to ${orth.toExponential(2)}`);
  return out;
}

describe('symmetricEigen by divide and conquer', () => {
  it(`is the route of symmetricEigen from order ${DC_MIN_ORDER} on`, () => {
    const n = DC_MIN_ORDER;
    const a = randomSymmetric(n, 1);
    const got = symmetricEigen(a, n);
    const dc = symmetricEigenRoute(a, n, false, 'dc');
    expect(got.values).toEqual(dc.values);
    expect(got.vectors).toEqual(dc.vectors);
  });

  it('eigenvalues agree with ml-matrix (independent JAMA port) on random, clustered, graded and Wilkinson matrices', () => {
    const failures: string[] = [];
    for (const n of ORDERS) {
      for (const [name, a] of cases(n)) {
        if (n > 200 && (name !== 'random' || n > 513)) continue; // ml-matrix is slow; the QL comparisons cover the rest
        const oracle = new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true });
        const expected = [...oracle.realEigenvalues].sort((x, y) => y - x);
        const { values } = symmetricEigenRoute(a, n, false, 'dc');
        const scale = Math.max(maxAbs(expected), Number.MIN_VALUE);
        let dv = 0;
        for (let i = 0; i < n; i++) dv = Math.max(dv, Math.abs(values[i] - expected[i]));
        if (!(dv <= 1e-13 * scale * Math.sqrt(n))) failures.push(`${name} ${n}: ${(dv / scale).toExponential(2)} of the largest`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);
});

describe('symmetricEigen by divide and conquer near overflow and underflow', () => {
  it('gives the same eigenpairs for 2^990 A and 2^-990 A as for A, scaled', () => {
    const n = Math.max(DC_MIN_ORDER, 400);
    const a = randomSymmetric(n, 77);
    const plain = symmetricEigen(a, n);
    const failures: string[] = [];
    for (const k of [990, -990]) {
      const f = 2 ** k;
      const got = symmetricEigen(a.map((x) => x * f), n);
      const unscaled = { values: got.values.map((x) => x / f), vectors: got.vectors };
      for (const d of defects(a, n, unscaled, plain)) failures.push(`2^${k}: ${d}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

// Every check runs on each kernel backend this runtime has (relaxed SIMD, SIMD, TypeScript).
for (const backend of availableKernelBackends()) {
  describe(`divide and conquer against QL (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    // Orders above 200 check every matrix on the default backend, and a random one up to 513 on the
    // others: the plain-loop residual checks are O(n^3) per matrix, and the merges' code is the same.
    const full = backend === availableKernelBackends()[0];
    for (const n of ORDERS.filter((order) => full || order <= 513)) {
      it(`order ${n}: values match QL, residual, orthonormality and order, on ${full || n <= 200 ? 'every test matrix' : 'a random matrix'}`, () => {
        const failures: string[] = [];
        for (const [name, a] of cases(n).filter(([name]) => full || n <= 200 || name === 'random')) {
          const copy = Float64Array.from(a);
          const ql = symmetricEigenRoute(a, n, false, 'ql');
          // The blocked reduction (used from order 1536 on) once, at 513, to keep the run short.
          for (const blocked of n === 513 ? [false, true] : [false]) {
            const dc = symmetricEigenRoute(a, n, blocked, 'dc');
            for (const d of defects(a, n, dc, ql)) failures.push(`${name}${blocked ? ' (blocked)' : ''}: ${d}`);
          }
          if (!a.every((x, i) => Object.is(x, copy[i]))) failures.push(`${name}: input mutated`);
        }
        expect(failures).toEqual([]);
      }, 300_000);
    }
  });
}

describe('tridiagonalEigenDC', () => {
  /** T's eigenpairs against T itself: T v = lambda v, V^T V = I, values ascending. */
  function tridiagonalDefects(d: Float64Array, e: Float64Array, n: number, leaf: number): string[] {
    const { values, vectors } = tridiagonalEigenDC(d, e, n, leaf);
    const out: string[] = [];
    let scale = 0;
    for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
    scale = Math.max(scale, Number.MIN_VALUE);
    for (let j = 1; j < n; j++) if (!(values[j] >= values[j - 1])) out.push(`values not ascending at ${j}`);
    let res = 0;
    for (let j = 0; j < n; j++) {
      const v = vectors.subarray(j * n, (j + 1) * n);
      for (let i = 0; i < n; i++) {
        const tv = d[i] * v[i] + (i > 0 ? e[i - 1] * v[i - 1] : 0) + (i < n - 1 ? e[i] * v[i + 1] : 0);
        res = Math.max(res, Math.abs(tv - values[j] * v[i]));
      }
    }
    if (!(res <= 1e-13 * scale * Math.sqrt(n))) out.push(`residual ${(res / scale).toExponential(2)}`);
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += vectors[i * n + r] * vectors[j * n + r];
        orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    if (!(orth <= 1e-13 * Math.sqrt(n))) out.push(`orthonormality ${orth.toExponential(2)}`);
    return out;
  }

  it('solves tridiagonals through many merges (leaves of 2 and 5) with deflation of every kind', () => {
    const failures: string[] = [];
    for (const n of [1, 2, 3, 4, 7, 16, 33, 100]) {
      const g = randomSymmetric(n, 40 + n);
      const inputs: [string, Float64Array, Float64Array][] = [
        ['random', Float64Array.from({ length: n }, (_, i) => g[i * n + i]), Float64Array.from({ length: n - 1 }, (_, i) => g[i * n + i + 1])],
        ['ones (1, 2, 1)', new Float64Array(n).fill(2), new Float64Array(Math.max(n - 1, 0)).fill(1)],
        ['split (zero couplings)', Float64Array.from({ length: n }, (_, i) => i % 3), Float64Array.from({ length: n - 1 }, (_, i) => (i % 4 === 1 ? 0 : 1e-3))],
        ['tiny couplings', Float64Array.from({ length: n }, (_, i) => i % 2), new Float64Array(Math.max(n - 1, 0)).fill(1e-17)],
        ['graded', Float64Array.from({ length: n }, (_, i) => 10 ** -i), Float64Array.from({ length: n - 1 }, (_, i) => 10 ** -(i + 0.5))],
        ['Wilkinson', Float64Array.from({ length: n }, (_, i) => Math.abs(i - (n - 1) / 2)), new Float64Array(Math.max(n - 1, 0)).fill(1)],
        ['random times 2^1000', Float64Array.from({ length: n }, (_, i) => g[i * n + i] * 2 ** 1000), Float64Array.from({ length: n - 1 }, (_, i) => g[i * n + i + 1] * 2 ** 1000)],
        ['random times 2^-1000', Float64Array.from({ length: n }, (_, i) => g[i * n + i] * 2 ** -1000), Float64Array.from({ length: n - 1 }, (_, i) => g[i * n + i + 1] * 2 ** -1000)],
        ['negative couplings', Float64Array.from({ length: n }, (_, i) => Math.sin(i)), Float64Array.from({ length: n - 1 }, (_, i) => -1 - Math.cos(i))],
      ];
      for (const leaf of [2, 5]) {
        for (const [name, d, e] of inputs) {
          const dc = Float64Array.from(d);
          const ec = Float64Array.from(e);
          for (const f of tridiagonalDefects(d, e, n, leaf)) failures.push(`${name} n=${n} leaf=${leaf}: ${f}`);
          if (!d.every((x, i) => x === dc[i]) || !e.every((x, i) => x === ec[i])) failures.push(`${name}: input mutated`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
