/**
 * Hot loops on flat row-major Float64Arrays: column means, centred cross
 * products (covariance numerators) and matrix products.
 *
 * Everything funnels into one kernel, {@link crossProductInto}: out = A^T B where
 * A (rows x p) and B (rows x q) are row-major and the sum runs over rows. It
 * works on blocks of BLOCK_ROWS rows: each block is centred and packed into a
 * transposed (column-major) scratch buffer, so that every output entry is a
 * dot product of two contiguous runs, and a register-blocked micro-kernel
 * computes a small tile of outputs at once, reusing every loaded value several
 * times. Means are subtracted while packing, before any product, so a large
 * common offset (e.g. +1000 on every neuron) costs no accuracy.
 *
 * The kernel runs in WebAssembly SIMD (assembly/kernels.ts, loaded by
 * ./wasm.ts: relaxed SIMD with fused multiply-adds where the runtime has it,
 * else plain SIMD) when the compiled modules are present, 4-8x faster; the
 * loops below are the fallback (`PWCCA_KERNELS=js`) and give the same results
 * to rounding.
 */

import { checkBuffer } from './checks.js';
import { strassenCrossProductInto, useStrassen } from './strassen.js';
import { activeEngine } from './wasm.js';

/** Rows per packed block: 2 x (128 rows x 512 cols x 8 B) = 1 MiB of scratch stays in L2. */
const BLOCK_ROWS = 128;

/**
 * Products with fewer multiply-adds than this stay in TypeScript even when the
 * WebAssembly kernels are loaded: copying into the module's memory would cost
 * more than it saves.
 */
const WASM_MIN_WORK = 1 << 15;


function checkMean(name: string, mean: Float64Array, cols: number): void {
  if (!(mean instanceof Float64Array)) throw new TypeError(`${name}: expected a Float64Array of means`);
  if (mean.length !== cols) throw new RangeError(`${name}: ${mean.length} means for ${cols} columns`);
}

/** The operand checks of the centred cross products: x rows x dx and y rows x dy with one mean per column. */
function checkCrossArguments(
  name: string,
  x: Float64Array,
  meanX: Float64Array,
  dx: number,
  y: Float64Array,
  meanY: Float64Array,
  dy: number,
  rows: number,
): void {
  checkBuffer(`${name} (x)`, x, rows, dx);
  checkBuffer(`${name} (y)`, y, rows, dy);
  checkMean(`${name} (x)`, meanX, dx);
  checkMean(`${name} (y)`, meanY, dy);
}

/**
 * Column means of a rows x cols row-major matrix.
 *
 * Rows are summed in blocks into a per-block partial sum, and the partial sums
 * are added into the total: this keeps the rounding error growth at about
 * (BLOCK + rows / BLOCK) * eps instead of rows * eps, at the speed of a plain
 * row-major sweep.
 */
export function columnMeans(x: Float64Array, rows: number, cols: number): Float64Array {
  checkBuffer('columnMeans', x, rows, cols);
  const total = new Float64Array(cols);
  columnSumsInto(x, rows, cols, total);
  if (rows === 0) return total.fill(Number.NaN);
  for (let c = 0; c < cols; c++) total[c] /= rows;
  return total;
}

/**
 * Centred cross product sum_r (x_r - meanX)(y_r - meanY)^T, a dx x dy
 * row-major matrix (NOT divided by rows - 1: the caller divides).
 *
 * x is rows x dx and y rows x dy, both row-major. When x and y are the same
 * buffer with the same means (a Gram / covariance matrix), only the upper
 * triangle of tiles is computed and then mirrored, halving the work, and the
 * result is exactly symmetric.
 */
export function centredCrossProduct(
  x: Float64Array,
  meanX: Float64Array,
  dx: number,
  y: Float64Array,
  meanY: Float64Array,
  dy: number,
  rows: number,
): Float64Array {
  checkCrossArguments('centredCrossProduct', x, meanX, dx, y, meanY, dy, rows);
  const out = new Float64Array(dx * dy);
  const symmetric = x === y && meanX === meanY && dx === dy;
  // Large products take two levels of Strassen-Winograd (./strassen.ts): 49/64 of the multiply-adds.
  if (!symmetric && useStrassen(dx, dy, rows) && strassenCrossProductInto(x, meanX, dx, y, meanY, dy, rows, out)) return out;
  crossProductInto(x, meanX, dx, y, meanY, dy, rows, out, symmetric);
  return out;
}

