/**
 * The implicit QL method for a symmetric tridiagonal matrix (EISPACK tql2 via
 * JAMA), shared by the eigendecomposition's QL route (./decompose.ts, whose
 * rotations are queued and applied to the vectors in batches) and the leaves
 * of the divide-and-conquer route (./tridiagonal-dc.ts, which applies them to
 * a small dense matrix at once). Where the rotations go is the caller's
 * {@link RotationSink}; the arithmetic on d and e is the same for both.
 */
import { NumericError } from '../errors.js';

const EPS = 2 ** -52;

/** sqrt(a^2 + b^2) without overflow or destructive underflow. Math.hypot is variadic and much slower in V8. */
export function hypot(a: number, b: number): number {
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
 * Receives the rotations of QL sweeps: a sweep writes its rotation i (on
 * vector columns i and i + 1) at cs[slot() + i], sn[slot() + i] for i from
 * hi - 1 down to lo, then calls push(lo, hi).
 */
export interface RotationSink {
  readonly cs: Float64Array;
  readonly sn: Float64Array;
  slot(): number;
  push(lo: number, hi: number): void;
}

/**
 * Diagonalises the symmetric tridiagonal (d, e) in place by implicit QL with
 * Wilkinson-type shifts: d ends holding the eigenvalues (in no guaranteed
 * order), e is destroyed. e[i] couples i and i + 1 (e[n - 1] is ignored and
 * set to 0). `what` names the matrix in the error when a value does not
 * converge in 60 sweeps.
 */
export function implicitQl(d: Float64Array, e: Float64Array, n: number, rotations: RotationSink, what: string): void {
  if (n > 0) e[n - 1] = 0;
  const cosines = rotations.cs;
  const sines = rotations.sn;
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
          throw new NumericError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${what}`);
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
        const o = rotations.slot();
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
          cosines[o + i] = c;
          sines[o + i] = s;
        }
        rotations.push(l, m);
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
