/**
 * Dense decompositions on flat row-major Float64Arrays: the symmetric
 * eigendecomposition and the thin singular value decomposition.
 *
 * Both follow the classic EISPACK/JAMA algorithms (Householder reduction, then
 * implicitly shifted QL/QR with Givens rotations), which give eigenvalues and
 * singular values accurate to about 2^-52 times the largest one in ABSOLUTE
 * terms, also for rank-deficient and ill-conditioned inputs.
 *
 * Memory order and kernels: the Householder phases walk down columns, so they
 * run on COLUMN-major buffers (`buf[j * rows + i]` holds element (i, j)); the
 * rotation phases apply each sweep's chain of rotations to adjacent columns
 * (LAPACK dlasr style) on the PANEL layout of decompose-kernels.ts (8-row
 * panels stored column by column), where a chain walks contiguous memory
 * with the running column in registers. The O(n^3) loop nests are the kernels
 * of decompose-kernels.ts: WebAssembly SIMD when the module is built (the
 * buffers in the thread's reused arena), plain TypeScript otherwise or with
 * PWCCA_KERNELS=js; SIMD and TypeScript give identical results, relaxed SIMD
 * (fused multiply-adds) results equal to rounding.
 *
 * The rotations of QR/QL sweeps depend only on the bidiagonal/tridiagonal,
 * so they are queued and applied 16 sweeps at a time (RotationQueue), and the
 * SVD's sign flips and sorting are applied when copying out.
 *
 * Speed against LAPACK (numpy's eigh and svd on one thread, CPU time, same
 * run): scripts/linalg-vs-lapack.mjs and the D rows of `npm run bench`. Both
 * decompositions replace the rotation chains (and the forming of the
 * orthogonal factors) by divide and conquer from an order on (DC_MIN_ORDER,
 * svdSolverFor), whose cost is matrix products. Where the time goes at
 * n = 2048: for the eigendecomposition about 35% in the reduction, 20% in
 * the divide and conquer, 35% in applying the reflectors; for the SVD about
 * 40% in the bidiagonalisation (memory-bound level-2 loops; blocked as
 * LAPACK's dgebrd from SVD_BLOCKED_MIN_ORDER on, which moves half of its
 * flops into the product kernel but still reads the trailing matrix twice
 * per step), 20% in the divide and conquer, 30% in applying the reflectors (the QR
 * route spends about half its time in the rotation chains).
 */

import { NumericError } from '../errors.js';
import { checkBuffer } from './checks.js';
import {
  type DecomposeKernels,
  PANEL,
  jsKernels,
  panelLength,
} from './decompose-kernels.js';
import { multiplyTransposeA, multiplyTransposeAAddInto, transposeInto } from './kernels.js';
import { tridiagonalEigenDC } from './tridiagonal-dc.js';
import { bidiagonalizeBlocked, blockedBidiagScratch, columnNorm } from './bidiagonal-blocked.js';
import { bidiagonalSvdDC } from './bidiagonal-dc.js';
import { bidiagonalQr } from './bidiagonal-qr.js';
import { implicitQl } from './tridiagonal-ql.js';
import { createWasmDecomposeKernels } from './wasm.js';

/**
 * Below this order the decompositions run the TypeScript kernels even when the
 * WebAssembly module is loaded: instantiating it and the copies cost more
 * than the SIMD saves.
 */
const WASM_MIN_ORDER = 12;

/**
 * Rotation chains (QR/QL sweeps) recorded before they are applied to the
 * vectors in one batch. The sweeps depend only on the tridiagonal/bidiagonal,
 * never on the vectors, so applying 16 at a time panel by panel keeps each
 * 8-row panel in cache through all of them: at n = 2048 the vectors (2 x 32
 * MiB for the SVD) no longer stream from memory once per sweep. 16 chains of
 * cosines and sines for n = 2048 take 512 KiB, which still fits in L2 with a
 * panel (128 KiB).
 */
const QUEUE_CHAINS = 16;

/** Rotation chains queued for a panel-layout matrix; see QUEUE_CHAINS. */
class RotationQueue {
  private count = 0;
  private readonly panels: number;

  /**
   * @param w rows x cols, panel layout
   * @param cs, sn QUEUE_CHAINS * cols cosines and sines; chain t at t * cols
   * @param bounds 2 * QUEUE_CHAINS: lo and hi of each chain
   */
  constructor(
    private readonly kernels: DecomposeKernels,
    readonly w: Float64Array,
    rows: number,
    private readonly cols: number,
    readonly cs: Float64Array,
    readonly sn: Float64Array,
    private readonly bounds: Float64Array,
    private readonly descending: boolean,
  ) {
    this.panels = Math.ceil(rows / PANEL);
  }

  /** Where the next chain's rotation j goes: cs[slot + j], sn[slot + j]. */
  slot(): number {
    return this.count * this.cols;
  }

  /** Queues the chain written at slot(), rotations lo .. hi-1 (ascending) or hi-1 .. lo (descending). */
  push(lo: number, hi: number): void {
    this.bounds[2 * this.count] = lo;
    this.bounds[2 * this.count + 1] = hi;
    if (++this.count === QUEUE_CHAINS) this.flush();
  }

  /** Applies the queued chains in order; afterwards slot() is 0. */
  flush(): void {
    if (this.count === 0) return;
    if (this.descending) this.kernels.rotDescending(this.w, this.panels, this.cols, this.count, this.bounds, this.cs, this.sn);
    else this.kernels.rotAscending(this.w, this.panels, this.cols, this.count, this.bounds, this.cs, this.sn);
    this.count = 0;
  }

  /** Applies a chain of rotations of column pairs (j, pivot) at once (see DecomposeKernels.rotPivot); cs/sn indexed by j. */
  pivot(pivot: number, from: number, to: number): void {
    this.kernels.rotPivot(this.w, this.panels, this.cols, pivot, from, to, this.cs, this.sn);
  }
}

/** The kernels for a decomposition of order n (see decompose-kernels.ts). */
function kernelsFor(n: number): DecomposeKernels {
  return (n >= WASM_MIN_ORDER ? createWasmDecomposeKernels() : null) ?? jsKernels;
}

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

