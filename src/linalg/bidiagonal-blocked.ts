/**
 * Blocked Householder bidiagonalisation (LAPACK's dgebrd / dlabrd) of the
 * leading panels of a column-major m x n matrix (m >= n), producing exactly
 * the reflectors of LINPACK's reduction that decompose.ts's `bidiagonalize`
 * produces, in the same storage:
 *
 * - left reflector of step k: H_k = I - x x^T / x_k, x in column k of b
 *   (rows k .. m - 1, pivot x_k = 1 + |b_kk| / norm), s[k] = -norm (the
 *   bidiagonal's diagonal entry); none when s[k] = 0;
 * - right reflector: G_k = I - y y^T / y_{k+1}, y in row k of b and in
 *   column k of vc (rows k + 1 .. n - 1), e[k] = -norm; none when e[k] = 0.
 *
 * In LAPACK's terms v = x with tau = 1 / x_k (dlarfg's v scaled by its tau).
 *
 * Why: the unblocked reduction updates the whole trailing matrix at every
 * step (one read and one write per entry, level-2, memory bound). Here a
 * panel of BIDIAG_PANEL steps only READS the trailing matrix, twice per step
 * (the products A^T v and A u, kernels.bidiagDots / bidiagAxpys: A u needs
 * the row that A^T v gives, so the two cannot share a pass), correcting
 * them with the panel's accumulated X and Y (small products through the
 * same kernels); the panel's updates then reach the trailing matrix in one
 * product A := A - V Y^T - X U^T (kernels.panelUpdate, the product kernel's
 * tiles), half of the flops at the product kernel's speed. The two reads
 * move as many bytes as the one-pass reduction's read and write, so the
 * gain is only that half of the flops (see SVD_BLOCKED_MIN_ORDER).
 *
 * Same reflectors as the unblocked reduction up to the order of the sums:
 * the bidiagonal agrees to rounding (for full-rank matrices; past a
 * rounding-level zero the bidiagonal is not unique).
 */

import type { DecomposeKernels } from './decompose-kernels.js';

/** Steps per panel (LAPACK's nb). */
export const BIDIAG_PANEL = 32;

/** Columns left to the unblocked reduction at the end (LAPACK's nx): small trailing matrices stay in cache. */
const UNBLOCKED_TAIL = 128;

/** Doubles of the scratch buffer `panel` of {@link bidiagonalizeBlocked} for an m x n matrix. */
export function blockedBidiagScratch(m: number, n: number): number {
  return 4 * BIDIAG_PANEL * (m + n) + 2 * BIDIAG_PANEL;
}

/**
 * Reduces steps 0 .. kEnd - 1 of the column-major m x n b (m >= n) blocked,
 * and returns kEnd, where the unblocked reduction must continue (the trailing
 * matrix from row and column kEnd on is then fully updated, and no update is
 * pending). Fills s, e and, for those steps, the columns of uc (which may be
 * b itself) and vc as the unblocked reduction does. `work` (m), `coef` (n)
 * and `be` (m) are the kernels' scratch vectors, `panel` the panel's packed
 * vectors for the update ({@link blockedBidiagScratch} doubles); all from
 * kernels.alloc (arena views for WebAssembly).
 */
