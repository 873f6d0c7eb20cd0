/**
 * The O(n^3) inner loops of the decompositions in decompose.ts, behind one
 * interface with implementations in plain TypeScript (below) and in
 * WebAssembly (assembly/kernels.ts, wrapped by ./wasm.ts: SIMD, and relaxed
 * SIMD with fused multiply-adds).
 *
 * Every kernel is written so that the TypeScript and the SIMD implementations
 * perform the SAME floating-point operations in the SAME order (f64x2 lanes
 * stand for the partial sums the TypeScript loops keep; plain WebAssembly SIMD
 * has no fused multiply-add), so those two give identical results, not just
 * results equal to rounding. The relaxed-SIMD build fuses each multiply-add
 * (one rounding fewer) and agrees with them to rounding. Each kernel is a whole loop nest, so a decomposition
 * crosses from JavaScript into WebAssembly O(n) times, not O(n^2).
 *
 * Buffers: all Float64Arrays a decomposition passes to a kernel come from that
 * kernel set's {@link DecomposeKernels.alloc} (for WebAssembly they are views
 * on the thread's arena, ./arena.ts; the pointers passed are their byte
 * offsets), handed back by {@link DecomposeKernels.release}.
 *
 * Layouts:
 * - column-major m x n: element (i, j) at `buf[j * m + i]`;
 * - PANEL layout, used for the matrices that rotation sequences are applied
 *   to: rows are grouped in panels of {@link PANEL} rows, each panel stored
 *   column by column, so element (r, j) of a `cols`-wide matrix is at
 *   `((r >> 3) * cols + j) * 8 + (r & 7)`. Applying a chain of rotations to
 *   adjacent columns (LAPACK dlasr) then walks each panel's memory
 *   contiguously, carrying the running column of 8 rows in registers (four
 *   f64x2 vectors), with one load and one store per element and sweep. Rows
 *   beyond the matrix are padding and must be zero (they stay zero).
 */


/** Rows per panel of the panel layout. */
export const PANEL = 8;

/** Number of doubles of a rows x cols matrix in panel layout. */
export function panelLength(rows: number, cols: number): number {
  return Math.ceil(rows / PANEL) * PANEL * cols;
}

/** Index of element (r, j) of a `cols`-wide panel-layout matrix. */
export function panelIndex(r: number, j: number, cols: number): number {
  return ((r >> 3) * cols + j) * PANEL + (r & 7);
}

/** The kernel set used by one decomposition. */
export interface DecomposeKernels {
  /** Which kernels these are: `relaxed` (FMA), `simd` or `js` (wasm.ts's KernelBackend). */
  readonly backend: 'relaxed' | 'simd' | 'js';
  /**
   * Zeroed buffers of the given lengths. For WebAssembly they are views on the
   * thread's arena, valid until `release` or the next `alloc` on this kernel set.
   */
  alloc(lengths: readonly number[]): Float64Array[];
  /** Hands the buffers of the last `alloc` back (to the arena; nothing to do for TypeScript). */
  release(): void;

