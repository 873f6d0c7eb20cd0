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
 * step (read and write, level-2, memory bound). Here a panel of PANEL steps
 * only READS the trailing matrix, twice per step (the products A^T v and
 * A u, kernels.bidiagDots / bidiagAxpys), correcting them with the panel's
 * accumulated X and Y; the panel's updates then reach the trailing matrix in
 * one product A := A - V Y^T - X U^T (the tiled product kernel), half of
 * the flops at the product kernel's speed.
 */

import type { DecomposeKernels } from './decompose-kernels.js';
import { multiplyTransposeAAddInto } from './kernels.js';

/** Steps per panel (LAPACK's nb). */
export const BIDIAG_PANEL = 32;

/** Trailing columns per product of the panel's update (the product's output chunk is this many columns by up to m rows). */
const UPDATE_COLUMNS = 256;

/** Columns left to the unblocked reduction at the end (LAPACK's nx): small trailing matrices stay in cache. */
const UNBLOCKED_TAIL = 128;

/**
 * Doubles of WebAssembly arena the panel updates' products take on top of a
 * decomposition's own buffers (their output chunk, packed blocks and row
 * chunks; see WasmEngine.crossProductInto), bounded generously. The caller
 * reserves them before taking its buffers, so that no product grows the arena
 * (which would detach the views the reduction works on).
 */
export function blockedBidiagScratch(m: number, n: number): number {
  // crossProductInto takes p q (output) + p + q (means) + (p + q) (BLOCK + 2)
  // (packed blocks) + chunkRows (p + q) (row chunks: BLOCK rows, or 4 MiB),
  // BLOCK = 256, each block cache-line aligned.
  const p = Math.min(UPDATE_COLUMNS, n);
  return p * m + (p + m) * 520 + (1 << 19) + 1024;
}