export function bidiagonalizeBlocked(
  kernels: DecomposeKernels,
  b: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  e: Float64Array,
  uc: Float64Array,
  vc: Float64Array,
  work: Float64Array,
  coef: Float64Array,
  be: Float64Array,
  panel: Float64Array,
): number {
  const nb = BIDIAG_PANEL;
  // The panel's vectors, one per step, indexed by global row (V, X) or column
  // (Y, U), i.e. column-major with leading dimension m or n; then the
  // products' coefficients and the packed operands of the update.
  const vs = panel.subarray(0, nb * m);
  const xs = panel.subarray(nb * m, 2 * nb * m);
  const ys = panel.subarray(2 * nb * m, 2 * nb * m + nb * n);
  const us = panel.subarray(2 * nb * m + nb * n, 2 * nb * (m + n));
  const cf = panel.subarray(2 * nb * (m + n), 2 * nb * (m + n) + 2 * nb);
  const packed = panel.subarray(2 * nb * (m + n) + 2 * nb);
  let k0 = 0;
  for (; k0 + nb <= n - UNBLOCKED_TAIL; k0 += nb) {
    vs.fill(0);
    xs.fill(0);
    ys.fill(0);
    us.fill(0);
    for (let t = 0; t < nb; t++) {
      panelStep(kernels, b, m, n, k0 + t, t, s, e, vs, xs, ys, us, cf, work, coef, be);
      const k = k0 + t;
      if (uc !== b) uc.set(b.subarray(k * m + k, k * m + m), k * m + k);
      vc.set(coef.subarray(k + 1, n), k * n + k + 1);
    }
    updateTrailing(kernels, b, m, n, k0 + nb, vs, xs, ys, us, packed);
  }
  return k0;
}

/**
 * Step k (the panel's t-th) of dlabrd, with LINPACK's reflectors; leaves the
 * right reflector's y in coef[k + 1 .. n). The corrections for the panel's
 * earlier steps are small products with the panel's vectors (vs, xs: t
 * columns of m; ys, us: t columns of n), through the same kernels; cf holds
 * their coefficients.
 */
function panelStep(
  kernels: DecomposeKernels, b: Float64Array, m: number, n: number, k: number, t: number,
  s: Float64Array, e: Float64Array,
  vs: Float64Array, xs: Float64Array, ys: Float64Array, us: Float64Array, cf: Float64Array,
  work: Float64Array, coef: Float64Array, be: Float64Array,
): void {
  const ck = k * m;
  const column = b.subarray(ck, ck + m);
  // (1) Column k as the panel's earlier steps left it: A - V Y^T - X U^T.
  if (t > 0) {
    for (let p = 0; p < t; p++) cf[p] = -ys[p * n + k];
    kernels.bidiagAxpys(vs, m, k, m, cf, 0, t, column);
    for (let p = 0; p < t; p++) cf[p] = -us[p * n + k];
    kernels.bidiagAxpys(xs, m, k, m, cf, 0, t, column);
  }
  // (2) Left reflector of column k (as bidiagonalize).
  let norm = columnNorm(b, ck + k, ck + m);
  if (norm !== 0) {
    if (b[ck + k] < 0) norm = -norm;
    const inv = 1 / norm;
    for (let i = k; i < m; i++) b[ck + i] *= inv;
    b[ck + k] += 1;
  }
  s[k] = -norm;
  const tauq = norm === 0 ? 0 : 1 / b[ck + k];
  vs.set(b.subarray(ck + k, ck + m), t * m + k);

  // (3) Y(:, t) = tauq A^T v over columns k + 1 .. n - 1, A being the
  // current matrix: the stored one's product, corrected for the panel.
  const yt = t * n;
  if (tauq !== 0) {
    kernels.bidiagDots(b, m, k, m, column, k + 1, n, work);
    if (t > 0) {
      kernels.bidiagDots(vs, m, k, m, column, 0, t, cf);
      for (let p = 0; p < t; p++) cf[p] = -cf[p];
      kernels.bidiagAxpys(ys, n, k + 1, n, cf, 0, t, work);
      kernels.bidiagDots(xs, m, k, m, column, 0, t, cf);
      for (let p = 0; p < t; p++) cf[p] = -cf[p];
      kernels.bidiagAxpys(us, n, k + 1, n, cf, 0, t, work);
    }
    for (let j = k + 1; j < n; j++) ys[yt + j] = tauq * work[j];
  }

  // (4) Row k after the left reflector: stored row - V Y^T - X U^T (V Y^T including this step).
  for (let j = k + 1; j < n; j++) coef[j] = b[j * m + k];
  for (let p = 0; p <= t; p++) cf[p] = -vs[p * m + k];
  kernels.bidiagAxpys(ys, n, k + 1, n, cf, 0, t + 1, coef);
  if (t > 0) {
    for (let p = 0; p < t; p++) cf[p] = -xs[p * m + k];
    kernels.bidiagAxpys(us, n, k + 1, n, cf, 0, t, coef);
  }
  // (5) Right reflector of row k (as bidiagonalize), stored in row k of b.
  norm = columnNorm(coef, k + 1, n);
  if (norm !== 0) {
    if (coef[k + 1] < 0) norm = -norm;
    const inv = 1 / norm;
    for (let j = k + 1; j < n; j++) coef[j] *= inv;
    coef[k + 1] += 1;
  }
  e[k] = -norm;
  const taup = norm === 0 ? 0 : 1 / coef[k + 1];
  for (let j = k + 1; j < n; j++) {
    b[j * m + k] = coef[j];
    us[yt + j] = coef[j];
  }

  // (6) X(:, t) = taup A u over rows k + 1 .. m - 1, A the current matrix
  // (after this step's left reflector).
  if (taup !== 0) {
    be.fill(0, k + 1, m);
    kernels.bidiagAxpys(b, m, k + 1, m, coef, k + 1, n, be);
    kernels.bidiagDots(ys, n, k + 1, n, coef, 0, t + 1, cf);
    for (let p = 0; p <= t; p++) cf[p] = -cf[p];
    kernels.bidiagAxpys(vs, m, k + 1, m, cf, 0, t + 1, be);
    if (t > 0) {
      kernels.bidiagDots(us, n, k + 1, n, coef, 0, t, cf);
      for (let p = 0; p < t; p++) cf[p] = -cf[p];
      kernels.bidiagAxpys(xs, m, k + 1, m, cf, 0, t, be);
    }
    const xt = t * m;
    for (let i = k + 1; i < m; i++) xs[xt + i] = taup * be[i];
  }
}

