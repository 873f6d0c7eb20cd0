/**
 * Singular value decomposition of an upper bidiagonal matrix by divide and
 * conquer, as LAPACK's dbdsdc with compq = 'I' (dlasd0 - dlasd5: the
 * bidiagonal phase of dgesdd).
 *
 * A block of n rows and n + sqre columns (sqre 0 or 1) is split at its middle
 * row k into B1 (the k rows above, k + 1 columns: always one column more than
 * rows), the row k (alpha = d_k on the diagonal, beta = e_k right of it) and
 * B2 (the rows below, with the block's sqre). With B1 = U1 [D1 0] V1^T and
 * B2 = U2 [D2 (0)] V2^T solved recursively (small blocks by the implicit QR
 * iteration, ./bidiagonal-qr.ts), the block is
 *   diag(U1, 1, U2) P M (V1 (+) V2)^T,
 * where M is zero except its first row z (alpha times the last row of V1,
 * beta times the first row of V2) and the diagonal D1, D2 below it: the
 * columns of V1 and V2 with no singular value (their null vectors) are
 * combined by one Givens rotation into a pole d_0 = 0 (and, when sqre = 1,
 * the block's own null vector). Then M^T M = D^2 + z z^T, and the merge,
 * on the block scaled by a power of two to norm about 1 (as dlasd1; B itself
 * is first scaled by max|B|, as dbdsdc):
 * - deflation (dlasd2): a tiny z_i leaves d_i as a singular value, two close
 *   poles are combined by a Givens rotation that zeroes one z component, z_0
 *   is never deflated (raised to the tolerance instead) and the smallest
 *   other pole is kept at least half the tolerance away from d_0 = 0;
 * - each root of the secular equation 1 + sum z_i^2 / (d_i^2 - s^2) = 0 is
 *   found relative to the nearer pole d_o (dlasd4): the iteration runs on
 *   mu = s^2 - d_o^2, and every d_i^2 - s^2 is formed as
 *   ((d_i - d_o) - tau)((d_i + d_o) + tau) with tau = s - d_o, so it keeps
 *   its relative accuracy however close s is to a pole;
 * - z is recomputed from the roots (Gu and Eisenstat, dlasd3), which makes the
 *   secular singular vectors orthogonal to working precision: right vector j
 *   proportional to z_i / (d_i^2 - s_j^2), left vector j to -1 (i = 0) and
 *   d_i z_i / (d_i^2 - s_j^2);
 * - the merged vectors are the halves' vectors times the secular ones: dense
 *   products through the product kernel of kernels.ts, separately for the rows
 *   of B1 and of B2, each over only the columns that are non-zero there (the
 *   halves' vectors are read in place, the secular ones scaled on the fly).
 * The cost is dominated by these products, where the QR iteration spends its
 * time in rotation chains; the structure and safeguards follow
 * ./tridiagonal-dc.ts (the symmetric tridiagonal divide and conquer).
 */

import { bidiagonalQr, type BidiagonalRotationSink } from './bidiagonal-qr.js';
import { multiplyTransposeA } from './kernels.js';
import { secularIterate, tauOfSquared } from './secular.js';
import { hypot } from './tridiagonal-ql.js';

const EPS = 2 ** -52;

/** Blocks of this many rows or fewer are solved by the QR iteration (LAPACK's SMLSIZ is 25). */
export const BIDIAGONAL_DC_LEAF_ORDER = 32;

/** Singular value decomposition B = U diag(values) V^T of an n x n bidiagonal matrix. */
export interface BidiagonalSvd {
  /** n singular values, descending, non-negative. */
  readonly values: Float64Array;
  /** n x n COLUMN-major: left singular vector j of values[j] is u[j * n .. (j + 1) * n). */
  readonly u: Float64Array;
  /** n x n COLUMN-major: right singular vector j of values[j] is v[j * n .. (j + 1) * n). */
  readonly v: Float64Array;
}