  /**
   * tred2, one step's product p = A u from the lower triangle of the leading
   * i x i block of the column-major n x n v (u in d, p accumulated into e,
   * which must be zero): also stores u into column i.
   */
  tred2Symv(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void;
  /**
   * tred2, one step's rank-two update A -= u q^T + q u^T of the lower triangle
   * (u in d, q in e); d then receives row i-1 and column i is cleared.
   */
  tred2Rank2(v: Float64Array, n: number, d: Float64Array, e: Float64Array, i: number): void;
  /**
   * tred2, accumulation of `count` reflectors, those of steps i = iFirst ..
   * iFirst + count - 1 (reflector t: u = us[t n ..], w = u / h = ws[t n ..],
   * h = hs[t], none when h = 0): for each column j < jEnd of the column-major
   * n x n v, in turn, and each reflector with i >= j, in order, the leading
   * i + 1 rows get V(:, j) -= (u . V(:, j)) w. A column passes through all
   * the reflectors while it is in cache; each column sees the same
   * operations in the same order as when the reflectors go one at a time
   * over all columns, so the result is the same, bit for bit.
   */
  tred2AccumulateBlock(
    v: Float64Array, n: number, us: Float64Array, ws: Float64Array, hs: Float64Array, count: number, iFirst: number, jEnd: number,
  ): void;

  /**
   * Blocked tridiagonalisation, the update of the leading count x count block
   * of the column-major v (leading dimension ld) at the end of a panel:
   * v[i * ld + j] += dot(p1 row i, p2 row j) over len2 (even) values, rows of
   * p1 and p2 being len2 doubles apart, for j >= i (column i, rows i and
   * below: the lower triangle the reduction reads) and, in the diagonal tile
   * of each pair of columns, a few entries above the diagonal, which the
   * reduction never reads. Same tiles and sums as the product kernel's
   * symmetric case: two partial sums (even and odd terms) per entry.
   */
  rank2kUpdate(v: Float64Array, ld: number, count: number, p1: Float64Array, p2: Float64Array, len2: number): void;

  /**
   * Bidiagonalisation, the pass over trailing columns j = k+1 .. n-1 of the
   * column-major m x n b (see bidiagonalize in decompose.ts): pending rank-one
   * update, left reflector, accumulation of B e.
   */
  bidiagColumns(
    b: Float64Array, m: number, n: number, k: number,
    work: Float64Array, coef: Float64Array, be: Float64Array, e: Float64Array,
    applyLeft: boolean, pending: boolean, wantRight: boolean,
  ): void;
  /**
   * Blocked bidiagonalisation, the update of the trailing matrix at the end
   * of a panel: out[i * ld + j] += dot(p1 row i, p2 row j) over len2 (even)
   * values, rows of p1 and p2 being len2 doubles apart, for i < p and j < q
   * (the product kernel's tiles; two partial sums, even and odd terms, per entry).
   */
  panelUpdate(out: Float64Array, ld: number, p: number, q: number, p1: Float64Array, p2: Float64Array, len2: number): void;
  /**
   * Blocked bidiagonalisation, the products with the trailing matrix's
   * stored columns: out[j] = dot(column j of the column-major buf (leading
   * dimension ld), rows lo .. hi-1, with v[lo .. hi)) for j = j0 .. j1-1.
   * Two partial sums (even and odd offsets from lo, the tail in the even one).
   */
  bidiagDots(buf: Float64Array, ld: number, lo: number, hi: number, v: Float64Array, j0: number, j1: number, out: Float64Array): void;
  /**
   * Blocked bidiagonalisation: out[lo .. hi) += c[j] * (column j of buf,
   * rows lo .. hi-1), for j = j0 .. j1-1 in turn.
   */
  bidiagAxpys(buf: Float64Array, ld: number, lo: number, hi: number, c: Float64Array, j0: number, j1: number, out: Float64Array): void;
  /**
   * Applies `count` reflectors to columns j = j0 .. j1-1 of the column-major
   * buf (leading dimension ld), each column through all of them in turn
   * while it is in cache: for t = 0 .. count-1, with k = ks[t] and rows
   * k+shift .. ld-1, x_j += tau x_k where tau = -(x_k . x_j) / pivots[t]
   * (the reflector stored in column k).
   */
  reflectColumns(
    buf: Float64Array, ld: number, shift: number, ks: Float64Array, pivots: Float64Array, count: number, j0: number, j1: number,
  ): void;

  /**
   * Panel-layout w (`panels` panels, `cols` wide): `count` chains in order,
   * chain t being rotations j = lo .. hi-1 (lo = bounds[2t], hi = bounds[2t+1])
   * with cosine cs[t * cols + j] and sine sn[t * cols + j], rotation j mapping
   * columns (j, j+1) to (c x_j + s x_{j+1}, c x_{j+1} - s x_j). All chains are
   * applied to one panel before the next, so the panel stays in cache instead
   * of the whole matrix streaming from memory once per chain (the rotations of
   * QR sweeps depend only on the bidiagonal, so sweeps can be batched).
   */
  rotAscending(
    w: Float64Array, panels: number, cols: number, count: number, bounds: Float64Array, cs: Float64Array, sn: Float64Array,
  ): void;
  /**
   * As rotAscending, chain t running i = hi-1 down to lo, rotation i mapping
   * columns (i, i+1) to (c x_i - s x_{i+1}, s x_i + c x_{i+1}).
   */
  rotDescending(
    w: Float64Array, panels: number, cols: number, count: number, bounds: Float64Array, cs: Float64Array, sn: Float64Array,
  ): void;
  /**
   * Panel-layout w: rotations of column pairs (j, pivot) for j = from, from +-1,
   * ... until `to` (exclusive), each mapping (x_j, x_p) to (c x_j + s x_p, c x_p - s x_j).
   */
  rotPivot(
    w: Float64Array, panels: number, cols: number, pivot: number, from: number, to: number, cs: Float64Array, sn: Float64Array,
  ): void;
}

/** Output columns per pass of rank2kUpdate (BLOCK_COLS of the WebAssembly product kernel). */
const RANK2K_BLOCK_COLS = 256;

/** The plain-TypeScript kernels. */
export const jsKernels: DecomposeKernels = {
  backend: 'js',

  alloc(lengths) {
    return lengths.map((len) => new Float64Array(len));
  },

  release() {},

  tred2Symv(v, n, d, e, i) {
    for (let j = 0; j < i; j++) {
      const cj = j * n;
      const f = d[j];
      v[i * n + j] = f; // V(j, i)
      // Column j gives e[k] += V(k, j) f for k > j, and its dot with d gives
      // e[j]. Four partial sums (two f64x2 vectors in WebAssembly).
      let g0 = e[j] + v[cj + j] * f;
      let g1 = 0;
      let g2 = 0;
      let g3 = 0;
      let k = j + 1;
      for (; k + 4 <= i; k += 4) {
        const v0 = v[cj + k];
        const v1 = v[cj + k + 1];
        const v2 = v[cj + k + 2];
        const v3 = v[cj + k + 3];
        g0 += v0 * d[k];
        g1 += v1 * d[k + 1];
        g2 += v2 * d[k + 2];
        g3 += v3 * d[k + 3];
        e[k] += v0 * f;
        e[k + 1] += v1 * f;
        e[k + 2] += v2 * f;
        e[k + 3] += v3 * f;
      }
      if (k + 2 <= i) {
        const v0 = v[cj + k];
        const v1 = v[cj + k + 1];
        g0 += v0 * d[k];
        g1 += v1 * d[k + 1];
        e[k] += v0 * f;
        e[k + 1] += v1 * f;
        k += 2;
      }
      if (k < i) {
        const v0 = v[cj + k];
        g0 += v0 * d[k];
        e[k] += v0 * f;
      }
      e[j] = g0 + g1 + (g2 + g3);
    }
  },

  tred2Rank2(v, n, d, e, i) {
    for (let j = 0; j < i; j++) {
      const cj = j * n;
      const f = d[j];
      const g = e[j];
      for (let k = j; k < i; k++) v[cj + k] -= f * e[k] + g * d[k];
      d[j] = v[cj + i - 1];
      v[cj + i] = 0;
    }
  },

  tred2AccumulateBlock(v, n, us, ws, hs, count, iFirst, jEnd) {
    for (let j = 0; j < jEnd; j++) {
      const cj = j * n;
      for (let t = 0; t < count; t++) {
        const i = iFirst + t;
        if (i < j || hs[t] === 0) continue;
        const o = t * n;
        const g = dot4(us, o, v, cj, i + 1);
        for (let k = 0; k <= i; k++) v[cj + k] -= g * ws[o + k];
      }
    }
  },

  rank2kUpdate(v, ld, count, p1, p2, len2) {
    // The entry set of the WebAssembly kernel's tiles: 256-column blocks; in
    // each, rows in pairs (2i, 2i+1) start at the 4-aligned tile holding the
    // diagonal entry of the pair's first row.
    for (let j0 = 0; j0 < count; j0 += RANK2K_BLOCK_COLS) {
      const j1 = Math.min(count, j0 + RANK2K_BLOCK_COLS);
      const iEnd = Math.min(count, j1);
      for (let i = 0; i < iEnd; i++) {
        const lead = i & ~1;
        const start = lead > j0 ? j0 + (((lead - j0) >> 2) << 2) : j0;
        const a = i * len2;
        const o = i * ld;
        for (let j = start; j < j1; j++) {
          const b = j * len2;
          let even = 0;
          let odd = 0;
          for (let r = 0; r < len2; r += 2) {
            even += p1[a + r] * p2[b + r];
            odd += p1[a + r + 1] * p2[b + r + 1];
          }
          v[o + j] += even + odd;
        }
      }
    }
  },

  bidiagColumns(b, m, n, k, work, coef, be, e, applyLeft, pending, wantRight) {
    const ck = k * m;
    const pivot = b[ck + k];
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      const c = pending ? coef[j] : 0;
      // (1) pending update, fused with the dot product for (2).
      let t = 0;
      if (applyLeft) {
        let t0 = 0;
        let t1 = 0;
        let i = k;
        for (; i + 2 <= m; i += 2) {
          const x0 = b[cj + i] + c * work[i];
          const x1 = b[cj + i + 1] + c * work[i + 1];
          b[cj + i] = x0;
          b[cj + i + 1] = x1;
          t0 += b[ck + i] * x0;
          t1 += b[ck + i + 1] * x1;
        }
        if (i < m) {
          const x0 = b[cj + i] + c * work[i];
          b[cj + i] = x0;
          t0 += b[ck + i] * x0;
        }
        t = -(t0 + t1) / pivot;
      } else if (c !== 0) {
        for (let i = k; i < m; i++) b[cj + i] += c * work[i];
      }
      // (2) left reflector, fused with (3) the accumulation of B e.
      const ej = b[cj + k] + t * b[ck + k];
      b[cj + k] = ej;
      e[j] = ej;
      if (wantRight) {
        for (let i = k + 1; i < m; i++) {
          const x = b[cj + i] + t * b[ck + i];
          b[cj + i] = x;
          be[i] += ej * x;
        }
      } else if (t !== 0) {
        for (let i = k + 1; i < m; i++) b[cj + i] += t * b[ck + i];
      }
    }
  },