/**
 * Rows and columns k1 .. of b take the panel's updates, A -= V Y^T + X U^T,
 * in one product (kernels.panelUpdate, the product kernel's tiles, in place):
 * column c gets sum_t (-Y[t][c]) V[t] + (-U[t][c]) X[t], the rows of the
 * packed operands being [-Y[.][c], -U[.][c]] and [V[.][r], X[.][r]].
 */
function updateTrailing(
  kernels: DecomposeKernels, b: Float64Array, m: number, n: number, k1: number,
  vs: Float64Array, xs: Float64Array, ys: Float64Array, us: Float64Array, packed: Float64Array,
): void {
  const nb = BIDIAG_PANEL;
  const len2 = 2 * nb;
  const rows = m - k1;
  const cols = n - k1;
  if (rows <= 0 || cols <= 0) return;
  const left = packed.subarray(0, cols * len2);
  const right = packed.subarray(len2 * n, len2 * n + rows * len2);
  for (let c = 0; c < cols; c++) {
    const o = c * len2;
    for (let t = 0; t < nb; t++) {
      left[o + t] = -ys[t * n + k1 + c];
      left[o + nb + t] = -us[t * n + k1 + c];
    }
  }
  for (let r = 0; r < rows; r++) {
    const o = r * len2;
    for (let t = 0; t < nb; t++) {
      right[o + t] = vs[t * m + k1 + r];
      right[o + nb + t] = xs[t * m + k1 + r];
    }
  }
  kernels.panelUpdate(b.subarray(k1 * m + k1), m, cols, rows, left, right, len2);
}

/** Euclidean norm of buf[from .. to), scaled by the largest magnitude so it cannot over- or underflow (both reductions' reflectors). */
export function columnNorm(buf: Float64Array, from: number, to: number): number {
  let big = 0;
  for (let i = from; i < to; i++) {
    const x = Math.abs(buf[i]);
    if (x > big) big = x;
  }
  if (big === 0) return 0;
  const inv = 1 / big;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const x = buf[i] * inv;
    sum += x * x;
  }
  return big * Math.sqrt(sum);
}
