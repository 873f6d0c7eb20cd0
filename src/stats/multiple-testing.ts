/**
 * Multiple-testing correction for many p-values at once (e.g. one permutation
 * test per cell of a pairwise matrix). Pure.
 */

/** The result of {@link benjaminiHochberg}. */
export interface FalseDiscoveryResult {
  /** The false discovery rate controlled. */
  readonly alpha: number;
  /** Benjamini-Hochberg adjusted p-values (q-values), same order as the input; null where the input was null. */
  readonly adjusted: ReadonlyArray<number | null>;
  /** Whether each test is significant at `alpha` after the correction (false where the input was null). */
  readonly significant: readonly boolean[];
  /** Number of significant tests. */
  readonly count: number;
  /** Number of tests counted (non-null p-values). */
  readonly tests: number;
}

/**
 * Benjamini-Hochberg step-up procedure: with the m p-values sorted,
 * p_(1) <= ... <= p_(m), reject the tests up to the largest i with
 * p_(i) <= i alpha / m. Adjusted p-values are
 * min_{j >= i} min(1, m p_(j) / j), so a test is significant exactly when its
 * adjusted value is <= alpha. Null p-values (untested cells) are left out of m.
 */
export function benjaminiHochberg(pValues: ReadonlyArray<number | null>, alpha = 0.05): FalseDiscoveryResult {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const tested: number[] = [];
  pValues.forEach((p, i) => {
    if (p !== null) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value ${p} at ${i} is not in [0, 1]`);
      tested.push(i);
    }
  });
  const m = tested.length;
  const order = tested.slice().sort((a, b) => pValues[a]! - pValues[b]! || a - b);
  const adjusted: Array<number | null> = pValues.map(() => null);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1];
    running = Math.min(running, (m * pValues[index]!) / rank);
    adjusted[index] = running;
  }
  const significant = adjusted.map((q) => q !== null && q <= alpha);
  return { alpha, adjusted, significant, count: significant.filter(Boolean).length, tests: m };
}
