/**
 * Adjusted Rand index between two partitions of the same items (Hubert &
 * Arabie, 1985), as sklearn.metrics.adjusted_rand_score computes it: 1 for
 * identical partitions (up to relabelling), about 0 for independent ones,
 * negative when worse than chance. Pure.
 */
export function adjustedRandIndex(first: ReadonlyArray<string | number>, second: ReadonlyArray<string | number>): number {
  const n = first.length;
  if (second.length !== n) throw new RangeError(`partitions differ in length: ${n} and ${second.length}`);
  const contingency = new Map<string, number>();
  const rows = new Map<string | number, number>();
  const columns = new Map<string | number, number>();
  for (let i = 0; i < n; i++) {
    const key = JSON.stringify([first[i], second[i]]);
    contingency.set(key, (contingency.get(key) ?? 0) + 1);
    rows.set(first[i], (rows.get(first[i]) ?? 0) + 1);
    columns.set(second[i], (columns.get(second[i]) ?? 0) + 1);
  }
  const pairs = (count: number) => (count * (count - 1)) / 2;
  let index = 0;
  for (const count of contingency.values()) index += pairs(count);
  let sumRows = 0;
  for (const count of rows.values()) sumRows += pairs(count);
  let sumColumns = 0;
  for (const count of columns.values()) sumColumns += pairs(count);
  const total = pairs(n);
  const expected = total === 0 ? 0 : (sumRows * sumColumns) / total;
  const maximum = (sumRows + sumColumns) / 2;
  // Both partitions trivial in the same way (all one cluster, or all singletons): they agree fully.
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}
