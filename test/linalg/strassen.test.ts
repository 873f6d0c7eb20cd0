import { afterEach, describe, expect, it } from 'vitest';
import { centredCrossProduct, centredCrossProductInto, columnMeans } from '../../src/linalg/kernels.js';
import { STRASSEN_MIN_COLS, STRASSEN_MIN_ROWS, useStrassen } from '../../src/linalg/strassen.js';
import { setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { maxAbs, maxAbsDiff } from './linalg-helpers.js';

/**
 * Large cross products take two levels of Strassen-Winograd
 * (src/linalg/strassen.ts) on the WebAssembly backend. centredCrossProductInto
 * never does, so it is the reference: both must agree to 1e-13 of the largest
 * entry, on plain random data, with a +1000 offset on every column, and with
 * column scales from 1e-3 to 1e3; sizes that are not multiples of 4 (columns)
 * or 8 (rows) pad zero rows / columns.
 */
const ROWS = STRASSEN_MIN_ROWS + 1;
const SHAPES: readonly [rows: number, dx: number, dy: number][] = [
  [ROWS, STRASSEN_MIN_COLS, STRASSEN_MIN_COLS + 1],
  [ROWS + 2, STRASSEN_MIN_COLS + 3, STRASSEN_MIN_COLS],
  [STRASSEN_MIN_ROWS + 256, STRASSEN_MIN_COLS + 1, STRASSEN_MIN_COLS + 5],
  [STRASSEN_MIN_ROWS + 517, STRASSEN_MIN_COLS + 2, STRASSEN_MIN_COLS + 7],
];

type Variant = 'random' | 'offset' | 'scales';

function data(rows: number, cols: number, seed: number, variant: Variant): Float64Array {
  const x = randomMatrix(rows, cols, seed).data;
  if (variant === 'offset') return x.map((v) => v + 1000);
  if (variant === 'scales') {
    // Column c scaled by 10^(-3 .. 3), in a shuffled order so every block mixes scales.
    return x.map((v, i) => v * 10 ** (-3 + 6 * (((i % cols) * 7919) % cols) / Math.max(cols - 1, 1)));
  }
  return x;
}

function check(rows: number, dx: number, dy: number, seed: number, variant: Variant): number {
  const x = data(rows, dx, seed, variant);
  const y = data(rows, dy, seed + 100, variant);
  const mx = columnMeans(x, rows, dx);
  const my = columnMeans(y, rows, dy);
  const got = centredCrossProduct(x, mx, dx, y, my, dy, rows);
  const reference = new Float64Array(dx * dy);
  centredCrossProductInto(x, mx, dx, y, my, dy, rows, reference);
  return maxAbsDiff(got, reference) / maxAbs(reference);
}

for (const backend of ['wasm', 'js'] as const) {
  describe(`centredCrossProduct on large products (${backend} backend)`, () => {
    afterEach(() => setKernelBackend(undefined));

    it(backend === 'wasm' ? 'takes the Strassen route above the thresholds only' : 'never takes the Strassen route', () => {
      setKernelBackend(backend);
      expect(useStrassen(STRASSEN_MIN_COLS, STRASSEN_MIN_COLS, STRASSEN_MIN_ROWS)).toBe(backend === 'wasm');
      expect(useStrassen(STRASSEN_MIN_COLS - 1, STRASSEN_MIN_COLS, STRASSEN_MIN_ROWS)).toBe(false);
      expect(useStrassen(STRASSEN_MIN_COLS, STRASSEN_MIN_COLS, STRASSEN_MIN_ROWS - 1)).toBe(false);
    });

    for (const variant of ['random', 'offset', 'scales'] as const) {
      it(`agrees with the plain kernel to 1e-13 (${variant} data, odd and even sizes)`, () => {
        setKernelBackend(backend);
        for (const [i, [rows, dx, dy]] of SHAPES.entries()) {
          expect(check(rows, dx, dy, 11 + i, variant)).toBeLessThan(1e-13);
        }
      });
    }
  });
}
