import { afterEach, describe, expect, it } from 'vitest';
import { centredCrossProduct, columnMeans } from '../../src/linalg/kernels.js';
import {
  STRASSEN_MIN_COLS,
  STRASSEN_MIN_ROWS,
  strassenCrossProductInto,
  strassenMinCols,
  useStrassen,
} from '../../src/linalg/strassen.js';
import { availableKernelBackends, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import { maxAbs, maxAbsDiff, naiveCross } from './linalg-helpers.js';

/**
 * Large cross products take two levels of Strassen-Winograd
 * (src/linalg/strassen.ts) on the WebAssembly backends. The reference is an
 * independent plain double loop (naiveCross): the product must agree with it
 * to 1e-13 of the largest entry, on plain random data, with a +1000 offset on
 * every column, and with column scales from 1e-3 to 1e3; sizes that are not
 * multiples of 4 (columns) or 8 (rows) pad zero rows / columns. The
 * TypeScript backend never takes the Strassen route, and its plain kernel is
 * held to the same reference.
 */
/**
 * The route is called directly, so the shapes need not reach the size
 * thresholds: columns off multiples of 4, rows off multiples of 8 and of the
 * 512-row blocks, one shape with several 4 MiB row chunks, and one of the
 * threshold size.
 */
const SHAPES: readonly [rows: number, dx: number, dy: number][] = [
  [1031, 37, 45],
  [520, 64, 61],
  [6203, 42, 39],
  [STRASSEN_MIN_ROWS + 1, STRASSEN_MIN_COLS, STRASSEN_MIN_COLS + 3],
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

/** The first backend computes the naive references (about a second of plain loops on a quiet core): a generous limit for a busy machine. */
const REFERENCE_TIMEOUT_MS = 180_000;

/** The inputs and the naive reference of one case, computed once and shared by the backends. */
const references = new Map<string, { x: Float64Array; y: Float64Array; mx: Float64Array; my: Float64Array; expected: Float64Array }>();

function check(rows: number, dx: number, dy: number, seed: number, variant: Variant, direct: boolean): number {
  const key = `${rows} ${dx} ${dy} ${seed} ${variant}`;
  let ref = references.get(key);
  if (ref === undefined) {
    const x = data(rows, dx, seed, variant);
    const y = data(rows, dy, seed + 100, variant);
    const mx = columnMeans(x, rows, dx);
    const my = columnMeans(y, rows, dy);
    ref = { x, y, mx, my, expected: naiveCross(x, mx, dx, y, my, dy, rows) };
    references.set(key, ref);
  }
  let got: Float64Array;
  if (direct) {
    // The Strassen route itself, whatever the backend's size thresholds.
    got = new Float64Array(dx * dy);
    expect(strassenCrossProductInto(ref.x, ref.mx, dx, ref.y, ref.my, dy, rows, got)).toBe(true);
  } else {
    got = centredCrossProduct(ref.x, ref.mx, dx, ref.y, ref.my, dy, rows);
  }
  return maxAbsDiff(got, ref.expected) / maxAbs(ref.expected);
}

for (const backend of availableKernelBackends()) {
  describe(`centredCrossProduct on large products (${backend} backend)`, () => {
    afterEach(() => setKernelBackend(undefined));

    it(backend === 'js' ? 'never takes the Strassen route' : 'takes the Strassen route above the thresholds only', () => {
      setKernelBackend(backend);
      const cols = strassenMinCols();
      expect(cols).toBeGreaterThanOrEqual(STRASSEN_MIN_COLS);
      expect(useStrassen(cols, cols, STRASSEN_MIN_ROWS)).toBe(backend !== 'js');
      expect(useStrassen(cols - 1, cols, STRASSEN_MIN_ROWS)).toBe(false);
      expect(useStrassen(cols, cols - 1, STRASSEN_MIN_ROWS)).toBe(false);
      expect(useStrassen(cols, cols, STRASSEN_MIN_ROWS - 1)).toBe(false);
      if (backend === 'js') expect(strassenCrossProductInto(new Float64Array(0), new Float64Array(0), 0, new Float64Array(0), new Float64Array(0), 0, 0, new Float64Array(0))).toBe(false);
    });

    for (const variant of ['random', 'offset', 'scales'] as const) {
      it(`${backend === 'js' ? 'the plain kernel' : 'the Strassen route'} agrees with a plain double loop to 1e-13 (${variant} data, odd and even sizes)`, () => {
        setKernelBackend(backend);
        const errors = SHAPES.map(([rows, dx, dy], i) => check(rows, dx, dy, 11 + i, variant, backend !== 'js'));
        const worst = Math.max(...errors);
        expect(worst, `shape ${SHAPES[errors.indexOf(worst)].join(' x ')}`).toBeLessThan(1e-13);
      }, REFERENCE_TIMEOUT_MS);
    }
  });
}
