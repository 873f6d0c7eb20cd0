import { afterEach, describe, expect, it } from 'vitest';
import { SingularValueDecomposition, EigenvalueDecomposition } from 'ml-matrix';
import {
  type DecomposeKernels,
  PANEL,
  jsKernels,
  panelIndex,
  panelLength,
} from '../../src/linalg/decompose-kernels.js';
import { svd, svdRoute, symmetricEigen } from '../../src/linalg/decompose.js';
import { availableKernelBackends, createWasmDecomposeKernels, type KernelBackend, setKernelBackend } from '../../src/linalg/wasm.js';
import { randomMatrix } from '../helpers/random.js';
import {
  firstFailing,
  maxAbs,
  maxAbsDiff,
  orthonormalityError,
  randomSymmetric,
  relativeDiff,
  toMl,
  withSpectrum,
} from './linalg-helpers.js';
import { onEveryBackend } from '../helpers/backends.js';

/**
 * The decomposition kernels (decompose-kernels.ts) in WebAssembly SIMD and in
 * TypeScript perform the same operations in the same order, so they must give
 * IDENTICAL results; the relaxed-SIMD build fuses multiply-adds and must agree
 * with them to 1e-12 relative. Sizes are chosen off the SIMD width (2), the
 * unrolling (4) and the 8-row panels.
 */

const WASM_BACKENDS = availableKernelBackends().filter((b) => b !== 'js');

function wasmKernels(backend: KernelBackend): DecomposeKernels {
  setKernelBackend(backend);
  const kernels = createWasmDecomposeKernels();
  if (kernels === null) throw new Error(`the ${backend} kernels did not load; run npm run build`);
  return kernels;
}

/** Exact for the plain SIMD build, 1e-12 relative for the relaxed (fused) one. */
function tolerance(backend: KernelBackend): number {
  return backend === 'relaxed' ? 1e-12 : 0;
}

/**
 * Runs `fn` on both kernel sets with copies of the same inputs (allocated by
 * each set, as the decompositions do) and returns the buffers afterwards.
 */
function onBoth(
  inputs: Float64Array[],
  fn: (kernels: DecomposeKernels, buffers: Float64Array[]) => void,
): { wasm: Map<KernelBackend, Float64Array[]>; js: Float64Array[] } {
  const run = (kernels: DecomposeKernels): Float64Array[] => {
    const buffers = kernels.alloc(inputs.map((x) => x.length));
    buffers.forEach((b, i) => b.set(inputs[i]));
    fn(kernels, buffers);
    const copies = buffers.map((b) => Float64Array.from(b));
    kernels.release();
    return copies;
  };
  return { wasm: new Map(WASM_BACKENDS.map((b) => [b, run(wasmKernels(b))])), js: run(jsKernels) };
}

/** Every WebAssembly backend's buffers against the TypeScript ones: one comparison per backend, naming the worst buffer. */
function expectSame(result: { wasm: Map<KernelBackend, Float64Array[]>; js: Float64Array[] }): void {
  for (const [backend, buffers] of result.wasm) {
    const diffs = buffers.map((w, i) => relativeDiff(w, result.js[i]));
    const worst = Math.max(...diffs);
    expect(worst, `${backend} vs js, buffer ${diffs.indexOf(worst)}`).toBeLessThanOrEqual(tolerance(backend));
  }
}

const random = (len: number, seed: number): Float64Array => randomMatrix(1, len, seed).data;

