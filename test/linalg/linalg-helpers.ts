/**
 * Small helpers for the linear-algebra tests: ml-matrix conversions (the
 * independent oracle), invariant checks and structured test matrices.
 */
import { Matrix as MlMatrix, QrDecomposition } from 'ml-matrix';
import { randomMatrix } from '../helpers/random.js';

/** Row-major Float64Array -> ml-matrix Matrix. */
export function toMl(a: Float64Array, rows: number, cols: number): MlMatrix {
  const m = new MlMatrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, a[i * cols + j]);
  return m;
}

/** ml-matrix Matrix -> row-major Float64Array. */
export function fromMl(m: MlMatrix): Float64Array {
  const out = new Float64Array(m.rows * m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out[i * m.columns + j] = m.get(i, j);
  return out;
}

/** Naive triple loop a (r x k) times b (k x c), row-major. */
export function naiveMultiply(a: Float64Array, r: number, k: number, b: Float64Array, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[t * c + j];
      out[i * c + j] = s;
    }
  }
  return out;
}

export function naiveTranspose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Max |Q^T Q - I| for a rows x k row-major Q (columns orthonormal). */
export function orthonormalityError(q: Float64Array, rows: number, k: number): number {
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += q[r * k + i] * q[r * k + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

/** Symmetric n x n matrix: (G + G^T) / 2 for a normal G. */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const g = randomMatrix(n, n, seed).data;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (g[i * n + j] + g[j * n + i]) / 2;
  return a;
}

/** Random n x n orthogonal matrix (Q of the QR of a normal matrix). */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  const g = randomMatrix(n, n, seed).data;
  return fromMl(new QrDecomposition(toMl(g, n, n)).orthogonalMatrix);
}

/** q1 diag(values) q2^T with q1 (rows x k) and q2 (cols x k) having orthonormal columns. */
export function withSpectrum(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  seed: number,
): { a: Float64Array; q1: Float64Array; q2: Float64Array } {
  const k = values.length;
  const full1 = randomOrthogonal(rows, seed);
  const full2 = randomOrthogonal(cols, seed + 1000);
  const q1 = new Float64Array(rows * k);
  const q2 = new Float64Array(cols * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) q1[i * k + j] = full1[i * rows + j];
  for (let i = 0; i < cols; i++) for (let j = 0; j < k; j++) q2[i * k + j] = full2[i * cols + j];
  const scaled = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) scaled[i * k + j] = q1[i * k + j] * values[j];
  const a = naiveMultiply(scaled, rows, k, naiveTranspose(q2, cols, k), cols);
  return { a, q1, q2 };
}

export function isDescending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] > a[i - 1]) return false;
  return true;
}

/** max |a - b| / max |b| (the relative difference the backend and oracle comparisons use). */
export function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(maxAbs(b), Number.MIN_VALUE);
}

/** The first entry of the n x n row-major m that differs from its mirror image, described; null if m is exactly symmetric. */
export function asymmetry(m: ArrayLike<number>, n: number): string | null {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (!Object.is(m[i * n + j], m[j * n + i])) return `(${i}, ${j}) = ${m[i * n + j]} but (${j}, ${i}) = ${m[j * n + i]}`;
    }
  }
  return null;
}

/**
 * The centred cross product sum_r (x_r - mx)(y_r - my)^T as a plain double loop
 * over transposed, centred copies (an independent reference for the kernels).
 */
export function naiveCross(
  x: Float64Array, mx: Float64Array, dx: number,
  y: Float64Array, my: Float64Array, dy: number, rows: number,
): Float64Array {
  const xt = new Float64Array(dx * rows);
  const yt = new Float64Array(dy * rows);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dx; i++) xt[i * rows + r] = x[r * dx + i] - mx[i];
    for (let j = 0; j < dy; j++) yt[j * rows + r] = y[r * dy + j] - my[j];
  }
  const out = new Float64Array(dx * dy);
  for (let i = 0; i < dx; i++) {
    for (let j = 0; j < dy; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += xt[i * rows + r] * yt[j * rows + r];
      out[i * dy + j] = s;
    }
  }
  return out;
}

