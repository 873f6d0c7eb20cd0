import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SingularValueDecomposition } from 'ml-matrix';
import { BIDIAGONAL_DC_LEAF_ORDER, bidiagonalSvdDC } from '../../src/linalg/bidiagonal-dc.js';
import { SVD_DC_MIN_ORDER, SVD_DC_MIN_ORDER_ELONGATED, svd, svdRoute, svdSolverFor } from '../../src/linalg/decompose.js';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { naiveMultiply, svdDefects, toMl, withSpectrum } from './linalg-helpers.js';

const EPS = 2 ** -52;

/** Orders (min(rows, cols)) of the checks: leaves only, around the leaf order, one and several merges. */
const ORDERS = [1, 2, 5, BIDIAGONAL_DC_LEAF_ORDER, BIDIAGONAL_DC_LEAF_ORDER + 1, 65, 130, 257];
/** Orders around the thresholds of svdSolverFor, checked on random matrices (the plain-loop checks are O(n^3)). */
const THRESHOLD_ORDERS = [SVD_DC_MIN_ORDER_ELONGATED - 1, SVD_DC_MIN_ORDER_ELONGATED, SVD_DC_MIN_ORDER - 1, SVD_DC_MIN_ORDER];

/** Shapes of order n: square, taller, wider, much taller. */
function shapes(n: number): [number, number][] {
  return [[n, n], [n + 17, n], [n, n + 9], [Math.min(8 * n, n + 400), n]];
}

function diagonalMatrix(values: readonly number[], rows: number, cols: number): Float64Array {
  const a = new Float64Array(rows * cols);
  values.forEach((x, i) => (a[i * cols + i] = x));
  return a;
}

/** The test matrices of shape rows x cols (name, matrix). */
function cases(rows: number, cols: number): [string, Float64Array][] {
  const k = Math.min(rows, cols);
  const seed = 100 * rows + cols;
  const random = randomMatrix(rows, cols, seed).data;
  const r = Math.max(1, Math.floor(k / 3));
  const lowRank = naiveMultiply(randomMatrix(rows, r, seed + 1).data, rows, r, randomMatrix(r, cols, seed + 2).data, cols);
  const bidiagonal = new Float64Array(rows * cols);
  for (let i = 0; i < k; i++) {
    bidiagonal[i * cols + i] = random[i * cols + i];
    if (i + 1 < cols) bidiagonal[i * cols + i + 1] = random[i * cols + i + 1];
  }
  const spectrum = (f: (i: number) => number) => withSpectrum(Array.from({ length: k }, (_, i) => f(i)), rows, cols, seed + 3).a;
  return [
    ['random', random],
    [`low rank (${Math.min(r, k)})`, lowRank],
    ['clustered 1 + 1e-12 i', spectrum((i) => 1 + 1e-12 * i)],
    ['repeated 3,3,3,2,2,1,1,...', spectrum((i) => (i < 3 ? 3 : i < 5 ? 2 : 1))],
    ['graded 1 .. 1e-12', spectrum((i) => 10 ** (-12 * i / Math.max(1, k - 1)))],
    ['graded 1 .. 1e-300', spectrum((i) => 10 ** (-300 * i / Math.max(1, k - 1)))],
    ['diagonal', diagonalMatrix(Array.from({ length: k }, (_, i) => ((i * 7919) % 13) - 6.5), rows, cols)],
    ['bidiagonal', bidiagonal],
    ['zero', new Float64Array(rows * cols)],
    ['random times 1e150', random.map((x) => x * 1e150)],
    ['random times 1e-150', random.map((x) => x * 1e-150)],
  ];
}

/** Why (values, u, v) fails to be the SVD of the bidiagonal (d, e): residual, orthonormality, order. */
function bidiagonalDefects(d: Float64Array, e: Float64Array, n: number, leaf: number): string[] {
  const { values, u, v } = bidiagonalSvdDC(d, e, n, leaf);
  const out: string[] = [];
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  scale = Math.max(scale, Number.MIN_VALUE);
  for (let j = 1; j < n; j++) if (!(values[j] <= values[j - 1])) out.push(`values not descending at ${j}`);
  if (values.some((x) => !(x >= 0))) out.push('negative or NaN value');
  // B v_j = s_j u_j and B^T u_j = s_j v_j.
  let res = 0;
  for (let j = 0; j < n; j++) {
    const vj = v.subarray(j * n, (j + 1) * n);
    const uj = u.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) {
      const bv = d[i] * vj[i] + (i < n - 1 ? e[i] * vj[i + 1] : 0);
      const btu = d[i] * uj[i] + (i > 0 ? e[i - 1] * uj[i - 1] : 0);
      res = Math.max(res, Math.abs(bv - values[j] * uj[i]), Math.abs(btu - values[j] * vj[i]));
    }
  }
  if (!(res <= 1e-13 * scale * Math.sqrt(n))) out.push(`residual ${(res / scale).toExponential(2)}`);
  for (const [name, q] of [['U', u], ['V', v]] as const) {
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += q[i * n + r] * q[j * n + r];
        orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    if (!(orth <= 1e-13 * Math.sqrt(n))) out.push(`${name} orthonormality ${orth.toExponential(2)}`);
  }
  return out;
}