  panelUpdate(out, ld, p, q, p1, p2, len2) {
    for (let i = 0; i < p; i++) {
      const a = i * len2;
      const o = i * ld;
      for (let j = 0; j < q; j++) {
        const b = j * len2;
        let even = 0;
        let odd = 0;
        for (let r = 0; r < len2; r += 2) {
          even += p1[a + r] * p2[b + r];
          odd += p1[a + r + 1] * p2[b + r + 1];
        }
        out[o + j] += even + odd;
      }
    }
  },

  bidiagDots(buf, ld, lo, hi, v, j0, j1, out) {
    for (let j = j0; j < j1; j++) {
      const cj = j * ld;
      let t0 = 0;
      let t1 = 0;
      let i = lo;
      for (; i + 2 <= hi; i += 2) {
        t0 += buf[cj + i] * v[i];
        t1 += buf[cj + i + 1] * v[i + 1];
      }
      if (i < hi) t0 += buf[cj + i] * v[i];
      out[j] = t0 + t1;
    }
  },

  bidiagAxpys(buf, ld, lo, hi, c, j0, j1, out) {
    for (let j = j0; j < j1; j++) {
      const cj = j * ld;
      const cv = c[j];
      for (let i = lo; i < hi; i++) out[i] += cv * buf[cj + i];
    }
  },

