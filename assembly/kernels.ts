// WebAssembly SIMD kernels for pwcca's hot products, in AssemblyScript.
//
// Built by scripts/build-wasm.mjs twice: dist/linalg/kernels.wasm (SIMD) and
// dist/linalg/kernels-relaxed.wasm (SIMD + relaxed SIMD, where madd below is a
// fused multiply-add). Driven by src/linalg/wasm.ts, which owns the memory
// layout: every pointer below is a byte offset into the imported memory (the
// thread's arena, src/linalg/arena.ts) that the TypeScript side chose, grew and
// filled. No allocator, no runtime; the memory is the only import.
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

/**
 * a * b + c per lane. In the relaxed build this is f64x2.relaxed_madd, which
 * V8 fuses on CPUs with FMA (one rounding instead of two, and faster); in the
 * plain build it is a multiply then an add, exactly the operations of the
 * TypeScript twins (addition is commutative in floating point), so the plain
 * build matches them bit for bit and the relaxed one to rounding.
 */
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** c - a * b per lane: f64x2.relaxed_nmadd in the relaxed build, a multiply then a subtract in the plain one. */
@inline
function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_nmadd(a, b, c);
  return f64x2.sub(c, f64x2.mul(a, b));
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
 * out[0..1][0..3] (rows rowBytes apart) += the dot products of the 2 packed
 * columns from a0 (stepA apart) with the 4 from b0 (stepB apart), over
 * `bytes` of each column.
 *
 * The tile shape follows the register file: V8 gives wasm 15 vector
 * registers on x64, and a tile of R x C outputs needs R x C accumulators,
 * R loaded values of A, one of B and one for the product. 2 x 4 fits; a
 * tile that does not spills to the stack on every step (3 x 4 ran at
 * 16 GFLOP/s on one core, 2 x 4 at 27).
 */
@inline
function tile2x4(a0: usize, stepA: usize, b0: usize, stepB: usize, bytes: usize, out: usize, rowBytes: usize): void {
  const a1 = a0 + stepA;
  const b1 = b0 + stepB, b2 = b1 + stepB, b3 = b2 + stepB;
  let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
  let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
  for (let o: usize = 0; o < bytes; o += 16) {
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    let y = v128.load(b0 + o);
    s00 = madd(x0, y, s00); s10 = madd(x1, y, s10);
    y = v128.load(b1 + o);
    s01 = madd(x0, y, s01); s11 = madd(x1, y, s11);
    y = v128.load(b2 + o);
    s02 = madd(x0, y, s02); s12 = madd(x1, y, s12);
    y = v128.load(b3 + o);
    s03 = madd(x0, y, s03); s13 = madd(x1, y, s13);
  }
  addTo(out, hsum(s00)); addTo(out + 8, hsum(s01)); addTo(out + 16, hsum(s02)); addTo(out + 24, hsum(s03));
  out += rowBytes;
  addTo(out, hsum(s10)); addTo(out + 8, hsum(s11)); addTo(out + 16, hsum(s12)); addTo(out + 24, hsum(s13));
}

/** As {@link tile2x4} for 1 column of A by 4 of B: the rows left over by the full tiles. */
@inline
function tile1x4(a0: usize, b0: usize, stepB: usize, bytes: usize, out: usize): void {
  const b1 = b0 + stepB, b2 = b1 + stepB, b3 = b2 + stepB;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  for (let o: usize = 0; o < bytes; o += 16) {
    const x = v128.load(a0 + o);
    s0 = madd(x, v128.load(b0 + o), s0);
    s1 = madd(x, v128.load(b1 + o), s1);
    s2 = madd(x, v128.load(b2 + o), s2);
    s3 = madd(x, v128.load(b3 + o), s3);
  }
  addTo(out, hsum(s0)); addTo(out + 8, hsum(s1)); addTo(out + 16, hsum(s2)); addTo(out + 24, hsum(s3));
}

/** out += the dot product of one packed column of A with one of B. */
@inline
function tile1x1(a0: usize, b0: usize, bytes: usize, out: usize): void {
  let s = f64x2.splat(0);
  for (let o: usize = 0; o < bytes; o += 16) s = madd(v128.load(a0 + o), v128.load(b0 + o), s);
  addTo(out, hsum(s));
}

/**
 * First output column of a row's tiles: j0 normally; on a symmetric product
 * the tile of this tile grid that holds the diagonal entry (row, row), so that
 * every entry on or above the diagonal is computed.
 */
@inline
function firstColumn(row: i32, j0: i32, width: i32, symmetric: bool): i32 {
  return symmetric && row > j0 ? j0 + (row - j0) / width * width : j0;
}

/**
 * out[i, j] += dot(pa column i, pb column j) over `len2` (even) packed rows,
 * in tiles of 2 x 4 outputs: each step loads one f64x2 (two rows) of every
 * column in the tile and does a multiply-add per output. The row left over
 * uses 1 x 4 tiles, the columns left over 1 x 1.
 */
function microTiles(pa: usize, p: i32, pb: usize, q: i32, len2: i32, strideA: i32, strideB: i32, out: usize, symmetric: bool): void {
  microTilesLd(pa, p, pb, q, len2, strideA, strideB, out, q, symmetric);
}

