/**
 * Dense decompositions on flat row-major Float64Arrays: the symmetric
 * eigendecomposition and the thin singular value decomposition.
 *
 * Both follow the classic EISPACK/JAMA algorithms (Householder reduction, then
 * implicitly shifted QL/QR with Givens rotations), which give eigenvalues and
 * singular values accurate to about 2^-52 times the largest one in ABSOLUTE
 * terms, also for rank-deficient and ill-conditioned inputs.
 *
 * Memory order: the Householder phases of the textbook code walk down columns
 * (`V[k][j]` with k in the inner loop). On row-major storage that is a stride-n
 * walk, one cache miss per element once n is a few hundred, so those phases run
 * on COLUMN-major buffers (`buf[j * rows + i]` holds element (i, j)). The
 * rotation phases instead apply each sweep's chain of rotations along rows
 * (LAPACK dlasr style), so the vectors are transposed (O(n^2)) to row-major
 * in between, which is also the output layout. Every O(n^3) inner loop thus
 * runs over contiguous memory.
 *
 * Measured on one core here (scripts/linalg-timing.mjs), n = 512: eigen 0.25 s
 * and SVD 0.45 s, against 0.7 s and 1.6 s for ml-matrix. Both scale as n^3
 * (1024: about 1.9 s and 3.5 s).
 */

import { NumericError } from '../errors.js';

const EPS = 2 ** -52;
/** Smallest value whose reciprocal and square do not overflow/underflow badly (JAMA's `tiny`). */
const TINY = 2 ** -966;

/** Result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** n eigenvalues, descending. */
  readonly values: Float64Array;
  /** n x n row-major; column i (`vectors[r * n + i]`) is the unit eigenvector of `values[i]`. */
  readonly vectors: Float64Array;
}

/** Result of {@link svd}: a = u diag(s) v^T. */
export interface SingularValueDecomposition {
  /** k = min(rows, cols) singular values, descending, non-negative. */
  readonly s: Float64Array;
  /** rows x k row-major; column i is the left singular vector of `s[i]`. */
  readonly u: Float64Array;
  /** cols x k row-major; column i is the right singular vector of `s[i]`. */
  readonly v: Float64Array;
}

function checkShape(name: string, a: Float64Array, rows: number, cols: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${name}: expected a Float64Array`);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`${name}: shape must be non-negative integers, got ${rows} x ${cols}`);
  }
  if (a.length !== rows * cols) {
    throw new RangeError(`${name}: buffer has ${a.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
}

function checkFinite(name: string, a: Float64Array, cols: number): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    // x - x is NaN for both NaN and +-Infinity, and 0 otherwise.
    if (x - x !== 0) {
      throw new NumericError(
        `${name}: non-finite value ${x} at row ${Math.floor(i / cols)}, column ${i % cols}`,
        { hint: 'check the input activations for NaN or Inf' },
      );
    }
  }
}

