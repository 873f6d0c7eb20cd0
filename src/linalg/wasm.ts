/**
 * The WebAssembly SIMD engine behind the hot products of kernels.ts.
 *
 * The module (dist/linalg/kernels.wasm, about 3 KB) is compiled by
 * `npm run build` from assembly/kernels.ts with AssemblyScript, a dev
 * dependency: nothing is downloaded, no system library or compiler is needed
 * on the user's machine, and a published package ships the .wasm file in dist/.
 *
 * Loading is synchronous, at the first product that is big enough to need it:
 * `new WebAssembly.Module(bytes)` from the file. The path is resolved relative
 * to this module as `../../dist/linalg/kernels.wasm`, which names the same file
 * from src/linalg (tests run the TypeScript sources) and from dist/linalg.
 * If the file is missing or cannot be compiled, or the environment variable
 * `PWCCA_KERNELS=js` is set, the plain-TypeScript kernels are used instead;
 * they compute the same sums in a different order (results agree to about
 * 1e-15 relative). This file is the one place in linalg that reads a file or
 * the environment, and it does so only to find its own code.
 *
 * Memory: the module exports one linear memory that this side lays out and
 * grows: row chunks of the two operands are copied in (and centred and packed
 * by the module), the p x q output is accumulated in place and copied out at
 * the end. The memory never shrinks; it holds about 8 * (p q + 2 chunk) bytes
 * of the largest product seen (32 MiB for 2048 x 2048). The decompositions
 * use a separate, short-lived instance each (see createWasmDecomposeKernels).
 */

import { readFileSync } from 'node:fs';
import type { DecomposeKernels } from './decompose-kernels.js';

/** Which implementation runs the products: `wasm` (SIMD) or `js` (the plain-TypeScript fallback). */
export type KernelBackend = 'wasm' | 'js';

/**
 * The slice of the WebAssembly JS API used here. Node has it globally, but
 * the project's `lib` (ES2022, no DOM) does not declare it.
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface KernelExports {
  readonly memory: WasmMemory;
  crossChunk(
    a: number, meanA: number, p: number,
    b: number, meanB: number, q: number,
    rows: number, out: number, symmetric: number, pa: number, pb: number,
  ): void;
  mirrorUpper(out: number, n: number): void;
  blockRows(): number;
}

const WASM_URL = new URL('../../dist/linalg/kernels.wasm', import.meta.url);
/** Rows copied into the module per call: chunks of about this many bytes. */
const CHUNK_BYTES = 4 << 20;
const PAGE = 65536;

let compiled: object | undefined;
let engine: WasmEngine | null | undefined;
let override: KernelBackend | 'auto' | undefined;
let loadError: string | undefined;

/**
 * Chooses the kernels: `wasm`, `js` or `auto` (wasm when the module loads).
 * Overrides `PWCCA_KERNELS` for this thread; `undefined` goes back to the
 * environment variable. `wasm` throws if the module cannot be loaded.
 */
export function setKernelBackend(choice: KernelBackend | 'auto' | undefined): void {
  override = choice;
  if (choice === 'wasm' && loadEngine() === null) {
    throw new Error(`the WebAssembly kernels are not available (${loadError}); run \`npm run build\``);
  }
}

/** The backend products currently run on. */
export function kernelBackend(): KernelBackend {
  return activeEngine() === null ? 'js' : 'wasm';
}

/** The engine to use now, or null for the TypeScript kernels. */
export function activeEngine(): WasmEngine | null {
  const choice = override ?? parseChoice(typeof process === 'undefined' ? undefined : process.env.PWCCA_KERNELS);
  if (choice === 'js') return null;
  return loadEngine();
}

function parseChoice(value: string | undefined): KernelBackend | 'auto' {
  return value === 'js' ? 'js' : value === 'wasm' ? 'wasm' : 'auto';
}

function loadEngine(): WasmEngine | null {
  if (engine !== undefined) return engine;
  try {
    compiled = new WebAssembly.Module(readFileSync(WASM_URL));
    const instance = new WebAssembly.Instance(compiled, {});
    engine = new WasmEngine(instance.exports as unknown as KernelExports);
  } catch (error) {
    loadError = (error as Error).message;
    engine = null;
  }
  return engine;
}

/** Byte offsets of one product's buffers in the module's memory. */
interface Layout {
  out: number;
  meanA: number;
  meanB: number;
  pa: number;
  pb: number;
  chunkA: number;
  chunkB: number;
  chunkRows: number;
}

/** A loaded kernel module and the views on its memory. */
export class WasmEngine {
  private view: Float64Array;
  private readonly block: number;

  constructor(private readonly kernels: KernelExports) {
    this.view = new Float64Array(kernels.memory.buffer);
    this.block = kernels.blockRows();
  }

