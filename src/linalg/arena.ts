/**
 * The thread's WebAssembly memory arena: ONE linear memory that every
 * instance of the kernel modules imports (./wasm.ts), shared by the products,
 * the Strassen products and the decompositions of this thread.
 *
 * Allocation is a stack: `mark()`, then `take()` as many blocks as needed,
 * then `release(mark)` when the operation ends. The memory is reused from one
 * operation to the next (its pages are already touched, so a decomposition
 * no longer pays for a fresh zero-filled memory) and grows only when an
 * operation needs more than any before it. It never shrinks by itself:
 * {@link resetKernelArena} in ./wasm.ts drops it (and the instances bound to
 * it) when a long-lived thread is done with large matrices.
 *
 * Growing the memory detaches every view on the old buffer: views returned by
 * {@link WasmArena.views} stay valid only while nothing grows the arena, so an
 * operation takes all its blocks first and then works on them.
 *
 * Node's worker threads each load their own copy of this module, so "one
 * arena per thread" needs no bookkeeping: the arena is module state.
 */

/** The slice of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};

const PAGE = 65536;
/** The first bytes stay clear: the modules' own (empty) static data lives below. */
const BASE = 1024;
/** Every block starts on a cache line, so panels and vectors are 16-byte aligned for f64x2. */
const ALIGN = 64;

/** A stack allocator over one growable WebAssembly memory. */
export class WasmArena {
  readonly memory: WasmMemory;
  private top = BASE;
  private view: Float64Array;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.view = new Float64Array(this.memory.buffer);
  }

  /** A view of the whole memory as doubles (renewed after the memory grew). */
  get f64(): Float64Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float64Array(this.memory.buffer);
    return this.view;
  }

  /** Bytes currently reserved by the memory (its high-water mark so far). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** The current top of the stack, to hand back to {@link release}. */
  mark(): number {
    return this.top;
  }

  /** Frees every block taken since `mark` was read. */
  release(mark: number): void {
    this.top = mark;
  }

  /** Reserves `doubles` doubles (cache-line aligned, NOT zeroed) and returns their byte offset; grows the memory if needed. */
  take(doubles: number): number {
    const at = this.top;
    const end = at + doubles * 8;
    this.top = Math.ceil(end / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }

  /** Takes one block per length and returns zeroed Float64Array views on them (see the note on growth above). */
  views(lengths: readonly number[]): Float64Array[] {
    const offsets = lengths.map((len) => this.take(len));
    const buffer = this.memory.buffer;
    return lengths.map((len, i) => new Float64Array(buffer, offsets[i], len).fill(0));
  }
}

/**
 * Copies rows r0 .. r0+len of the row-major `src` (cols wide) into `view` from
 * double `at` on: row r0 + r, or row rowMap[r0 + r] with a row map (the
 * product kernels' chunk copy, which gathers shuffled rows for free).
 */
export function copyRows(
  view: Float64Array,
  at: number,
  src: Float64Array,
  r0: number,
  len: number,
  cols: number,
  rowMap: Int32Array | null,
): void {
  if (rowMap === null) {
    view.set(src.subarray(r0 * cols, (r0 + len) * cols), at);
    return;
  }
  for (let r = 0; r < len; r++) {
    const from = rowMap[r0 + r] * cols;
    view.set(src.subarray(from, from + cols), at + r * cols);
  }
}