describe('decomposition kernels: WebAssembly vs TypeScript', () => {
  afterEach(() => setKernelBackend(undefined));

  for (const n of [5, 13, 37, 64]) {
    it(`tred2 kernels agree exactly (n = ${n})`, () => {
      for (const i of [1, 2, 3, 4, 5, n - 2, n - 1].filter((x) => x > 0 && x < n)) {
        const inputs = [random(n * n, n + i), random(n, 2 * n + i), new Float64Array(n)];
        expectSame(onBoth(inputs, (k, [v, d, e]) => k.tred2Symv(v, n, d, e, i)));
        const withE = [random(n * n, n + i), random(n, 3 * n + i), random(n, 4 * n + i)];
        expectSame(onBoth(withE, (k, [v, d, e]) => k.tred2Rank2(v, n, d, e, i)));
      }
      // Blocks of reflectors (including an h = 0 one) over columns that already exist and new ones.
      for (const [iFirst, count] of [[0, 1], [0, Math.min(16, n - 1)], [Math.floor(n / 3), Math.min(16, n - 1 - Math.floor(n / 3))]]) {
        const hs = Float64Array.from({ length: count }, (_, t) => (t === 2 ? 0 : 0.5 + t));
        const inputs = [random(n * n, 5 * n + iFirst), random(count * n, 6 * n + iFirst), random(count * n, 7 * n + iFirst), hs];
        expectSame(onBoth(inputs, (k, [v, us, ws, h]) => k.tred2AccumulateBlock(v, n, us, ws, h, count, iFirst, iFirst + count)));
      }
    });

    it(`rank-2k update agrees exactly (n = ${n})`, () => {
      for (const [count, len2] of [[n, 2], [n - 1, 6], [Math.max(1, n - 3), 64], ...(n === 64 ? [[n, 2]] : [])]) {
        const inputs = [random(n * n, 8 * n + count), random(count * len2, 9 * n + len2), random(count * len2, 10 * n + len2)];
        expectSame(onBoth(inputs, (k, [v, p1, p2]) => k.rank2kUpdate(v, n, count, p1, p2, len2)));
      }
    });
  }

  it('rank-2k update agrees exactly across the 256-column blocks (n = 301)', () => {
    const n = 301;
    const inputs = [random(n * n, 1), random(n * 4, 2), random(n * 4, 3)];
    expectSame(onBoth(inputs, (k, [v, p1, p2]) => k.rank2kUpdate(v, n, n, p1, p2, 4)));
  });

  for (const [m, n] of [[41, 23], [23, 23], [64, 7], [9, 9]] as const) {
    it(`bidiagonalisation and reflector kernels agree exactly (${m} x ${n})`, () => {
      for (const k of [0, 1, 2, Math.floor(n / 2), n - 2].filter((x) => x >= 0 && x < n)) {
        for (const flags of [[true, true, true], [true, false, true], [false, true, false], [true, true, false], [false, false, false]]) {
          const [applyLeft, pending, wantRight] = flags;
          const inputs = [random(m * n, 7 + k), random(m, 8 + k), random(n, 9 + k), random(m, 10 + k), random(n, 11 + k)];
          expectSame(
            onBoth(inputs, (kernels, [b, work, coef, be, e]) =>
              kernels.bidiagColumns(b, m, n, k, work, coef, be, e, applyLeft, pending, wantRight),
            ),
          );
        }
        for (const shift of [0, 1].filter((x) => k + x < m)) {
          // The reflectors of columns k, k-1, k-2 (as many as exist), applied together to columns k+1 .. n-1.
          const reflectors = [k, k - 1, k - 2].filter((x) => x >= 0);
          const inputs = [random(m * n, 20 + k), Float64Array.from(reflectors), Float64Array.from([1.7, -0.9, 2.3])];
          expectSame(
            onBoth(inputs, (kernels, [buf, ks, pivots]) => kernels.reflectColumns(buf, m, shift, ks, pivots, reflectors.length, k + 1, n)),
          );
        }
      }
    });
  }

  for (const [rows, cols] of [[19, 29], [8, 8], [3, 5], [64, 33]] as const) {
    it(`rotation chains agree exactly on the panel layout (${rows} x ${cols})`, () => {
      const panels = Math.ceil(rows / PANEL);
      const w = new Float64Array(panelLength(rows, cols));
      const values = random(rows * cols, rows + cols);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) w[panelIndex(r, j, cols)] = values[r * cols + j];
      const chains = [[0, cols - 1], [1, cols - 2], [2, 3], [4, 4], [0, 1]].filter(([l, h]) => l <= h && h < cols);
      const count = chains.length;
      const angles = random(count * cols, 3 * cols);
      const cs = angles.map(Math.cos);
      const sn = angles.map(Math.sin);
      const bounds = Float64Array.from(chains.flat());
      // One chain at a time, and all of them batched.
      for (const [t, [lo, hi]] of chains.entries()) {
        const one = [w, cs.slice(t * cols, (t + 1) * cols), sn.slice(t * cols, (t + 1) * cols), Float64Array.of(lo, hi)];
        expectSame(onBoth(one, (k, [x, c, s, bd]) => k.rotAscending(x, panels, cols, 1, bd, c, s)));
        expectSame(onBoth(one, (k, [x, c, s, bd]) => k.rotDescending(x, panels, cols, 1, bd, c, s)));
        expectSame(onBoth(one, (k, [x, c, s]) => k.rotPivot(x, panels, cols, hi, hi - 1, lo - 1, c, s)));
        expectSame(onBoth(one, (k, [x, c, s]) => k.rotPivot(x, panels, cols, lo, lo + 1, hi + 1, c, s)));
      }
      const batched = [w, cs, sn, bounds];
      expectSame(onBoth(batched, (k, [x, c, s, bd]) => k.rotAscending(x, panels, cols, count, bd, c, s)));
      expectSame(onBoth(batched, (k, [x, c, s, bd]) => k.rotDescending(x, panels, cols, count, bd, c, s)));
      // Batched = one after the other.
      const [x1, c1, s1, b1] = jsKernels.alloc(batched.map((x) => x.length));
      [x1, c1, s1, b1].forEach((buf, i) => buf.set(batched[i]));
      jsKernels.rotAscending(x1, panels, cols, count, b1, c1, s1);
      const x2 = Float64Array.from(w);
      for (const [t, [lo, hi]] of chains.entries()) {
        jsKernels.rotAscending(x2, panels, cols, 1, Float64Array.of(lo, hi), cs.subarray(t * cols), sn.subarray(t * cols));
      }
      expect(maxAbsDiff(x1, x2)).toBe(0);

      // A rotation chain is orthogonal: it keeps every row's norm, and padding rows stay zero.
      for (const backend of WASM_BACKENDS) {
        const kernels = wasmKernels(backend);
        const [x, c, s, bd] = kernels.alloc([w.length, cs.length, sn.length, bounds.length]);
        x.set(w);
        c.set(cs);
        s.set(sn);
        bd.set(bounds);
        kernels.rotAscending(x, panels, cols, count, bd, c, s);
        const normChange = new Float64Array(panels * PANEL);
        for (let r = 0; r < panels * PANEL; r++) {
          let before = 0;
          let after = 0;
          for (let j = 0; j < cols; j++) {
            before += w[panelIndex(r, j, cols)] ** 2;
            after += x[panelIndex(r, j, cols)] ** 2;
          }
          normChange[r] = r >= rows ? after : Math.abs(after - before) / before;
        }
        kernels.release();
        expect(firstFailing(normChange, (v, r) => (r >= rows ? v === 0 : v < 1e-13)), `${backend}: row norm changed`).toBeNull();
      }
    });
  }
});