/** As {@link microTiles}, output rows `ld` doubles apart: out[i * ld + j]. */
function microTilesLd(pa: usize, p: i32, pb: usize, q: i32, len2: i32, strideA: i32, strideB: i32, out: usize, ld: i32, symmetric: bool): void {
  const stepA = <usize>strideA << 3;
  const stepB = <usize>strideB << 3;
  const bytes = <usize>len2 << 3;
  const rowBytes = <usize>ld << 3;
  for (let j0 = 0; j0 < q; j0 += BLOCK_COLS) {
    const j1 = min(q, j0 + BLOCK_COLS);
    const iEnd = symmetric ? min(p, j1) : p;
    let i = 0;
    for (; i + 2 <= iEnd; i += 2) {
      const a0 = pa + <usize>i * stepA;
      let j = firstColumn(i, j0, 4, symmetric);
      for (; j + 4 <= j1; j += 4) {
        const o = out + (<usize>(i * ld + j) << 3);
        tile2x4(a0, stepA, pb + <usize>j * stepB, stepB, bytes, o, rowBytes);
      }
      for (; j < j1; j++) {
        const b0 = pb + <usize>j * stepB;
        const o = out + (<usize>(i * ld + j) << 3);
        tile1x1(a0, b0, bytes, o);
        tile1x1(a0 + stepA, b0, bytes, o + rowBytes);
      }
    }
    for (; i < iEnd; i++) {
      const a0 = pa + <usize>i * stepA;
      let j = firstColumn(i, j0, 4, symmetric);
      for (; j + 4 <= j1; j += 4) tile1x4(a0, pb + <usize>j * stepB, stepB, bytes, out + (<usize>(i * ld + j) << 3));
      for (; j < j1; j++) tile1x1(a0, pb + <usize>j * stepB, bytes, out + (<usize>(i * ld + j) << 3));
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
    microTiles(pa, p, symmetric ? pa : pb, q, (len + 1) & ~1, stride, stride, out, symmetric != 0);
  }
}

/**
 * Symmetric rank-2k update of a column-major matrix, for the blocked
 * tridiagonalisation (see DecomposeKernels.rank2kUpdate): out[i * ld + j] +=
 * dot(p1 row i, p2 row j) over `len2` (even) values, for the tiles on and
 * above the diagonal of the count x count block (j >= i, plus a few entries
 * left of the diagonal in its tiles). Rows of p1 and p2 are len2 doubles apart.
 */
export function rank2kUpdate(out: usize, ld: i32, count: i32, p1: usize, p2: usize, len2: i32): void {
  microTilesLd(p1, count, p2, count, len2, len2, len2, out, ld, true);
}

/**
 * Update of the trailing matrix at the end of a panel of the blocked
 * bidiagonalisation (see DecomposeKernels.panelUpdate): out[i * ld + j] +=
 * dot(p1 row i, p2 row j) over `len2` (even) values for all i < p, j < q.
 * Rows of p1 and p2 are len2 doubles apart.
 */
export function panelUpdate(out: usize, ld: i32, p: i32, q: i32, p1: usize, p2: usize, len2: i32): void {
  microTilesLd(p1, p, p2, q, len2, len2, len2, out, ld, false);
}

// ---------------------------------------------------------------------------
// One level of Strassen-Winograd on the cross product (driven by
// src/linalg/strassen.ts). C = A^T B is split as 2 x 2 blocks: the output
// columns of A and of B into halves (hp = ceil(p / 2), hq = ceil(q / 2), an odd
// width padded with a zero column) and the summed-over rows into halves. The
// row halves may pair ANY rows, so each packed block of BLOCK rows pairs its
// first half with its second: the block sums are formed in L2 from the packed
// (already centred) block, and the 7 half-size products of the block are added
// into 7 accumulators P1..P7 (hp x hq each), combined once at the end by
// combineProducts. The product uses this scheme two levels deep (below).
// Means are subtracted while packing, before any sum or
// product, exactly as in crossChunk.
// ---------------------------------------------------------------------------

/** As {@link pack}, times a power-of-two scale per column: dst = (src - mean) * scale, exactly the scaled centred value. */
function packScaled(src: usize, mean: usize, scale: usize, cols: i32, r0: i32, len: i32, dst: usize, stride: i32): void {
  for (let r = 0; r < len; r++) {
    const row = src + (<usize>(r0 + r) * <usize>cols << 3);
    const col = dst + (<usize>r << 3);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const o = <usize>c << 3;
      const v = f64x2.mul(f64x2.sub(v128.load(row + o), v128.load(mean + o)), v128.load(scale + o));
      store<f64>(col + (<usize>c * <usize>stride << 3), f64x2.extract_lane(v, 0));
      store<f64>(col + (<usize>(c + 1) * <usize>stride << 3), f64x2.extract_lane(v, 1));
    }
    if (c < cols) {
      const o = <usize>c << 3;
      store<f64>(col + (<usize>c * <usize>stride << 3), (load<f64>(row + o) - load<f64>(mean + o)) * load<f64>(scale + o));
    }
  }
}

/** Zeroes rows len .. lenPad of `cols` packed columns, and whole columns cols .. colsPad (rows 0 .. lenPad). */
function padPacked(dst: usize, cols: i32, colsPad: i32, len: i32, lenPad: i32, stride: i32): void {
  for (let c = 0; c < cols; c++) {
    for (let r = len; r < lenPad; r++) store<f64>(dst + (<usize>(c * stride + r) << 3), 0.0);
  }
  for (let c = cols; c < colsPad; c++) {
    for (let r = 0; r < lenPad; r++) store<f64>(dst + (<usize>(c * stride + r) << 3), 0.0);
  }
}