/**
 * A solved block of n rows and m = n + sqre columns: singular values in no
 * particular order, u n x n and v m x m, both column-major (vector j at
 * j * n, j * m); when sqre = 1, column n of v is the block's null vector.
 */
interface Block {
  readonly values: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
}

/**
 * Singular values and vectors of the n x n upper bidiagonal matrix with
 * diagonal d (n) and super-diagonal e (n - 1; e[i] is entry (i, i + 1)), by
 * divide and conquer. Neither array is mutated; entries may have any sign.
 *
 * Accuracy as the QR iteration: singular values to a small multiple of
 * 1e-16 * max|B| in absolute terms, singular vectors orthonormal to working
 * precision with residuals of the same order.
 *
 * @param leaf blocks of up to this many rows are solved by the QR iteration (at least 2)
 */
export function bidiagonalSvdDC(d: Float64Array, e: Float64Array, n: number, leaf = BIDIAGONAL_DC_LEAF_ORDER): BidiagonalSvd {
  if (d.length < n || e.length < Math.max(n - 1, 0)) {
    throw new RangeError(`bidiagonalSvdDC: ${d.length} diagonal and ${e.length} super-diagonal entries for order ${n}`);
  }
  // Work on B / max|B| (as dbdsdc): the deflation tolerances and the secular
  // solver then see entries of order one.
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]));
  const values = new Float64Array(n);
  const u = new Float64Array(n * n);
  const v = new Float64Array(n * n);
  if (scale === 0) {
    for (let j = 0; j < n; j++) u[j * n + j] = v[j * n + j] = 1;
    return { values, u, v };
  }
  const ds = new Float64Array(n);
  const es = new Float64Array(n);
  for (let i = 0; i < n; i++) ds[i] = d[i] / scale;
  for (let i = 0; i < n - 1; i++) es[i] = e[i] / scale;

  const block = solve(ds, es, 0, n, 0, Math.max(2, leaf));
  // Descending; ties keep their order (Array.prototype.sort is stable), so the result is deterministic.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => block.values[j] - block.values[i]);
  for (let c = 0; c < n; c++) {
    const from = order[c];
    values[c] = block.values[from] * scale;
    u.set(block.u.subarray(from * n, (from + 1) * n), c * n);
    v.set(block.v.subarray(from * n, (from + 1) * n), c * n);
  }
  return { values, u, v };
}

/** The block of n rows from row lo on, with n + sqre columns. */
function solve(d: Float64Array, e: Float64Array, lo: number, n: number, sqre: number, leaf: number): Block {
  if (n <= leaf) return leafSvd(d, e, lo, n, sqre);
  const nl = n >> 1;
  const k = lo + nl;
  const nr = n - nl - 1;
  const left = solve(d, e, lo, nl, 1, leaf);
  const right = solve(d, e, k + 1, nr, sqre, leaf);
  return merge(left, nl, right, nr, sqre, d[k], e[k]);
}

/**
 * A leaf by the QR iteration (./bidiagonal-qr.ts) on dense column-major
 * matrices, each sweep's rotations applied at once. A block with one column
 * more than rows (sqre = 1) is completed by a zero row to a square one: the
 * iteration first deflates that zero diagonal entry by rotations of the
 * right vectors only, so the added row's left vector stays e_n, its value 0
 * stays last (sorting never moves a value below 0), and the right vector of
 * that 0 is the block's null vector.
 */