/**
 * Adds the centred cross product sum_r (x_r - meanX)(y_r - meanY)^T of a chunk
 * of rows into `out` (dx x dy row-major): the accumulation step of streamed
 * moments, where the rows arrive in chunks and the means are known from a
 * first pass. Summing chunk by chunk gives the same result as one call on all
 * rows, to rounding.
 */
export function centredCrossProductInto(
  x: Float64Array,
  meanX: Float64Array,
  dx: number,
  y: Float64Array,
  meanY: Float64Array,
  dy: number,
  rows: number,
  out: Float64Array,
): void {
  checkCrossArguments('centredCrossProductInto', x, meanX, dx, y, meanY, dy, rows);
  checkBuffer('centredCrossProductInto (out)', out, dx, dy);
  crossProductInto(x, meanX, dx, y, meanY, dy, rows, out, false);
}

/** Adds the centred Gram matrix of a chunk of rows into `out` (d x d, kept exactly symmetric); see {@link centredCrossProductInto}. */
export function centredGramInto(x: Float64Array, mean: Float64Array, d: number, rows: number, out: Float64Array): void {
  checkBuffer('centredGramInto', x, rows, d);
  checkMean('centredGramInto', mean, d);
  checkBuffer('centredGramInto (out)', out, d, d);
  crossProductInto(x, mean, d, x, mean, d, rows, out, true);
}

/**
 * Adds the column sums of a rows x cols row-major chunk into `sums`, in blocks
 * of rows as {@link columnMeans} does (rounding error about (BLOCK + rows /
 * BLOCK) * eps per chunk).
 */
export function columnSumsInto(x: Float64Array, rows: number, cols: number, sums: Float64Array): void {
  checkBuffer('columnSumsInto', x, rows, cols);
  if (sums.length !== cols) throw new RangeError(`columnSumsInto: ${sums.length} sums for ${cols} columns`);
  const partial = new Float64Array(cols);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = Math.min(rows, r0 + BLOCK_ROWS);
    partial.fill(0);
    for (let r = r0; r < r1; r++) {
      const off = r * cols;
      for (let c = 0; c < cols; c++) partial[c] += x[off + c];
    }
    for (let c = 0; c < cols; c++) sums[c] += partial[c];
  }
}

/**
 * Centred Gram matrix sum_r (x_r - mean)(x_r - mean)^T, d x d row-major and
 * exactly symmetric (not divided by rows - 1).
 */
export function centredGram(x: Float64Array, mean: Float64Array, d: number, rows: number): Float64Array {
  checkBuffer('centredGram', x, rows, d);
  checkMean('centredGram', mean, d);
  const out = new Float64Array(d * d);
  crossProductInto(x, mean, d, x, mean, d, rows, out, true);
  return out;
}

/** Matrix product a b: a is aRows x aCols, b is aCols x bCols, all row-major. */
export function multiply(a: Float64Array, aRows: number, aCols: number, b: Float64Array, bCols: number): Float64Array {
  checkBuffer('multiply (a)', a, aRows, aCols);
  checkBuffer('multiply (b)', b, aCols, bCols);
  // a b = (a^T)^T b: transpose a once (O(n^2)) so the shared index becomes the
  // row index of both operands, which is the layout the kernel sums over.
  const at = transpose(a, aRows, aCols);
  const out = new Float64Array(aRows * bCols);
  crossProductInto(at, null, aRows, b, null, bCols, aCols, out, false);
  return out;
}

/** Matrix product a^T b: a is aRows x aCols, b is aRows x bCols, all row-major; result aCols x bCols. */
export function multiplyTransposeA(
  a: Float64Array,
  aRows: number,
  aCols: number,
  b: Float64Array,
  bCols: number,
): Float64Array {
  checkBuffer('multiplyTransposeA (a)', a, aRows, aCols);
  checkBuffer('multiplyTransposeA (b)', b, aRows, bCols);
  const out = new Float64Array(aCols * bCols);
  crossProductInto(a, null, aCols, b, null, bCols, aRows, out, a === b && aCols === bCols);
  return out;
}

/**
 * a^T (b with its rows reordered): row i of a meets row `rowsOfB[i]` of b.
 * a is aRows x aCols and b aRows x bCols, row-major; the result is aCols x
 * bCols. The permutation null's product: the reordered rows are read straight
 * into the kernel's packed blocks, so no reordered copy of b is made. Large
 * products take the Strassen-Winograd route, as centred cross products do.
 */