/**
 * Reduces steps 0 .. kEnd - 1 of the column-major m x n b (m >= n) blocked,
 * and returns kEnd, where the unblocked reduction must continue (the trailing
 * matrix from row and column kEnd on is then fully updated, and no update is
 * pending). Fills s, e and, for those steps, the columns of uc (which may be
 * b itself) and vc as the unblocked reduction does. `work` (m), `coef` (n)
 * and `be` (m) are the kernels' scratch vectors (arena views for WebAssembly).
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
): number {
  const nb = BIDIAG_PANEL;
  // The panel's vectors, one per step, indexed by global row (V, X) or column (Y, U).
  const vs = new Float64Array(nb * m);
  const xs = new Float64Array(nb * m);
  const ys = new Float64Array(nb * n);
  const us = new Float64Array(nb * n);
  let k0 = 0;
  for (; k0 + nb <= n - UNBLOCKED_TAIL; k0 += nb) {
    vs.fill(0);
    xs.fill(0);
    ys.fill(0);
    us.fill(0);
    for (let t = 0; t < nb; t++) {
      panelStep(kernels, b, m, n, k0 + t, t, s, e, vs, xs, ys, us, work, coef, be);
      const k = k0 + t;
      if (uc !== b) uc.set(b.subarray(k * m + k, k * m + m), k * m + k);
      vc.set(coef.subarray(k + 1, n), k * n + k + 1);
    }
    updateTrailing(b, m, n, k0 + nb, vs, xs, ys, us);
  }
  return k0;
}

/** Step k (the panel's t-th) of dlabrd, with LINPACK's reflectors; leaves the right reflector's y in coef[k + 1 .. n). */
function panelStep(
  kernels: DecomposeKernels, b: Float64Array, m: number, n: number, k: number, t: number,
  s: Float64Array, e: Float64Array,
  vs: Float64Array, xs: Float64Array, ys: Float64Array, us: Float64Array,
  work: Float64Array, coef: Float64Array, be: Float64Array,
): void {
  const ck = k * m;
  // (1) Column k as the panel's earlier steps left it: A - V Y^T - X U^T.
  for (let p = 0; p < t; p++) {
    const yk = ys[p * n + k];
    const uk = us[p * n + k];
    const vo = p * m;
    for (let i = k; i < m; i++) b[ck + i] -= vs[vo + i] * yk + xs[vo + i] * uk;
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
  const vt = t * m;
  vs.set(b.subarray(ck + k, ck + m), vt + k);

  // (3) Y(:, t) = tauq A^T v over columns k + 1 .. n - 1, A being the
  // current matrix: the stored one's product, corrected for the panel.
  const yt = t * n;
  if (tauq !== 0) {
    kernels.bidiagDots(b, m, k, m, b.subarray(ck, ck + m), k + 1, n, work);
    for (let p = 0; p < t; p++) {
      const vo = p * m;
      const alpha = dot(vs, vo, b, ck, k, m);
      const beta = dot(xs, vo, b, ck, k, m);
      const po = p * n;
      for (let j = k + 1; j < n; j++) work[j] -= ys[po + j] * alpha + us[po + j] * beta;
    }
    for (let j = k + 1; j < n; j++) ys[yt + j] = tauq * work[j];
  }

  // (4) Row k after the left reflector: stored row - V Y^T - X U^T (V Y^T including this step).
  for (let j = k + 1; j < n; j++) coef[j] = b[j * m + k];
  for (let p = 0; p <= t; p++) {
    const vk = vs[p * m + k];
    const xk = p < t ? xs[p * m + k] : 0;
    const po = p * n;
    for (let j = k + 1; j < n; j++) coef[j] -= vk * ys[po + j] + xk * us[po + j];
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
    for (let p = 0; p <= t; p++) {
      const po = p * n;
      const gamma = dot(ys, po, coef, 0, k + 1, n);
      const delta = p < t ? dot(us, po, coef, 0, k + 1, n) : 0;
      const vo = p * m;
      for (let i = k + 1; i < m; i++) be[i] -= vs[vo + i] * gamma + xs[vo + i] * delta;
    }
    const xt = t * m;
    for (let i = k + 1; i < m; i++) xs[xt + i] = taup * be[i];
  }
}

/**
 * Rows and columns k1 .. of b take the panel's updates, A -= V Y^T + X U^T,
 * as products through the product kernel, UPDATE_COLUMNS columns at a time:
 * out (columns c0 .. c1 - 1 by rows k1 .. m - 1, i.e. that block of b
 * transposed) = [-Y; -U]^T [V; X].
 */
function updateTrailing(
  b: Float64Array, m: number, n: number, k1: number,
  vs: Float64Array, xs: Float64Array, ys: Float64Array, us: Float64Array,
): void {
  const nb = BIDIAG_PANEL;
  const rows = m - k1;
  if (rows === 0 || k1 >= n) return;
  const right = new Float64Array(2 * nb * rows);
  for (let t = 0; t < nb; t++) {
    right.set(vs.subarray(t * m + k1, t * m + m), t * rows);
    right.set(xs.subarray(t * m + k1, t * m + m), (nb + t) * rows);
  }
  const width = Math.min(UPDATE_COLUMNS, n - k1);
  const left = new Float64Array(2 * nb * width);
  const out = new Float64Array(width * rows);
  for (let c0 = k1; c0 < n; c0 += width) {
    const w = Math.min(width, n - c0);
    for (let t = 0; t < nb; t++) {
      for (let c = 0; c < w; c++) {
        left[t * w + c] = -ys[t * n + c0 + c];
        left[(nb + t) * w + c] = -us[t * n + c0 + c];
      }
    }
    const o = out.subarray(0, w * rows);
    o.fill(0);
    multiplyTransposeAAddInto(left.subarray(0, 2 * nb * w), 2 * nb, w, right, rows, o);
    if (b.length === 0) {
      throw new Error('bidiagonalizeBlocked: the product grew the WebAssembly arena (reserve blockedBidiagScratch first)');
    }
    for (let c = 0; c < w; c++) {
      const cb = (c0 + c) * m + k1;
      const co = c * rows;
      for (let r = 0; r < rows; r++) b[cb + r] += o[co + r];
    }
  }
}

/** dot(x[xo + lo .. xo + hi), y[yo + lo .. yo + hi)). */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, lo: number, hi: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = lo;
  for (; i + 2 <= hi; i += 2) {
    s0 += x[xo + i] * y[yo + i];
    s1 += x[xo + i + 1] * y[yo + i + 1];
  }
  if (i < hi) s0 += x[xo + i] * y[yo + i];
  return s0 + s1;
}

/** Euclidean norm of buf[from .. to), scaled by the largest magnitude so it cannot over- or underflow (as decompose.ts's). */
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