function leafSvd(d0: Float64Array, e0: Float64Array, lo: number, n: number, sqre: number): Block {
  const p = n + sqre;
  const s = new Float64Array(p);
  const e = new Float64Array(p);
  for (let i = 0; i < n; i++) s[i] = d0[lo + i];
  for (let i = 0; i < p - 1; i++) e[i] = e0[lo + i];
  const ue = identity(p);
  const ve = identity(p);
  const order = Array.from({ length: p }, (_, i) => i);
  const signs = new Float64Array(p).fill(1);
  bidiagonalQr(s, e, p, p, p, denseSink(ue, p), denseSink(ve, p), order, signs);
  if (sqre === 1 && order[n] !== n) throw new Error(`bidiagonalSvdDC: the null vector of a leaf of ${n} rows moved`);
  const values = s.slice(0, n);
  const u = new Float64Array(n * n);
  for (let c = 0; c < n; c++) u.set(ue.subarray(order[c] * p, order[c] * p + n), c * n);
  const v = new Float64Array(p * p);
  for (let c = 0; c < p; c++) {
    const from = order[c] * p;
    const sign = signs[order[c]];
    for (let r = 0; r < p; r++) v[c * p + r] = sign * ve[from + r];
  }
  return { values, u, v };
}

function identity(n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  return q;
}

/** Rotations of the QR iteration applied at once to the columns of the column-major p x p q. */
function denseSink(q: Float64Array, p: number): BidiagonalRotationSink {
  const cs = new Float64Array(p);
  const sn = new Float64Array(p);
  const rotate = (j: number, k: number, c: number, s: number) => {
    const a = j * p;
    const b = k * p;
    for (let r = 0; r < p; r++) {
      const x = q[a + r];
      const y = q[b + r];
      q[a + r] = c * x + s * y;
      q[b + r] = c * y - s * x;
    }
  };
  return {
    cs,
    sn,
    slot: () => 0,
    push(lo, hi) {
      for (let j = lo; j < hi; j++) rotate(j, j + 1, cs[j], sn[j]);
    },
    flush() {},
    pivot(pivot, from, to) {
      const step = to > from ? 1 : -1;
      for (let j = from; j !== to; j += step) rotate(j, pivot, cs[j], sn[j]);
    },
  };
}

/**
 * The block [B1 0; alpha e_nl^T beta e_1^T; 0 B2] of n = nl + 1 + nr rows and
 * n + sqre columns from the SVDs of B1 (nl x (nl + 1)) and B2 (nr x (nr +
 * sqre)): see the module comment.
 */