/** sqrt(a^2 + b^2) without overflow or destructive underflow. Math.hypot is variadic and much slower in V8. */
function hypot(a: number, b: number): number {
  const x = a < 0 ? -a : a;
  const y = b < 0 ? -b : b;
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y !== 0) {
    const r = x / y;
    return y * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * Dot product of x[xo .. xo+len) and y[yo .. yo+len). Four partial sums, because
 * a single accumulator makes every step wait for the previous add's latency
 * (about 4 cycles); with four the loop runs at the multiply-add throughput.
 */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
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

/**
 * Eigendecomposition of a real symmetric n x n matrix (row-major, not mutated;
 * only one triangle is read, so tiny asymmetries from rounding do not matter).
 *
 * Algorithm: Householder tridiagonalisation with accumulation of the
 * transformations (EISPACK tred2), then the implicit QL method with Wilkinson-
 * type shifts (tql2), as in JAMA. Eigenvalues are accurate to about
 * 1e-16 * max|lambda| in absolute terms; eigenvectors are orthonormal to
 * working precision.
 *
 * @returns values descending; vectors n x n row-major with column i the unit
 *   eigenvector of values[i].
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  checkShape('symmetricEigen', a, n, n);
  checkFinite('symmetricEigen', a, n);
  // v[j * n + k] holds V(k, j) (column-major). Because a is symmetric, its
  // row-major buffer is also its column-major buffer, so a plain copy will do.
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // The QL phase wants V row-major instead (see tql2), so transpose in between.
  const w = new Float64Array(n * n);
  if (n > 0) {
    tred2(v, d, e, n);
    transposeSquareInto(v, w, n);
    tql2(w, d, e, n);
  }

  // Sort descending (tql2 leaves them in no guaranteed order); w is already
  // row-major with eigenvectors in columns, so only the columns are permuted.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) values[c] = d[order[c]];
  for (let r = 0; r < n; r++) {
    const off = r * n;
    for (let c = 0; c < n; c++) vectors[off + c] = w[off + order[c]];
  }
  return { values, vectors };
}

/**
 * Householder reduction to tridiagonal form (EISPACK tred2 via JAMA), on a
 * column-major v: V(k, j) is v[j * n + k]. On return d is the diagonal, e the
 * sub-diagonal (e[0] = 0), and v the orthogonal transformation.
 */
function tred2(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[j * n + (n - 1)];

  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + (i - 1)];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      // Generate the Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;

      // Apply the similarity transformation to the remaining columns. Column j
      // of V is contiguous, so the k loop streams through memory.
      for (let j = 0; j < i; j++) {
        const cj = j * n;
        f = d[j];
        v[i * n + j] = f; // V(j, i)
        // Fused y = A u (symmetric, one triangle): column j gives e[k] for k > j
        // and its dot with d gives e[j]. Two partial sums hide the add latency.
        let g0 = e[j] + v[cj + j] * f;
        let g1 = 0;
        let k = j + 1;
        for (; k + 1 <= i - 1; k += 2) {
          const v0 = v[cj + k];
          const v1 = v[cj + k + 1];
          g0 += v0 * d[k];
          g1 += v1 * d[k + 1];
          e[k] += v0 * f;
          e[k + 1] += v1 * f;
        }
        for (; k <= i - 1; k++) {
          const vkj = v[cj + k];
          g0 += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g0 + g1;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const cj = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[cj + k] -= f * e[k] + g * d[k];
        d[j] = v[cj + (i - 1)];
        v[cj + i] = 0;
      }
    }
    d[i] = h;
  }

  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    const ci = i * n;
    const ci1 = (i + 1) * n;
    v[ci + (n - 1)] = v[ci + i];
    v[ci + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[ci1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const cj = j * n;
        const g = dot(v, ci1, v, cj, i + 1);
        for (let k = 0; k <= i; k++) v[cj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[ci1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + (n - 1)];
    v[j * n + (n - 1)] = 0;
  }
  v[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/**
 * Symmetric tridiagonal QL with implicit shifts (EISPACK tql2 via JAMA), on a
 * ROW-major w: W(k, j) is w[k * n + j].
 *
 * One QL sweep is a chain of plane rotations on columns (i, i+1) for i = m-1
 * down to l. Applied one rotation at a time, each touches two whole columns:
 * 4 memory accesses per 6 flops, for every rotation. Instead the sweep's
 * cosines and sines are recorded and the whole chain is applied row by row
 * afterwards (as LAPACK's dlasr does): along a row, the value of column i+1
 * produced by rotation i+1 is exactly the input of rotation i, so it stays in a
 * register, each element is loaded and stored once per sweep, and the row is
 * contiguous in memory. Rows are processed four at a time for instruction-level
 * parallelism, since each row's chain is a serial dependency.
 */
function tql2(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  const cosines = new Float64Array(n);
  const sines = new Float64Array(n);

  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    // Find a small sub-diagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1) {
      if (Math.abs(e[m]) <= EPS * tst1) break;
      m++;
    }

    // If m === l, d[l] is already an eigenvalue; otherwise iterate.
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) {
          throw new NumericError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        }
        // Compute the implicit shift.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;

        // Implicit QL transformation.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cosines[i] = c;
          sines[i] = s;
        }
        applyDescendingChain(w, n, l, m, cosines, sines);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        // Check for convergence.
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * For every row of the row-major n-column matrix w, applies the rotations
 * i = hi-1 down to lo, rotation i mapping columns (i, i+1) to
 * (c x_i - s x_{i+1}, s x_i + c x_{i+1}).
 */
function applyDescendingChain(
  w: Float64Array,
  n: number,
  lo: number,
  hi: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  const rows = w.length / n;
  let k = 0;
  for (; k + 4 <= rows; k += 4) {
    const o0 = k * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let x0 = w[o0 + hi];
    let x1 = w[o1 + hi];
    let x2 = w[o2 + hi];
    let x3 = w[o3 + hi];
    for (let i = hi - 1; i >= lo; i--) {
      const c = cosines[i];
      const s = sines[i];
      const a0 = w[o0 + i];
      const a1 = w[o1 + i];
      const a2 = w[o2 + i];
      const a3 = w[o3 + i];
      w[o0 + i + 1] = s * a0 + c * x0;
      w[o1 + i + 1] = s * a1 + c * x1;
      w[o2 + i + 1] = s * a2 + c * x2;
      w[o3 + i + 1] = s * a3 + c * x3;
      x0 = c * a0 - s * x0;
      x1 = c * a1 - s * x1;
      x2 = c * a2 - s * x2;
      x3 = c * a3 - s * x3;
    }
    w[o0 + lo] = x0;
    w[o1 + lo] = x1;
    w[o2 + lo] = x2;
    w[o3 + lo] = x3;
  }
  for (; k < rows; k++) {
    const o0 = k * n;
    let x0 = w[o0 + hi];
    for (let i = hi - 1; i >= lo; i--) {
      const c = cosines[i];
      const s = sines[i];
      const a0 = w[o0 + i];
      w[o0 + i + 1] = s * a0 + c * x0;
      x0 = c * a0 - s * x0;
    }
    w[o0 + lo] = x0;
  }
}

/** out = a^T for square n x n buffers, in 32 x 32 tiles to keep both sides in cache. */
function transposeSquareInto(a: Float64Array, out: Float64Array, n: number): void {
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    for (let j0 = 0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        const src = i * n;
        for (let j = j0; j < j1; j++) out[j * n + i] = a[src + j];
      }
    }
  }
}

