/**
 * The WebAssembly engines behind the hot products of kernels.ts, the Strassen
 * products of strassen.ts and the decomposition kernels of decompose-kernels.ts.
 *
 * Three backends, fastest first:
 * - `relaxed`: dist/linalg/kernels-relaxed.wasm, SIMD with relaxed-SIMD fused
 *   multiply-adds (f64x2.relaxed_madd) in the product kernels. Node 20 compiles
 *   it only with V8's `--experimental-wasm-relaxed-simd`, which is set here
 *   (v8.setFlagsFromString, before the first compile) and then checked by
 *   validating a one-instruction module; newer runtimes need no flag.
 * - `simd`: dist/linalg/kernels.wasm, plain WebAssembly SIMD.
 * - `js`: the plain-TypeScript kernels.
 * `auto` (the default) takes the first that loads. The environment variable
 * `PWCCA_KERNELS=js|simd|relaxed` (or `wasm`: the best WebAssembly one)
 * forces a backend; {@link setKernelBackend} overrides it for this thread.
 *
 * The backends compute the same sums; the relaxed products round differently
 * (one rounding per multiply-add), so products agree across backends to about
 * 1e-15 relative, not bit for bit. The decomposition kernels never use fused
 * operations and give identical results on all three. Within one backend,
 * results do not depend on the number of threads.
 *
 * Both modules are built by `npm run build` from assembly/kernels.ts with
 * AssemblyScript (a dev dependency: nothing is downloaded, no system library
 * or compiler is needed on the user's machine; a published package ships the
 * .wasm files in dist/). The path is resolved relative to this module as
 * `../../dist/linalg/`, which names the same files from src/linalg (tests run
 * the TypeScript sources) and from dist/linalg. Loading is synchronous, at
 * the first operation big enough to need it. This file is the one place in
 * linalg that reads a file or the environment, only to find its own code.
 *
 * Memory: every instance imports the thread's one arena (./arena.ts), so the
 * products, Strassen products and decompositions of a thread share one
 * reused linear memory instead of three allocators.
 */

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { WasmArena, copyRows } from './arena.js';
import type { DecomposeKernels } from './decompose-kernels.js';

/** Which implementation runs the kernels. */
export type KernelBackend = DecomposeKernels['backend'];
/** What may be asked for: a backend, `wasm` (the best WebAssembly backend) or `auto` (the best available). */
export type KernelChoice = KernelBackend | 'wasm' | 'auto';

/** The WebAssembly backends, fastest first. */
const WASM_BACKENDS = ['relaxed', 'simd'] as const;
type WasmBackend = (typeof WASM_BACKENDS)[number];

/**
 * The slice of the WebAssembly JS API used here. Node has it globally, but
 * the project's `lib` (ES2022, no DOM) does not declare it.
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
};

const FILES: Record<WasmBackend, URL> = {
  simd: new URL('../../dist/linalg/kernels.wasm', import.meta.url),
  relaxed: new URL('../../dist/linalg/kernels-relaxed.wasm', import.meta.url),
};

/**
 * (module (func (param v128 v128 v128) (result v128)
 *   local.get 0 local.get 1 local.get 2 f64x2.relaxed_madd))
 * Validates only where relaxed SIMD is enabled.
 */
const RELAXED_PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x87, 0x02, 0x0b,
);

/** Compiled modules (per backend, null when unavailable) and why one failed. */
const compiled = new Map<WasmBackend, object | null>();
const loadErrors = new Map<WasmBackend, string>();
let override: KernelChoice | undefined;

/** The arena and the instances bound to it (see resetKernelArena). */
let arena: WasmArena | undefined;
const bound = new Map<WasmBackend, Bound>();

/** One instance of a module on the thread's arena, and the kernel objects built on it. */
interface Bound {
  readonly exports: KernelExports;
  readonly engine: WasmEngine;
  readonly decompose: WasmDecomposeKernels;
}

/**
 * Chooses the kernels for this thread: a backend, `wasm` (the best
 * WebAssembly backend), `auto`, or `undefined` to go back to the environment
 * variable `PWCCA_KERNELS`. Throws if the backend asked for cannot be loaded.
 */
export function setKernelBackend(choice: KernelChoice | undefined): void {
  if (choice !== undefined && resolve(choice) === null) {
    const why = choice === 'wasm' ? loadErrors.get('simd') : loadErrors.get(choice as WasmBackend);
    throw new Error(`the ${choice} kernels are not available (${why ?? 'unknown reason'}); run \`npm run build\``);
  }
  override = choice;
}