/**
 * Eigendecomposition of a real symmetric n x n matrix (row-major, not mutated;
 * only one triangle is read, so tiny asymmetries from rounding do not matter).
 *
 * Algorithm: Householder tridiagonalisation (EISPACK tred2; from order 1536
 * on blocked as LAPACK's dsytrd, with the trailing updates as rank-2k
 * products). Below order DC_MIN_ORDER: accumulation of the transformations
 * (16 reflectors per pass), then the implicit QL method with Wilkinson-type
 * shifts (tql2), as in JAMA. From DC_MIN_ORDER on, as LAPACK's dsyevd:
 * Cuppen's divide and conquer on the tridiagonal (tridiagonal-dc.ts), then
 * the reflectors applied to its eigenvectors in blocks. Eigenvalues are
 * accurate to about 1e-16 * max|lambda| in absolute terms; eigenvectors are
 * orthonormal to working precision.
 *
 * @returns values descending; vectors n x n row-major with column i the unit
 *   eigenvector of values[i].
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  checkBuffer('symmetricEigen', a, n, n);
  checkFinite('symmetricEigen', a, n);
  return eigenWith(a, n, n >= BLOCKED_MIN_ORDER, n >= DC_MIN_ORDER ? 'dc' : 'ql');
}

/** How symmetricEigen solves the tridiagonal problem: implicit QL, or divide and conquer. */
export type TridiagonalSolver = 'ql' | 'dc';

/**
 * Orders from which symmetricEigen solves the tridiagonal problem by divide
 * and conquer (tridiagonal-dc.ts) instead of QL: its merges and the
 * application of the reflectors are matrix products, which beat QL's
 * rotation chains and the accumulation of Q once the matrices are large
 * enough (measured here, CPU time: 16 vs 14 ms at 256, even at 320, 40 vs
 * 42 ms at 384, 85 vs 100 ms at 512).
 */
export const DC_MIN_ORDER = 384;

/**
 * {@link symmetricEigen} with the reduction to tridiagonal form blocked
 * (tred2Blocked) or not (tred2), and the tridiagonal problem solved by QL or
 * by divide and conquer, whatever the order: symmetricEigen blocks from
 * BLOCKED_MIN_ORDER on and uses divide and conquer from DC_MIN_ORDER on.
 * Exported so that tests can hold the routes to each other; not part of the
 * package's interface.
 */
export function symmetricEigenRoute(
  a: Float64Array, n: number, blocked: boolean, solver: TridiagonalSolver = n >= DC_MIN_ORDER ? 'dc' : 'ql',
): SymmetricEigen {
  checkBuffer('symmetricEigenRoute', a, n, n);
  checkFinite('symmetricEigenRoute', a, n);
  return eigenWith(a, n, blocked, solver);
}

/**
 * Matrices whose largest |entry| lies outside 2^-SAFE_EXPONENT ..
 * 2^SAFE_EXPONENT are decomposed scaled by a power of two (exact) and their
 * eigenvalues or singular values scaled back, as LAPACK's dsyevd and dgesdd
 * do: near 1e300 the QL/QR shifts and the Householder updates overflow (NaN
 * results or no convergence), near 1e-300 they lose their precision in
 * subnormal numbers.
 */
const SAFE_EXPONENT = 256;

/**
 * The two factors (each a normal number: 2^exponent itself may overflow)
 * whose product scales a matrix of largest |entry| amax to about 1, or null
 * when amax is within the safe range.
 */
function safeScale(amax: number): [number, number] | null {
  const exponent = amax > 0 ? -Math.round(Math.log2(amax)) : 0;
  if (Math.abs(exponent) <= SAFE_EXPONENT) return null;
  return [2 ** Math.trunc(exponent / 2), 2 ** (exponent - Math.trunc(exponent / 2))];
}

function eigenWith(a: Float64Array, n: number, blocked: boolean, solver: TridiagonalSolver): SymmetricEigen {
  // The upper triangle only: the decompositions read nothing else.
  let amax = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) amax = Math.max(amax, Math.abs(a[i * n + j]));
  const factors = safeScale(amax);
  if (factors !== null) {
    const [f1, f2] = factors;
    const { values, vectors } = eigenUnscaled(a.map((x) => x * f1 * f2), n, blocked, solver);
    return { values: values.map((x) => x / f1 / f2), vectors };
  }
  return eigenUnscaled(a, n, blocked, solver);
}

function eigenUnscaled(a: Float64Array, n: number, blocked: boolean, solver: TridiagonalSolver): SymmetricEigen {
  const kernels = kernelsFor(n);
  try {
    return solver === 'dc' ? eigenDcOn(kernels, a, n, blocked) : eigenOn(kernels, a, n, blocked);
  } finally {
    kernels.release();
  }
}

/**
 * The divide-and-conquer route: the same reduction to tridiagonal form as
 * eigenOn, the tridiagonal's eigenvectors Z by tridiagonalEigenDC, then the
 * reflectors of the reduction applied to Z in blocks (as LAPACK's dormtr),
 * instead of forming Q (tred2Accumulate) and multiplying: both phases then
 * run as matrix products. The kernels' buffers are copied out and released
 * first: the products take their own blocks from the same arena, and growing
 * it would detach the views.
 */
function eigenDcOn(kernels: DecomposeKernels, a: Float64Array, n: number, blocked: boolean): SymmetricEigen {
  const packed = blocked ? 2 * TRED_PANEL * Math.max(n, 1) : 0;
  const [v, d, e, p1, p2] = kernels.alloc([n * n, n, n, packed, packed]);
  v.set(a);
  if (n > 0) {
    if (blocked) tred2Blocked(kernels, v, d, e, n, p1, p2);
    else tred2(kernels, v, d, e, n);
  }
  // The reduction leaves T's diagonal on v's diagonal, e[i] coupling i - 1
  // and i, and the reflector of step s (s = 1 .. n - 1) in column s of v
  // (rows 0 .. s - 1) with its h in d[s].
  const reflectors = v.slice();
  const h = d.slice();
  const diagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) diagonal[i] = v[i * n + i];
  const off = e.slice(1);
  kernels.release();

  const { values, vectors: z } = descendingRowMajor(tridiagonalEigenDC(diagonal, off, n), n);
  applyReductionReflectors(reflectors, h, n, z);
  return { values, vectors: z };
}