/**
 * Thin singular value decomposition a = u diag(s) v^T of a rows x cols
 * row-major matrix (not mutated). k = min(rows, cols).
 *
 * Algorithm: Householder bidiagonalisation, then the implicitly shifted QR
 * iteration of Golub and Kahan (LINPACK dsvdc via JAMA), with the rotations of
 * each QR sweep applied to the singular vectors row by row (as LAPACK's dlasr).
 * It never forms a^T a, so small singular values are accurate to about
 * 1e-16 * s[0] in absolute terms. When rows < cols the decomposition of a^T is
 * computed and u and v swapped (the algorithm needs rows >= cols).
 *
 * @returns s (k, descending, >= 0), u (rows x k row-major), v (cols x k
 *   row-major); column i of u and of v are the singular vectors of s[i].
 */
export function svd(a: Float64Array, rows: number, cols: number): SingularValueDecomposition {
  checkShape('svd', a, rows, cols);
  checkFinite('svd', a, cols);
  const k = Math.min(rows, cols);
  if (k === 0) {
    return { s: new Float64Array(0), u: new Float64Array(0), v: new Float64Array(0) };
  }
  const transposed = rows < cols;
  const m = transposed ? cols : rows; // m >= n
  const n = transposed ? rows : cols;
  // Column-major copy of the m x n matrix B (B = a, or a^T when transposed).
  // The column-major buffer of a^T is the row-major buffer of a: a plain copy.
  const b = transposed ? Float64Array.from(a) : transposeCopy(a, m, n);
  const { s, u, v } = golubKahan(b, m, n);
  // u is m x n and v n x n, both row-major: B = u diag(s) v^T.
  return transposed ? { s, u: v, v: u } : { s, u, v };
}