function merge(left: Block, nl: number, right: Block, nr: number, sqre: number, alpha: number, beta: number): Block {
  const n = nl + 1 + nr;
  const m = n + sqre;
  const ml = nl + 1; // columns of B1
  const mr = nr + sqre; // columns of B2
  // The block scaled to max(|alpha|, |beta|, values) about 1 by a power of
  // two, 2^-e (exact), as dlasd1 scales by its norm: the secular equation
  // works with squares, which would underflow for the blocks of a strongly
  // graded matrix (values near 1e-200 in a matrix of norm 1), and z_0 and the
  // smallest pole are kept at least at the (relative) tolerance.
  let big = Math.max(Math.abs(alpha), Math.abs(beta));
  for (let i = 0; i < nl; i++) big = Math.max(big, left.values[i]);
  for (let i = 0; i < nr; i++) big = Math.max(big, right.values[i]);
  const unit = big > 0 ? 2 ** Math.max(-1074, Math.min(1023, Math.round(Math.log2(big)))) : 1;
  alpha /= unit;
  beta /= unit;
  // Poles d (d_0 = 0 for the null vectors) and z: alpha times the last row of
  // V1, beta times the first row of V2.
  const d = new Float64Array(n);
  const z = new Float64Array(n);
  for (let i = 0; i < nl; i++) {
    d[1 + i] = left.values[i] / unit;
    z[1 + i] = alpha * left.v[i * ml + nl];
  }
  for (let i = 0; i < nr; i++) {
    d[ml + i] = right.values[i] / unit;
    z[ml + i] = beta * right.v[i * mr];
  }
  const z1 = alpha * left.v[nl * ml + nl];
  const z2 = sqre === 1 ? beta * right.v[nr * mr] : 0;
  let dmax = 0;
  for (let i = 1; i < n; i++) dmax = Math.max(dmax, d[i]);
  const tol = 8 * EPS * Math.max(Math.abs(alpha), Math.abs(beta), dmax, big > 0 ? 0 : 1);
  // The null vectors of V1 and V2 rotated into (z_0, 0) (dlasd2): the first
  // is the pole d_0 = 0, the second the block's null vector.
  let c = 1;
  let s = 0;
  if (sqre === 1) {
    const r = hypot(z1, z2);
    if (r <= tol) {
      z[0] = tol;
    } else {
      c = z1 / r;
      s = z2 / r;
      z[0] = r;
    }
  } else {
    z[0] = Math.abs(z1) <= tol ? tol : z1;
  }

  // The halves' vectors (never formed: see HalfVectors): U's column 0 is the
  // unit vector of row nl; V's column 0 and, when sqre = 1, its column n (the
  // new null vector) are the null vectors of V1 and V2 rotated. Where column j
  // is non-zero: 0 row nl only, 1 rows of B1 only, 3 rows of B2 only, 2 both.
  const uq = new HalfVectors(n, left.u, nl, nl, right.u, nr);
  const vq = new HalfVectors(m, left.v, ml, nl, right.v, mr);
  const kindU = new Uint8Array(n);
  const kindV = new Uint8Array(n);
  const e0 = new Float64Array(n);
  e0[nl] = 1;
  uq.set(0, e0);
  const null1 = left.v.subarray(nl * ml, (nl + 1) * ml);
  const null2 = right.v.subarray(nr * mr, (nr + 1) * mr);
  const v0 = new Float64Array(m);
  for (let r = 0; r < ml; r++) v0[r] = c * null1[r];
  kindV[0] = 1;
  if (sqre === 1) {
    const vn = new Float64Array(m);
    for (let r = 0; r < mr; r++) v0[ml + r] = s * null2[r];
    for (let r = 0; r < ml; r++) vn[r] = -s * null1[r];
    for (let r = 0; r < mr; r++) vn[ml + r] = c * null2[r];
    vq.set(n, vn);
    if (s !== 0) kindV[0] = 2;
  }
  vq.set(0, v0);
  for (let i = 0; i < nl; i++) kindU[1 + i] = kindV[1 + i] = 1;
  for (let i = 0; i < nr; i++) kindU[ml + i] = kindV[ml + i] = 3;

  // Deflation (dlasd2) over the poles 1 .. n - 1 in ascending order; pole 0 is always kept.
  const sorted = Array.from({ length: n - 1 }, (_, i) => i + 1).sort((i, j) => d[i] - d[j]);
  const kept: number[] = [0];
  const deflated: number[] = [];
  let pj = -1;
  for (const j of sorted) {
    if (Math.abs(z[j]) <= tol) {
      deflated.push(j);
      continue;
    }
    if (pj < 0) {
      pj = j;
      continue;
    }
    if (d[j] - d[pj] <= tol) {
      // Close poles: the rotation of both singular vector pairs that zeroes z[pj]
      // couples d[pj] and d[j] by at most (d[j] - d[pj]) |c s| <= tol.
      let sn = z[pj];
      let cs = z[j];
      const tau = hypot(cs, sn);
      cs /= tau;
      sn = -sn / tau;
      z[j] = tau;
      z[pj] = 0;
      uq.rotate(pj, j, cs, sn);
      vq.rotate(pj, j, cs, sn);
      if (kindU[pj] !== kindU[j]) kindU[pj] = kindU[j] = 2;
      if (kindV[pj] !== kindV[j]) kindV[pj] = kindV[j] = 2;
      deflated.push(pj);
    } else {
      kept.push(pj);
    }
    pj = j;
  }
  if (pj >= 0) kept.push(pj);

  const k = kept.length;
  const values = new Float64Array(n);
  const u = new Float64Array(n * n);
  const v = new Float64Array(m * m);
  // Deflated pairs go last, unchanged; then the null vector.
  for (let t = 0; t < deflated.length; t++) {
    const j = deflated[t];
    values[k + t] = d[j];
    uq.copyColumn(j, u, (k + t) * n);
    vq.copyColumn(j, v, (k + t) * m);
  }
  if (sqre === 1) vq.copyColumn(n, v, n * m);

  // The secular problem on the kept poles (ascending, dk[0] = 0).
  const dk = new Float64Array(k);
  const w2 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    dk[i] = d[kept[i]];
    w2[i] = z[kept[i]] * z[kept[i]];
  }
  // The smallest non-zero pole at least half the tolerance away from d_0 = 0 (dlasd2's HLFTOL).
  if (k > 1 && dk[1] <= tol / 2) dk[1] = tol / 2;
  const origins = new Float64Array(k);
  const taus = new Float64Array(k);
  const root = { origin: 0, tau: 0 };
  for (let j = 0; j < k; j++) {
    secularRoot(j, k, dk, w2, root);
    origins[j] = dk[root.origin];
    taus[j] = root.tau;
    values[j] = origins[j] + root.tau;
  }
  // Pole-major: delta[i * k + j] = dk[i]^2 - s_j^2, from root j's origin
  // pole, accurate in relative terms. The loops below then all run along
  // contiguous rows, and the secular vectors come out pole-major, the layout
  // the products take without a transposed copy.
  const delta = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const row = i * k;
    const di = dk[i];
    for (let j = 0; j < k; j++) delta[row + j] = ((di - origins[j]) - taus[j]) * ((di + origins[j]) + taus[j]);
  }

  // Gu-Eisenstat: the z for which the computed roots are exact.
  const zh = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const row = i * k;
    const di = dk[i];
    let x = delta[row + i];
    for (let j = 0; j < k; j++) {
      if (j !== i) x *= delta[row + j] / ((di - dk[j]) * (di + dk[j]));
    }
    const r = Math.sqrt(Math.max(-x, 0));
    zh[i] = z[kept[i]] < 0 ? -r : r;
  }

  // Secular vectors: right vj[i] = zh[i] / delta_ij, left uj[0] = -1,
  // uj[i] = dk[i] zh[i] / delta_ij, normalised. Both are x_ij = zh[i] /
  // delta_ij (kept in delta) scaled: by dk[i] (rows, for the left ones) and
  // 1 / norm (columns), which the products apply to their operands and
  // results, so neither is stored.
  const nv = new Float64Array(k);
  const nu = new Float64Array(k).fill(1);
  for (let i = 0; i < k; i++) {
    const row = i * k;
    const zi = zh[i];
    const di = dk[i];
    for (let j = 0; j < k; j++) {
      const x = zi / delta[row + j];
      delta[row + j] = x;
      nv[j] += x * x;
      if (i > 0) nu[j] += di * x * (di * x);
    }
  }
  for (let j = 0; j < k; j++) {
    nv[j] = 1 / Math.sqrt(nv[j]);
    nu[j] = 1 / Math.sqrt(nu[j]);
  }
  // The poles reordered (position t holds pole at[t]) so that each product
  // takes a contiguous range of rows of x: the kind-1 poles, pole 0, then
  // kinds 2 and 3. x's rows are permuted in place, cycle by cycle.
  const at: number[] = [];
  for (const want of [1, 0, 2, 3]) {
    for (let i = 0; i < k; i++) if ((i === 0 ? 0 : kindU[kept[i]]) === want) at.push(i);
  }
  permuteRows(delta, k, at);
  const c1 = at.indexOf(0); // kind-1 poles before pole 0
  const c12 = at.length - at.filter((i) => i > 0 && kindU[kept[i]] === 3).length;
  const keptAt = at.map((i) => kept[i]);
  const dkAt = Float64Array.from(at, (i) => dk[i]);

  // Merged vectors: U's row nl is the secular vectors' component 0 (only
  // column 0 of uq is non-zero there); the rows of B1 and of B2 are products
  // over the poles whose halves' vectors are non-zero there (pole 0's left
  // vector is zero on both, its right vector is on B2's rows only when the
  // null vectors were rotated together).
  for (let j = 0; j < k; j++) u[j * n + nl] = -nu[j];
  mergedRows(delta, k, 0, c12, keptAt, dkAt, uq, n, 0, nl, nu, u);
  mergedRows(delta, k, c1 + 1, k, keptAt, dkAt, uq, n, ml, nr, nu, u);
  mergedRows(delta, k, 0, c12, keptAt, null, vq, m, 0, ml, nv, v);
  mergedRows(delta, k, kindV[0] === 2 ? c1 : c1 + 1, k, keptAt, null, vq, m, ml, mr, nv, v);
  for (let j = 0; j < n; j++) values[j] *= unit;
  return { values, u, v };
}