/** dst column c = x column c + sign * y column c, for `cols` packed columns of h (even) rows. */
function combineColumns(dst: usize, ds: i32, x: usize, xs: i32, y: usize, ys: i32, cols: i32, h: i32, subtract: bool): void {
  const bytes = <usize>h << 3;
  for (let c = 0; c < cols; c++) {
    const d = dst + (<usize>c * <usize>ds << 3);
    const u = x + (<usize>c * <usize>xs << 3);
    const v = y + (<usize>c * <usize>ys << 3);
    if (subtract) {
      for (let o: usize = 0; o < bytes; o += 16) v128.store(d + o, f64x2.sub(v128.load(u + o), v128.load(v + o)));
    } else {
      for (let o: usize = 0; o < bytes; o += 16) v128.store(d + o, f64x2.add(v128.load(u + o), v128.load(v + o)));
    }
  }
}

/**
 * out (p x q row-major) += the Strassen-Winograd combination of the 7
 * accumulators at acc (hp x hq each, 2 hp >= p, 2 hq >= q): C11 = P1 + P2,
 * C12 = P1 + P6 + P5 + P3, C21 = P1 + P6 + P7 - P4, C22 = P1 + P6 + P7 + P5,
 * dropping a padded row or column.
 */
function combineProducts(acc: usize, hp: i32, hq: i32, p: i32, q: i32, out: usize): void {
  const n = hp * hq;
  for (let i = 0; i < hp; i++) {
    for (let j = 0; j < hq; j++) {
      const k = i * hq + j;
      const p1 = ld(acc, k), p2 = ld(acc, k + n), p3 = ld(acc, k + 2 * n), p4 = ld(acc, k + 3 * n);
      const p5 = ld(acc, k + 4 * n), p6 = ld(acc, k + 5 * n), p7 = ld(acc, k + 6 * n);
      const u2 = p1 + p6;
      const u3 = u2 + p7;
      const lower = hp + i < p;
      const right = hq + j < q;
      if (i < p && j < q) addTo(out + (<usize>(i * q + j) << 3), p1 + p2);
      if (right && i < p) addTo(out + (<usize>(i * q + hq + j) << 3), u2 + p5 + p3);
      if (lower && j < q) addTo(out + (<usize>((hp + i) * q + j) << 3), u3 - p4);
      if (lower && right) addTo(out + (<usize>((hp + i) * q + hq + j) << 3), u3 + p5);
    }
  }
}

// ---------------------------------------------------------------------------
// Two levels of Strassen-Winograd (49 quarter-size products instead of 64).
// Columns of A are padded with zero columns to 4 qp (qp = ceil(p / 4)), of B to
// 4 qq; a packed block of BLOCK2 rows (padded with zero rows to a multiple of
// 8) is split as described above into two row halves and two column halves,
// and each of the 7 resulting half-size products is itself split the same way
// (its rows into quarters of the block, its columns into quarters) by
// {@link winograd}. Accumulators: 7 x 7 blocks of qp x qq; strassen2Combine
// undoes the inner level into 7 blocks of 2 qp x 2 qq, then the outer one.
// ---------------------------------------------------------------------------

/** Rows per packed block of the two-level route: a quarter of it (128) is the dot-product length, as for one level. */
const BLOCK2: i32 = 512;

/**
 * acc (7 blocks of qp x qq) += the 7 Strassen-Winograd products of X^T Y, X
 * being 2 qp packed columns (column stride xs doubles) of h rows (h a multiple
 * of 4) and Y 2 qq packed columns (stride ys). Scratch sa 4 qp h / 2 doubles,
 * sb 4 qq h / 2.
 */
function winograd(x: usize, xs: i32, y: usize, ys: i32, qp: i32, qq: i32, h: i32, acc: usize, sa: usize, sb: usize): void {
  const g = h >> 1;
  const gb = <usize>g << 3;
  const blockA = <usize>qp * <usize>g << 3;
  const blockB = <usize>qq * <usize>g << 3;
  const accBlock = <usize>qp * <usize>qq << 3;
  const m11 = x, m12 = x + gb, m21 = x + (<usize>qp * <usize>xs << 3), m22 = m21 + gb;
  const n11 = y, n21 = y + gb, n12 = y + (<usize>qq * <usize>ys << 3), n22 = n12 + gb;
  const s1 = sa, s2 = sa + blockA, s3 = s2 + blockA, s4 = s3 + blockA;
  const t1 = sb, t2 = sb + blockB, t3 = t2 + blockB, t4 = t3 + blockB;
  combineColumns(s1, g, m21, xs, m22, xs, qp, g, false);
  combineColumns(s2, g, s1, g, m11, xs, qp, g, true);
  combineColumns(s3, g, m11, xs, m21, xs, qp, g, true);
  combineColumns(s4, g, m12, xs, s2, g, qp, g, true);
  combineColumns(t1, g, n12, ys, n11, ys, qq, g, true);
  combineColumns(t2, g, n22, ys, t1, g, qq, g, true);
  combineColumns(t3, g, n22, ys, n12, ys, qq, g, true);
  combineColumns(t4, g, t2, g, n21, ys, qq, g, true);
  microTiles(m11, qp, n11, qq, g, xs, ys, acc, false);
  microTiles(m12, qp, n21, qq, g, xs, ys, acc + accBlock, false);
  microTiles(s4, qp, n22, qq, g, g, ys, acc + 2 * accBlock, false);
  microTiles(m22, qp, t4, qq, g, xs, g, acc + 3 * accBlock, false);
  microTiles(s1, qp, t1, qq, g, g, g, acc + 4 * accBlock, false);
  microTiles(s2, qp, t2, qq, g, g, g, acc + 5 * accBlock, false);
  microTiles(s3, qp, t3, qq, g, g, g, acc + 6 * accBlock, false);
}