export function multiplyTransposeAGathered(
  a: Float64Array,
  aRows: number,
  aCols: number,
  b: Float64Array,
  bCols: number,
  rowsOfB: Int32Array,
): Float64Array {
  checkBuffer('multiplyTransposeAGathered (a)', a, aRows, aCols);
  checkBuffer('multiplyTransposeAGathered (b)', b, aRows, bCols);
  if (rowsOfB.length !== aRows) throw new RangeError(`multiplyTransposeAGathered: ${rowsOfB.length} row indices for ${aRows} rows`);
  for (let i = 0; i < aRows; i++) {
    if (!(rowsOfB[i] >= 0 && rowsOfB[i] < aRows)) throw new RangeError(`multiplyTransposeAGathered: row index ${rowsOfB[i]} outside 0..${aRows - 1}`);
  }
  const out = new Float64Array(aCols * bCols);
  if (useStrassen(aCols, bCols, aRows)) {
    const zeroA = new Float64Array(aCols);
    const zeroB = new Float64Array(bCols);
    if (strassenCrossProductInto(a, zeroA, aCols, b, zeroB, bCols, aRows, out, rowsOfB)) return out;
  }
  crossProductInto(a, null, aCols, b, null, bCols, aRows, out, false, rowsOfB);
  return out;
}

/**
 * out += a^T b in place: a is rows x p and b rows x q, row-major, out p x q
 * row-major. For updates such as z -= V W without a temporary the size of z.
 */
export function multiplyTransposeAAddInto(
  a: Float64Array,
  rows: number,
  p: number,
  b: Float64Array,
  q: number,
  out: Float64Array,
): void {
  checkBuffer('multiplyTransposeAAddInto (a)', a, rows, p);
  checkBuffer('multiplyTransposeAAddInto (b)', b, rows, q);
  checkBuffer('multiplyTransposeAAddInto (out)', out, p, q);
  crossProductInto(a, null, p, b, null, q, rows, out, false);
}

/** Transpose of a rows x cols row-major matrix (cols x rows row-major). */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  checkBuffer('transpose', a, rows, cols);
  const out = new Float64Array(rows * cols);
  transposeInto(a, rows, cols, out);
  return out;
}

/** Writes the transpose of the rows x cols row-major a into out (cols x rows row-major). */
export function transposeInto(a: Float64Array, rows: number, cols: number, out: Float64Array): void {
  // Tiles of 32 x 32 so both the reads and the writes stay within a few cache lines per row.
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        const src = i * cols;
        for (let j = j0; j < j1; j++) out[j * rows + i] = a[src + j];
      }
    }
  }
}

/**
 * out += (A - 1 meanA^T)^T (B - 1 meanB^T) with A rows x p and B rows x q
 * row-major; out is p x q row-major and must start zeroed. Null means are zero.
 * With `symmetric` (A === B, same means) only tiles with j >= i are computed
 * and the lower triangle is mirrored at the end. With `rowsOfB`, row r of A
 * meets row rowsOfB[r] of B (never with `symmetric`).
 */
function crossProductInto(
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
  if (p === 0 || q === 0 || rows === 0) return;
  // The same algorithm in WebAssembly SIMD (src/linalg/wasm.ts), unless it is
  // unavailable, switched off (PWCCA_KERNELS=js) or the product is tiny.
  const engine = rows * p * q >= WASM_MIN_WORK ? activeEngine() : null;
  if (engine !== null) {
    engine.crossProductInto(a, meanA, p, b, meanB, q, rows, out, symmetric, rowsOfB);
    return;
  }
  const R = BLOCK_ROWS;
  // Packed blocks: column c of the current row block is pa[c*R .. c*R + len).
  const pa = new Float64Array(p * R);
  const pb = symmetric ? pa : new Float64Array(q * R);

  for (let r0 = 0; r0 < rows; r0 += R) {
    const len = Math.min(R, rows - r0);
    pack(a, meanA, p, r0, len, pa, R, null);
    if (!symmetric) pack(b, meanB, q, r0, len, pb, R, rowsOfB);
    microTiles(pa, p, pb, q, len, R, out, symmetric);
  }

  if (symmetric) {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) out[i * q + j] = out[j * q + i];
    }
  }
}

/**
 * Copies rows r0 .. r0+len of the row-major src (cols wide) into dst, centred
 * and transposed: dst[c * stride + r] = src[(r0 + r) * cols + c] - mean[c]
 * (row rowMap[r0 + r] of src instead, with a row map).
 */
function pack(
  src: Float64Array,
  mean: Float64Array | null,
  cols: number,
  r0: number,
  len: number,
  dst: Float64Array,
  stride: number,
  rowMap: Int32Array | null,
): void {
  for (let r = 0; r < len; r++) {
    const off = (rowMap === null ? r0 + r : rowMap[r0 + r]) * cols;
    if (mean === null) {
      for (let c = 0; c < cols; c++) dst[c * stride + r] = src[off + c];
    } else {
      for (let c = 0; c < cols; c++) dst[c * stride + r] = src[off + c] - mean[c];
    }
  }
}