/**
 * The tridiagonal's eigenpairs (values ascending, vector j column-major at
 * j * n) as symmetricEigen returns them: values descending, vectors row-major
 * with column c the vector of values[c]. A tiled transpose, then each row
 * reversed in place: no second n x n buffer (this route's memory peaks here).
 */
function descendingRowMajor(tri: { values: Float64Array; vectors: Float64Array }, n: number): SymmetricEigen {
  const values = new Float64Array(n);
  for (let c = 0; c < n; c++) values[c] = tri.values[n - 1 - c];
  const vectors = new Float64Array(n * n);
  transposeInto(tri.vectors, n, n, vectors);
  for (let r = 0; r < n; r++) vectors.subarray(r * n, (r + 1) * n).reverse();
  return { values, vectors };
}

/**
 * Reflectors per block of applyReductionReflectors: wider blocks make the
 * two large products more efficient but the triangular factor's product
 * (b^2 cols per block) costlier; measured best: 64 at 512, 128 from 1024 on.
 */
function reflectorBlock(n: number): number {
  return n < 1024 ? 64 : 128;
}

/**
 * z <- Q z for the orthogonal Q = H_{n-1} ... H_1 of the reduction (the
 * matrix tred2Accumulate forms), H_s = I - u_s u_s^T / h_s with u_s in column
 * s of the column-major v (rows 0 .. s - 1) and h_s = h[s] (H_s = I when h_s
 * is 0). z is n x n row-major.
 */
function applyReductionReflectors(v: Float64Array, h: Float64Array, n: number, z: Float64Array): void {
  applyReflectors({
    count: Math.max(n - 1, 0),
    buf: v,
    start: (t) => (t + 1) * n,
    lo: () => 0,
    hi: (t) => t + 1,
    tau: (t) => (h[t + 1] === 0 ? 0 : 1 / h[t + 1]),
  }, z, n, reflectorBlock(n));
}

/**
 * Householder reflectors H_t = I - tau_t w_t w_t^T, t = 0 .. count - 1 in
 * the order they are applied (H_0 first); w_t is zero outside rows
 * lo(t) .. hi(t) - 1, whose entries are buf[start(t) ..] (contiguous).
 * tau_t = 0 stands for the identity.
 */
interface ReflectorSequence {
  readonly count: number;
  readonly buf: Float64Array;
  start(t: number): number;
  lo(t: number): number;
  hi(t: number): number;
  tau(t: number): number;
}

/**
 * z <- H_{count-1} ... H_1 H_0 z for the reflectors of `seq` (as LAPACK's
 * dormtr / dormbr), z having `cols` columns (row-major). The reflectors go
 * `block` at a time: H_{t1-1} ... H_{t0} = (H_{t0} ... H_{t1-1})^T =
 * I - V T^T V^T with V = [w_{t0} .. w_{t1-1}] and T the upper triangular
 * factor of LAPACK's dlarft (forward, column-wise), so each block costs three
 * matrix products: W = V^T z, W <- T^T W, z -= V W, on the rows the block
 * reaches.
 */
function applyReflectors(seq: ReflectorSequence, z: Float64Array, cols: number, block: number): void {
  const { buf } = seq;
  for (let t0 = 0; t0 < seq.count; t0 += block) {
    const t1 = Math.min(seq.count, t0 + block);
    const b = t1 - t0;
    let r0 = Infinity;
    let r1 = 0;
    for (let t = t0; t < t1; t++) {
      r0 = Math.min(r0, seq.lo(t));
      r1 = Math.max(r1, seq.hi(t));
    }
    const rows = r1 - r0;
    if (rows <= 0) continue;
    // V (rows x b) and its transpose (b x rows), both row-major.
    const vb = new Float64Array(rows * b);
    const vt = new Float64Array(b * rows);
    const tau = new Float64Array(b);
    for (let t = 0; t < b; t++) {
      const x = seq.tau(t0 + t);
      if (x === 0) continue;
      tau[t] = x;
      const from = seq.start(t0 + t);
      const lo = seq.lo(t0 + t);
      const len = seq.hi(t0 + t) - lo;
      vt.set(buf.subarray(from, from + len), t * rows + lo - r0);
      for (let k = 0; k < len; k++) vb[(lo - r0 + k) * b + t] = buf[from + k];
    }
    // T: T[t][t] = tau_t, T[0..t)[t] = -tau_t T[0..t)[0..t) (V^T u_t)[0..t).
    const gram = multiplyTransposeA(vb, rows, b, vb, b);
    const tf = new Float64Array(b * b);
    for (let t = 0; t < b; t++) {
      tf[t * b + t] = tau[t];
      if (tau[t] === 0) continue;
      for (let i = 0; i < t; i++) {
        let x = 0;
        for (let j = i; j < t; j++) x += tf[i * b + j] * gram[j * b + t];
        tf[i * b + t] = -tau[t] * x;
      }
    }
    const zr = z.subarray(r0 * cols, r1 * cols);
    const w = multiplyTransposeA(vb, rows, b, zr, cols);
    // -T^T W (T^T is tf read transposed), then z += V (-T^T W) = (V^T)^T (-T^T W) in place.
    const tw = multiplyTransposeA(tf, b, b, w, cols);
    for (let k = 0; k < tw.length; k++) tw[k] = -tw[k];
    multiplyTransposeAAddInto(vt, b, rows, tw, cols, zr);
  }
}

function eigenOn(kernels: DecomposeKernels, a: Float64Array, n: number, blocked: boolean): SymmetricEigen {
  // v[j * n + k] holds V(k, j) (column-major). Because a is symmetric, its
  // row-major buffer is also its column-major buffer, so a plain copy will do.
  // The QL phase works on the panel layout w instead (see tql2).
  const packed = blocked ? 2 * TRED_PANEL * Math.max(n, 1) : 0;
  const [v, d, e, w, cosines, sines, bounds, p1, p2, us, ws, hs] = kernels.alloc([
    n * n, n, n, panelLength(n, n), QUEUE_CHAINS * n, QUEUE_CHAINS * n, 2 * QUEUE_CHAINS, packed, packed,
    ACCUMULATE_BLOCK * n, ACCUMULATE_BLOCK * n, ACCUMULATE_BLOCK,
  ]);
  v.set(a);
  if (n > 0) {
    if (blocked) tred2Blocked(kernels, v, d, e, n, p1, p2);
    else tred2(kernels, v, d, e, n);
    tred2Accumulate(kernels, v, d, e, n, us, ws, hs);
    columnMajorToPanels(v, n, n, w);
    tql2(d, e, n, new RotationQueue(kernels, w, n, n, cosines, sines, bounds, true));
  }

  // Sort descending (tql2 leaves them in no guaranteed order): only the
  // columns are permuted, while copying out of the kernels' buffers.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) values[c] = d[order[c]];
  for (let r = 0; r < n; r++) {
    const off = r * n;
    const pr = (r >> 3) * n * PANEL + (r & 7);
    for (let c = 0; c < n; c++) vectors[off + c] = w[pr + order[c] * PANEL];
  }
  return { values, vectors };
}