/**
 * acc (49 blocks of qp x qq, qp = ceil(p / 4), qq = ceil(q / 4)) += the two-level
 * Strassen-Winograd products of `rows` rows of the chunks a and b, centred and
 * scaled by packScaled. Scratch: pa 4 qp (BLOCK2 + 2) doubles, pb
 * 4 qq (BLOCK2 + 2), sa 8 qp BLOCK2 / 2, sb 8 qq BLOCK2 / 2, sa2 4 qp BLOCK2 / 4,
 * sb2 4 qq BLOCK2 / 4. All pointers 16-byte aligned.
 */
export function strassen2Chunk(
  a: usize, meanA: usize, scaleA: usize, p: i32,
  b: usize, meanB: usize, scaleB: usize, q: i32,
  rows: i32, acc: usize, pa: usize, pb: usize, sa: usize, sb: usize, sa2: usize, sb2: usize,
): void {
  const stride = BLOCK2 + 2;
  const hs = BLOCK2 >> 1;
  const qp = (p + 3) >> 2;
  const qq = (q + 3) >> 2;
  const hp = 2 * qp;
  const hq = 2 * qq;
  const colA = <usize>stride << 3;
  const blockA = <usize>hp * <usize>hs << 3;
  const blockB = <usize>hq * <usize>hs << 3;
  const acc7 = 7 * (<usize>qp * <usize>qq << 3);
  for (let r0 = 0; r0 < rows; r0 += BLOCK2) {
    const len = min(BLOCK2, rows - r0);
    // Every row quarter must have an even length for the f64x2 lanes: pad to a multiple of 8 with zero rows (exact).
    const lenPad = (len + 7) & ~7;
    const h = lenPad >> 1;
    const hb = <usize>h << 3;
    packScaled(a, meanA, scaleA, p, r0, len, pa, stride);
    padPacked(pa, p, 2 * hp, len, lenPad, stride);
    packScaled(b, meanB, scaleB, q, r0, len, pb, stride);
    padPacked(pb, q, 2 * hq, len, lenPad, stride);
    const m11 = pa, m12 = pa + hb, m21 = pa + <usize>hp * colA, m22 = m21 + hb;
    const n11 = pb, n21 = pb + hb, n12 = pb + <usize>hq * colA, n22 = n12 + hb;
    const s1 = sa, s2 = sa + blockA, s3 = s2 + blockA, s4 = s3 + blockA;
    const t1 = sb, t2 = sb + blockB, t3 = t2 + blockB, t4 = t3 + blockB;
    combineColumns(s1, hs, m21, stride, m22, stride, hp, h, false);
    combineColumns(s2, hs, s1, hs, m11, stride, hp, h, true);
    combineColumns(s3, hs, m11, stride, m21, stride, hp, h, true);
    combineColumns(s4, hs, m12, stride, s2, hs, hp, h, true);
    combineColumns(t1, hs, n12, stride, n11, stride, hq, h, true);
    combineColumns(t2, hs, n22, stride, t1, hs, hq, h, true);
    combineColumns(t3, hs, n22, stride, n12, stride, hq, h, true);
    combineColumns(t4, hs, t2, hs, n21, stride, hq, h, true);
    winograd(m11, stride, n11, stride, qp, qq, h, acc, sa2, sb2);
    winograd(m12, stride, n21, stride, qp, qq, h, acc + acc7, sa2, sb2);
    winograd(s4, hs, n22, stride, qp, qq, h, acc + 2 * acc7, sa2, sb2);
    winograd(m22, stride, t4, hs, qp, qq, h, acc + 3 * acc7, sa2, sb2);
    winograd(s1, hs, t1, hs, qp, qq, h, acc + 4 * acc7, sa2, sb2);
    winograd(s2, hs, t2, hs, qp, qq, h, acc + 5 * acc7, sa2, sb2);
    winograd(s3, hs, t3, hs, qp, qq, h, acc + 6 * acc7, sa2, sb2);
  }
}

/**
 * out (p x q row-major) += the two-level combination of the 49 accumulators at
 * acc (qp x qq each): each group of 7 into one of 7 blocks of 2 qp x 2 qq at
 * tmp (zeroed here), then those by combineProducts, dropping padding.
 */