/** Output columns per pass of the micro-kernel: 256 packed columns of pb (256 KiB) stay in L2 while pa streams past. */
const BLOCK_COLS = 256;

/**
 * out[i, j] += dot(pa column i, pb column j) over `len` packed rows, in 3 x 4
 * tiles: each step of the inner loop loads 7 values and does 12 multiply-adds
 * into 12 accumulators. With the 3 loaded x values that is all 16 x64 vector
 * registers; 4 x 4 spills and 2 x 4 / 2 x 6 measured slower (scripts/
 * linalg-kernel-experiments.mjs: about 6.3 vs 5.9 and 5.4 GFLOP/s). Edges use
 * 1 x 4 and 3 x 1 / 1 x 1 tiles.
 */
function microTiles(
  pa: Float64Array,
  p: number,
  pb: Float64Array,
  q: number,
  len: number,
  R: number,
  out: Float64Array,
  symmetric: boolean,
): void {
  for (let j0 = 0; j0 < q; j0 += BLOCK_COLS) {
    const j1 = Math.min(q, j0 + BLOCK_COLS);
    // In the symmetric case only tiles reaching the diagonal or above are
    // needed: rows i >= j1 have nothing in this column block.
    const iEnd = symmetric ? Math.min(p, j1) : p;
    let i = 0;
    for (; i + 3 <= iEnd; i += 3) {
      const a0 = i * R;
      const a1 = a0 + R;
      const a2 = a1 + R;
      // Symmetric: start at the 4-aligned tile holding the diagonal; the few
      // entries below the diagonal it computes are overwritten by the mirror.
      let j = symmetric ? Math.max(j0, i & ~3) : j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = j * R;
        const b1 = b0 + R;
        const b2 = b1 + R;
        const b3 = b2 + R;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
        let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
        for (let r = 0; r < len; r++) {
          const x0 = pa[a0 + r];
          const x1 = pa[a1 + r];
          const x2 = pa[a2 + r];
          let y = pb[b0 + r];
          s00 += x0 * y; s10 += x1 * y; s20 += x2 * y;
          y = pb[b1 + r];
          s01 += x0 * y; s11 += x1 * y; s21 += x2 * y;
          y = pb[b2 + r];
          s02 += x0 * y; s12 += x1 * y; s22 += x2 * y;
          y = pb[b3 + r];
          s03 += x0 * y; s13 += x1 * y; s23 += x2 * y;
        }
        let o = i * q + j;
        out[o] += s00; out[o + 1] += s01; out[o + 2] += s02; out[o + 3] += s03;
        o += q;
        out[o] += s10; out[o + 1] += s11; out[o + 2] += s12; out[o + 3] += s13;
        o += q;
        out[o] += s20; out[o + 1] += s21; out[o + 2] += s22; out[o + 3] += s23;
      }
      for (; j < j1; j++) {
        const b0 = j * R;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let r = 0; r < len; r++) {
          const y = pb[b0 + r];
          s0 += pa[a0 + r] * y;
          s1 += pa[a1 + r] * y;
          s2 += pa[a2 + r] * y;
        }
        const o = i * q + j;
        out[o] += s0;
        out[o + q] += s1;
        out[o + 2 * q] += s2;
      }
    }
    for (; i < iEnd; i++) {
      const a0 = i * R;
      let j = symmetric ? Math.max(j0, i & ~3) : j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = j * R;
        const b1 = b0 + R;
        const b2 = b1 + R;
        const b3 = b2 + R;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let r = 0; r < len; r++) {
          const x0 = pa[a0 + r];
          s0 += x0 * pb[b0 + r];
          s1 += x0 * pb[b1 + r];
          s2 += x0 * pb[b2 + r];
          s3 += x0 * pb[b3 + r];
        }
        const o = i * q + j;
        out[o] += s0; out[o + 1] += s1; out[o + 2] += s2; out[o + 3] += s3;
      }
      for (; j < j1; j++) {
        const b0 = j * R;
        let s0 = 0;
        let s1 = 0;
        let r = 0;
        for (; r + 2 <= len; r += 2) {
          s0 += pa[a0 + r] * pb[b0 + r];
          s1 += pa[a0 + r + 1] * pb[b0 + r + 1];
        }
        if (r < len) s0 += pa[a0 + r] * pb[b0 + r];
        out[i * q + j] += s0 + s1;
      }
    }
  }
}
