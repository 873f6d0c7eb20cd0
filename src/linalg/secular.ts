/**
 * The safeguarded iteration shared by the divide-and-conquer secular solvers
 * (tridiagonal-dc.ts for the eigendecomposition, bidiagonal-dc.ts for the
 * SVD): LAPACK's dlaed4 / dlasd4 "middle way".
 */

const EPS = 2 ** -52;

/**
 * Root j (0-based) of the secular function of k ascending poles d with
 * positive weights w2, in the variable x of its solver, which is 0 at the
 * root's origin pole dO (d[j] or d[j + 1]): the poles 0 .. j lie left of the
 * root, j + 1 .. k - 1 right of it (none for the last root), and (lo, hi)
 * brackets it.
 * - eigenvalues (`squared` false): f = 1 + sum_i w2[i] / (d[i] - lambda),
 *   x = lambda - dO;
 * - singular values (`squared` true): f = 1 + sum_i w2[i] / (d[i]^2 - s^2),
 *   x = s^2 - dO^2, and each d[i]^2 - s^2 formed as
 *   ((d[i] - dO) - tau)((d[i] + dO) + tau) with tau = s - dO.
 * Either way every difference keeps its relative accuracy near a pole.
 * Steps solve a rational model through the poles around the root matching f
 * and the derivatives of the sums on either side; a step that leaves the
 * bracket, or does not shrink |f| enough, is replaced by bisection, so the
 * iteration always converges.
 */
export function secularIterate(
  j: number, k: number, d: Float64Array, dO: number, w2: Float64Array, lo: number, hi: number, squared: boolean,
): number {
  const last = j === k - 1;
  let x = (lo + hi) / 2;
  let previous = Infinity;
  let bisected = true;
  for (let iter = 0; iter < 400; iter++) {
    const tau = squared ? tauOfSquared(x, dO) : x;
    // f and the derivative of the sums over the poles left (i <= j) and right of the root.
    let sl = 0;
    let dl = 0;
    let sr = 0;
    let dr = 0;
    for (let i = 0; i <= j; i++) {
      const t = 1 / gap(d[i], dO, tau, squared);
      const w = w2[i] * t;
      sl += w;
      dl += w * t;
    }
    for (let i = j + 1; i < k; i++) {
      const t = 1 / gap(d[i], dO, tau, squared);
      const w = w2[i] * t;
      sr += w;
      dr += w * t;
    }
    const f = 1 + sl + sr;
    // A bound on the rounding error of f (dlaed4's and dlasd4's erretm).
    const err = 8 * (sr - sl) + 2 + 3 * Math.abs(x) * (dl + dr);
    if (Math.abs(f) <= EPS * err) break;
    if (f < 0) lo = x;
    else hi = x;
    if (!(hi - lo > EPS * Math.max(Math.abs(lo), Math.abs(hi)))) break;

    let next = NaN;
    if (bisected || Math.abs(f) <= 0.5 * previous) {
      const a = gap(d[j], dO, tau, squared);
      const b = last ? 0 : gap(d[j + 1], dO, tau, squared);
      next = rationalModelNext(x, f, a, a * a * dl, b, b * b * dr, last);
    }
    previous = Math.abs(f);
    bisected = !(next > lo && next < hi);
    if (bisected) next = lo + (hi - lo) / 2;
    if (next === x) break;
    x = next;
  }
  return x;
}

/** s - dO for the singular-value variable x = s^2 - dO^2, without cancellation. */
export function tauOfSquared(x: number, dO: number): number {
  return x / (dO + Math.sqrt(dO * dO + x));
}

/** Pole p's difference from the point tau away from dO: p - lambda, or p^2 - s^2 when `squared`. */
function gap(p: number, dO: number, tau: number, squared: boolean): number {
  return squared ? ((p - dO) - tau) * ((p + dO) + tau) : (p - dO) - tau;
}

/**
 * The next iterate of a secular root from the rational model through the
 * poles on either side of it. With a and b the distances from the current
 * point to the left and right pole, and s and sb the weights that match the
 * derivatives of the sums on either side, the model
 * c + s / (a - eta) + sb / (b - eta) = 0 (c the rest of f) has one root eta
 * between a and b; for the last root, which has no pole on its right,
 * c + s / (a - eta) = 0. Returns base + eta, or NaN when the model has no
 * root to take (the caller then bisects).
 */
function rationalModelNext(base: number, f: number, a: number, s: number, b: number, sb: number, last: boolean): number {
  if (last) {
    const c = f - s / a;
    return c > 0 ? base + a + s / c : Number.NaN;
  }
  const c = f - s / a - sb / b;
  // c (a - eta)(b - eta) + s (b - eta) + sb (a - eta) = 0, the root between a and b.
  const qa = c;
  const qb = -(c * (a + b) + s + sb);
  const qc = c * a * b + s * b + sb * a;
  if (qa === 0) return base + -qc / qb;
  const disc = Math.sqrt(Math.max(qb * qb - 4 * qa * qc, 0));
  const r1 = qb <= 0 ? (-qb + disc) / (2 * qa) : (-qb - disc) / (2 * qa);
  const r2 = r1 !== 0 ? qc / (qa * r1) : 0;
  return base + (r1 > a && r1 < b ? r1 : r2);
}