/** The backend the kernels currently run on. */
export function kernelBackend(): KernelBackend {
  return currentBackend();
}

/** The backends this runtime can load, fastest first (`js` always last). */
export function availableKernelBackends(): KernelBackend[] {
  return [...WASM_BACKENDS.filter((b) => compile(b) !== null), 'js'];
}

/**
 * Drops the thread's arena and the module instances bound to it, returning
 * its memory to the garbage collector; the next operation starts a fresh one.
 * For a long-lived worker that has finished with large matrices (the arena
 * keeps the high-water mark: about 5 n^2 doubles after an n x n SVD).
 */
export function resetKernelArena(): void {
  arena = undefined;
  bound.clear();
}

/** Bytes held by the thread's arena (0 before the first WebAssembly operation). */
export function kernelArenaBytes(): number {
  return arena?.capacity ?? 0;
}

/** The product engine of the current backend, or null for the TypeScript kernels. */
export function activeEngine(): WasmEngine | null {
  return current()?.engine ?? null;
}

/**
 * The decomposition kernels of the current backend, or null for the
 * TypeScript kernels. Their buffers live in the thread's arena from `alloc`
 * until `release`.
 */
export function createWasmDecomposeKernels(): DecomposeKernels | null {
  return current()?.decompose ?? null;
}

/**
 * The raw exports of the current backend's instance and the arena they work
 * in, or null for the TypeScript kernels: for kernels that lay out their own
 * buffers (the Strassen products).
 */
export function kernelModule(): { exports: unknown; arena: WasmArena } | null {
  const b = current();
  return b === null ? null : { exports: b.exports, arena: threadArena() };
}

function currentBackend(): KernelBackend {
  const choice = override ?? parseChoice(typeof process === 'undefined' ? undefined : process.env.PWCCA_KERNELS);
  return resolve(choice) ?? 'js';
}

function parseChoice(value: string | undefined): KernelChoice {
  return value === 'js' || value === 'simd' || value === 'relaxed' || value === 'wasm' ? value : 'auto';
}

/** The backend a choice stands for, or null when it asks for one that cannot load. */
function resolve(choice: KernelChoice): KernelBackend | null {
  if (choice === 'js') return 'js';
  if (choice === 'simd' || choice === 'relaxed') return compile(choice) === null ? null : choice;
  const best = WASM_BACKENDS.find((b) => compile(b) !== null);
  if (best !== undefined) return best;
  return choice === 'auto' ? 'js' : null;
}

function current(): Bound | null {
  const backend = currentBackend();
  return backend === 'js' ? null : bind(backend);
}

function threadArena(): WasmArena {
  arena ??= new WasmArena();
  return arena;
}

function compile(backend: WasmBackend): object | null {
  const known = compiled.get(backend);
  if (known !== undefined) return known;
  let module: object | null = null;
  try {
    if (backend === 'relaxed' && !enableRelaxedSimd()) throw new Error('this runtime does not support relaxed SIMD');
    module = new WebAssembly.Module(readFileSync(FILES[backend]));
  } catch (error) {
    loadErrors.set(backend, (error as Error).message);
  }
  compiled.set(backend, module);
  return module;
}

/** Turns on V8's relaxed SIMD where it is behind a flag (Node 20), then checks that it compiles. */
function enableRelaxedSimd(): boolean {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(RELAXED_PROBE);
}

function bind(backend: WasmBackend): Bound | null {
  const known = bound.get(backend);
  if (known !== undefined) return known;
  const module = compile(backend);
  if (module === null) return null;
  const a = threadArena();
  const exports = new WebAssembly.Instance(module, { env: { memory: a.memory } }).exports as KernelExports;
  const b: Bound = { exports, engine: new WasmEngine(exports, a), decompose: new WasmDecomposeKernels(exports, a, backend) };
  bound.set(backend, b);
  return b;
}

interface KernelExports {
  crossChunk(
    a: number, meanA: number, p: number,
    b: number, meanB: number, q: number,
    rows: number, out: number, symmetric: number, pa: number, pb: number,
  ): void;
  mirrorUpper(out: number, n: number): void;
  blockRows(): number;
}

/** Rows copied into the arena per call: chunks of about this many bytes. */
const CHUNK_BYTES = 4 << 20;