describe('blocked bidiagonalisation kernels: WebAssembly vs TypeScript', () => {
  afterEach(() => setKernelBackend(undefined));

  // Column counts off the 4-column unrolling, row ranges off the SIMD width, ranges starting at odd rows.
  for (const [m, n] of [[41, 23], [23, 23], [64, 7], [9, 9], [300, 261]] as const) {
    it(`column dots and column axpys agree exactly (${m} x ${n})`, () => {
      for (const [lo, j0, j1] of [[0, 0, n], [1, 1, n], [Math.floor(m / 2), 2, n - 1], [m - 1, 0, 3], [3, 0, 0]]) {
        const inputs = [random(m * n, 30 + lo), random(m, 31 + lo), random(n, 32 + j0), random(m, 33 + j1)];
        expectSame(onBoth(inputs, (k, [buf, v, out]) => k.bidiagDots(buf, m, lo, m, v, j0, j1, out)));
        expectSame(onBoth(inputs, (k, [buf, , c, out]) => k.bidiagAxpys(buf, m, lo, m, c, j0, j1, out)));
      }
    });
  }

  for (const [ld, p, q, len2] of [[41, 23, 41, 64], [23, 5, 23, 2], [301, 300, 290, 6], [9, 1, 9, 64]] as const) {
    it(`panel update agrees exactly (${p} x ${q} of leading dimension ${ld}, ${len2} terms)`, () => {
      const inputs = [random(ld * p + q, 40 + p), random(p * len2, 41 + q), random(q * len2, 42 + len2)];
      // At an offset into the buffer, as the reduction updates its trailing block.
      expectSame(onBoth(inputs, (k, [out, p1, p2]) => k.panelUpdate(out.subarray(q > 1 ? 1 : 0), ld, p, q - (q > 1 ? 1 : 0), p1, p2, len2)));
    });
  }
});