/** Transpose of a rows x cols row-major matrix, in 32 x 32 tiles. */
function transposeCopy(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
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
  return out;
}

/**
 * SVD of the m x n (m >= n >= 1) column-major matrix b (destroyed).
 * Returns s (n, descending) and the row-major u (m x n) and v (n x n).
 *
 * The Householder phases (bidiagonalisation, forming U and V) walk down
 * columns, so they run on column-major buffers; the QR phase applies chains of
 * rotations to adjacent columns, which is fastest along rows, so U and V are
 * transposed (O(mn)) in between.
 */
function golubKahan(b: Float64Array, m: number, n: number): { s: Float64Array; u: Float64Array; v: Float64Array } {
  const s = new Float64Array(n);
  const e = new Float64Array(n);
  const uc = new Float64Array(m * n);
  const vc = new Float64Array(n * n);
  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  bidiagonalize(b, m, n, s, e, uc, vc, nct, nrt);

  // Set up the final bidiagonal matrix of order p.
  const p = Math.min(n, m + 1);
  if (nct < n) s[nct] = b[nct * m + nct];
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = b[(p - 1) * m + nrt];
  e[p - 1] = 0;

  generateU(uc, s, m, n, nct);
  generateV(vc, e, n, nrt);
  const u = transposeCopy(uc, n, m);
  const v = transposeCopy(vc, n, n);
  bidiagonalQr(s, e, p, u, m, v, n);
  return { s, u, v };
}

/**
 * Householder reduction of the column-major m x n b to upper bidiagonal form:
 * diagonal into s (negated, as in LINPACK), super-diagonal into e; the left
 * Householder vectors are stored in uc (columns 0..nct) and the right ones in
 * vc (columns 0..nrt), both column-major. Column j of b is b[j*m .. j*m + m).
 *
 * Same arithmetic as LINPACK's dsvdc, reordered so that each step makes ONE
 * pass over the trailing columns instead of three: for each column j it
 * (1) applies the rank-one update left pending by the previous step's right
 * reflector, (2) applies this step's left reflector, and (3) accumulates
 * B e, the product the right reflector needs (e is row k of b, known as soon
 * as column j is updated; the reflector's normalisation is applied afterwards,
 * since B (e / norm + e_{k+1}) = (B e) / norm + column k+1). The column stays in
 * L1 cache through all three, so the matrix streams through memory once per step.
 */