/** Rows of the row-major x (k wide) permuted in place: row t becomes the old row at[t]. */
function permuteRows(x: Float64Array, k: number, at: readonly number[]): void {
  const done = new Uint8Array(at.length);
  const tmp = new Float64Array(k);
  for (let start = 0; start < at.length; start++) {
    if (done[start] || at[start] === start) continue;
    tmp.set(x.subarray(start * k, (start + 1) * k));
    let t = start;
    while (at[t] !== start) {
      x.copyWithin(t * k, at[t] * k, (at[t] + 1) * k);
      done[t] = 1;
      t = at[t];
    }
    x.set(tmp, t * k);
    done[t] = 1;
  }
}

/**
 * The halves' vectors of one side of a merge: the ld x (n + 1) matrix
 * [top (+) bottom] with the halves' singular vectors as columns, read in
 * place instead of copied (a merge's peak memory is its inputs, outputs and
 * secular vectors, not a copy of its inputs as well). Column j of 1 .. nTop
 * is column j - 1 of `top` (column-major, topRows rows) on rows 0 ..
 * topRows - 1; column j of nTop + 1 .. nTop + nBottom is column j - nTop - 1
 * of `bottom` (bottomRows rows) on the last bottomRows rows. Columns built or
 * changed by the merge (pole 0, the null vector, the deflating rotations')
 * are stored whole.
 */