/**
 * Worst | |<a_c, b_c>| - 1 | over the columns c of two n-row matrices of unit
 * columns (a k wide, b bk wide, column c of a against column order[c] of b),
 * skipping the columns whose value is closer than `minGap` to a neighbour:
 * there the vectors are not determined. 0 when every column matches up to sign.
 */
export function worstAlignment(
  a: Float64Array, k: number, b: Float64Array, bk: number, n: number,
  values: ArrayLike<number>, minGap: number, order: readonly number[] = Array.from({ length: k }, (_, i) => i),
): number {
  let worst = 0;
  for (let c = 0; c < k; c++) {
    const gap = Math.min(c > 0 ? Math.abs(values[c - 1] - values[c]) : Infinity, c < k - 1 ? Math.abs(values[c] - values[c + 1]) : Infinity);
    if (gap < minGap) continue;
    let dot = 0;
    for (let r = 0; r < n; r++) dot += a[r * k + c] * b[r * bk + order[c]];
    worst = Math.max(worst, Math.abs(Math.abs(dot) - 1));
  }
  return worst;
}

/** The first index where `values` breaks `ok`, described with its value; null when every value passes. */
export function firstFailing(values: ArrayLike<number>, ok: (x: number, i: number) => boolean): string | null {
  for (let i = 0; i < values.length; i++) if (!ok(values[i], i)) return `index ${i}: ${values[i]}`;
  return null;
}

const EPS = 2 ** -52;

/** Frobenius norm, scaled by the largest magnitude. */
export function frobenius(a: ArrayLike<number>): number {
  let big = maxAbs(a);
  if (big === 0) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] / big) ** 2;
  return big * Math.sqrt(s);
}

/** Why an SVD of a fails the contract (residual, orthonormality, order, agreement with the reference values), or []. */
export function svdDefects(
  a: Float64Array, rows: number, cols: number, got: { s: Float64Array; u: Float64Array; v: Float64Array }, reference: Float64Array,
): string[] {
  const out: string[] = [];
  const k = Math.min(rows, cols);
  const { s, u, v } = got;
  if (s.length !== k || u.length !== rows * k || v.length !== cols * k) return [`shapes ${s.length}, ${u.length}, ${v.length}`];
  if (!isDescending(s)) out.push('values not descending');
  if (!s.every((x) => x >= 0)) out.push('negative or NaN value');
  const norm = frobenius(a);
  // Residual and reference computed on a / norm: the products of the check must not overflow at 1e150.
  const inv = norm > 0 ? 1 / norm : 1;
  const us = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) us[i * k + c] = u[i * k + c] * (s[c] * inv);
  const back = naiveMultiply(us, rows, k, naiveTranspose(v, cols, k), cols);
  for (let i = 0; i < back.length; i++) back[i] -= a[i] * inv;
  const res = frobenius(back);
  const n = Math.max(rows, cols);
  if (!(res <= 10 * n * EPS)) out.push(`||A - U S V^T||_F / ||A||_F = ${res.toExponential(2)} (${(res / (n * EPS)).toFixed(1)} n eps)`);
  for (const [name, q, r] of [['U', u, rows], ['V', v, cols]] as const) {
    const orth = orthonormalityError(q, r, k);
    if (!(orth <= 10 * n * EPS)) out.push(`${name}^T ${name} - I up to ${orth.toExponential(2)}`);
  }
  const s0 = Math.max(reference[0] ?? 0, Number.MIN_VALUE);
  let dv = 0;
  for (let i = 0; i < k; i++) dv = Math.max(dv, Math.abs(s[i] - reference[i]));
  if (!(dv <= 10 * Math.sqrt(n) * EPS * s0)) out.push(`values differ from the reference by ${(dv / s0).toExponential(2)} of the largest`);
  return out;
}
