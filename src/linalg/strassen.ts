/**
 * Strassen-Winograd for large centred cross products, in WebAssembly SIMD
 * (assembly/kernels.ts: strassen2Chunk, strassen2Combine), two levels deep:
 * each of the seven half-size products below is itself split the same way,
 * over quarters of the columns and of each packed row block, for 49
 * quarter-size products instead of 64 (23% fewer multiply-adds than the plain
 * kernel; measured against one level, 8-11% faster from 384 columns on, so one
 * level is not kept). The description below is of one level.
 *
 * C = (A - 1 meanA^T)^T (B - 1 meanB^T) is split into 2 x 2 blocks: the
 * columns of A and of B into halves, and the summed-over rows into halves.
 * Seven half-size products instead of eight: 12.5% fewer multiply-adds. The
 * row halves can pair any rows, so each packed block of 256 rows pairs its first
 * 128 rows with its last 128: the block sums (S1..S4 from A, T1..T4 from B) are
 * formed from the packed, already centred block while it is in cache, and the
 * seven products are accumulated over all rows before one final combination.
 * Means are subtracted while packing, before any sum or product, so a large
 * common offset costs no accuracy.
 *
 * Accuracy: Strassen-Winograd's error bound is normwise, not per entry. The sums
 * mix columns of A (and of B), so an entry's rounding error scales with the
 * largest columns, not its own. To keep columns of very different scales from
 * polluting each other, every column is scaled by a power of two (exact) to a
 * comparable size before the sums, and the result is scaled back (exact).
 *
 * The buffers are taken from the thread's arena (./arena.ts) for the duration
 * of one product, on the instance of the current WebAssembly backend; on the
 * relaxed backend the quarter-size products use fused multiply-adds.
 */

import { copyRows } from './arena.js';
import { kernelBackend, kernelModule } from './wasm.js';

interface StrassenExports {
  strassen2Chunk(
    a: number, meanA: number, scaleA: number, p: number,
    b: number, meanB: number, scaleB: number, q: number,
    rows: number, acc: number, pa: number, pb: number, sa: number, sb: number, sa2: number, sb2: number,
  ): void;
  strassen2Combine(acc: number, p: number, q: number, tmp: number, out: number): void;
  blockRows2(): number;
}

const CHUNK_BYTES = 4 << 20;

/**
 * Smallest sizes that take the Strassen route (scripts/linalg-strassen-timing.mjs):
 * below them the block sums and the shorter dot products cost more than the
 * eighth of the multiply-adds saved.
 */
export const STRASSEN_MIN_COLS = 384;
export const STRASSEN_MIN_ROWS = 2048;
/**
 * With fused multiply-adds (the relaxed backend) the plain kernel is about
 * 1.6x faster and Strassen's block sums weigh more: measured on one core, the
 * plain kernel wins by 20% at 512 columns, they tie at 1024, Strassen wins by
 * 15% at 2048.
 */
export const STRASSEN_MIN_COLS_RELAXED = 1024;

/** The smallest number of columns (of both operands) that takes the Strassen route on the current backend. */
export function strassenMinCols(): number {
  return kernelBackend() === 'relaxed' ? STRASSEN_MIN_COLS_RELAXED : STRASSEN_MIN_COLS;
}
/** Whether {@link strassenCrossProductInto} would handle a rows x p by rows x q product. */
export function useStrassen(p: number, q: number, rows: number): boolean {
  const minCols = strassenMinCols();
  return p >= minCols && q >= minCols && rows >= STRASSEN_MIN_ROWS && kernelModule() !== null;
}

/**
 * out (p x q row-major) += (A - 1 meanA^T)^T (B - 1 meanB^T) by two levels of
 * Strassen-Winograd; A is rows x p and B rows x q, row-major (row r of A
 * meets row rowsOfB[r] of B, with a row map). Returns false
 * (and leaves out untouched) when the WebAssembly kernels are unavailable.
 */
export function strassenCrossProductInto(
  a: Float64Array,
  meanA: Float64Array,
  p: number,
  b: Float64Array,
  meanB: Float64Array,
  q: number,
  rows: number,
  out: Float64Array,
  rowsOfB: Int32Array | null = null,
): boolean {
  const module = kernelModule();
  if (module === null) return false;
  const k = module.exports as StrassenExports;
  const arena = module.arena;
  const block = k.blockRows2();
  const qp = (p + 3) >> 2;
  const qq = (q + 3) >> 2;
  const chunkRows = Math.max(block, Math.floor(CHUNK_BYTES / (8 * (p + q)) / block) * block);
  const scaleA = powerOfTwoScales(a, meanA, p, rows);
  const scaleB = powerOfTwoScales(b, meanB, q, rows);

  const mark = arena.mark();
  try {
    const acc = arena.take(49 * qp * qq);
    const tmp = arena.take(7 * 4 * qp * qq);
    const outAt = arena.take(p * q);
    const mA = arena.take(p);
    const mB = arena.take(q);
    const sA = arena.take(p);
    const sB = arena.take(q);
    const pa = arena.take(4 * qp * (block + 2));
    const pb = arena.take(4 * qq * (block + 2));
    const sa = arena.take(8 * qp * (block >> 1));
    const sb = arena.take(8 * qq * (block >> 1));
    const sa2 = arena.take(4 * qp * (block >> 2));
    const sb2 = arena.take(4 * qq * (block >> 2));
    const chunkA = arena.take(chunkRows * p);
    const chunkB = arena.take(chunkRows * q);
    const view = arena.f64; // after the last take: no growth below
    view.fill(0, acc / 8, acc / 8 + 49 * qp * qq);
    view.fill(0, outAt / 8, outAt / 8 + p * q);
    view.set(meanA, mA / 8);
    view.set(meanB, mB / 8);
    view.set(scaleA, sA / 8);
    view.set(scaleB, sB / 8);

    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const len = Math.min(chunkRows, rows - r0);
      copyRows(view, chunkA / 8, a, r0, len, p, null);
      copyRows(view, chunkB / 8, b, r0, len, q, rowsOfB);
      k.strassen2Chunk(chunkA, mA, sA, p, chunkB, mB, sB, q, len, acc, pa, pb, sa, sb, sa2, sb2);
    }
    k.strassen2Combine(acc, p, q, tmp, outAt);
    const result = view.subarray(outAt / 8, outAt / 8 + p * q);
    for (let i = 0; i < p; i++) {
      const si = 1 / scaleA[i];
      const off = i * q;
      for (let j = 0; j < q; j++) out[off + j] += result[off + j] * si / scaleB[j];
    }
  } finally {
    arena.release(mark);
  }
  return true;
}

/** Rows between the rows sampled for the column scales. */
const SCALE_SAMPLE_STEP = 16;

/**
 * Per column, a power of two s with max |x_c - mean_c| s near 1, from every
 * SCALE_SAMPLE_STEP-th row (the scales only balance the columns; any power of
 * two is exact, so a rough one costs no accuracy); 1 for a constant column.
 */
function powerOfTwoScales(x: Float64Array, mean: Float64Array, cols: number, rows: number): Float64Array {
  const peak = new Float64Array(cols);
  for (let r = 0; r < rows; r += SCALE_SAMPLE_STEP) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(x[off + c] - mean[c]);
      if (v > peak[c]) peak[c] = v;
    }
  }
  const scale = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const m = peak[c];
    // Exponents clamped well inside the double range, so neither the scaling nor its undoing can overflow or go subnormal.
    scale[c] = m > 0 && Number.isFinite(m) ? 2 ** Math.max(-500, Math.min(500, -Math.floor(Math.log2(m)))) : 1;
  }
  return scale;
}
