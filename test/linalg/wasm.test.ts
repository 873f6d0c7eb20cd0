import { afterEach, describe, expect, it } from 'vitest';
import { centredCrossProduct, centredGram, columnMeans, multiply, multiplyTransposeA } from '../../src/linalg/kernels.js';
import { kernelBackend, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { maxAbs, maxAbsDiff } from './linalg-helpers.js';
import { onBothBackends } from '../helpers/backends.js';

/**
 * The WebAssembly SIMD kernels and the plain-TypeScript fallback must give the
 * same products to rounding. Shapes straddle the kernels' block sizes (256 rows,
 * 256 output columns, 2 x 4 tiles) and odd counts (the SIMD kernel pads rows
 * to pairs).
 */
const SHAPES: readonly [rows: number, dx: number, dy: number][] = [
  [257, 7, 13],
  [1000, 67, 129],
  [513, 300, 5],
  [3, 260, 259],
  [1531, 31, 31],
  [700, 517, 259],
];

function relativeDiff(a: Float64Array, b: Float64Array): number {
  return maxAbsDiff(a, b) / Math.max(maxAbs(b), Number.MIN_VALUE);
}

describe('WebAssembly kernels vs the TypeScript fallback', () => {
  afterEach(() => setKernelBackend(undefined));

  it('loads the module built by npm run build', () => {
    setKernelBackend('wasm');
    expect(kernelBackend()).toBe('wasm');
  });

  it('switches to the fallback with setKernelBackend and PWCCA_KERNELS=js', () => {
    setKernelBackend('js');
    expect(kernelBackend()).toBe('js');
    setKernelBackend(undefined);
    const saved = process.env.PWCCA_KERNELS;
    try {
      process.env.PWCCA_KERNELS = 'js';
      expect(kernelBackend()).toBe('js');
      process.env.PWCCA_KERNELS = 'wasm';
      expect(kernelBackend()).toBe('wasm');
    } finally {
      if (saved === undefined) delete process.env.PWCCA_KERNELS;
      else process.env.PWCCA_KERNELS = saved;
    }
  });

  for (const [seed, [rows, dx, dy]] of SHAPES.entries()) {
    it(`centred cross products agree to 1e-12 (${rows} rows, ${dx} x ${dy}, +1000 offset)`, () => {
      const x = randomMatrix(rows, dx, seed + 1).data.map((v) => v + 1000);
      const y = randomMatrix(rows, dy, seed + 101).data;
      const mx = columnMeans(x, rows, dx);
      const my = columnMeans(y, rows, dy);
      const cross = onBothBackends(() => centredCrossProduct(x, mx, dx, y, my, dy, rows));
      expect(relativeDiff(cross.wasm, cross.js)).toBeLessThan(1e-12);
      const gram = onBothBackends(() => centredGram(x, mx, dx, rows));
      expect(relativeDiff(gram.wasm, gram.js)).toBeLessThan(1e-12);
      for (let i = 0; i < dx; i++) {
        for (let j = 0; j < i; j++) expect(gram.wasm[i * dx + j]).toBe(gram.wasm[j * dx + i]);
      }
    });
  }

  it('plain products agree to 1e-12', () => {
    const a = randomMatrix(130, 97, 7).data;
    const b = randomMatrix(97, 61, 8).data;
    const c = randomMatrix(130, 61, 9).data;
    const ab = onBothBackends(() => multiply(a, 130, 97, b, 61));
    expect(relativeDiff(ab.wasm, ab.js)).toBeLessThan(1e-12);
    const atc = onBothBackends(() => multiplyTransposeA(a, 130, 97, c, 61));
    expect(relativeDiff(atc.wasm, atc.js)).toBeLessThan(1e-12);
  });

  it('accumulates across calls that grow the module memory', () => {
    setKernelBackend('wasm');
    const small = randomMatrix(300, 40, 3).data;
    const big = randomMatrix(600, 700, 4).data;
    const first = centredGram(small, columnMeans(small, 300, 40), 40, 300);
    centredGram(big, columnMeans(big, 600, 700), 700, 600);
    const again = centredGram(small, columnMeans(small, 300, 40), 40, 300);
    expect(again).toEqual(first);
  });
});
