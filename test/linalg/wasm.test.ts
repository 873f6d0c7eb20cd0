import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { svd, symmetricEigen } from '../../src/linalg/decompose.js';
import { centredCrossProduct, centredGram, columnMeans, multiply, multiplyTransposeA } from '../../src/linalg/kernels.js';
import {
  availableKernelBackends,
  kernelArenaBytes,
  kernelBackend,
  type KernelBackend,
  resetKernelArena,
  setKernelBackend,
} from '../../src/linalg/wasm.js';
import { onEveryBackend } from '../helpers/backends.js';
import { randomMatrix } from '../helpers/random.js';
import { asymmetry, naiveCross, relativeDiff } from './linalg-helpers.js';

/**
 * The WebAssembly kernels (relaxed SIMD with fused multiply-adds, plain SIMD)
 * and the plain-TypeScript fallback must give the same products to rounding.
 * Shapes straddle the kernels' block sizes (256 rows, 256 output columns,
 * 2 x 4 tiles) and odd counts (the SIMD kernel pads rows to pairs).
 */
const SHAPES: readonly [rows: number, dx: number, dy: number][] = [
  [257, 7, 13],
  [1000, 67, 129],
  [513, 300, 5],
  [3, 260, 259],
  [1531, 31, 31],
  [700, 517, 259],
];

/** The largest relative difference between any backend's result and the independent reference, named. */
function worstAgainst(results: Map<KernelBackend, Float64Array>, reference: Float64Array): { backend: string; diff: number } {
  let worst = { backend: 'none', diff: 0 };
  for (const [backend, got] of results) {
    const diff = relativeDiff(got, reference);
    if (!(diff <= worst.diff)) worst = { backend, diff };
  }
  return worst;
}

/** The largest relative difference between any two backends' results. */
function worstPair(results: Map<KernelBackend, Float64Array>): { pair: string; diff: number } {
  const entries = [...results];
  let worst = { pair: 'none', diff: 0 };
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const diff = relativeDiff(entries[i][1], entries[j][1]);
      if (!(diff <= worst.diff)) worst = { pair: `${entries[i][0]} vs ${entries[j][0]}`, diff };
    }
  }
  return worst;
}

function withEnv(value: string | undefined, fn: () => void): void {
  const saved = process.env.PWCCA_KERNELS;
  try {
    if (value === undefined) delete process.env.PWCCA_KERNELS;
    else process.env.PWCCA_KERNELS = value;
    fn();
  } finally {
    if (saved === undefined) delete process.env.PWCCA_KERNELS;
    else process.env.PWCCA_KERNELS = saved;
  }
}

describe('kernel backends', () => {
  afterEach(() => setKernelBackend(undefined));

  it('loads the modules built by npm run build, fastest first', () => {
    const available = availableKernelBackends();
    expect(available).toContain('simd');
    expect(available[available.length - 1]).toBe('js');
    expect(available.indexOf('simd')).toBeGreaterThan(available.indexOf('relaxed'));
    withEnv(undefined, () => expect(kernelBackend()).toBe(available[0]));
  });

  it('selects a backend with setKernelBackend and with PWCCA_KERNELS', () => {
    const best = availableKernelBackends()[0];
    for (const backend of availableKernelBackends()) {
      setKernelBackend(backend);
      expect(kernelBackend()).toBe(backend);
    }
    setKernelBackend('wasm');
    expect(kernelBackend()).toBe(best);
    setKernelBackend(undefined);
    withEnv('js', () => expect(kernelBackend()).toBe('js'));
    withEnv('simd', () => expect(kernelBackend()).toBe('simd'));
    withEnv('wasm', () => expect(kernelBackend()).toBe(best));
    withEnv('auto', () => expect(kernelBackend()).toBe(best));
    // The override wins over the environment.
    withEnv('js', () => {
      setKernelBackend('simd');
      expect(kernelBackend()).toBe('simd');
    });
  });

  it('the relaxed module uses fused multiply-adds and the plain one does not', () => {
    // f64x2.relaxed_madd is the SIMD opcode 0x107: 0xfd then LEB128 0x87 0x02.
    const hasMadd = (file: string): boolean => {
      const bytes = readFileSync(new URL(`../../dist/linalg/${file}`, import.meta.url));
      for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xfd && bytes[i + 1] === 0x87 && bytes[i + 2] === 0x02) return true;
      return false;
    };
    expect(hasMadd('kernels-relaxed.wasm')).toBe(true);
    expect(hasMadd('kernels.wasm')).toBe(false);
  });
});