export function strassen2Combine(acc: usize, p: i32, q: i32, tmp: usize, out: usize): void {
  const qp = (p + 3) >> 2;
  const qq = (q + 3) >> 2;
  const hp = 2 * qp;
  const hq = 2 * qq;
  const n = hp * hq;
  memory.fill(tmp, 0, <usize>(7 * n) << 3);
  for (let k = 0; k < 7; k++) {
    combineProducts(acc + (<usize>(7 * k * qp * qq) << 3), qp, qq, hp, hq, tmp + (<usize>(k * n) << 3));
  }
  combineProducts(tmp, hp, hq, p, q, out);
}

/** Rows per packed block of the two-level route. */
export function blockRows2(): i32 {
  return BLOCK2;
}

/** Copies the upper triangle of the n x n row-major matrix at out onto its lower triangle. */
export function mirrorUpper(out: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      store<f64>(out + (<usize>(i * n + j) << 3), load<f64>(out + (<usize>(j * n + i) << 3)));
    }
  }
}

/** Rows per packed block, for the TypeScript side's scratch sizes. */
export function blockRows(): i32 {
  return BLOCK;
}

// ---------------------------------------------------------------------------
// Decomposition kernels (driven by src/linalg/decompose.ts through
// src/linalg/decompose-kernels.ts, whose plain-TypeScript versions document
// each one). Each performs the same floating-point operations in the same
// order as its TypeScript twin: an f64x2 lane stands for one of the partial
// sums or one of the rows the TypeScript loop keeps. In the plain build
// madd / nmadd are a multiply and an add, so it gives results identical to the
// TypeScript kernels; the relaxed build fuses them (one rounding fewer per
// multiply-add, and fewer instructions in the rotation chains), so its results
// agree with the others to rounding, not bit for bit.
// ---------------------------------------------------------------------------

@inline
function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline
function st(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

@inline
function col(base: usize, j: i32, ld: i32): usize {
  return base + (<usize>j * <usize>ld << 3);
}

/** Four partial sums (two vectors), tail into the first, combined as (s0 + s1) + (s2 + s3). */
function dot4(x: usize, y: usize, len: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 3;
    a = madd(v128.load(x + o), v128.load(y + o), a);
    b = madd(v128.load(x + o + 16), v128.load(y + o + 16), b);
  }
  let s0 = f64x2.extract_lane(a, 0);
  for (; i < len; i++) s0 += ld(x, i) * ld(y, i);
  return s0 + f64x2.extract_lane(a, 1) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
}

export function tred2Symv(v: usize, n: i32, d: usize, e: usize, i: i32): void {
  const ci = col(v, i, n);
  for (let j = 0; j < i; j++) {
    const cj = col(v, j, n);
    const f = ld(d, j);
    st(ci, j, f);
    const fv = f64x2.splat(f);
    let g = f64x2.replace_lane(f64x2.splat(0), 0, ld(e, j) + ld(cj, j) * f);
    let h = f64x2.splat(0);
    let k = j + 1;
    for (; k + 4 <= i; k += 4) {
      const o = <usize>k << 3;
      const v0 = v128.load(cj + o);
      const v1 = v128.load(cj + o + 16);
      g = madd(v0, v128.load(d + o), g);
      h = madd(v1, v128.load(d + o + 16), h);
      v128.store(e + o, madd(v0, fv, v128.load(e + o)));
      v128.store(e + o + 16, madd(v1, fv, v128.load(e + o + 16)));
    }
    if (k + 2 <= i) {
      const o = <usize>k << 3;
      const v0 = v128.load(cj + o);
      g = madd(v0, v128.load(d + o), g);
      v128.store(e + o, madd(v0, fv, v128.load(e + o)));
      k += 2;
    }
    let g0 = f64x2.extract_lane(g, 0);
    if (k < i) {
      const v0 = ld(cj, k);
      g0 += v0 * ld(d, k);
      st(e, k, ld(e, k) + v0 * f);
    }
    st(e, j, g0 + f64x2.extract_lane(g, 1) + (f64x2.extract_lane(h, 0) + f64x2.extract_lane(h, 1)));
  }
}

export function tred2Rank2(v: usize, n: i32, d: usize, e: usize, i: i32): void {
  for (let j = 0; j < i; j++) {
    const cj = col(v, j, n);
    const f = ld(d, j);
    const g = ld(e, j);
    const fv = f64x2.splat(f);
    const gv = f64x2.splat(g);
    let k = j;
    for (; k + 2 <= i; k += 2) {
      const o = <usize>k << 3;
      const t = madd(gv, v128.load(d + o), f64x2.mul(fv, v128.load(e + o)));
      v128.store(cj + o, f64x2.sub(v128.load(cj + o), t));
    }
    if (k < i) st(cj, k, ld(cj, k) - (f * ld(e, k) + g * ld(d, k)));
    st(d, j, ld(cj, i - 1));
    st(cj, i, 0);
  }
}

export function tred2AccumulateBlock(v: usize, n: i32, us: usize, ws: usize, hs: usize, count: i32, iFirst: i32, jEnd: i32): void {
  for (let j = 0; j < jEnd; j++) {
    const cj = col(v, j, n);
    for (let t = 0; t < count; t++) {
      const i = iFirst + t;
      if (i < j || ld(hs, t) == 0) continue;
      const g = dot4(us + (<usize>t * <usize>n << 3), cj, i + 1);
      axpy(cj, -g, ws + (<usize>t * <usize>n << 3), i + 1);
    }
  }
}

