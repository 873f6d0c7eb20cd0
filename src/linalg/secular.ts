/**
 * The iteration step shared by the divide-and-conquer secular solvers
 * (tridiagonal-dc.ts for the eigendecomposition, bidiagonal-dc.ts for the
 * SVD): LAPACK's dlaed4 / dlasd4 "middle way".
 */

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
export function rationalModelNext(base: number, f: number, a: number, s: number, b: number, sb: number, last: boolean): number {
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