class HalfVectors {
  private readonly whole = new Map<number, Float64Array>();
  private readonly firstBottom: number;

  constructor(
    readonly ld: number,
    private readonly top: Float64Array,
    private readonly topRows: number,
    private readonly nTop: number,
    private readonly bottom: Float64Array,
    private readonly bottomRows: number,
  ) {
    this.firstBottom = nTop + 1;
  }

  /** Makes column j the given whole column (ld entries). */
  set(j: number, column: Float64Array): void {
    this.whole.set(j, column);
  }

  /**
   * Rows r0 .. r0 + len - 1 of column j, r0 being 0 with len = topRows or
   * ld - bottomRows with len = bottomRows; null where the column is zero.
   */
  segment(j: number, r0: number, len: number): Float64Array | null {
    const whole = this.whole.get(j);
    if (whole !== undefined) return whole.subarray(r0, r0 + len);
    if (r0 === 0 && j >= 1 && j <= this.nTop) return this.top.subarray((j - 1) * len, j * len);
    if (r0 > 0 && j >= this.firstBottom) return this.bottom.subarray((j - this.firstBottom) * len, (j - this.firstBottom + 1) * len);
    return null;
  }

  /** Column j copied into out from `at` on (out zero there). */
  copyColumn(j: number, out: Float64Array, at: number): void {
    const whole = this.whole.get(j);
    if (whole !== undefined) {
      out.set(whole, at);
      return;
    }
    const top = this.segment(j, 0, this.topRows);
    if (top !== null) out.set(top, at);
    const bottom = this.segment(j, this.ld - this.bottomRows, this.bottomRows);
    if (bottom !== null) out.set(bottom, at + this.ld - this.bottomRows);
  }

  /** (x_a, x_b) <- (c x_a + s x_b, c x_b - s x_a) for columns a and b, which are then stored whole. */
  rotate(a: number, b: number, c: number, s: number): void {
    const x = this.takeWhole(a);
    const y = this.takeWhole(b);
    for (let r = 0; r < this.ld; r++) {
      const xr = x[r];
      const yr = y[r];
      x[r] = c * xr + s * yr;
      y[r] = c * yr - s * xr;
    }
  }