/**
 * Householder reduction to tridiagonal form (EISPACK tred2 via JAMA), on a
 * column-major v: V(k, j) is v[j * n + k]. On return the reflector of step i
 * is in column i (rows 0 .. i - 1) with its h in d[i], the diagonal on v's
 * diagonal and the sub-diagonal in e; tred2Accumulate then forms the
 * orthogonal transformation.
 */
function tred2(kernels: DecomposeKernels, v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
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
      h = householderVector(d, e, i, scale);
      // Apply the similarity transformation to the remaining columns: the
      // product p = A u (into e), then the rank-two update of the triangle.
      // Column j of V is contiguous, so both stream through memory.
      kernels.tred2Symv(v, n, d, e, i);
      rankTwoVector(d, e, i, h);
      kernels.tred2Rank2(v, n, d, e, i);
    }
    d[i] = h;
  }
}

/**
 * Step i's Householder vector (EISPACK tred2), from d[0..i) (the row being
 * reduced) with scale = sum |d[k]| > 0: d[0..i) becomes the vector u, e[i]
 * the sub-diagonal entry, and e[0..i) is cleared for the product p = A u.
 * Returns h = u^T u / 2. Shared by the plain and the blocked reduction, which
 * must stay bit-identical.
 */
function householderVector(d: Float64Array, e: Float64Array, i: number, scale: number): number {
  let h = 0;
  for (let k = 0; k < i; k++) {
    d[k] /= scale;
    h += d[k] * d[k];
  }
  const f = d[i - 1];
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  e[i] = scale * g;
  h -= f * g;
  d[i - 1] = f - g;
  for (let j = 0; j < i; j++) e[j] = 0;
  return h;
}

/** e[0..i) = p / h - (u^T p / 2h^2) u from p = A u in e: the second vector of step i's rank-two update. */
function rankTwoVector(d: Float64Array, e: Float64Array, i: number, h: number): void {
  let f = 0;
  for (let j = 0; j < i; j++) {
    e[j] /= h;
    f += e[j] * d[j];
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) e[j] -= hh * d[j];
}

/**
 * Panel width of the blocked reduction (tred2Blocked): the trailing matrix is
 * updated once per TRED_PANEL steps, by a rank-2 TRED_PANEL update.
 */
const TRED_PANEL = 32;
/**
 * Orders from which symmetricEigen reduces blocked. Below, the matrix stays in
 * cache and the panel bookkeeping (in TypeScript) costs about what the blocking
 * saves (measured here: 3% slower at 1024, even at 1536, 25% faster at 2048).
 */
const BLOCKED_MIN_ORDER = 1536;

/**
 * tred2's reduction (see {@link tred2}), blocked as LAPACK's dsytrd/dlatrd:
 * the same reflectors in the same order, but the rank-two update of each step,
 * A -= u q^T + q u^T, is not applied to the stored matrix at once. The steps
 * of a panel keep their u and q; a step reads its row of the partly reduced
 * matrix as the stored row minus the pending updates, and its product A u as
 * the stored matrix times u minus the pending updates' share; at the end of
 * the panel the leading block takes all TRED_PANEL updates in one rank-2k
 * update (kernels.rank2kUpdate, through the tiled product kernel). The stored
 * matrix streams through memory once per step (the product) instead of twice
 * (product, then update), and the update runs at the product kernel's speed.
 * Same arithmetic up to the order of the sums: the result agrees with the
 * unblocked reduction to rounding.
 *
 * @param p1, p2 2 TRED_PANEL n doubles each: the packed panel for rank2kUpdate
 */
function tred2Blocked(
  kernels: DecomposeKernels, v: Float64Array, d: Float64Array, e: Float64Array, n: number,
  p1: Float64Array, p2: Float64Array,
): void {
  // u_t and q_t of the panel's steps, vector t at t * n (entries 0 .. i_t - 1).
  const us = new Float64Array(TRED_PANEL * n);
  const qs = new Float64Array(TRED_PANEL * n);
  let count = 0;
  for (let i = n - 1; i > 0; i--) {
    // Row i of the partly reduced matrix (the stored one is stale by the panel's updates), and its diagonal entry.
    for (let j = 0; j < i; j++) d[j] = v[j * n + i];
    for (let t = 0; t < count; t++) {
      const o = t * n;
      const ui = us[o + i];
      const qi = qs[o + i];
      for (let j = 0; j < i; j++) d[j] -= ui * qs[o + j] + qi * us[o + j];
      v[i * n + i] -= ui * qi + qi * ui;
    }
    // Row i is reduced by this step: clear it, as tred2 does.
    for (let j = 0; j < i; j++) v[j * n + i] = 0;

    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) v[i * n + j] = 0;
    } else {
      h = householderVector(d, e, i, scale);
      // p = A u: the stored matrix's product (which also stores u into column i), minus the pending updates' share.
      kernels.tred2Symv(v, n, d, e, i);
      for (let t = 0; t < count; t++) {
        const o = t * n;
        let qu = 0;
        let uu = 0;
        for (let k = 0; k < i; k++) {
          qu += qs[o + k] * d[k];
          uu += us[o + k] * d[k];
        }
        for (let k = 0; k < i; k++) e[k] -= us[o + k] * qu + qs[o + k] * uu;
      }
      rankTwoVector(d, e, i, h);
      const o = count * n;
      us.set(d.subarray(0, i), o);
      qs.set(e.subarray(0, i), o);
      count++;
    }
    d[i] = h;
    if (count > 0 && (count === TRED_PANEL || i === 1)) {
      // The leading i x i block (what is left to reduce) takes the panel's updates.
      const len2 = 2 * count;
      for (let a = 0; a < i; a++) {
        const r = a * len2;
        for (let t = 0; t < count; t++) {
          const o = t * n + a;
          p1[r + t] = us[o];
          p1[r + count + t] = qs[o];
          p2[r + t] = -qs[o];
          p2[r + count + t] = -us[o];
        }
      }
      kernels.rank2kUpdate(v, n, i, p1, p2, len2);
      count = 0;
    }
  }
}

