// WebAssembly SIMD kernels for pwcca's hot products, in AssemblyScript.
//
// Built by scripts/build-wasm.mjs into dist/linalg/kernels.wasm and driven by
// src/linalg/wasm.ts, which owns the memory layout: every pointer below is a
// byte offset into this module's exported memory that the TypeScript side
// chose, grew and filled. No allocator, no runtime, no imports.
//
// The algorithm is the one of src/linalg/kernels.ts (the plain-TypeScript
// fallback, which must give the same results to rounding):
//   out (p x q, row-major) += (A - 1 meanA^T)^T (B - 1 meanB^T)
// over a chunk of rows. Rows are taken BLOCK at a time; each block is centred
// and packed TRANSPOSED (column c of the block is contiguous: pa[c * stride + r])
// so that every output entry is a dot product of two contiguous runs, which the
// micro-kernel computes two rows at a time in f64x2 lanes. Means are
// subtracted while packing, before any product, so a large common offset costs
// no accuracy.

/** Rows per packed block. 2 x (256 rows x 256 cols x 8 B) = 1 MiB stays in L2. */
const BLOCK: i32 = 256;
/** Output columns per pass: 256 packed columns of B stay in L2 while A streams past. */
const BLOCK_COLS: i32 = 256;

/**
 * Copies rows r0 .. r0+len of the row-major src (cols wide) into dst, centred
 * and transposed: dst[c * stride + r] = src[(r0 + r) * cols + c] - mean[c].
 * An odd len is padded with one zero row so the micro-kernel can always take
 * rows in pairs.
 */
function pack(src: usize, mean: usize, cols: i32, r0: i32, len: i32, dst: usize, stride: i32): void {
  for (let r = 0; r < len; r++) {
    const row = src + (<usize>(r0 + r) * <usize>cols << 3);
    const col = dst + (<usize>r << 3);
    // Two columns at a time: one f64x2 load of the row, one subtract, two scalar stores.
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const v = f64x2.sub(v128.load(row + (<usize>c << 3)), v128.load(mean + (<usize>c << 3)));
      store<f64>(col + (<usize>c * <usize>stride << 3), f64x2.extract_lane(v, 0));
      store<f64>(col + (<usize>(c + 1) * <usize>stride << 3), f64x2.extract_lane(v, 1));
    }
    if (c < cols) store<f64>(col + (<usize>c * <usize>stride << 3), load<f64>(row + (<usize>c << 3)) - load<f64>(mean + (<usize>c << 3)));
  }
  if (len & 1) {
    for (let c = 0; c < cols; c++) store<f64>(dst + (<usize>(c * stride + len) << 3), 0.0);
  }
}

@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline
function addTo(ptr: usize, value: f64): void {
  store<f64>(ptr, load<f64>(ptr) + value);
}

/**
 * out[i, j] += dot(pa column i, pb column j) over `len2` (even) packed rows.
 * Tiles of 3 x 4 outputs: each step loads 3 + 4 vectors (two rows each) and
 * does 12 vector multiply-adds into 12 accumulators, reusing every loaded
 * value 3-4 times. Edges use 1 x 4 and 3 x 1 / 1 x 1 tiles.
 */