  private takeWhole(j: number): Float64Array {
    let column = this.whole.get(j);
    if (column === undefined) {
      column = new Float64Array(this.ld);
      this.copyColumn(j, column, 0);
      this.whole.set(j, column);
    }
    return column;
  }
}

/**
 * Rows r0 .. r0 + rows - 1 of the merged vectors j < k:
 * out[j * ld + r0 + r] = colScale[j] sum_t x[t * k + j] rowScale[t] Q[r0 + r, cols[t]]
 * over the positions t0 <= t < t1 (the columns of the halves' vectors Q that
 * are non-zero on these rows; rowScale null for ones), as the product
 * x[t0 .. t1)^T (t1 - t0 x rows) of the pole-major x and the selected,
 * scaled columns of Q laid out as rows.
 */
function mergedRows(
  x: Float64Array, k: number, t0: number, t1: number, cols: readonly number[], rowScale: Float64Array | null,
  q: HalfVectors, ld: number, r0: number, rows: number, colScale: Float64Array, out: Float64Array,
): void {
  const ks = t1 - t0;
  if (ks <= 0 || rows === 0) return;
  const qSel = new Float64Array(ks * rows);
  for (let t = 0; t < ks; t++) {
    const from = q.segment(cols[t0 + t], r0, rows);
    if (from === null) continue;
    const to = t * rows;
    if (rowScale === null) {
      qSel.set(from, to);
    } else {
      const f = rowScale[t0 + t];
      for (let r = 0; r < rows; r++) qSel[to + r] = f * from[r];
    }
  }
  const part = multiplyTransposeA(x.subarray(t0 * k, t1 * k), ks, k, qSel, rows);
  for (let j = 0; j < k; j++) {
    const f = colScale[j];
    const from = j * rows;
    const to = j * ld + r0;
    for (let r = 0; r < rows; r++) out[to + r] = f * part[from + r];
  }
}

/**
 * Root j (0-based, ascending) s of 1 + sum_i w2[i] / (d[i]^2 - s^2) = 0 for
 * ascending distinct non-negative poles d (k of them) and positive weights
 * w2: writes its origin pole (the nearer one) and tau = s - d[origin] into
 * out. The root lies in (d[j], d[j + 1]), the last one in
 * (d[k - 1], sqrt(d[k - 1]^2 + sum w2)].
 *
 * This finds the bracket and the nearer pole; the safeguarded iteration, on
 * mu = s^2 - d[origin]^2 with every d[i]^2 - s^2 formed as
 * ((d[i] - d_o) - tau)((d[i] + d_o) + tau), is secularIterate's
 * (./secular.ts, the "middle way" of dlasd4).
 */
function secularRoot(j: number, k: number, d: Float64Array, w2: Float64Array, out: { origin: number; tau: number }): void {
  const last = j === k - 1;
  let origin: number;
  let lo: number;
  let hi: number;
  if (last) {
    origin = j;
    lo = 0;
    hi = 0;
    for (let i = 0; i < k; i++) hi += w2[i];
    if (k === 1) {
      out.origin = 0;
      out.tau = hi / (d[0] + Math.sqrt(d[0] * d[0] + hi));
      return;
    }
  } else {
    const half = (d[j + 1] - d[j]) / 2;
    const dj = d[j];
    let f = 1;
    for (let i = 0; i < k; i++) f += w2[i] / (((d[i] - dj) - half) * ((d[i] + dj) + half));
    if (f >= 0) {
      origin = j;
      lo = 0;
      hi = half * (2 * dj + half);
    } else {
      origin = j + 1;
      lo = -half * (d[j + 1] + dj + half);
      hi = 0;
    }
  }
  const dO = d[origin];
  const mu = secularIterate(j, k, d, dO, w2, lo, hi, true);
  out.origin = origin;
  out.tau = tauOfSquared(mu, dO);
}