  /**
   * out += (A - 1 meanA^T)^T (B - 1 meanB^T): A rows x p and B rows x q
   * row-major, out p x q row-major. Null means are zero. With `symmetric`
   * (A === B with the same means) only the upper triangle is computed and
   * mirrored, as in the TypeScript kernel.
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
  ): void {
    const layout = this.reserve(p, q);
    let view = this.view;
    view.set(out, layout.out / 8);
    if (meanA) view.set(meanA, layout.meanA / 8);
    else view.fill(0, layout.meanA / 8, layout.meanA / 8 + p);
    if (!symmetric) {
      if (meanB) view.set(meanB, layout.meanB / 8);
      else view.fill(0, layout.meanB / 8, layout.meanB / 8 + q);
    }
    for (let r0 = 0; r0 < rows; r0 += layout.chunkRows) {
      const len = Math.min(layout.chunkRows, rows - r0);
      view.set(a.subarray(r0 * p, (r0 + len) * p), layout.chunkA / 8);
      if (!symmetric) view.set(b.subarray(r0 * q, (r0 + len) * q), layout.chunkB / 8);
      this.kernels.crossChunk(
        layout.chunkA, layout.meanA, p,
        symmetric ? layout.chunkA : layout.chunkB, symmetric ? layout.meanA : layout.meanB, q,
        len, layout.out, symmetric ? 1 : 0, layout.pa, layout.pb,
      );
    }
    if (symmetric) this.kernels.mirrorUpper(layout.out, p);
    view = this.view;
    out.set(view.subarray(layout.out / 8, layout.out / 8 + p * q));
  }

  /** Lays out the buffers of a p x q product and grows the memory to hold them. */
  private reserve(p: number, q: number): Layout {
    const stride = this.block + 2;
    const chunkRows = Math.max(this.block, Math.floor(CHUNK_BYTES / (8 * (p + q)) / this.block) * this.block);
    let offset = 1024; // keep clear of the module's own (empty) data segment
    const take = (doubles: number): number => {
      const at = offset;
      offset += doubles * 8;
      offset = (offset + 15) & ~15;
      return at;
    };
    const layout: Layout = {
      out: take(p * q),
      meanA: take(p),
      meanB: take(q),
      pa: take(p * stride),
      pb: take(q * stride),
      chunkA: take(chunkRows * p),
      chunkB: take(chunkRows * q),
      chunkRows,
    };
    const memory = this.kernels.memory;
    if (offset > memory.buffer.byteLength) memory.grow(Math.ceil((offset - memory.buffer.byteLength) / PAGE));
    if (this.view.buffer !== memory.buffer) this.view = new Float64Array(memory.buffer);
    return layout;
  }
}

/** The decomposition kernels of the module (see decompose-kernels.ts for what each computes). */
interface DecomposeExports {
  readonly memory: WasmMemory;
  tred2Symv(v: number, n: number, d: number, e: number, i: number): void;
  tred2Rank2(v: number, n: number, d: number, e: number, i: number): void;
  tred2Accumulate(v: number, n: number, i: number, d: number): void;
  bidiagColumns(
    b: number, m: number, n: number, k: number,
    work: number, coef: number, be: number, e: number,
    applyLeft: number, pending: number, wantRight: number,
  ): void;
  reflectColumns(buf: number, ld: number, shift: number, ks: number, pivots: number, count: number, j0: number, j1: number): void;
  rotAscending(w: number, panels: number, cols: number, count: number, bounds: number, cs: number, sn: number): void;
  rotDescending(w: number, panels: number, cols: number, count: number, bounds: number, cs: number, sn: number): void;
  rotPivot(w: number, panels: number, cols: number, pivot: number, from: number, to: number, cs: number, sn: number): void;
}

/**
 * A fresh instance of the kernel module for one decomposition, or null when
 * the TypeScript kernels are in use (PWCCA_KERNELS=js, setKernelBackend('js'),
 * or no module). Each decomposition gets its OWN instance, and so its own
 * linear memory: the buffers live there while it runs, and the memory (about
 * 5 n^2 doubles for an n x n SVD) is garbage-collected with the instance
 * afterwards instead of staying with the long-lived product engine.
 * Instantiating the already compiled module takes microseconds.
 */
export function createWasmDecomposeKernels(): DecomposeKernels | null {
  const exports = instantiateKernelModule();
  return exports === null ? null : new WasmDecomposeKernels(exports as DecomposeExports);
}

/**
 * The exports of a fresh instance (own linear memory) of the compiled kernel
 * module, or null when the TypeScript kernels are in use. For kernels that
 * keep their own memory layout (decompositions, Strassen products); the file
 * is read and compiled once, here.
 */
export function instantiateKernelModule(): unknown {
  if (activeEngine() === null || compiled === undefined) return null;
  return new WebAssembly.Instance(compiled, {}).exports;
}

/** Pointers passed to the module are the byte offsets of views on its memory (see alloc). */
class WasmDecomposeKernels implements DecomposeKernels {
  readonly backend = 'wasm' as const;

  constructor(private readonly x: DecomposeExports) {}

  alloc(lengths: readonly number[]): Float64Array[] {
    let offset = 1024; // keep clear of the module's own (empty) data segment
    const offsets = lengths.map((len) => {
      const at = offset;
      offset = (offset + len * 8 + 63) & ~63; // cache-line aligned, so panels and vectors are too
      return at;
    });
    const memory = this.x.memory;
    if (offset > memory.buffer.byteLength) memory.grow(Math.ceil((offset - memory.buffer.byteLength) / PAGE));
    const buffer = memory.buffer;
    return lengths.map((len, i) => new Float64Array(buffer, offsets[i], len).fill(0));
  }

  tred2Symv(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void {
    this.x.tred2Symv(v.byteOffset, n, d.byteOffset, e.byteOffset, i);
  }

  tred2Rank2(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void {
    this.x.tred2Rank2(v.byteOffset, n, d.byteOffset, e.byteOffset, i);
  }

  tred2Accumulate(v: Float64Array, n: number, i: number, d: Float64Array): void {
    this.x.tred2Accumulate(v.byteOffset, n, i, d.byteOffset);
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