describe('decompositions: every backend against the TypeScript kernels', () => {
  afterEach(() => setKernelBackend(undefined));

  /** Each field of each backend's result that differs from the TypeScript one beyond the backend's tolerance, described. */
  function disagreements<T extends object>(results: Map<KernelBackend, T>): string[] {
    const js = results.get('js') as Record<string, Float64Array>;
    const out: string[] = [];
    for (const [backend, r] of results) {
      for (const [field, value] of Object.entries(r as Record<string, Float64Array>)) {
        const diff = relativeDiff(value, js[field]);
        if (diff > tolerance(backend)) out.push(`${backend} ${field}: ${diff.toExponential(2)} relative`);
      }
    }
    return out;
  }

  for (const n of [12, 13, 31, 67, 130]) {
    it(`symmetricEigen agrees (identical on SIMD, 1e-12 relaxed; n = ${n})`, () => {
      const a = randomSymmetric(n, n);
      expect(disagreements(onEveryBackend(() => symmetricEigen(a, n)))).toEqual([]);
    });
  }

  for (const [rows, cols] of [[12, 12], [13, 13], [101, 37], [37, 101], [67, 67], [130, 129]] as const) {
    it(`svd agrees (identical on SIMD, 1e-12 relaxed; ${rows} x ${cols})`, () => {
      const a = randomMatrix(rows, cols, rows * cols).data;
      expect(disagreements(onEveryBackend(() => svd(a, rows, cols)))).toEqual([]);
    });
  }

  /**
   * The SVD with each pair (u_i, v_i) flipped together where u_i points away
   * from the reference's: a singular pair's sign is arbitrary, and the
   * relaxed build's rounding may pick the other one (the blocked reduction's
   * reflectors differ from the unblocked one's by rounding, and the QR
   * iteration then takes its own path near close pairs).
   */
  function alignedTo(got: { s: Float64Array; u: Float64Array; v: Float64Array }, ref: { u: Float64Array }, rows: number, cols: number) {
    const k = got.s.length;
    const u = Float64Array.from(got.u);
    const v = Float64Array.from(got.v);
    for (let c = 0; c < k; c++) {
      let d = 0;
      for (let r = 0; r < rows; r++) d += u[r * k + c] * ref.u[r * k + c];
      if (d < 0) {
        for (let r = 0; r < rows; r++) u[r * k + c] = -u[r * k + c];
        for (let r = 0; r < cols; r++) v[r * k + c] = -v[r * k + c];
      }
    }
    return { s: got.s, u, v };
  }

  for (const [rows, cols] of [[200, 193], [170, 230]] as const) {
    it(`svd through the blocked bidiagonalisation agrees (QR route: identical on SIMD, 1e-12 / 1e-10 relaxed up to the pairs' signs; ${rows} x ${cols})`, () => {
      const a = randomMatrix(rows, cols, rows * cols).data;
      // The QR route only: the divide-and-conquer route's products are not bit-identical across backends.
      for (const solver of ['qr'] as const) {
        const results = onEveryBackend(() => svdRoute(a, rows, cols, solver, 'blocked'));
        const js = results.get('js')!;
        const failures: string[] = [];
        for (const [backend, raw] of results) {
          const r = backend === 'relaxed' ? alignedTo(raw, js, rows, cols) : raw;
          // Relaxed: values to 1e-12, vectors to eps ||A|| / gap (the closest pairs of these matrices: ~3e-12 seen).
          for (const [field, limit] of [['s', tolerance(backend)], ['u', 100 * tolerance(backend)], ['v', 100 * tolerance(backend)]] as const) {
            const diff = relativeDiff(r[field], js[field]);
            if (!(diff <= limit)) failures.push(`${solver} ${backend} ${field}: ${diff.toExponential(2)} relative`);
          }
        }
        expect(failures).toEqual([]);
      }
    });
  }
});

