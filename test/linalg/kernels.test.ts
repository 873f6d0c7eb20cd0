import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import {
  centredCrossProduct,
  centredGram,
  columnMeans,
  multiply,
  multiplyTransposeA,
  multiplyTransposeAAddInto,
  multiplyTransposeAGathered,
  transpose,
} from '../../src/linalg/kernels.js';
import { strassenMinCols, STRASSEN_MIN_ROWS, useStrassen } from '../../src/linalg/strassen.js';
import { randomMatrix } from '../helpers/random.js';
import { asymmetry, fromMl, maxAbs, maxAbsDiff, naiveCross, naiveTranspose, toMl } from './linalg-helpers.js';

const SEEDS = [1, 2, 3];

function naiveMeans(x: Float64Array, rows: number, cols: number): Float64Array {
  const m = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + c];
    m[c] = s / rows;
  }
  return m;
}

function withOffset(a: Float64Array, offset: number): Float64Array {
  return a.map((v) => v + offset);
}

function relativeError(actual: Float64Array, expected: Float64Array): number {
  return maxAbsDiff(actual, expected) / Math.max(maxAbs(expected), Number.MIN_VALUE);
}

// Every test below runs on each kernel backend this runtime has (relaxed SIMD, SIMD, TypeScript).
for (const backend of availableKernelBackends()) {
  describe(`columnMeans (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    it('matches a naive sum, including an offset and sizes around the block size', () => {
      for (const [rows, cols] of [[1, 1], [3, 7], [130, 5], [1000, 3], [257, 130]] as const) {
        const x = withOffset(randomMatrix(rows, cols, rows + cols).data, 1000);
        const m = columnMeans(x, rows, cols);
        expect(relativeError(m, naiveMeans(x, rows, cols))).toBeLessThan(1e-14);
      }
    });

    it('is exact on constant columns', () => {
      const x = new Float64Array(300 * 2).fill(0.1);
      expect(Array.from(columnMeans(x, 300, 2))).toEqual([0.1, 0.1].map((v) => expect.closeTo(v, 15)));
    });

    it('rejects bad shapes', () => {
      expect(() => columnMeans(new Float64Array(5), 2, 3)).toThrow(RangeError);
    });
  });

  describe(`centredCrossProduct (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    const sizes = [1, 3, 7, 130];
    for (const rows of [1, 3, 7, 130, 300]) {
      it(`matches the naive double loop for ${rows} rows and widths ${sizes.join('/')}`, () => {
        for (const dx of sizes) {
          for (const dy of sizes) {
            const x = randomMatrix(rows, dx, rows * 31 + dx).data;
            const y = randomMatrix(rows, dy, rows * 17 + dy + 1).data;
            const mx = columnMeans(x, rows, dx);
            const my = columnMeans(y, rows, dy);
            const got = centredCrossProduct(x, mx, dx, y, my, dy, rows);
            expect(relativeError(got, naiveCross(x, mx, dx, y, my, dy, rows))).toBeLessThan(1e-12);
          }
        }
      });
    }

    it('exploits symmetry when x and y are the same buffer, with an exactly symmetric result', () => {
      for (const seed of SEEDS) {
        for (const [rows, d] of [[300, 130], [257, 7], [5, 1], [129, 9], [140, 300]] as const) {
          const x = randomMatrix(rows, d, seed + d).data;
          const m = columnMeans(x, rows, d);
          const got = centredCrossProduct(x, m, d, x, m, d, rows);
          const gram = centredGram(x, m, d, rows);
          const expected = naiveCross(x, m, d, x, m, d, rows);
          expect(relativeError(got, expected)).toBeLessThan(1e-12);
          expect(relativeError(gram, expected)).toBeLessThan(1e-12);
          expect(asymmetry(got, d), 'centredCrossProduct(x, x)').toBeNull();
          expect(asymmetry(gram, d), 'centredGram').toBeNull();
        }
      }
    });

    it('is unaffected by a +1000 offset on every neuron (beyond 1e-9 relative)', () => {
      for (const seed of SEEDS) {
        const rows = 1000;
        const dx = 37;
        const dy = 13;
        const x = randomMatrix(rows, dx, seed).data;
        const y = randomMatrix(rows, dy, seed + 100).data;
        const base = centredCrossProduct(x, columnMeans(x, rows, dx), dx, y, columnMeans(y, rows, dy), dy, rows);
        const xo = withOffset(x, 1000);
        const yo = withOffset(y, 1000);
        const shifted = centredCrossProduct(xo, columnMeans(xo, rows, dx), dx, yo, columnMeans(yo, rows, dy), dy, rows);
        expect(relativeError(shifted, base)).toBeLessThan(1e-9);
        const gram = centredGram(xo, columnMeans(xo, rows, dx), dx, rows);
        const gramBase = centredGram(x, columnMeans(x, rows, dx), dx, rows);
        expect(relativeError(gram, gramBase)).toBeLessThan(1e-9);
      }
    });

    it('rejects mismatched shapes and means', () => {
      const x = new Float64Array(6);
      expect(() => centredCrossProduct(x, new Float64Array(3), 3, x, new Float64Array(2), 2, 2)).toThrow(RangeError);
      expect(() => centredCrossProduct(x, new Float64Array(2), 3, x, new Float64Array(3), 3, 2)).toThrow(RangeError);
    });
  });

  describe(`multiply and multiplyTransposeA (${backend} kernels)`, () => {
    beforeEach(() => setKernelBackend(backend));
    afterEach(() => setKernelBackend(undefined));

    const shapes: Array<[number, number, number]> = [
      [1, 1, 1], [3, 7, 1], [1, 7, 3], [7, 3, 130], [130, 129, 131], [64, 64, 64], [5, 260, 6], [20, 7, 301],
    ];
    for (const seed of SEEDS) {
      for (const [r, k, c] of shapes) {
        it(`matches ml-matrix mmul for (${r}x${k})(${k}x${c}) (seed ${seed})`, () => {
          const a = randomMatrix(r, k, seed).data;
          const b = randomMatrix(k, c, seed + 50).data;
          const expected = fromMl(toMl(a, r, k).mmul(toMl(b, k, c)));
          expect(relativeError(multiply(a, r, k, b, c), expected)).toBeLessThan(1e-13);

          // a^T b with a k x r and b k x c.
          const at = naiveTranspose(a, r, k);
          expect(relativeError(multiplyTransposeA(at, k, r, b, c), expected)).toBeLessThan(1e-13);
        });
      }
    }

    it('multiplyTransposeA(a, a) is exactly symmetric and matches ml-matrix', () => {
      const a = randomMatrix(140, 33, 9).data;
      const got = multiplyTransposeA(a, 140, 33, a, 33);
      const ml = toMl(a, 140, 33);
      expect(relativeError(got, fromMl(ml.transpose().mmul(ml)))).toBeLessThan(1e-13);
      expect(asymmetry(got, 33)).toBeNull();
    });

    it('multiplyTransposeAAddInto adds a^T b to out in place (small and kernel-sized shapes), and checks shapes', () => {
      for (const [rows, p, q] of [[3, 2, 4], [64, 130, 129]] as const) {
        const a = randomMatrix(rows, p, rows).data;
        const b = randomMatrix(rows, q, rows + 1).data;
        const out = randomMatrix(p, q, rows + 2).data;
        const ml = fromMl(toMl(a, rows, p).transpose().mmul(toMl(b, rows, q)).add(toMl(out, p, q)));
        multiplyTransposeAAddInto(a, rows, p, b, q, out);
        expect(relativeError(out, ml)).toBeLessThan(1e-13);
      }
      expect(() => multiplyTransposeAAddInto(new Float64Array(6), 2, 3, new Float64Array(4), 2, new Float64Array(5))).toThrow(RangeError);
    });

    it('multiplyTransposeAGathered pairs row i of a with row rows[i] of b, on the plain and the Strassen route', () => {
      // The Strassen shape on the SIMD backend only, where it starts at 384 columns (1024 on relaxed: too slow to check naively).
      const routes: Array<[number, number, number]> = [[300, 13, 9]];
      if (backend === 'simd') routes.push([STRASSEN_MIN_ROWS + 70, strassenMinCols() + 3, strassenMinCols() + 1]);
      const strassen: boolean[] = [];
      for (const [rows, p, q] of routes) {
        const a = randomMatrix(rows, p, rows).data;
        const b = randomMatrix(rows, q, rows + 1).data;
        // A fixed derangement-like shuffle: i -> (7919 i + 3) mod rows (7919 is prime, coprime to these row counts).
        const order = Int32Array.from({ length: rows }, (_, i) => (7919 * i + 3) % rows);
        const gathered = new Float64Array(rows * q);
        for (let i = 0; i < rows; i++) gathered.set(b.subarray(order[i] * q, order[i] * q + q), i * q);
        const expected = naiveCross(a, new Float64Array(p), p, gathered, new Float64Array(q), q, rows);
        expect(relativeError(multiplyTransposeAGathered(a, rows, p, b, q, order), expected)).toBeLessThan(1e-12);
        strassen.push(useStrassen(p, q, rows));
      }
      expect(strassen).toEqual(backend === 'simd' ? [false, true] : [false]);
      const a = randomMatrix(4, 2, 1).data;
      expect(() => multiplyTransposeAGathered(a, 4, 2, a, 2, Int32Array.from([0, 1, 2]))).toThrow(RangeError);
      expect(() => multiplyTransposeAGathered(a, 4, 2, a, 2, Int32Array.from([0, 1, 2, 4]))).toThrow(RangeError);
    });

    it('handles empty inner dimensions and rejects mismatched shapes', () => {
      expect(Array.from(multiply(new Float64Array(0), 2, 0, new Float64Array(0), 3))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(() => multiply(new Float64Array(6), 2, 3, new Float64Array(6), 3)).toThrow(RangeError);
      expect(() => multiplyTransposeA(new Float64Array(6), 2, 3, new Float64Array(6), 2)).toThrow(RangeError);
    });

    it('transpose matches the naive transpose on non-tile-multiple shapes', () => {
      for (const [r, c] of [[1, 1], [33, 65], [100, 7]] as const) {
        const a = randomMatrix(r, c, r + c).data;
        expect(Array.from(transpose(a, r, c))).toEqual(Array.from(naiveTranspose(a, r, c)));
      }
    });
  });
}
