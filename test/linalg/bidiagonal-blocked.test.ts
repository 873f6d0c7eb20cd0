import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIDIAG_PANEL } from '../../src/linalg/bidiagonal-blocked.js';
import { SVD_BLOCKED_MIN_ORDER, bidiagonalForm, reductionFor, svdRoute } from '../../src/linalg/decompose.js';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { frobenius, naiveMultiply, svdDefects, withSpectrum } from './linalg-helpers.js';

const EPS = 2 ** -52;

/**
 * Orders (min(rows, cols)) of the checks. The blocked reduction leaves the
 * last 128 columns to the unblocked one, so order 160 is one panel, 191 one
 * panel and a longer tail, 192 two panels; the threshold's order for svd.
 */
const ORDERS = [100, 128 + BIDIAG_PANEL - 1, 128 + BIDIAG_PANEL, 128 + 2 * BIDIAG_PANEL - 1, 128 + 2 * BIDIAG_PANEL, 257];

/** Shapes of order n: square, taller, wider, much taller. */
function shapes(n: number): [number, number][] {
  return [[n, n], [n + 17, n], [n, n + 9], [3 * n, n]];
}

/** The test matrices of shape rows x cols (name, matrix). */
function cases(rows: number, cols: number): [string, Float64Array][] {
  const k = Math.min(rows, cols);
  const seed = 100 * rows + cols;
  const random = randomMatrix(rows, cols, seed).data;
  const r = Math.max(1, Math.floor(k / 3));
  const lowRank = naiveMultiply(randomMatrix(rows, r, seed + 1).data, rows, r, randomMatrix(r, cols, seed + 2).data, cols);
  const spectrum = (f: (i: number) => number) => withSpectrum(Array.from({ length: k }, (_, i) => f(i)), rows, cols, seed + 3).a;
  // Zero columns in the first panel: steps with no left reflector (s[k] = 0) inside a panel.
  const holes = random.map((x, i) => (i % cols === 3 || i % cols === 10 ? 0 : x));
  return [
    ['random', random],
    [`low rank (${r})`, lowRank],
    ['graded 1 .. 1e-12', spectrum((i) => 10 ** (-12 * i / Math.max(1, k - 1)))],
    ['graded 1 .. 1e-300', spectrum((i) => 10 ** (-300 * i / Math.max(1, k - 1)))],
    ['zero columns', holes],
    ['zero', new Float64Array(rows * cols)],
    ['random times 1e150', random.map((x) => x * 1e150)],
  ];
}

/** Largest |x - y| over the two vectors, relative to the matrix's Frobenius norm (0 for a zero matrix). */
function relativeGap(x: Float64Array, y: Float64Array, norm: number): number {
  let gap = 0;
  for (let i = 0; i < x.length; i++) gap = Math.max(gap, Math.abs(x[i] - y[i]));
  return norm > 0 ? gap / norm : gap;
}

describe('blocked bidiagonalisation', () => {
  it(`is svd's reduction from order ${SVD_BLOCKED_MIN_ORDER} on, the unblocked one below`, () => {
    expect(reductionFor(SVD_BLOCKED_MIN_ORDER - 1, 5000)).toBe('unblocked');
    expect(reductionFor(SVD_BLOCKED_MIN_ORDER, SVD_BLOCKED_MIN_ORDER)).toBe('blocked');
    expect(reductionFor(5000, SVD_BLOCKED_MIN_ORDER)).toBe('blocked');
  });
});

// Every check runs on each kernel backend this runtime has (relaxed SIMD, SIMD, TypeScript).
for (const backend of availableKernelBackends()) {
  describe(`blocked bidiagonalisation against the unblocked one (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));
    const full = backend === availableKernelBackends()[0];

    for (const n of ORDERS) {
      it(`order ${n}: the same bidiagonal, signs included, to rounding (full-rank matrices)`, () => {
        const failures: string[] = [];
        for (const [rows, cols] of shapes(n)) {
          for (const [name, a] of cases(rows, cols)) {
            // A rank-deficient matrix's bidiagonal is not unique past its (rounding-level) zero entries: those
            // are held to the SVD checks below instead.
            if (name.startsWith('low rank') || name.startsWith('zero columns') || name.startsWith('graded 1 .. 1e-300')) continue;
            const norm = frobenius(a);
            const plain = bidiagonalForm(a, rows, cols, 'unblocked');
            const blocked = bidiagonalForm(a, rows, cols, 'blocked');
            const gap = Math.max(relativeGap(plain.d, blocked.d, norm), relativeGap(plain.e, blocked.e, norm));
            // Forward errors of the two orders of summation (a wrong reflector would differ by O(1)): up to ~1e-13 seen.
            if (!(gap <= 20 * n * EPS)) failures.push(`${name} ${rows}x${cols}: entries differ by ${gap.toExponential(2)} of ||A||`);
          }
        }
        expect(failures).toEqual([]);
      }, 300_000);
    }

    for (const n of full ? ORDERS : ORDERS.slice(2, 3)) {
      it(`order ${n}: svd through the blocked reduction, both bidiagonal solvers: residual, orthonormality, values`, () => {
        const failures: string[] = [];
        for (const [rows, cols] of full ? shapes(n) : shapes(n).slice(0, 3)) {
          for (const [name, a] of cases(rows, cols).filter(([name]) => full || name === 'random' || name.startsWith('graded'))) {
            const copy = Float64Array.from(a);
            const reference = svdRoute(a, rows, cols, 'qr', 'unblocked').s;
            for (const solver of ['qr', 'dc'] as const) {
              const got = svdRoute(a, rows, cols, solver, 'blocked');
              for (const d of svdDefects(a, rows, cols, got, reference)) failures.push(`${name} ${rows}x${cols} ${solver}: ${d}`);
            }
            if (!a.every((x, i) => Object.is(x, copy[i]))) failures.push(`${name} ${rows}x${cols}: input mutated`);
          }
        }
        expect(failures).toEqual([]);
      }, 600_000);
    }
  });
}