export function bidiagColumns(
  b: usize, m: i32, n: i32, k: i32,
  work: usize, coef: usize, be: usize, e: usize,
  applyLeft: i32, pending: i32, wantRight: i32,
): void {
  const ck = col(b, k, m);
  const pivot = ld(ck, k);
  for (let j = k + 1; j < n; j++) {
    const cj = col(b, j, m);
    const c = pending ? ld(coef, j) : 0.0;
    const cv = f64x2.splat(c);
    let t = 0.0;
    if (applyLeft) {
      let acc = f64x2.splat(0);
      let i = k;
      for (; i + 2 <= m; i += 2) {
        const o = <usize>i << 3;
        const x = madd(cv, v128.load(work + o), v128.load(cj + o));
        v128.store(cj + o, x);
        acc = madd(v128.load(ck + o), x, acc);
      }
      let t0 = f64x2.extract_lane(acc, 0);
      if (i < m) {
        const x0 = ld(cj, i) + c * ld(work, i);
        st(cj, i, x0);
        t0 += ld(ck, i) * x0;
      }
      t = -(t0 + f64x2.extract_lane(acc, 1)) / pivot;
    } else if (c != 0) {
      for (let i = k; i < m; i++) st(cj, i, ld(cj, i) + c * ld(work, i));
    }
    const ej = ld(cj, k) + t * ld(ck, k);
    st(cj, k, ej);
    st(e, j, ej);
    const tv = f64x2.splat(t);
    if (wantRight) {
      const ev = f64x2.splat(ej);
      let i = k + 1;
      for (; i + 2 <= m; i += 2) {
        const o = <usize>i << 3;
        const x = madd(tv, v128.load(ck + o), v128.load(cj + o));
        v128.store(cj + o, x);
        v128.store(be + o, madd(ev, x, v128.load(be + o)));
      }
      if (i < m) {
        const x = ld(cj, i) + t * ld(ck, i);
        st(cj, i, x);
        st(be, i, ld(be, i) + ej * x);
      }
    } else if (t != 0) {
      let i = k + 1;
      for (; i + 2 <= m; i += 2) {
        const o = <usize>i << 3;
        v128.store(cj + o, madd(tv, v128.load(ck + o), v128.load(cj + o)));
      }
      if (i < m) st(cj, i, ld(cj, i) + t * ld(ck, i));
    }
  }
}

/**
 * Blocked bidiagonalisation: out[j] = dot(column j of buf, rows lo .. hi-1,
 * with v[lo .. hi)) for j = j0 .. j1-1. Four columns at a time: four
 * independent accumulator chains (one would wait on the previous multiply-add
 * at every step) and one load of v for four columns; each column's sums are
 * still formed in the TypeScript twin's order.
 */
export function bidiagDots(buf: usize, ldim: i32, lo: i32, hi: i32, v: usize, j0: i32, j1: i32, out: usize): void {
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const c0 = col(buf, j, ldim);
    const c1 = col(buf, j + 1, ldim);
    const c2 = col(buf, j + 2, ldim);
    const c3 = col(buf, j + 3, ldim);
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    let i = lo;
    for (; i + 2 <= hi; i += 2) {
      const o = <usize>i << 3;
      const x = v128.load(v + o);
      a0 = madd(v128.load(c0 + o), x, a0);
      a1 = madd(v128.load(c1 + o), x, a1);
      a2 = madd(v128.load(c2 + o), x, a2);
      a3 = madd(v128.load(c3 + o), x, a3);
    }
    let t0 = f64x2.extract_lane(a0, 0);
    let t1 = f64x2.extract_lane(a1, 0);
    let t2 = f64x2.extract_lane(a2, 0);
    let t3 = f64x2.extract_lane(a3, 0);
    if (i < hi) {
      const x = ld(v, i);
      t0 += ld(c0, i) * x;
      t1 += ld(c1, i) * x;
      t2 += ld(c2, i) * x;
      t3 += ld(c3, i) * x;
    }
    st(out, j, t0 + f64x2.extract_lane(a0, 1));
    st(out, j + 1, t1 + f64x2.extract_lane(a1, 1));
    st(out, j + 2, t2 + f64x2.extract_lane(a2, 1));
    st(out, j + 3, t3 + f64x2.extract_lane(a3, 1));
  }
  for (; j < j1; j++) {
    const cj = col(buf, j, ldim);
    let acc = f64x2.splat(0);
    let i = lo;
    for (; i + 2 <= hi; i += 2) {
      const o = <usize>i << 3;
      acc = madd(v128.load(cj + o), v128.load(v + o), acc);
    }
    let t0 = f64x2.extract_lane(acc, 0);
    if (i < hi) t0 += ld(cj, i) * ld(v, i);
    st(out, j, t0 + f64x2.extract_lane(acc, 1));
  }
}

/**
 * Blocked bidiagonalisation: out[lo .. hi) += c[j] * (column j of buf, rows
 * lo .. hi-1) for j = j0 .. j1-1, in turn. Four columns per load and store
 * of out, added in the same order as one at a time.
 */