function microTiles(pa: usize, p: i32, pb: usize, q: i32, len2: i32, stride: i32, out: usize, symmetric: bool): void {
  const step = <usize>stride << 3;
  const bytes = <usize>len2 << 3;
  for (let j0 = 0; j0 < q; j0 += BLOCK_COLS) {
    const j1 = min(q, j0 + BLOCK_COLS);
    const iEnd = symmetric ? min(p, j1) : p;
    let i = 0;
    for (; i + 3 <= iEnd; i += 3) {
      const a0 = pa + <usize>i * step;
      const a1 = a0 + step;
      const a2 = a1 + step;
      let j = symmetric ? max(j0, i & ~3) : j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = pb + <usize>j * step;
        const b1 = b0 + step;
        const b2 = b1 + step;
        const b3 = b2 + step;
        let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
        let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
        let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s22 = f64x2.splat(0), s23 = f64x2.splat(0);
        for (let o: usize = 0; o < bytes; o += 16) {
          const x0 = v128.load(a0 + o);
          const x1 = v128.load(a1 + o);
          const x2 = v128.load(a2 + o);
          let y = v128.load(b0 + o);
          s00 = f64x2.add(s00, f64x2.mul(x0, y));
          s10 = f64x2.add(s10, f64x2.mul(x1, y));
          s20 = f64x2.add(s20, f64x2.mul(x2, y));
          y = v128.load(b1 + o);
          s01 = f64x2.add(s01, f64x2.mul(x0, y));
          s11 = f64x2.add(s11, f64x2.mul(x1, y));
          s21 = f64x2.add(s21, f64x2.mul(x2, y));
          y = v128.load(b2 + o);
          s02 = f64x2.add(s02, f64x2.mul(x0, y));
          s12 = f64x2.add(s12, f64x2.mul(x1, y));
          s22 = f64x2.add(s22, f64x2.mul(x2, y));
          y = v128.load(b3 + o);
          s03 = f64x2.add(s03, f64x2.mul(x0, y));
          s13 = f64x2.add(s13, f64x2.mul(x1, y));
          s23 = f64x2.add(s23, f64x2.mul(x2, y));
        }
        let o = out + (<usize>(i * q + j) << 3);
        addTo(o, hsum(s00)); addTo(o + 8, hsum(s01)); addTo(o + 16, hsum(s02)); addTo(o + 24, hsum(s03));
        o += <usize>q << 3;
        addTo(o, hsum(s10)); addTo(o + 8, hsum(s11)); addTo(o + 16, hsum(s12)); addTo(o + 24, hsum(s13));
        o += <usize>q << 3;
        addTo(o, hsum(s20)); addTo(o + 8, hsum(s21)); addTo(o + 16, hsum(s22)); addTo(o + 24, hsum(s23));
      }
      for (; j < j1; j++) {
        const b0 = pb + <usize>j * step;
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0);
        for (let o: usize = 0; o < bytes; o += 16) {
          const y = v128.load(b0 + o);
          s0 = f64x2.add(s0, f64x2.mul(v128.load(a0 + o), y));
          s1 = f64x2.add(s1, f64x2.mul(v128.load(a1 + o), y));
          s2 = f64x2.add(s2, f64x2.mul(v128.load(a2 + o), y));
        }
        const o = out + (<usize>(i * q + j) << 3);
        addTo(o, hsum(s0));
        addTo(o + (<usize>q << 3), hsum(s1));
        addTo(o + (<usize>(2 * q) << 3), hsum(s2));
      }
    }
    for (; i < iEnd; i++) {
      const a0 = pa + <usize>i * step;
      let j = symmetric ? max(j0, i & ~3) : j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = pb + <usize>j * step;
        const b1 = b0 + step;
        const b2 = b1 + step;
        const b3 = b2 + step;
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
        for (let o: usize = 0; o < bytes; o += 16) {
          const x0 = v128.load(a0 + o);
          s0 = f64x2.add(s0, f64x2.mul(x0, v128.load(b0 + o)));
          s1 = f64x2.add(s1, f64x2.mul(x0, v128.load(b1 + o)));
          s2 = f64x2.add(s2, f64x2.mul(x0, v128.load(b2 + o)));
          s3 = f64x2.add(s3, f64x2.mul(x0, v128.load(b3 + o)));
        }
        const o = out + (<usize>(i * q + j) << 3);
        addTo(o, hsum(s0)); addTo(o + 8, hsum(s1)); addTo(o + 16, hsum(s2)); addTo(o + 24, hsum(s3));
      }
      for (; j < j1; j++) {
        const b0 = pb + <usize>j * step;
        let s0 = f64x2.splat(0);
        for (let o: usize = 0; o < bytes; o += 16) {
          s0 = f64x2.add(s0, f64x2.mul(v128.load(a0 + o), v128.load(b0 + o)));
        }
        addTo(out + (<usize>(i * q + j) << 3), hsum(s0));
      }
    }
  }
}

/**
 * out (p x q) += centred A^T B over `rows` rows of the row-major chunks a
 * (rows x p) and b (rows x q), means meanA / meanB (pass zeros for none).
 * Scratch pa must hold p * (BLOCK + 1) doubles and pb q * (BLOCK + 1)
 * (unused when `symmetric`: a === b with the same means, then only tiles on or
 * above the diagonal are computed; call {@link mirrorUpper} once at the end).
 * All pointers 16-byte aligned.
 */
export function crossChunk(
  a: usize, meanA: usize, p: i32,
  b: usize, meanB: usize, q: i32,
  rows: i32, out: usize, symmetric: i32, pa: usize, pb: usize,
): void {
  const stride = BLOCK + 2; // even, so every packed column starts 16-byte aligned
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const len = min(BLOCK, rows - r0);
    pack(a, meanA, p, r0, len, pa, stride);
    if (!symmetric) pack(b, meanB, q, r0, len, pb, stride);
    microTiles(pa, p, symmetric ? pa : pb, q, (len + 1) & ~1, stride, out, symmetric != 0);
  }
}

/** Copies the upper triangle of the n x n row-major matrix at out onto its lower triangle. */
export function mirrorUpper(out: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      store<f64>(out + (<usize>(i * n + j) << 3), load<f64>(out + (<usize>(j * n + i) << 3)));
    }
  }
}

/** Per-column sums of a rows x cols row-major chunk, added into sums (cols doubles). */
export function columnSums(src: usize, rows: i32, cols: i32, sums: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = src + (<usize>r * <usize>cols << 3);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const s = sums + (<usize>c << 3);
      v128.store(s, f64x2.add(v128.load(s), v128.load(row + (<usize>c << 3))));
    }
    if (c < cols) addTo(sums + (<usize>c << 3), load<f64>(row + (<usize>c << 3)));
  }
}

/** Rows per packed block, for the TypeScript side's scratch sizes. */
export function blockRows(): i32 {
  return BLOCK;
}