/**
 * The second half of tred2: accumulates the reflectors stored by the
 * reduction (column i + 1 holds u of step i + 1, d[i + 1] its h) into v, the
 * orthogonal transformation, and leaves the diagonal in d, the sub-diagonal
 * in e.
 */
function tred2Accumulate(
  kernels: DecomposeKernels, v: Float64Array, d: Float64Array, e: Float64Array, n: number,
  us: Float64Array, ws: Float64Array, hs: Float64Array,
): void {
  // Reflectors ACCUMULATE_BLOCK at a time: steps i = i0 .. i1 - 1 (reflector
  // of step i: u in column i + 1, rows 0 .. i, and h = d[i + 1]). Each step
  // first turns its column i into e_i (its diagonal saved in row n - 1, where
  // no reflector reaches), then applies its reflector to columns 0 .. i; the
  // block copies its reflectors out, sets its columns up, and lets every
  // column take the block's reflectors in one pass (tred2AccumulateBlock).
  for (let i0 = 0; i0 < n - 1; i0 += ACCUMULATE_BLOCK) {
    const i1 = Math.min(n - 1, i0 + ACCUMULATE_BLOCK);
    for (let i = i0; i < i1; i++) {
      const t = i - i0;
      const ci1 = (i + 1) * n;
      const h = d[i + 1];
      hs[t] = h;
      if (h !== 0) {
        for (let k = 0; k <= i; k++) {
          us[t * n + k] = v[ci1 + k];
          ws[t * n + k] = v[ci1 + k] / h;
        }
      }
      for (let k = 0; k <= i; k++) v[ci1 + k] = 0;
    }
    for (let i = i0; i < i1; i++) {
      const ci = i * n;
      v[ci + (n - 1)] = v[ci + i];
      v[ci + i] = 1;
    }
    kernels.tred2AccumulateBlock(v, n, us, ws, hs, i1 - i0, i0, i1);
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[j * n + (n - 1)];
    v[j * n + (n - 1)] = 0;
  }
  v[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Reflectors per pass of tred2Accumulate: 2 x 16 vectors of up to 2048 doubles (512 KiB) stay in L2 with a column. */
const ACCUMULATE_BLOCK = 16;

/**
 * Symmetric tridiagonal QL with implicit shifts (EISPACK tql2 via JAMA); the
 * eigenvectors W (panel layout) are updated through the rotation queue.
 *
 * One QL sweep is a chain of plane rotations on columns (i, i+1) for i = m-1
 * down to l. Applied one rotation at a time, each touches two whole columns:
 * 4 memory accesses per 6 flops, for every rotation. Instead the sweep's
 * cosines and sines are recorded and the whole chain is applied row by row
 * afterwards (as LAPACK's dlasr does): along a row, the value of column i+1
 * produced by rotation i+1 is exactly the input of rotation i, so it stays in a
 * register, each element is loaded and stored once per sweep, and the row is
 * contiguous in memory (8-row panels, four f64x2 vectors carried). The chains
 * of up to QUEUE_CHAINS sweeps are applied together, panel by panel.
 */
function tql2(d: Float64Array, e: Float64Array, n: number, vectors: RotationQueue): void {
  // tred2 leaves e[i] coupling i - 1 and i; implicitQl wants it coupling i and i + 1.
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  implicitQl(d, e, n, vectors, String(n));
  vectors.flush();
}

/**
 * Copies the column-major rows x cols src (element (i, j) at src[j * rows + i])
 * into the panel layout dst (see decompose-kernels.ts), leaving padding rows zero.
 */
function columnMajorToPanels(src: Float64Array, rows: number, cols: number, dst: Float64Array): void {
  for (let r0 = 0; r0 < rows; r0 += PANEL) {
    const len = Math.min(PANEL, rows - r0);
    const base = (r0 / PANEL) * cols * PANEL;
    for (let j = 0; j < cols; j++) {
      const from = j * rows + r0;
      const to = base + j * PANEL;
      for (let t = 0; t < len; t++) dst[to + t] = src[from + t];
    }
  }
}

/**
 * Row-major copy of the rows x cols panel-layout src, column c of the result
 * being column order[c] of src times signs[order[c]] (1 without signs).
 */
function panelsToRowMajor(
  src: Float64Array,
  rows: number,
  cols: number,
  order: readonly number[],
  signs: Float64Array | null,
): Float64Array {
  const out = new Float64Array(rows * cols);
  const at = Int32Array.from(order, (j) => j * PANEL);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const pr = (r >> 3) * cols * PANEL + (r & 7);
    if (signs === null) {
      for (let c = 0; c < cols; c++) out[off + c] = src[pr + at[c]];
    } else {
      for (let c = 0; c < cols; c++) out[off + c] = src[pr + at[c]] * signs[order[c]];
    }
  }
  return out;
}

/**
 * Thin singular value decomposition a = u diag(s) v^T of a rows x cols
 * row-major matrix (not mutated). k = min(rows, cols).
 *
 * Algorithm: Householder bidiagonalisation (LINPACK dsvdc via JAMA), then
 * the bidiagonal's SVD. Below the orders of svdSolverFor: the implicitly
 * shifted QR iteration of Golub and Kahan, with the rotations of each QR
 * sweep applied to the formed U and V row by row (as LAPACK's dlasr). From
 * there on, as LAPACK's dgesdd: divide and conquer on the bidiagonal
 * (bidiagonal-dc.ts), then the bidiagonalisation's reflectors applied to its
 * singular vectors in blocks. Neither forms a^T a, so small singular values
 * are accurate to about 1e-16 * s[0] in absolute terms; the vectors are
 * orthonormal to working precision. When rows < cols the decomposition of
 * a^T is computed and u and v swapped (the algorithm needs rows >= cols).
 *
 * @returns s (k, descending, >= 0), u (rows x k row-major), v (cols x k
 *   row-major); column i of u and of v are the singular vectors of s[i].
 */
export function svd(a: Float64Array, rows: number, cols: number): SingularValueDecomposition {
  checkBuffer('svd', a, rows, cols);
  checkFinite('svd', a, cols);
  return svdWith(a, rows, cols, svdSolverFor(rows, cols), reductionFor(rows, cols));
}

/**
 * How svd reduces the matrix to bidiagonal form: LINPACK's one-pass
 * reduction (`bidiagonalize`), or blocked as LAPACK's dgebrd
 * (bidiagonal-blocked.ts). Both produce the same reflectors, to rounding.
 */
export type BidiagonalReduction = 'unblocked' | 'blocked';

/**
 * Orders (min(rows, cols)) from which svd bidiagonalises blocked
 * (bidiagonal-blocked.ts, which leaves the last 128 columns to the unblocked
 * reduction, so it only differs from order 160 on). The gain is small: the
 * blocked reduction reads the trailing matrix twice per step (A^T v, then
 * A u, which depends on it), as many bytes as the one-pass reduction's read
 * and write, and both are memory bound; it wins the half of the flops that
 * moves into the product kernel. Measured here (CPU time, one thread, best
 * of 2-7, alternating, random matrices), unblocked vs blocked, in ms: the
 * reduction alone 512: 49 vs 43, 1024: 404 vs 394, 2048: 3273 vs 2981; svd
 * (QR route) 256: 25 vs 26, 320: 49 vs 48, 384: 80 vs 76; svd (divide and
 * conquer) 384: 74 vs 67, 512: 153 vs 145, 768: 473 vs 460, 1024: 1020 vs
 * 1039 and 1033 vs 1017, 2048: 7605 vs 7510 (best of 2) and 7096 vs 6666
 * (best of 3), 2000 x 512: 483 vs 471. Panels of 16 or 64 steps and an
 * unblocked tail of 64 or 256 columns measured the same within noise.
 */
export const SVD_BLOCKED_MIN_ORDER = 384;

/** The bidiagonal reduction svd uses for a rows x cols matrix. */
export function reductionFor(rows: number, cols: number): BidiagonalReduction {
  return Math.min(rows, cols) >= SVD_BLOCKED_MIN_ORDER ? 'blocked' : 'unblocked';
}

/** How svd solves the bidiagonal problem: implicit QR, or divide and conquer. */
export type BidiagonalSolver = 'qr' | 'dc';

/**
 * Orders (min(rows, cols)) from which svd solves the bidiagonal problem by
 * divide and conquer (bidiagonal-dc.ts) and applies the reflectors of the
 * bidiagonalisation to its singular vectors in blocks, instead of forming U
 * and V and running the QR iteration's rotation chains on them: both are
 * then matrix products, which win once the matrices are large enough.
 * Measured here (CPU time, one thread, best of 7, alternating, random
 * matrices), QR route vs divide and conquer, in ms: square 256: 25 vs 30,
 * 320: 47 vs 50, 352: 63 vs 64, 384: 81 vs 79, 448: 126 vs 117, 512: 183 vs
 * 162, 1024: 1431 vs 1128, 2048: 12.2 s vs 8.3 s.
 */
export const SVD_DC_MIN_ORDER = 384;

/**
 * Orders from which svd uses divide and conquer for matrices at least twice
 * as tall as wide (or wide as tall): the QR route's rotations of the m x n U
 * cost more there. Measured as SVD_DC_MIN_ORDER, in ms: 400 x 200: 24 vs 24,
 * 1000 x 128: 22 vs 22, 512 x 256: 47 vs 44, 1000 x 256: 83 vs 62, 640 x 320:
 * 89 vs 80.
 */
export const SVD_DC_MIN_ORDER_ELONGATED = 256;

/** The route svd takes for a rows x cols matrix. */
export function svdSolverFor(rows: number, cols: number): BidiagonalSolver {
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  return n >= SVD_DC_MIN_ORDER || (n >= SVD_DC_MIN_ORDER_ELONGATED && m >= 2 * n) ? 'dc' : 'qr';
}

/**
 * {@link svd} with the bidiagonal problem solved by the QR iteration or by
 * divide and conquer whatever the order (svd chooses by svdSolverFor), and
 * the given bidiagonal reduction (by default svd's, reductionFor).
 * Exported so that tests can hold the routes to each other; not part of
 * the package's interface.
 */
export function svdRoute(
  a: Float64Array, rows: number, cols: number, solver: BidiagonalSolver,
  reduction: BidiagonalReduction = reductionFor(rows, cols),
): SingularValueDecomposition {
  checkBuffer('svdRoute', a, rows, cols);
  checkFinite('svdRoute', a, cols);
  return svdWith(a, rows, cols, solver, reduction);
}

/**
 * The bidiagonal B = U_r [Bd; 0] V_r^T of a rows x cols row-major matrix (of
 * its transpose when rows < cols) by the given reduction: diagonal d and
 * super-diagonal e (k - 1 values), with the reflectors' signs (entries may
 * be negative). Exported so that tests can hold the reductions to each
 * other; not part of the package's interface.
 */
export function bidiagonalForm(
  a: Float64Array, rows: number, cols: number, reduction: BidiagonalReduction,
): { d: Float64Array; e: Float64Array } {
  checkBuffer('bidiagonalForm', a, rows, cols);
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  if (n === 0) return { d: new Float64Array(0), e: new Float64Array(0) };
  const kernels = kernelsFor(n);
  try {
    const bufs = kernels.alloc([m * n, n, n, m * n, n * n, m, n, m, panelScratch(m, n, reduction)]);
    bidiagonalizeInto(kernels, a, m, n, transposed, bufs, reduction, bufs[8]);
    return { d: bufs[1].slice(), e: bufs[2].slice(0, n - 1) };
  } finally {
    kernels.release();
  }
}

/** Length of the blocked reduction's panel buffer (none for the unblocked one). */
function panelScratch(m: number, n: number, reduction: BidiagonalReduction): number {
  return reduction === 'blocked' ? blockedBidiagScratch(m, n) : 0;
}

function svdWith(
  a: Float64Array, rows: number, cols: number, solver: BidiagonalSolver, reduction: BidiagonalReduction,
): SingularValueDecomposition {
  let amax = 0;
  for (let i = 0; i < a.length; i++) amax = Math.max(amax, Math.abs(a[i]));
  const factors = safeScale(amax);
  if (factors !== null) {
    const [f1, f2] = factors;
    const { s, u, v } = svdUnscaled(a.map((x) => x * f1 * f2), rows, cols, solver, reduction);
    return { s: s.map((x) => x / f1 / f2), u, v };
  }
  return svdUnscaled(a, rows, cols, solver, reduction);
}

function svdUnscaled(
  a: Float64Array, rows: number, cols: number, solver: BidiagonalSolver, reduction: BidiagonalReduction,
): SingularValueDecomposition {
  const k = Math.min(rows, cols);
  if (k === 0) {
    return { s: new Float64Array(0), u: new Float64Array(0), v: new Float64Array(0) };
  }
  const transposed = rows < cols;
  const m = transposed ? cols : rows; // m >= n
  const n = transposed ? rows : cols;
  const kernels = kernelsFor(n);
  try {
    const result = solver === 'dc'
      ? svdDcOn(kernels, a, m, n, transposed, reduction)
      : svdOn(kernels, a, m, n, transposed, reduction);
    return transposed ? { s: result.s, u: result.v, v: result.u } : result;
  } finally {
    kernels.release();
  }
}

/**
 * The bidiagonalisation of the m x n (m >= n) B = a (or a^T when
 * `transposed`) into the column-major buffers of `alloc`'s first five
 * blocks [b, s, e, uc, vc] (see bidiagonalize), with the final bidiagonal
 * of order n in s (diagonal) and e (e[i] coupling i and i + 1, e[n - 1] = 0).
 * Returns nct and nrt, the numbers of left and right reflectors.
 */
function bidiagonalizeInto(
  kernels: DecomposeKernels, a: Float64Array, m: number, n: number, transposed: boolean, bufs: Float64Array[],
  reduction: BidiagonalReduction, panel: Float64Array,
): { nct: number; nrt: number } {
  const [b, s, e, uc, vc, work, coef, be] = bufs;
  // Column-major copy of the m x n matrix B (B = a, or a^T when transposed).
  // The column-major buffer of a^T is the row-major buffer of a: a plain copy.
  if (transposed) b.set(a);
  else transposeInto(a, m, n, b);

  // Householder phases on column-major buffers.
  const nct = Math.min(m - 1, n);
  const nrt = Math.max(0, Math.min(n - 2, m));
  // The blocked reduction does the leading steps (all but a small tail) and
  // leaves the rest, fully updated, to the unblocked one.
  const start = reduction === 'blocked' ? bidiagonalizeBlocked(kernels, b, m, n, s, e, uc, vc, work, coef, be, panel) : 0;
  bidiagonalize(kernels, b, m, n, s, e, uc, vc, nct, nrt, work, coef, be, start);
  // Set up the final bidiagonal matrix of order p.
  const p = Math.min(n, m + 1);
  if (nct < n) s[nct] = b[nct * m + nct];
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = b[(p - 1) * m + nrt];
  e[p - 1] = 0;
  return { nct, nrt };
}

/** The SVD of the m x n (m >= n) matrix B = a, or a^T when `transposed`, on one kernel set. */
function svdOn(
  kernels: DecomposeKernels, a: Float64Array, m: number, n: number, transposed: boolean, reduction: BidiagonalReduction,
): SingularValueDecomposition {
  const chains = QUEUE_CHAINS * n;
  const bufs = kernels.alloc([
    m * n, n, n, m * n, n * n, m, n, m, panelLength(m, n), panelLength(n, n),
    chains, chains, 2 * QUEUE_CHAINS, chains, chains, 2 * QUEUE_CHAINS, REFLECT_BLOCK, REFLECT_BLOCK,
    panelScratch(m, n, reduction),
  ]);
  const [, s, e, uc, vc, , , , up, vp, cosU, sinU, boundsU, cosV, sinV, boundsV, ks, pivots] = bufs;
  const { nct, nrt } = bidiagonalizeInto(kernels, a, m, n, transposed, bufs, reduction, bufs[18]);
  const p = n;
  generateU(kernels, uc, s, m, n, nct, ks, pivots);
  generateV(kernels, vc, e, n, nrt, ks, pivots);

  // Rotation phase on the panel layout, then copy out (row-major) of the kernels' buffers.
  columnMajorToPanels(uc, m, n, up);
  columnMajorToPanels(vc, n, n, vp);
  const order = Array.from({ length: n }, (_, i) => i);
  const signs = new Float64Array(n).fill(1);
  bidiagonalQr(
    s, e, p, m, n,
    new RotationQueue(kernels, up, m, n, cosU, sinU, boundsU, false),
    new RotationQueue(kernels, vp, n, n, cosV, sinV, boundsV, false),
    order, signs,
  );
  // B = u diag(s) v^T with u m x n and v n x n, columns in the order found by the QR phase.
  const sOut = Float64Array.from(s);
  const u = panelsToRowMajor(up, m, n, order, null);
  const v = panelsToRowMajor(vp, n, n, order, signs);
  return { s: sOut, u, v };
}

/**
 * The divide-and-conquer route (as LAPACK's dgesdd): the same
 * bidiagonalisation B = U_r Bd V_r^T as svdOn, the SVD Bd = X diag(s) Y^T by
 * bidiagonalSvdDC, then u = U_r [X; 0] and v = V_r Y by applying the stored
 * reflectors in blocks (applyReflectors, as dormbr), never forming U_r and
 * V_r. The reflectors are LINPACK's (see generateU / generateV): the left one
 * of step k is I - x x^T / x_k with x in column k of uc (rows k .. m - 1),
 * applied unless s[k] is 0; the right one I - y y^T / y_{k+1} with y in
 * column k of vc (rows k + 1 .. n - 1), applied unless e[k] is 0; U_r =
 * H_0 H_1 ..., so the last one is applied first. The kernels' buffers are
 * copied out and released before the products, which take their own blocks
 * from the same arena.
 */
function svdDcOn(
  kernels: DecomposeKernels, a: Float64Array, m: number, n: number, transposed: boolean, reduction: BidiagonalReduction,
): SingularValueDecomposition {
  // The left reflectors are read from b itself (uc aliases b): column k of b
  // keeps reflector k below the diagonal once step k is done.
  const [b, sb, eb, vcb, work, coef, be, panel] = kernels.alloc([m * n, n, n, n * n, m, n, m, panelScratch(m, n, reduction)]);
  const { nct, nrt } = bidiagonalizeInto(kernels, a, m, n, transposed, [b, sb, eb, b, vcb, work, coef, be], reduction, panel);
  const s = sb.slice();
  const e = eb.slice();
  const uc = b.slice();
  const vc = vcb.slice();
  kernels.release();

  const bd = bidiagonalSvdDC(s, e, n);
  const left = (t: number) => nct - 1 - t;
  const right = (t: number) => nrt - 1 - t;
  const u = new Float64Array(m * n);
  transposeInto(bd.u, n, n, u);
  applyReflectors({
    count: nct,
    buf: uc,
    start: (t) => left(t) * m + left(t),
    lo: (t) => left(t),
    hi: () => m,
    tau: (t) => (s[left(t)] === 0 ? 0 : 1 / uc[left(t) * m + left(t)]),
  }, u, n, reflectorBlock(n));
  const v = new Float64Array(n * n);
  transposeInto(bd.v, n, n, v);
  applyReflectors({
    count: nrt,
    buf: vc,
    start: (t) => right(t) * n + right(t) + 1,
    lo: (t) => right(t) + 1,
    hi: () => n,
    tau: (t) => (e[right(t)] === 0 ? 0 : 1 / vc[right(t) * n + right(t) + 1]),
  }, v, n, reflectorBlock(n));
  return { s: bd.values, u, v };
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
  kernels: DecomposeKernels,
  b: Float64Array,
  m: number,
  n: number,
  s: Float64Array,
  e: Float64Array,
  uc: Float64Array,
  vc: Float64Array,
  nct: number,
  nrt: number,
  work: Float64Array, // left vector of the pending rank-one update (m)
  coef: Float64Array, // its right coefficients, per column (n)
  be: Float64Array, // B e accumulated during the pass (m)
  start = 0, // first step (the steps before done by bidiagonalizeBlocked, nothing pending)
): void {
  let pending = false;
  const steps = Math.max(nct, nrt);
  for (let k = start; k < steps; k++) {
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
    const wantRight = k < nrt && k + 1 < m;
    if (wantRight) be.fill(0, k + 1, m);
    kernels.bidiagColumns(b, m, n, k, work, coef, be, e, applyLeft, pending, wantRight);
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

/**
 * Reflectors applied together to the columns right of their block (see
 * generateU): 16 reflector columns of up to 2048 rows (256 KiB) stay in L2
 * while each trailing column passes through all of them.
 */
const REFLECT_BLOCK = 16;

/**
 * Forms the m x n column-major U from the left Householder vectors stored in
 * uc: U = H_0 H_1 ... applied to the identity, the last reflector first.
 *
 * Blocked by REFLECT_BLOCK reflectors: the columns right of a block take the
 * block's reflectors in one sweep (each column through all of them while it
 * is in cache, instead of the whole trailing matrix streaming from memory
 * once per reflector), then the block's own columns are formed one by one.
 * Every column still sees the same reflectors in the same order, so the
 * result is the unblocked one, bit for bit. `ks` and `pivots` hold a block's
 * reflector columns and pivots.
 */
function generateU(
  kernels: DecomposeKernels, uc: Float64Array, s: Float64Array, m: number, n: number, nct: number,
  ks: Float64Array, pivots: Float64Array,
): void {
  for (let j = nct; j < n; j++) {
    const cj = j * m;
    for (let i = 0; i < m; i++) uc[cj + i] = 0;
    uc[cj + j] = 1;
  }
  for (let k1 = nct; k1 > 0; k1 -= REFLECT_BLOCK) {
    const k0 = Math.max(0, k1 - REFLECT_BLOCK);
    let count = 0;
    for (let k = k1 - 1; k >= k0; k--) {
      if (s[k] !== 0) {
        ks[count] = k;
        pivots[count++] = uc[k * m + k];
      }
    }
    kernels.reflectColumns(uc, m, 0, ks, pivots, count, k1, n);
    for (let k = k1 - 1; k >= k0; k--) {
      const ck = k * m;
      if (s[k] !== 0) {
        ks[0] = k;
        pivots[0] = uc[ck + k];
        kernels.reflectColumns(uc, m, 0, ks, pivots, 1, k + 1, k1);
        for (let i = k; i < m; i++) uc[ck + i] = -uc[ck + i];
        uc[ck + k] += 1;
        for (let i = 0; i < k; i++) uc[ck + i] = 0;
      } else {
        for (let i = 0; i < m; i++) uc[ck + i] = 0;
        uc[ck + k] = 1;
      }
    }
  }
}

/** Forms the n x n column-major V from the right Householder vectors stored in vc, blocked as generateU. */
function generateV(
  kernels: DecomposeKernels, vc: Float64Array, e: Float64Array, n: number, nrt: number,
  ks: Float64Array, pivots: Float64Array,
): void {
  const reflects = (k: number) => k < nrt && e[k] !== 0;
  for (let k1 = n; k1 > 0; k1 -= REFLECT_BLOCK) {
    const k0 = Math.max(0, k1 - REFLECT_BLOCK);
    let count = 0;
    for (let k = k1 - 1; k >= k0; k--) {
      if (reflects(k)) {
        ks[count] = k;
        pivots[count++] = vc[k * n + k + 1];
      }
    }
    kernels.reflectColumns(vc, n, 1, ks, pivots, count, k1, n);
    for (let k = k1 - 1; k >= k0; k--) {
      const ck = k * n;
      if (reflects(k)) {
        ks[0] = k;
        pivots[0] = vc[ck + k + 1];
        kernels.reflectColumns(vc, n, 1, ks, pivots, 1, k + 1, k1);
      }
      for (let i = 0; i < n; i++) vc[ck + i] = 0;
      vc[ck + k] = 1;
    }
  }
}