export function bidiagAxpys(buf: usize, ldim: i32, lo: i32, hi: i32, c: usize, j0: i32, j1: i32, out: usize): void {
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const c0 = col(buf, j, ldim);
    const c1 = col(buf, j + 1, ldim);
    const c2 = col(buf, j + 2, ldim);
    const c3 = col(buf, j + 3, ldim);
    const k0 = ld(c, j);
    const k1 = ld(c, j + 1);
    const k2 = ld(c, j + 2);
    const k3 = ld(c, j + 3);
    const v0 = f64x2.splat(k0);
    const v1 = f64x2.splat(k1);
    const v2 = f64x2.splat(k2);
    const v3 = f64x2.splat(k3);
    let i = lo;
    for (; i + 2 <= hi; i += 2) {
      const o = <usize>i << 3;
      let x = madd(v0, v128.load(c0 + o), v128.load(out + o));
      x = madd(v1, v128.load(c1 + o), x);
      x = madd(v2, v128.load(c2 + o), x);
      v128.store(out + o, madd(v3, v128.load(c3 + o), x));
    }
    if (i < hi) {
      let x = ld(out, i) + k0 * ld(c0, i);
      x = x + k1 * ld(c1, i);
      x = x + k2 * ld(c2, i);
      st(out, i, x + k3 * ld(c3, i));
    }
  }
  for (; j < j1; j++) {
    const cj = col(buf, j, ldim);
    const cv = f64x2.splat(ld(c, j));
    let i = lo;
    for (; i + 2 <= hi; i += 2) {
      const o = <usize>i << 3;
      v128.store(out + o, madd(cv, v128.load(cj + o), v128.load(out + o)));
    }
    if (i < hi) st(out, i, ld(out, i) + ld(c, j) * ld(cj, i));
  }
}

/**
 * Applies `count` reflectors to columns j0 .. j1-1 of the column-major buf,
 * each column through all of them while it is in cache: reflector t is
 * stored in column k = ks[t] (doubles), rows k+shift .. ldim-1, with pivot
 * pivots[t] (see DecomposeKernels.reflectColumns).
 *
 * Columns go in pairs: the two dot products with a reflector are
 * independent chains of additions, so interleaving them keeps the adder
 * busy, and the reflector is loaded once for both. Each column's sums are
 * those of {@link dot4} (same partial sums, same order), so the result is
 * that of one column at a time, bit for bit.
 */
export function reflectColumns(buf: usize, ldim: i32, shift: i32, ks: usize, pivots: usize, count: i32, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j += 2) {
    const pair = j + 1 < j1;
    for (let t = 0; t < count; t++) {
      const k = <i32>ld(ks, t);
      const off = k + shift;
      const len = ldim - off;
      const pivot = ld(pivots, t);
      const ck = col(buf, k, ldim) + (<usize>off << 3);
      const c0 = col(buf, j, ldim) + (<usize>off << 3);
      if (!pair) {
        axpy(c0, -dot4(ck, c0, len) / pivot, ck, len);
        continue;
      }
      const c1 = col(buf, j + 1, ldim) + (<usize>off << 3);
      let a0 = f64x2.splat(0), b0 = f64x2.splat(0), a1 = f64x2.splat(0), b1 = f64x2.splat(0);
      let i = 0;
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i << 3;
        const x = v128.load(ck + o);
        const y = v128.load(ck + o + 16);
        a0 = madd(x, v128.load(c0 + o), a0);
        b0 = madd(y, v128.load(c0 + o + 16), b0);
        a1 = madd(x, v128.load(c1 + o), a1);
        b1 = madd(y, v128.load(c1 + o + 16), b1);
      }
      let s0 = f64x2.extract_lane(a0, 0);
      let s1 = f64x2.extract_lane(a1, 0);
      for (; i < len; i++) {
        const x = ld(ck, i);
        s0 += x * ld(c0, i);
        s1 += x * ld(c1, i);
      }
      axpy(c0, -(s0 + f64x2.extract_lane(a0, 1) + (f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b0, 1))) / pivot, ck, len);
      axpy(c1, -(s1 + f64x2.extract_lane(a1, 1) + (f64x2.extract_lane(b1, 0) + f64x2.extract_lane(b1, 1))) / pivot, ck, len);
    }
  }
}

/** y[0 .. len) += a x[0 .. len), element by element (one multiply, one add each). */
@inline
function axpy(y: usize, a: f64, x: usize, len: i32): void {
  const av = f64x2.splat(a);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = <usize>i << 3;
    v128.store(y + o, madd(av, v128.load(x + o), v128.load(y + o)));
  }
  if (i < len) st(y, i, ld(y, i) + a * ld(x, i));
}

/** Bytes per column of one 8-row panel. */
const PANEL_BYTES: usize = 64;

/**
 * Chains t = 0 .. count-1 in order, chain t being rotations lo_t .. hi_t - 1
 * (bounds[2t], bounds[2t+1], stored as doubles) with cosines at cs + t * cols.
 * The chains are applied panel by panel, so a panel (8 rows x cols) stays in
 * cache through all of them instead of the whole matrix streaming from memory
 * once per chain.
 */