describe('decompositions on the SIMD path: accuracy against ml-matrix', () => {
  afterEach(() => setKernelBackend(undefined));

  for (const backend of availableKernelBackends()) {
    it(`svd of ill-conditioned and CCA-like spectra (${backend})`, () => {
      setKernelBackend(backend);
      for (const [rows, cols] of [[67, 67], [90, 45], [45, 90], [129, 129]] as const) {
        const k = Math.min(rows, cols);
        const spectra = [
          Array.from({ length: k }, (_, i) => 10 ** ((-12 * i) / (k - 1))),
          // Canonical correlations: a cluster at 1, a spread, many near 0.
          Array.from({ length: k }, (_, i) => (i < k / 10 ? 1 - 1e-9 * i : i < k / 2 ? 1 - i / k : 1e-7 / (i + 1))),
        ];
        for (const spectrum of spectra) {
          const { a } = withSpectrum(spectrum, rows, cols, rows + cols);
          const { s, u, v } = svd(a, rows, cols);
          expect(maxAbsDiff(s, spectrum)).toBeLessThan(2e-14);
          const oracle = new SingularValueDecomposition(toMl(a, rows, cols), { autoTranspose: true });
          expect(maxAbsDiff(s, oracle.diagonal.slice(0, k))).toBeLessThan(2e-14);
          expect(orthonormalityError(u, rows, k)).toBeLessThan(1e-13);
          expect(orthonormalityError(v, cols, k)).toBeLessThan(1e-13);
        }
      }
    });

    it(`symmetricEigen of an indefinite and an ill-conditioned matrix (${backend})`, () => {
      setKernelBackend(backend);
      for (const n of [67, 129]) {
        const a = randomSymmetric(n, 3 * n);
        const { values, vectors } = symmetricEigen(a, n);
        const oracle = new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true });
        const expected = [...oracle.realEigenvalues].sort((x, y) => y - x);
        expect(maxAbsDiff(values, expected) / maxAbs(expected)).toBeLessThan(1e-14);
        expect(orthonormalityError(vectors, n, n)).toBeLessThan(1e-13);

        // B B^T with B having singular values 1 .. 1e-6: eigenvalues 1 .. 1e-12.
        const spectrum = Array.from({ length: n }, (_, i) => 10 ** ((-6 * i) / (n - 1)));
        const { a: b } = withSpectrum(spectrum, n, n, n);
        const c = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            let sum = 0;
            for (let t = 0; t < n; t++) sum += b[i * n + t] * b[j * n + t];
            c[i * n + j] = sum;
            c[j * n + i] = sum;
          }
        }
        const got = symmetricEigen(c, n).values;
        const ref = [...new EigenvalueDecomposition(toMl(c, n, n), { assumeSymmetric: true }).realEigenvalues].sort(
          (x, y) => y - x,
        );
        expect(maxAbsDiff(got, ref)).toBeLessThan(1e-14);
        expect(maxAbsDiff(got, spectrum.map((x) => x * x))).toBeLessThan(1e-14);
      }
    });
  }
});
