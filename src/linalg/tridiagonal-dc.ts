/**
 * Eigendecomposition of a symmetric tridiagonal matrix by Cuppen's divide and
 * conquer, as LAPACK's dstedc / dlaed0-4 (the tridiagonal phase of dsyevd).
 *
 * T is torn at the middle into diag(T1, T2) + rho v v^T (T1's last and T2's
 * first diagonal entries lowered by |rho|), both halves are solved
 * recursively (small ones by the implicit QL method), and the merge solves
 * D + rho z z^T, D the halves' eigenvalues and z made of the last row of Q1
 * and the first row of Q2:
 * - deflation (dlaed2): a tiny component of z leaves its pole as an
 *   eigenvalue, and two close poles are combined by a Givens rotation that
 *   zeroes one component of z;
 * - each root of the secular equation 1 + rho sum z_i^2 / (d_i - lambda) = 0
 *   is found as lambda = d_k + tau with d_k the nearer pole, so every
 *   difference d_i - lambda is computed to high relative accuracy
 *   (rational two-pole model steps, safeguarded by bisection on a bracket);
 * - z is recomputed from the roots (Gu and Eisenstat, dlaed3), which makes
 *   the secular eigenvectors orthogonal to working precision whatever the
 *   clustering of the roots;
 * - the merged eigenvectors are (Q1 (+) Q2) times the secular vectors: two
 *   dense products (through the product kernel of kernels.ts), one for the
 *   top rows and one for the bottom rows, each over only the columns that are
 *   non-zero there.
 * The cost is dominated by these products (about 4/3 n^3 flops at the
 * product kernel's rate, less with deflation), where the QL method spends
 * about 3 n^3 flops in rotations.
 */

import { multiply } from './kernels.js';
import { secularIterate } from './secular.js';
import { hypot, implicitQl } from './tridiagonal-ql.js';

const EPS = 2 ** -52;

/** Blocks of this order or less are solved by the QL method (LAPACK's SMLSIZ is 25). */
export const DC_LEAF_ORDER = 32;

/** Eigendecomposition of a symmetric tridiagonal matrix. */
export interface TridiagonalEigen {
  /** n eigenvalues, ascending. */
  readonly values: Float64Array;
  /** n x n COLUMN-major: eigenvector j of values[j] is vectors[j * n .. (j + 1) * n). */
  readonly vectors: Float64Array;
}

/** A solved block: eigenvalues in no particular order, eigenvectors column-major (vector j at j * m). */
const EMPTY = new Float64Array(0);

interface Block {
  readonly values: Float64Array;
  /** Emptied by the merge that consumes the block, once copied: the halves' vectors need not live through it. */
  q: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with
 * diagonal d (n) and off-diagonal e (n - 1; e[i] couples i and i + 1), by
 * divide and conquer. Neither array is mutated.
 *
 * Accuracy as the QL method: eigenvalues to a small multiple of
 * 1e-16 * max|T| in absolute terms, eigenvectors orthonormal to working
 * precision with residuals of the same order.
 *
 * @param leaf blocks up to this order are solved by QL (at least 2)
 */
export function tridiagonalEigenDC(d: Float64Array, e: Float64Array, n: number, leaf = DC_LEAF_ORDER): TridiagonalEigen {
  if (d.length < n || e.length < Math.max(n - 1, 0)) {
    throw new RangeError(`tridiagonalEigenDC: ${d.length} diagonal and ${e.length} off-diagonal entries for order ${n}`);
  }
  // Work on T / max|T| (as dstedc): the deflation tolerances and the secular
  // solver then see entries of order one.
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]));
  const vectors = new Float64Array(n * n);
  const values = new Float64Array(n);
  if (scale === 0) {
    for (let j = 0; j < n; j++) vectors[j * n + j] = 1;
    return { values, vectors };
  }
  const ds = new Float64Array(n);
  const es = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) ds[i] = d[i] / scale;
  for (let i = 0; i < n - 1; i++) es[i] = e[i] / scale;

  const block = solve(ds, es, 0, n, Math.max(2, leaf));
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => block.values[i] - block.values[j]);
  for (let c = 0; c < n; c++) {
    const from = order[c];
    values[c] = block.values[from] * scale;
    vectors.set(block.q.subarray(from * n, (from + 1) * n), c * n);
  }
  return { values, vectors };
}

/** The block of order m from lo on; d already carries the tears of the enclosing splits. */
function solve(d: Float64Array, e: Float64Array, lo: number, m: number, leaf: number): Block {
  if (m <= leaf) return leafEigen(d, e, lo, m);
  const m1 = m >> 1;
  const k = lo + m1;
  const beta = e[k - 1];
  // T = diag(T1, T2) + |beta| v v^T with v = e_{k-1} + sign(beta) e_k.
  d[k - 1] -= Math.abs(beta);
  d[k] -= Math.abs(beta);
  const top = solve(d, e, lo, m1, leaf);
  const bottom = solve(d, e, k, m - m1, leaf);
  return merge(top, m1, bottom, m - m1, beta);
}