/** A loaded product kernel and the arena it works in. */
export class WasmEngine {
  private readonly block: number;

  constructor(
    private readonly kernels: KernelExports,
    private readonly arena: WasmArena,
  ) {
    this.block = kernels.blockRows();
  }

  /**
   * out += (A - 1 meanA^T)^T (B - 1 meanB^T): A rows x p and B rows x q
   * row-major, out p x q row-major. Null means are zero. With `symmetric`
   * (A === B with the same means) only the upper triangle is computed and
   * mirrored, as in the TypeScript kernel. With `rowsOfB`, row r of A meets
   * row rowsOfB[r] of B: the rows are gathered while copying B's chunks in.
   *
   * The buffers (output, means, packed blocks, a row chunk of each operand:
   * about 8 (p q + 2 chunk) bytes, 32 MiB for 2048 x 2048) are taken from the
   * arena for the duration of the call.
   */
  crossProductInto(
    a: Float64Array,
    meanA: Float64Array | null,
    p: number,
    b: Float64Array,
    meanB: Float64Array | null,
    q: number,
    rows: number,
    out: Float64Array,
    symmetric: boolean,
    rowsOfB: Int32Array | null = null,
  ): void {
    const arena = this.arena;
    const mark = arena.mark();
    try {
      const stride = this.block + 2;
      const chunkRows = Math.max(this.block, Math.floor(CHUNK_BYTES / (8 * (p + q)) / this.block) * this.block);
      const outAt = arena.take(p * q);
      const meanAAt = arena.take(p);
      const meanBAt = arena.take(q);
      const pa = arena.take(p * stride);
      const pb = arena.take(q * stride);
      const chunkA = arena.take(chunkRows * p);
      const chunkB = arena.take(chunkRows * q);
      const view = arena.f64; // after the last take: no growth below
      view.set(out, outAt / 8);
      if (meanA) view.set(meanA, meanAAt / 8);
      else view.fill(0, meanAAt / 8, meanAAt / 8 + p);
      if (!symmetric) {
        if (meanB) view.set(meanB, meanBAt / 8);
        else view.fill(0, meanBAt / 8, meanBAt / 8 + q);
      }
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const len = Math.min(chunkRows, rows - r0);
        copyRows(view, chunkA / 8, a, r0, len, p, null);
        if (!symmetric) copyRows(view, chunkB / 8, b, r0, len, q, rowsOfB);
        this.kernels.crossChunk(
          chunkA, meanAAt, p,
          symmetric ? chunkA : chunkB, symmetric ? meanAAt : meanBAt, q,
          len, outAt, symmetric ? 1 : 0, pa, pb,
        );
      }
      if (symmetric) this.kernels.mirrorUpper(outAt, p);
      out.set(view.subarray(outAt / 8, outAt / 8 + p * q));
    } finally {
      arena.release(mark);
    }
  }
}

/** The decomposition kernels of the module (see decompose-kernels.ts for what each computes). */
interface DecomposeExports {
  tred2Symv(v: number, n: number, d: number, e: number, i: number): void;
  tred2Rank2(v: number, n: number, d: number, e: number, i: number): void;
  tred2AccumulateBlock(v: number, n: number, us: number, ws: number, hs: number, count: number, iFirst: number, jEnd: number): void;
  rank2kUpdate(out: number, ld: number, count: number, p1: number, p2: number, len2: number): void;
  bidiagColumns(
    b: number, m: number, n: number, k: number,
    work: number, coef: number, be: number, e: number,
    applyLeft: number, pending: number, wantRight: number,
  ): void;
  reflectColumns(buf: number, ld: number, shift: number, ks: number, pivots: number, count: number, j0: number, j1: number): void;
  panelUpdate(out: number, ld: number, p: number, q: number, p1: number, p2: number, len2: number): void;
  bidiagDots(buf: number, ld: number, lo: number, hi: number, v: number, j0: number, j1: number, out: number): void;
  bidiagAxpys(buf: number, ld: number, lo: number, hi: number, c: number, j0: number, j1: number, out: number): void;
  rotAscending(w: number, panels: number, cols: number, count: number, bounds: number, cs: number, sn: number): void;
  rotDescending(w: number, panels: number, cols: number, count: number, bounds: number, cs: number, sn: number): void;
  rotPivot(w: number, panels: number, cols: number, pivot: number, from: number, to: number, cs: number, sn: number): void;
}