describe('products on every backend', () => {
  afterEach(() => setKernelBackend(undefined));

  for (const [seed, [rows, dx, dy]] of SHAPES.entries()) {
    it(`centred cross products agree to 1e-12 (${rows} rows, ${dx} x ${dy}, +1000 offset)`, () => {
      const x = randomMatrix(rows, dx, seed + 1).data.map((v) => v + 1000);
      const y = randomMatrix(rows, dy, seed + 101).data;
      const mx = columnMeans(x, rows, dx);
      const my = columnMeans(y, rows, dy);
      const cross = onEveryBackend(() => centredCrossProduct(x, mx, dx, y, my, dy, rows));
      expect(worstPair(cross).diff, `worst pair ${worstPair(cross).pair}`).toBeLessThan(1e-12);
      expect(worstAgainst(cross, naiveCross(x, mx, dx, y, my, dy, rows)).diff).toBeLessThan(1e-12);
      const gram = onEveryBackend(() => centredGram(x, mx, dx, rows));
      expect(worstPair(gram).diff, `worst pair ${worstPair(gram).pair}`).toBeLessThan(1e-12);
      for (const [backend, g] of gram) expect(asymmetry(g, dx), `${backend} Gram matrix`).toBeNull();
    });
  }

  it('plain products agree to 1e-12', () => {
    const a = randomMatrix(130, 97, 7).data;
    const b = randomMatrix(97, 61, 8).data;
    const c = randomMatrix(130, 61, 9).data;
    const ab = onEveryBackend(() => multiply(a, 130, 97, b, 61));
    expect(worstPair(ab).diff, worstPair(ab).pair).toBeLessThan(1e-12);
    const atc = onEveryBackend(() => multiplyTransposeA(a, 130, 97, c, 61));
    expect(worstPair(atc).diff, worstPair(atc).pair).toBeLessThan(1e-12);
  });
});

describe('the arena', () => {
  afterEach(() => {
    setKernelBackend(undefined);
  });

  it('is reused: products and decompositions give the same bits again, after growth and after a reset', () => {
    for (const backend of availableKernelBackends().filter((b) => b !== 'js')) {
      setKernelBackend(backend);
      const small = randomMatrix(300, 40, 3).data;
      const big = randomMatrix(600, 700, 4).data;
      const a = randomMatrix(90, 70, 5).data;
      const first = centredGram(small, columnMeans(small, 300, 40), 40, 300);
      const firstSvd = svd(a, 90, 70);
      centredGram(big, columnMeans(big, 600, 700), 700, 600); // grows the arena
      expect(centredGram(small, columnMeans(small, 300, 40), 40, 300), backend).toEqual(first);
      expect(svd(a, 90, 70), backend).toEqual(firstSvd);
      resetKernelArena();
      expect(kernelArenaBytes()).toBe(0);
      expect(svd(a, 90, 70), backend).toEqual(firstSvd);
      expect(centredGram(small, columnMeans(small, 300, 40), 40, 300), backend).toEqual(first);
    }
  });

  it('does not grow when the same operations repeat (buffers are handed back)', () => {
    setKernelBackend('wasm');
    const a = randomMatrix(200, 200, 6).data;
    const sym = centredGram(a, columnMeans(a, 200, 200), 200, 200);
    const x = randomMatrix(2000, 100, 7).data;
    const mx = columnMeans(x, 2000, 100);
    const round = (): void => {
      symmetricEigen(sym, 200);
      svd(a, 200, 200);
      centredCrossProduct(x, mx, 100, x.subarray(0, 2000 * 100), mx, 100, 2000);
    };
    round();
    const after = kernelArenaBytes();
    expect(after).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) round();
    expect(kernelArenaBytes()).toBe(after);
  });
});