/**
 * A leaf by the implicit QL method (./tridiagonal-ql.ts) on a dense
 * column-major m x m matrix of vectors: each sweep's rotations are applied at
 * once, a rotation of columns i and i + 1 walking two contiguous runs.
 */
function leafEigen(d0: Float64Array, e0: Float64Array, lo: number, m: number): Block {
  const d = d0.slice(lo, lo + m);
  const e = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) e[i] = e0[lo + i];
  const q = new Float64Array(m * m);
  for (let j = 0; j < m; j++) q[j * m + j] = 1;
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  const applyNow = {
    cs,
    sn,
    slot: () => 0,
    push(l: number, hi: number) {
      for (let i = hi - 1; i >= l; i--) {
        const [c, s] = [cs[i], sn[i]];
        const a = i * m;
        const b = a + m;
        for (let k = 0; k < m; k++) {
          const x = q[a + k];
          const y = q[b + k];
          q[b + k] = s * x + c * y;
          q[a + k] = c * x - s * y;
        }
      }
    },
  };
  implicitQl(d, e, m, applyNow, `a block of ${m}`);
  return { values: d, q };
}

/**
 * Eigendecomposition of diag(T1, T2) + |beta| v v^T from those of T1 (order
 * n1) and T2 (order n2): see the module comment.
 */