/**
 * Pointers passed to the module are the byte offsets of views on the arena.
 * `alloc` takes the buffers of one decomposition from the arena (released by
 * `release`, or by the next `alloc`); decompositions do not nest.
 */
class WasmDecomposeKernels implements DecomposeKernels {
  private mark: number | undefined;
  private readonly x: DecomposeExports;

  constructor(
    exports: unknown,
    private readonly arena: WasmArena,
    readonly backend: WasmBackend,
  ) {
    this.x = exports as DecomposeExports;
  }

  alloc(lengths: readonly number[]): Float64Array[] {
    this.release();
    this.mark = this.arena.mark();
    return this.arena.views(lengths);
  }

  release(): void {
    if (this.mark === undefined) return;
    this.arena.release(this.mark);
    this.mark = undefined;
  }

  tred2Symv(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void {
    this.x.tred2Symv(v.byteOffset, n, d.byteOffset, e.byteOffset, i);
  }

  tred2Rank2(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void {
    this.x.tred2Rank2(v.byteOffset, n, d.byteOffset, e.byteOffset, i);
  }

  tred2AccumulateBlock(
    v: Float64Array, n: number, us: Float64Array, ws: Float64Array, hs: Float64Array, count: number, iFirst: number, jEnd: number,
  ): void {
    this.x.tred2AccumulateBlock(v.byteOffset, n, us.byteOffset, ws.byteOffset, hs.byteOffset, count, iFirst, jEnd);
  }

  rank2kUpdate(v: Float64Array, ld: number, count: number, p1: Float64Array, p2: Float64Array, len2: number): void {
    this.x.rank2kUpdate(v.byteOffset, ld, count, p1.byteOffset, p2.byteOffset, len2);
  }

  bidiagColumns(
    b: Float64Array, m: number, n: number, k: number,
    work: Float64Array, coef: Float64Array, be: Float64Array, e: Float64Array,
    applyLeft: boolean, pending: boolean, wantRight: boolean,
  ): void {
    this.x.bidiagColumns(
      b.byteOffset, m, n, k, work.byteOffset, coef.byteOffset, be.byteOffset, e.byteOffset,
      applyLeft ? 1 : 0, pending ? 1 : 0, wantRight ? 1 : 0,
    );
  }

  panelUpdate(out: Float64Array, ld: number, p: number, q: number, p1: Float64Array, p2: Float64Array, len2: number): void {
    this.x.panelUpdate(out.byteOffset, ld, p, q, p1.byteOffset, p2.byteOffset, len2);
  }

  bidiagDots(buf: Float64Array, ld: number, lo: number, hi: number, v: Float64Array, j0: number, j1: number, out: Float64Array): void {
    this.x.bidiagDots(buf.byteOffset, ld, lo, hi, v.byteOffset, j0, j1, out.byteOffset);
  }

  bidiagAxpys(buf: Float64Array, ld: number, lo: number, hi: number, c: Float64Array, j0: number, j1: number, out: Float64Array): void {
    this.x.bidiagAxpys(buf.byteOffset, ld, lo, hi, c.byteOffset, j0, j1, out.byteOffset);
  }

  reflectColumns(
    buf: Float64Array, ld: number, shift: number, ks: Float64Array, pivots: Float64Array, count: number, j0: number, j1: number,
  ): void {
    this.x.reflectColumns(buf.byteOffset, ld, shift, ks.byteOffset, pivots.byteOffset, count, j0, j1);
  }

  rotAscending(
    w: Float64Array, panels: number, cols: number, count: number, bounds: Float64Array, cs: Float64Array, sn: Float64Array,
  ): void {
    this.x.rotAscending(w.byteOffset, panels, cols, count, bounds.byteOffset, cs.byteOffset, sn.byteOffset);
  }

  rotDescending(
    w: Float64Array, panels: number, cols: number, count: number, bounds: Float64Array, cs: Float64Array, sn: Float64Array,
  ): void {
    this.x.rotDescending(w.byteOffset, panels, cols, count, bounds.byteOffset, cs.byteOffset, sn.byteOffset);
  }

  rotPivot(
    w: Float64Array, panels: number, cols: number, pivot: number, from: number, to: number, cs: Float64Array, sn: Float64Array,
  ): void {
    this.x.rotPivot(w.byteOffset, panels, cols, pivot, from, to, cs.byteOffset, sn.byteOffset);
  }
}