describe('bidiagonalSvdDC', () => {
  it('solves bidiagonals through many merges (leaves of 2 and 5) with deflation of every kind', () => {
    const failures: string[] = [];
    for (const n of [1, 2, 3, 4, 5, 7, 16, 33, 100]) {
      const g = randomMatrix(2, n, 40 + n).data;
      const dRand = g.subarray(0, n);
      const eRand = g.subarray(n, 2 * n - 1);
      const m1 = Math.max(n - 1, 0);
      const inputs: [string, Float64Array, Float64Array][] = [
        ['random', Float64Array.from(dRand), Float64Array.from(eRand)],
        ['ones', new Float64Array(n).fill(1), new Float64Array(m1).fill(1)],
        ['split (zero super-diagonal entries)', Float64Array.from({ length: n }, (_, i) => 1 + (i % 3)), Float64Array.from({ length: m1 }, (_, i) => (i % 4 === 1 ? 0 : 1e-3))],
        ['zero diagonal entries', Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : dRand[i])), Float64Array.from(eRand)],
        ['tiny super-diagonal', Float64Array.from({ length: n }, (_, i) => i % 2), new Float64Array(m1).fill(1e-17)],
        ['repeated values', Float64Array.from({ length: n }, (_, i) => 1 + (i % 2)), new Float64Array(m1)],
        ['graded', Float64Array.from({ length: n }, (_, i) => 10 ** -i), Float64Array.from({ length: m1 }, (_, i) => 10 ** -(i + 0.5))],
        ['graded 1e-12 .. 1', Float64Array.from({ length: n }, (_, i) => 10 ** (-12 * i / Math.max(1, n - 1))), Float64Array.from(eRand, (x) => x * 1e-6)],
        // Merges of blocks whose entries are all near 1e-200 while the matrix's norm is 1: their
        // squares underflow unless each merge is scaled by its own norm.
        ['graded 1 .. 1e-300', Float64Array.from({ length: n }, (_, i) => 10 ** (-300 * i / Math.max(1, n - 1))), Float64Array.from({ length: m1 }, (_, i) => 10 ** (-300 * (i + 0.5) / Math.max(1, n - 1)))],
        ['zero first half', Float64Array.from(dRand, (x, i) => (i < n / 2 ? 0 : x)), Float64Array.from(eRand, (x, i) => (i < n / 2 ? 0 : x))],
        ['random times 2^1000', Float64Array.from(dRand, (x) => x * 2 ** 1000), Float64Array.from(eRand, (x) => x * 2 ** 1000)],
        ['random times 2^-1000', Float64Array.from(dRand, (x) => x * 2 ** -1000), Float64Array.from(eRand, (x) => x * 2 ** -1000)],
        ['zero', new Float64Array(n), new Float64Array(m1)],
      ];
      for (const leaf of [2, 5, 32]) {
        for (const [name, d, e] of inputs) {
          const dc = Float64Array.from(d);
          const ec = Float64Array.from(e);
          for (const f of bidiagonalDefects(d, e, n, leaf)) failures.push(`${name} n=${n} leaf=${leaf}: ${f}`);
          if (!d.every((x, i) => x === dc[i]) || !e.every((x, i) => x === ec[i])) failures.push(`${name}: input mutated`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('svd by divide and conquer', () => {
  it(`is the route of svd from order ${SVD_DC_MIN_ORDER} on (${SVD_DC_MIN_ORDER_ELONGATED} when twice as tall or wide), and the QR route below`, () => {
    const n = SVD_DC_MIN_ORDER;
    const ne = SVD_DC_MIN_ORDER_ELONGATED;
    const expected: [number, number, 'qr' | 'dc'][] = [
      [n, n, 'dc'], [n + 5, n, 'dc'], [n, n + 5, 'dc'], [n - 1, n - 1, 'qr'], [n - 1, 2 * n, 'dc'],
      [2 * ne, ne, 'dc'], [ne, 2 * ne, 'dc'], [2 * ne - 1, ne, 'qr'], [2 * ne, ne - 1, 'qr'], [1, 5000, 'qr'],
    ];
    expect(expected.map(([rows, cols]) => svdSolverFor(rows, cols))).toEqual(expected.map(([, , route]) => route));
    for (const [rows, cols, route] of [[n, n + 3, 'dc'], [n - 1, n + 3, 'qr'], [2 * ne, ne, 'dc']] as const) {
      const a = randomMatrix(rows, cols, 1).data;
      expect(svd(a, rows, cols)).toEqual(svdRoute(a, rows, cols, route));
    }
  }, 120_000);

  it('gives the same bits for the same input', () => {
    const a = randomMatrix(200, 150, 3).data;
    const first = svdRoute(a, 200, 150, 'dc');
    const second = svdRoute(Float64Array.from(a), 200, 150, 'dc');
    expect(Buffer.from(second.s.buffer).equals(Buffer.from(first.s.buffer))).toBe(true);
    expect(Buffer.from(second.u.buffer).equals(Buffer.from(first.u.buffer))).toBe(true);
    expect(Buffer.from(second.v.buffer).equals(Buffer.from(first.v.buffer))).toBe(true);
  });

  it('singular values agree with ml-matrix (independent JAMA port) on random, low rank, clustered and graded matrices', () => {
    const failures: string[] = [];
    for (const n of [5, 33, 65, 130]) {
      for (const [rows, cols] of shapes(n)) {
        for (const [name, a] of cases(rows, cols)) {
          if (name.includes('1e150') || name.includes('1e-150')) continue; // ml-matrix is not scaled
          const oracle = new SingularValueDecomposition(toMl(a, rows, cols), { autoTranspose: true });
          const k = Math.min(rows, cols);
          const expected = Float64Array.from(oracle.diagonal.slice(0, k));
          const { s } = svdRoute(a, rows, cols, 'dc');
          const scale = Math.max(expected[0], Number.MIN_VALUE);
          let dv = 0;
          for (let i = 0; i < k; i++) dv = Math.max(dv, Math.abs(s[i] - expected[i]));
          if (!(dv <= 10 * Math.sqrt(Math.max(rows, cols)) * EPS * scale)) failures.push(`${name} ${rows}x${cols}: ${(dv / scale).toExponential(2)} of the largest`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('gets known spectra right: graded values to 1e-16 of the largest, exact zeros of a low-rank matrix near zero', () => {
    const failures: string[] = [];
    for (const [rows, cols] of [[150, 150], [220, 90], [90, 220]] as const) {
      const k = Math.min(rows, cols);
      const spectrum = Array.from({ length: k }, (_, i) => (i < k - 10 ? 10 ** (-12 * i / (k - 11)) : 0));
      const { a } = withSpectrum(spectrum, rows, cols, 7);
      const { s } = svdRoute(a, rows, cols, 'dc');
      let dv = 0;
      for (let i = 0; i < k; i++) dv = Math.max(dv, Math.abs(s[i] - spectrum[i]));
      if (!(dv <= 1e-14)) failures.push(`${rows}x${cols}: off by ${dv.toExponential(2)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('svd near overflow and underflow', () => {
  it('gives the same decomposition for 2^1000 A and 2^-1000 A as for A, scaled, on both routes', () => {
    const failures: string[] = [];
    for (const [rows, cols] of [[120, 100], [100, 300]] as const) {
      const a = randomMatrix(rows, cols, 31).data;
      for (const route of ['qr', 'dc'] as const) {
        const plain = svdRoute(a, rows, cols, route);
        for (const e of [1000, -1000]) {
          const f = 2 ** e;
          let got: ReturnType<typeof svd>;
          try {
            got = svdRoute(a.map((x) => x * f), rows, cols, route);
          } catch (error) {
            failures.push(`${route} 2^${e} ${rows}x${cols}: ${(error as Error).message}`);
            continue;
          }
          const unscaled = { s: got.s.map((x) => x / f), u: got.u, v: got.v };
          for (const d of svdDefects(a, rows, cols, unscaled, plain.s)) failures.push(`${route} 2^${e} ${rows}x${cols}: ${d}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

// Every check runs on each kernel backend this runtime has (relaxed SIMD, SIMD, TypeScript).
for (const backend of availableKernelBackends()) {
  describe(`svd: divide and conquer against QR (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    // Every shape and matrix on the default backend; on the others the square and wide shapes of a
    // random and a graded matrix (the plain-loop checks are O(n^3) per matrix; the merges' code is the same).
    const full = backend === availableKernelBackends()[0];
    for (const n of THRESHOLD_ORDERS) {
      it(`order ${n}: residual, orthonormality, order, values against the QR route, on random matrices`, () => {
        const failures: string[] = [];
        for (const [rows, cols] of (full ? shapes(n) : shapes(n).slice(0, 1))) {
          const a = randomMatrix(rows, cols, n).data;
          const qr = svdRoute(a, rows, cols, 'qr');
          const dc = svdRoute(a, rows, cols, 'dc');
          for (const d of svdDefects(a, rows, cols, dc, qr.s)) failures.push(`${rows}x${cols}: ${d}`);
        }
        expect(failures).toEqual([]);
      }, 300_000);
    }

    for (const n of ORDERS) {
      it(`order ${n}: residual, orthonormality, order, values against the QR route`, () => {
        const failures: string[] = [];
        for (const [rows, cols] of full ? shapes(n) : shapes(n).slice(0, 3).filter((_, i) => i !== 1)) {
          for (const [name, a] of cases(rows, cols).filter(([name]) => full || name === 'random' || name.startsWith('graded'))) {
            const copy = Float64Array.from(a);
            const qr = svdRoute(a, rows, cols, 'qr');
            const dc = svdRoute(a, rows, cols, 'dc');
            for (const d of svdDefects(a, rows, cols, dc, qr.s)) failures.push(`${name} ${rows}x${cols}: ${d}`);
            if (!a.every((x, i) => Object.is(x, copy[i]))) failures.push(`${name} ${rows}x${cols}: input mutated`);
          }
        }
        expect(failures).toEqual([]);
      }, 300_000);
    }
  });
}
