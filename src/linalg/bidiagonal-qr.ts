/**
 * The implicitly shifted QR iteration of Golub and Kahan on a bidiagonal
 * matrix (LINPACK dsvdc via JAMA), shared by the SVD's QR route
 * (./decompose.ts) and the leaves of its divide-and-conquer route
 * (./bidiagonal-dc.ts). Where the rotations go is the caller's
 * {@link BidiagonalRotationSink}; the arithmetic on s and e is the same for both.
 */
import { NumericError } from '../errors.js';
import { hypot } from './tridiagonal-ql.js';

const EPS = 2 ** -52;
/** Smallest value whose reciprocal and square do not overflow/underflow badly (JAMA's `tiny`). */
const TINY = 2 ** -966;

/**
 * Receives the rotations of the QR phase for one side (left or right vectors):
 * - a sweep writes rotation j (columns j and j + 1, mapping (x_j, x_{j+1}) to
 *   (c x_j + s x_{j+1}, c x_{j+1} - s x_j)) at cs[slot() + j], sn[slot() + j]
 *   for j = lo .. hi - 1, then calls push(lo, hi); the chain applies in
 *   ascending j;
 * - a deflation first calls flush() (apply everything pending), writes its
 *   rotations at cs[j], sn[j] and calls pivot(p, from, to): rotations of the
 *   column pairs (j, p) for j = from, from +- 1, ... until to (exclusive),
 *   each mapping (x_j, x_p) to (c x_j + s x_p, c x_p - s x_j);
 * - the iteration ends with flush().
 */
export interface BidiagonalRotationSink {
  readonly cs: Float64Array;
  readonly sn: Float64Array;
  slot(): number;
  push(lo: number, hi: number): void;
  flush(): void;
  pivot(pivot: number, from: number, to: number): void;
}

/**
 * Implicitly shifted QR on the bidiagonal (s, e) of order p (LINPACK dsvdc via
 * JAMA), whose rotations of the left (m x n) and right (n x n) singular vectors
 * go to the sinks u and v: the SVD's QR route (./decompose.ts) queues them
 * and applies them in batches on the panel layout (LAPACK dlasr style), the
 * leaves of the divide-and-conquer route (./bidiagonal-dc.ts) apply them at
 * once to small dense matrices.
 *
 * Columns are never negated or swapped here: a singular value converges at
 * position p-1, and later sweeps only touch columns below it, so the sign
 * change (`signs`, per physical column of v) and the sorting (`order`, logical
 * position -> physical column) are recorded and applied when copying out.
 */
export function bidiagonalQr(
  s: Float64Array,
  e: Float64Array,
  p: number,
  m: number,
  n: number,
  u: BidiagonalRotationSink,
  v: BidiagonalRotationSink,
  order: number[],
  signs: Float64Array,
): void {
  const cosV = v.cs;
  const sinV = v.sn;
  const cosU = u.cs;
  const sinU = u.sn;
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
        v.flush(); // (rare) apply the queued sweeps first, which frees the scratch
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
        v.pivot(p - 1, p - 2, k - 1);
        break;
      }
      case 2: {
        // Split at negligible s[k-1]: rotations of U columns (j, k-1), j = k up to p-1.
        u.flush();
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
        u.pivot(k - 1, k, p);
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
        const ov = v.slot();
        const ou = u.slot();
        for (let j = k; j < p - 1; j++) {
          let t = hypot(f, g);
          let cs = f / t;
          let sn = g / t;
          if (j !== k) e[j - 1] = t;
          f = cs * s[j] + sn * e[j];
          e[j] = cs * e[j] - sn * s[j];
          g = sn * s[j + 1];
          s[j + 1] = cs * s[j + 1];
          cosV[ov + j] = cs;
          sinV[ov + j] = sn;
          t = hypot(f, g);
          cs = f / t;
          sn = g / t;
          s[j] = t;
          f = cs * e[j] + sn * s[j + 1];
          s[j + 1] = -sn * e[j] + cs * s[j + 1];
          g = sn * e[j + 1];
          e[j + 1] = cs * e[j + 1];
          cosU[ou + j] = cs;
          sinU[ou + j] = sn;
        }
        e[p - 2] = f;
        v.push(k, p - 1);
        u.push(k, p - 1);
        break;
      }
      default: {
        // Convergence: make the singular value non-negative, then sort it into place.
        if (s[k] <= 0) {
          s[k] = s[k] < 0 ? -s[k] : 0;
          signs[order[k]] = -signs[order[k]];
        }
        while (k < pp) {
          if (s[k] >= s[k + 1]) break;
          const t = s[k];
          s[k] = s[k + 1];
          s[k + 1] = t;
          const c = order[k];
          order[k] = order[k + 1];
          order[k + 1] = c;
          k++;
        }
        p--;
      }
    }
  }
  u.flush();
  v.flush();
}