  reflectColumns(buf, ld, shift, ks, pivots, count, j0, j1) {
    for (let j = j0; j < j1; j++) {
      for (let t = 0; t < count; t++) {
        const k = ks[t] | 0;
        const off = k + shift;
        const len = ld - off;
        const ck = k * ld + off;
        const cj = j * ld + off;
        const tau = -dot4(buf, ck, buf, cj, len) / pivots[t];
        for (let i = 0; i < len; i++) buf[cj + i] += tau * buf[ck + i];
      }
    }
  },

  rotAscending(w, panels, cols, count, bounds, cs, sn) {
    for (let p = 0; p < panels; p++) {
      const base = p * cols * PANEL;
      for (let t = 0; t < count; t++) {
        // `| 0`: integers read from a Float64Array, made int32 so the JIT does not index with doubles.
        const lo = bounds[2 * t] | 0;
        const hi = bounds[2 * t + 1] | 0;
        const ct = t * cols;
        for (let r = 0; r < PANEL; r += 4) {
          // Four rows at a time: each row's chain is a serial dependency.
          let q = base + lo * PANEL + r;
          let x0 = w[q];
          let x1 = w[q + 1];
          let x2 = w[q + 2];
          let x3 = w[q + 3];
          for (let j = lo; j < hi; j++) {
            const c = cs[ct + j];
            const s = sn[ct + j];
            const y0 = w[q + PANEL];
            const y1 = w[q + PANEL + 1];
            const y2 = w[q + PANEL + 2];
            const y3 = w[q + PANEL + 3];
            w[q] = c * x0 + s * y0;
            w[q + 1] = c * x1 + s * y1;
            w[q + 2] = c * x2 + s * y2;
            w[q + 3] = c * x3 + s * y3;
            x0 = c * y0 - s * x0;
            x1 = c * y1 - s * x1;
            x2 = c * y2 - s * x2;
            x3 = c * y3 - s * x3;
            q += PANEL;
          }
          w[q] = x0;
          w[q + 1] = x1;
          w[q + 2] = x2;
          w[q + 3] = x3;
        }
      }
    }
  },