function bidiagonalize(
  b: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  e: Float64Array,
  uc: Float64Array,
  vc: Float64Array,
  nct: number,
  nrt: number,
): void {
  const work = new Float64Array(m); // left vector of the pending rank-one update
  const coef = new Float64Array(n); // its right coefficients, per column
  const be = new Float64Array(m); // B e accumulated during the pass
  let pending = false;
  const steps = Math.max(nct, nrt);
  for (let k = 0; k < steps; k++) {
    const ck = k * m;
    if (pending) {
      const c = coef[k];
      for (let i = k; i < m; i++) b[ck + i] += c * work[i];
    }
    if (k < nct) {
      // Householder vector for column k, below the diagonal.
      let norm = columnNorm(b, ck + k, ck + m);
      if (norm !== 0) {
        if (b[ck + k] < 0) norm = -norm;
        const inv = 1 / norm;
        for (let i = k; i < m; i++) b[ck + i] *= inv;
        b[ck + k] += 1;
      }
      s[k] = -norm;
    }
    const applyLeft = k < nct && s[k] !== 0;
    const pivot = b[ck + k];
    const wantRight = k < nrt && k + 1 < m;
    if (wantRight) be.fill(0, k + 1, m);

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
        for (; i < m; i++) {
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
    pending = false;

    if (k < nct) {
      for (let i = k; i < m; i++) uc[ck + i] = b[ck + i];
    }
    if (k < nrt) {
      // Householder vector for row k, right of the super-diagonal.
      let norm = columnNorm(e, k + 1, n);
      if (norm !== 0) {
        if (e[k + 1] < 0) norm = -norm;
        const inv = 1 / norm;
        for (let i = k + 1; i < n; i++) e[i] *= inv;
        e[k + 1] += 1;
      }
      e[k] = -norm;
      if (wantRight && norm !== 0) {
        // The update B -= (B e) e^T / e[k+1] is left pending for the next pass.
        const inv = 1 / norm;
        const c1 = (k + 1) * m;
        for (let i = k + 1; i < m; i++) work[i] = be[i] * inv + b[c1 + i];
        const ek1 = e[k + 1];
        for (let j = k + 1; j < n; j++) coef[j] = -e[j] / ek1;
        pending = true;
      }
      const vk = k * n;
      for (let i = k + 1; i < n; i++) vc[vk + i] = e[i];
    }
  }
  if (pending) {
    for (let j = steps; j < n; j++) {
      const cj = j * m;
      const c = coef[j];
      for (let i = steps; i < m; i++) b[cj + i] += c * work[i];
    }
  }
}

/** Euclidean norm of buf[from .. to), scaled by the largest magnitude so it cannot over- or underflow. */
function columnNorm(buf: Float64Array, from: number, to: number): number {
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

/** Forms the m x n column-major U from the left Householder vectors stored in uc. */
function generateU(uc: Float64Array, s: Float64Array, m: number, n: number, nct: number): void {
  for (let j = nct; j < n; j++) {
    const cj = j * m;
    for (let i = 0; i < m; i++) uc[cj + i] = 0;
    uc[cj + j] = 1;
  }
  for (let k = nct - 1; k >= 0; k--) {
    const ck = k * m;
    if (s[k] !== 0) {
      const pivot = uc[ck + k];
      for (let j = k + 1; j < n; j++) {
        const cj = j * m;
        const t = -dot(uc, ck + k, uc, cj + k, m - k) / pivot;
        for (let i = k; i < m; i++) uc[cj + i] += t * uc[ck + i];
      }
      for (let i = k; i < m; i++) uc[ck + i] = -uc[ck + i];
      uc[ck + k] += 1;
      for (let i = 0; i < k; i++) uc[ck + i] = 0;
    } else {
      for (let i = 0; i < m; i++) uc[ck + i] = 0;
      uc[ck + k] = 1;
    }
  }
}

/** Forms the n x n column-major V from the right Householder vectors stored in vc. */
function generateV(vc: Float64Array, e: Float64Array, n: number, nrt: number): void {
  for (let k = n - 1; k >= 0; k--) {
    const ck = k * n;
    if (k < nrt && e[k] !== 0) {
      const pivot = vc[ck + k + 1];
      for (let j = k + 1; j < n; j++) {
        const cj = j * n;
        const t = -dot(vc, ck + k + 1, vc, cj + k + 1, n - k - 1) / pivot;
        for (let i = k + 1; i < n; i++) vc[cj + i] += t * vc[ck + i];
      }
    }
    for (let i = 0; i < n; i++) vc[ck + i] = 0;
    vc[ck + k] = 1;
  }
}

/**
 * Implicitly shifted QR on the bidiagonal (s, e) of order p (LINPACK dsvdc via
 * JAMA), updating the row-major u (m x n) and v (n x n). Each sweep's rotations
 * are recorded and then applied to the rows of u and v in one pass (see
 * applyAscendingChain).
 */
function bidiagonalQr(
  s: Float64Array,
  e: Float64Array,
  p: number,
  u: Float64Array,
  m: number,
  v: Float64Array,
  n: number,
): void {
  const cosV = new Float64Array(n);
  const sinV = new Float64Array(n);
  const cosU = new Float64Array(n);
  const sinU = new Float64Array(n);
  const pp = p - 1;
  const maxSweeps = 75 * n; // typically about 2 per singular value
  let sweeps = 0;
  while (p > 0) {
    let k: number;
    let kase: number;
    // kase 1: s[p-1] negligible and k < p
    // kase 2: s[k] negligible and k < p
    // kase 3: e[k-1] negligible, k < p, and s[k..p-1] not negligible (QR step)
    // kase 4: e[p-2] negligible (convergence)
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break;
      if (Math.abs(e[k]) <= TINY + EPS * (Math.abs(s[k]) + Math.abs(s[k + 1]))) {
        e[k] = 0;
        break;
      }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break;
        const t = (ks !== p ? Math.abs(e[ks]) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= TINY + EPS * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) {
        kase = 3;
      } else if (ks === p - 1) {
        kase = 1;
      } else {
        kase = 2;
        k = ks;
      }
    }
    k++;

    switch (kase) {
      case 1: {
        // Deflate negligible s[p-1]: rotations of V columns (j, p-1), j = p-2 down to k.
        let f = e[p - 2];
        e[p - 2] = 0;
        for (let j = p - 2; j >= k; j--) {
          const t = hypot(s[j], f);
          const cs = s[j] / t;
          const sn = f / t;
          s[j] = t;
          if (j !== k) {
            f = -sn * e[j - 1];
            e[j - 1] = cs * e[j - 1];
          }
          cosV[j] = cs;
          sinV[j] = sn;
        }
        applyPivotChain(v, n, p - 1, p - 2, k - 1, cosV, sinV);
        break;
      }
      case 2: {
        // Split at negligible s[k-1]: rotations of U columns (j, k-1), j = k up to p-1.
        let f = e[k - 1];
        e[k - 1] = 0;
        for (let j = k; j < p; j++) {
          const t = hypot(s[j], f);
          const cs = s[j] / t;
          const sn = f / t;
          s[j] = t;
          f = -sn * e[j];
          e[j] = cs * e[j];
          cosU[j] = cs;
          sinU[j] = sn;
        }
        applyPivotChain(u, n, k - 1, k, p, cosU, sinU);
        break;
      }
      case 3: {
        // One QR step (Golub-Kahan), shift from the trailing 2x2 block.
        if (++sweeps > maxSweeps) {
          throw new NumericError(`svd: QR iteration did not converge (${m} x ${n}, ${p} values left)`);
        }
        const scale = Math.max(
          Math.abs(s[p - 1]),
          Math.abs(s[p - 2]),
          Math.abs(e[p - 2]),
          Math.abs(s[k]),
          Math.abs(e[k]),
        );
        const sp = s[p - 1] / scale;
        const spm1 = s[p - 2] / scale;
        const epm1 = e[p - 2] / scale;
        const sk = s[k] / scale;
        const ek = e[k] / scale;
        const bb = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
        const c = sp * epm1 * (sp * epm1);
        let shift = 0;
        if (bb !== 0 || c !== 0) {
          shift = Math.sqrt(bb * bb + c);
          if (bb < 0) shift = -shift;
          shift = c / (bb + shift);
        }
        let f = (sk + sp) * (sk - sp) + shift;
        let g = sk * ek;

        // Chase the bulge down; record the rotations for V (right) and U (left).
        for (let j = k; j < p - 1; j++) {
          let t = hypot(f, g);
          let cs = f / t;
          let sn = g / t;
          if (j !== k) e[j - 1] = t;
          f = cs * s[j] + sn * e[j];
          e[j] = cs * e[j] - sn * s[j];
          g = sn * s[j + 1];
          s[j + 1] = cs * s[j + 1];
          cosV[j] = cs;
          sinV[j] = sn;
          t = hypot(f, g);
          cs = f / t;
          sn = g / t;
          s[j] = t;
          f = cs * e[j] + sn * s[j + 1];
          s[j + 1] = -sn * e[j] + cs * s[j + 1];
          g = sn * e[j + 1];
          e[j + 1] = cs * e[j + 1];
          cosU[j] = cs;
          sinU[j] = sn;
        }
        e[p - 2] = f;
        applyAscendingChain(v, n, k, p - 1, cosV, sinV);
        applyAscendingChain(u, n, k, p - 1, cosU, sinU);
        break;
      }
      default: {
        // Convergence: make the singular value non-negative, then sort it into place.
        if (s[k] <= 0) {
          s[k] = s[k] < 0 ? -s[k] : 0;
          for (let i = 0; i <= pp; i++) v[i * n + k] = -v[i * n + k];
        }
        while (k < pp) {
          if (s[k] >= s[k + 1]) break;
          const t = s[k];
          s[k] = s[k + 1];
          s[k + 1] = t;
          swapColumns(v, n, k, k + 1);
          swapColumns(u, n, k, k + 1);
          k++;
        }
        p--;
      }
    }
  }
}

/**
 * For every row of the row-major matrix w (`cols` wide), applies the rotations
 * j = lo .. hi-1 in order, rotation j mapping columns (j, j+1) to
 * (c x_j + s x_{j+1}, c x_{j+1} - s x_j).
 *
 * Rotation j+1 takes as input the new x_{j+1} written by rotation j, so along a
 * row the value is carried in a register: one load and one store per element
 * and sweep, on contiguous memory, instead of two column passes per rotation.
 * Four rows at a time, because each row's chain is a serial dependency.
 */
function applyAscendingChain(
  w: Float64Array,
  cols: number,
  lo: number,
  hi: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  const rows = w.length / cols;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * cols;
    const o1 = o0 + cols;
    const o2 = o1 + cols;
    const o3 = o2 + cols;
    let x0 = w[o0 + lo];
    let x1 = w[o1 + lo];
    let x2 = w[o2 + lo];
    let x3 = w[o3 + lo];
    for (let j = lo; j < hi; j++) {
      const c = cosines[j];
      const s = sines[j];
      const y0 = w[o0 + j + 1];
      const y1 = w[o1 + j + 1];
      const y2 = w[o2 + j + 1];
      const y3 = w[o3 + j + 1];
      w[o0 + j] = c * x0 + s * y0;
      w[o1 + j] = c * x1 + s * y1;
      w[o2 + j] = c * x2 + s * y2;
      w[o3 + j] = c * x3 + s * y3;
      x0 = c * y0 - s * x0;
      x1 = c * y1 - s * x1;
      x2 = c * y2 - s * x2;
      x3 = c * y3 - s * x3;
    }
    w[o0 + hi] = x0;
    w[o1 + hi] = x1;
    w[o2 + hi] = x2;
    w[o3 + hi] = x3;
  }
  for (; r < rows; r++) {
    const o0 = r * cols;
    let x0 = w[o0 + lo];
    for (let j = lo; j < hi; j++) {
      const c = cosines[j];
      const s = sines[j];
      const y0 = w[o0 + j + 1];
      w[o0 + j] = c * x0 + s * y0;
      x0 = c * y0 - s * x0;
    }
    w[o0 + hi] = x0;
  }
}

/**
 * For every row of the row-major w (`cols` wide), applies rotations of the
 * column pairs (j, pivot) for j = from, from+step, ... until `to` (exclusive),
 * each mapping (x_j, x_pivot) to (c x_j + s x_pivot, c x_pivot - s x_j). The
 * pivot value is carried in a register along the row. Used by the rare
 * deflation steps.
 */
function applyPivotChain(
  w: Float64Array,
  cols: number,
  pivot: number,
  from: number,
  to: number,
  cosines: Float64Array,
  sines: Float64Array,
): void {
  const rows = w.length / cols;
  const step = to > from ? 1 : -1;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let y = w[o + pivot];
    for (let j = from; j !== to; j += step) {
      const c = cosines[j];
      const s = sines[j];
      const x = w[o + j];
      w[o + j] = c * x + s * y;
      y = c * y - s * x;
    }
    w[o + pivot] = y;
  }
}

/** Swaps columns i and j of the row-major w (`cols` wide). */
function swapColumns(w: Float64Array, cols: number, i: number, j: number): void {
  for (let o = 0; o < w.length; o += cols) {
    const t = w[o + i];
    w[o + i] = w[o + j];
    w[o + j] = t;
  }
}