export function rotAscending(w: usize, panels: i32, cols: i32, count: i32, bounds: usize, cs: usize, sn: usize): void {
  const stride = <usize>cols * PANEL_BYTES;
  for (let p = 0; p < panels; p++) {
    const base = w + <usize>p * stride;
    for (let t = 0; t < count; t++) {
      const lo = <i32>ld(bounds, 2 * t);
      const hi = <i32>ld(bounds, 2 * t + 1);
      const ct = cs + (<usize>t * <usize>cols << 3);
      const st = sn + (<usize>t * <usize>cols << 3);
      let q = base + <usize>lo * PANEL_BYTES;
      let x0 = v128.load(q);
      let x1 = v128.load(q + 16);
      let x2 = v128.load(q + 32);
      let x3 = v128.load(q + 48);
      for (let j = lo; j < hi; j++) {
        const c = f64x2.splat(ld(ct, j));
        const s = f64x2.splat(ld(st, j));
        const y0 = v128.load(q + 64);
        const y1 = v128.load(q + 80);
        const y2 = v128.load(q + 96);
        const y3 = v128.load(q + 112);
        v128.store(q, madd(s, y0, f64x2.mul(c, x0)));
        v128.store(q + 16, madd(s, y1, f64x2.mul(c, x1)));
        v128.store(q + 32, madd(s, y2, f64x2.mul(c, x2)));
        v128.store(q + 48, madd(s, y3, f64x2.mul(c, x3)));
        x0 = nmadd(s, x0, f64x2.mul(c, y0));
        x1 = nmadd(s, x1, f64x2.mul(c, y1));
        x2 = nmadd(s, x2, f64x2.mul(c, y2));
        x3 = nmadd(s, x3, f64x2.mul(c, y3));
        q += PANEL_BYTES;
      }
      v128.store(q, x0);
      v128.store(q + 16, x1);
      v128.store(q + 32, x2);
      v128.store(q + 48, x3);
    }
  }
}

/** As {@link rotAscending}, each chain running from hi_t - 1 down to lo_t (tql2's QL sweeps). */
export function rotDescending(w: usize, panels: i32, cols: i32, count: i32, bounds: usize, cs: usize, sn: usize): void {
  const stride = <usize>cols * PANEL_BYTES;
  for (let p = 0; p < panels; p++) {
    const base = w + <usize>p * stride;
    for (let t = 0; t < count; t++) {
      const lo = <i32>ld(bounds, 2 * t);
      const hi = <i32>ld(bounds, 2 * t + 1);
      const ct = cs + (<usize>t * <usize>cols << 3);
      const st = sn + (<usize>t * <usize>cols << 3);
      let q = base + <usize>hi * PANEL_BYTES;
      let x0 = v128.load(q);
      let x1 = v128.load(q + 16);
      let x2 = v128.load(q + 32);
      let x3 = v128.load(q + 48);
      for (let i = hi - 1; i >= lo; i--) {
        const c = f64x2.splat(ld(ct, i));
        const s = f64x2.splat(ld(st, i));
        const a0 = v128.load(q - 64);
        const a1 = v128.load(q - 48);
        const a2 = v128.load(q - 32);
        const a3 = v128.load(q - 16);
        v128.store(q, madd(c, x0, f64x2.mul(s, a0)));
        v128.store(q + 16, madd(c, x1, f64x2.mul(s, a1)));
        v128.store(q + 32, madd(c, x2, f64x2.mul(s, a2)));
        v128.store(q + 48, madd(c, x3, f64x2.mul(s, a3)));
        x0 = nmadd(s, x0, f64x2.mul(c, a0));
        x1 = nmadd(s, x1, f64x2.mul(c, a1));
        x2 = nmadd(s, x2, f64x2.mul(c, a2));
        x3 = nmadd(s, x3, f64x2.mul(c, a3));
        q -= PANEL_BYTES;
      }
      v128.store(q, x0);
      v128.store(q + 16, x1);
      v128.store(q + 32, x2);
      v128.store(q + 48, x3);
    }
  }
}

export function rotPivot(w: usize, panels: i32, cols: i32, pivot: i32, from: i32, to: i32, cs: usize, sn: usize): void {
  const stride = <usize>cols * PANEL_BYTES;
  const step = to > from ? 1 : -1;
  for (let p = 0; p < panels; p++) {
    const base = w + <usize>p * stride;
    const qp = base + <usize>pivot * PANEL_BYTES;
    let y0 = v128.load(qp);
    let y1 = v128.load(qp + 16);
    let y2 = v128.load(qp + 32);
    let y3 = v128.load(qp + 48);
    for (let j = from; j != to; j += step) {
      const c = f64x2.splat(ld(cs, j));
      const s = f64x2.splat(ld(sn, j));
      const q = base + <usize>j * PANEL_BYTES;
      const a0 = v128.load(q);
      const a1 = v128.load(q + 16);
      const a2 = v128.load(q + 32);
      const a3 = v128.load(q + 48);
      v128.store(q, madd(s, y0, f64x2.mul(c, a0)));
      v128.store(q + 16, madd(s, y1, f64x2.mul(c, a1)));
      v128.store(q + 32, madd(s, y2, f64x2.mul(c, a2)));
      v128.store(q + 48, madd(s, y3, f64x2.mul(c, a3)));
      y0 = nmadd(s, a0, f64x2.mul(c, y0));
      y1 = nmadd(s, a1, f64x2.mul(c, y1));
      y2 = nmadd(s, a2, f64x2.mul(c, y2));
      y3 = nmadd(s, a3, f64x2.mul(c, y3));
    }
    v128.store(qp, y0);
    v128.store(qp + 16, y1);
    v128.store(qp + 32, y2);
    v128.store(qp + 48, y3);
  }
}