  rotDescending(w, panels, cols, count, bounds, cs, sn) {
    for (let p = 0; p < panels; p++) {
      const base = p * cols * PANEL;
      for (let t = 0; t < count; t++) {
        // `| 0`: integers read from a Float64Array, made int32 so the JIT does not index with doubles.
        const lo = bounds[2 * t] | 0;
        const hi = bounds[2 * t + 1] | 0;
        const ct = t * cols;
        for (let r = 0; r < PANEL; r += 4) {
          let q = base + hi * PANEL + r;
          let x0 = w[q];
          let x1 = w[q + 1];
          let x2 = w[q + 2];
          let x3 = w[q + 3];
          for (let i = hi - 1; i >= lo; i--) {
            const c = cs[ct + i];
            const s = sn[ct + i];
            const a0 = w[q - PANEL];
            const a1 = w[q - PANEL + 1];
            const a2 = w[q - PANEL + 2];
            const a3 = w[q - PANEL + 3];
            w[q] = s * a0 + c * x0;
            w[q + 1] = s * a1 + c * x1;
            w[q + 2] = s * a2 + c * x2;
            w[q + 3] = s * a3 + c * x3;
            x0 = c * a0 - s * x0;
            x1 = c * a1 - s * x1;
            x2 = c * a2 - s * x2;
            x3 = c * a3 - s * x3;
            q -= PANEL;
          }
          w[q] = x0;
          w[q + 1] = x1;
          w[q + 2] = x2;
          w[q + 3] = x3;
        }
      }
    }
  },

  rotPivot(w, panels, cols, pivot, from, to, cs, sn) {
    const step = to > from ? 1 : -1;
    for (let p = 0; p < panels; p++) {
      const base = p * cols * PANEL;
      for (let r = 0; r < PANEL; r++) {
        const qp = base + pivot * PANEL + r;
        let y = w[qp];
        for (let j = from; j !== to; j += step) {
          const c = cs[j];
          const s = sn[j];
          const q = base + j * PANEL + r;
          const x = w[q];
          w[q] = c * x + s * y;
          y = c * y - s * x;
        }
        w[qp] = y;
      }
    }
  },
};

/**
 * Dot product of x[xo .. xo+len) and y[yo .. yo+len) with four partial sums
 * (s0 takes indices 0, 4, 8, ..., and the tail), combined as (s0 + s1) + (s2 + s3):
 * a single accumulator would make every step wait for the previous add.
 * The WebAssembly kernel keeps the same four sums in two f64x2 vectors.
 */
export function dot4(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
    s2 += x[xo + i + 2] * y[yo + i + 2];
    s3 += x[xo + i + 3] * y[yo + i + 3];
  }
  for (; i < len; i++) s0 += x[xo + i] * y[yo + i];
  return s0 + s1 + (s2 + s3);
}