function merge(top: Block, n1: number, bottom: Block, n2: number, beta: number): Block {
  const m = n1 + n2;
  // D, z and Q1 (+) Q2 (column-major, m x m). z has norm sqrt(2) (a row of
  // each orthogonal half), so z / sqrt(2) and rho = 2 |beta| (as dlaed2).
  const d = new Float64Array(m);
  d.set(top.values, 0);
  d.set(bottom.values, n1);
  const z = new Float64Array(m);
  const sign = beta < 0 ? -1 : 1;
  for (let j = 0; j < n1; j++) z[j] = top.q[j * n1 + (n1 - 1)] * Math.SQRT1_2;
  for (let j = 0; j < n2; j++) z[n1 + j] = sign * bottom.q[j * n2] * Math.SQRT1_2;
  const rho = 2 * Math.abs(beta);
  const qd = new Float64Array(m * m);
  for (let j = 0; j < n1; j++) qd.set(top.q.subarray(j * n1, (j + 1) * n1), j * m);
  for (let j = 0; j < n2; j++) qd.set(bottom.q.subarray(j * n2, (j + 1) * n2), (n1 + j) * m + n1);
  top.q = bottom.q = EMPTY;
  // Where column j of qd is non-zero: 1 top rows only, 3 bottom rows only, 2 both (after a deflating rotation).
  const kind = new Uint8Array(m);
  for (let j = 0; j < m; j++) kind[j] = j < n1 ? 1 : 3;

  // Deflation (dlaed2), over the poles in ascending order.
  const sorted = Array.from({ length: m }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  let zmax = 0;
  let dmax = 0;
  for (let j = 0; j < m; j++) {
    zmax = Math.max(zmax, Math.abs(z[j]));
    dmax = Math.max(dmax, Math.abs(d[j]));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const kept: number[] = [];
  const deflated: number[] = [];
  if (rho * zmax <= tol) {
    for (const j of sorted) deflated.push(j);
  } else {
    let pj = -1;
    for (const j of sorted) {
      if (rho * Math.abs(z[j]) <= tol) {
        deflated.push(j);
        continue;
      }
      if (pj < 0) {
        pj = j;
        continue;
      }
      // Close poles: the rotation that zeroes z[pj] barely couples d[pj] and d[j].
      let s = z[pj];
      let c = z[j];
      const tau = hypot(c, s);
      const t = d[j] - d[pj];
      c /= tau;
      s = -s / tau;
      if (Math.abs(t * c * s) <= tol) {
        z[j] = tau;
        z[pj] = 0;
        const x0 = pj * m;
        const y0 = j * m;
        for (let r = 0; r < m; r++) {
          const x = qd[x0 + r];
          const y = qd[y0 + r];
          qd[x0 + r] = c * x + s * y;
          qd[y0 + r] = c * y - s * x;
        }
        if (kind[pj] !== kind[j]) {
          kind[pj] = 2;
          kind[j] = 2;
        }
        const dp = d[pj] * c * c + d[j] * s * s;
        d[j] = d[pj] * s * s + d[j] * c * c;
        d[pj] = dp;
        deflated.push(pj);
      } else {
        kept.push(pj);
      }
      pj = j;
    }
    if (pj >= 0) kept.push(pj);
  }

  const k = kept.length;
  const values = new Float64Array(m);
  const q = new Float64Array(m * m);
  // Deflated pairs go last, unchanged.
  for (let t = 0; t < deflated.length; t++) {
    const j = deflated[t];
    values[k + t] = d[j];
    q.set(qd.subarray(j * m, (j + 1) * m), (k + t) * m);
  }
  if (k === 0) return { values, q };

  // The secular problem on the kept poles (ascending: the deflating rotations keep the order).
  const dk = new Float64Array(k);
  const w2 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    dk[i] = d[kept[i]];
    w2[i] = rho * z[kept[i]] * z[kept[i]];
  }
  // delta[j * k + i] = dk[i] - lambda_j, from the root's origin pole: accurate in relative terms.
  const delta = new Float64Array(k * k);
  const root = { origin: 0, tau: 0 };
  for (let j = 0; j < k; j++) {
    secularRoot(j, k, dk, w2, root);
    const o = dk[root.origin];
    values[j] = o + root.tau;
    const row = j * k;
    for (let i = 0; i < k; i++) delta[row + i] = (dk[i] - o) - root.tau;
  }

  // Gu-Eisenstat: the z for which the computed roots are exact (up to a common factor).
  const zh = new Float64Array(k);
  for (let i = 0; i < k; i++) zh[i] = delta[i * k + i];
  for (let j = 0; j < k; j++) {
    const row = j * k;
    const dj = dk[j];
    for (let i = 0; i < k; i++) {
      if (i !== j) zh[i] *= delta[row + i] / (dk[i] - dj);
    }
  }
  for (let i = 0; i < k; i++) {
    const v = Math.sqrt(Math.max(-zh[i], 0));
    zh[i] = z[kept[i]] < 0 ? -v : v;
  }

  // Secular eigenvectors, root-major: u[j * k + i] = zh[i] / (dk[i] - lambda_j), rows normalised.
  const u = delta;
  for (let j = 0; j < k; j++) {
    const row = j * k;
    let ss = 0;
    for (let i = 0; i < k; i++) {
      const x = zh[i] / u[row + i];
      u[row + i] = x;
      ss += x * x;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < k; i++) u[row + i] *= inv;
  }

  // New vector j = sum_i u[j, i] qd[:, kept[i]]: the top rows from the kept
  // columns of kind 1 or 2, the bottom rows from those of kind 2 or 3, as
  // the products (k x ks) (ks x rows) of the selected columns of u and the
  // selected columns of qd laid out as rows.
  for (const [r0, rows, skip] of [[0, n1, 3], [n1, n2, 1]] as const) {
    const sel: number[] = [];
    for (let i = 0; i < k; i++) if (kind[kept[i]] !== skip) sel.push(i);
    if (sel.length === 0 || rows === 0) continue;
    const ks = sel.length;
    let uSel = u;
    if (ks < k) {
      uSel = new Float64Array(k * ks);
      for (let j = 0; j < k; j++) {
        const from = j * k;
        const to = j * ks;
        for (let t = 0; t < ks; t++) uSel[to + t] = u[from + sel[t]];
      }
    }
    const qSel = new Float64Array(ks * rows);
    for (let t = 0; t < ks; t++) {
      const from = kept[sel[t]] * m + r0;
      qSel.set(qd.subarray(from, from + rows), t * rows);
    }
    const part = multiply(uSel, k, ks, qSel, rows);
    for (let j = 0; j < k; j++) q.set(part.subarray(j * rows, (j + 1) * rows), j * m + r0);
  }
  return { values, q };
}

/**
 * Root j (0-based, ascending) of 1 + sum_i w2[i] / (d[i] - lambda) = 0 for
 * ascending distinct poles d (k of them) and positive weights w2: writes its
 * origin pole (the nearer one) and lambda - d[origin] into out. The root lies
 * in (d[j], d[j + 1]), the last one in (d[k - 1], d[k - 1] + sum w2].
 *
 * This finds the bracket and the nearer pole; the safeguarded iteration is
 * secularIterate's (./secular.ts, the "middle way" of dlaed4).
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
      out.tau = hi;
      return;
    }
  } else {
    const half = (d[j + 1] - d[j]) / 2;
    let f = 1;
    for (let i = 0; i < k; i++) f += w2[i] / ((d[i] - d[j]) - half);
    if (f >= 0) {
      origin = j;
      lo = 0;
      hi = half;
    } else {
      origin = j + 1;
      lo = -half;
      hi = 0;
    }
  }
  const dOrigin = d[origin];
  const tau = secularIterate(j, k, d, dOrigin, w2, lo, hi, false);
  out.origin = origin;
  out.tau = tau;
}
