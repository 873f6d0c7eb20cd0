/**
 * Permutation test of group structure in a distance matrix (the test the
 * PWCCA paper's Figure 3 needed): are networks of two groups further from
 * each other than from the networks of their own group?
 *
 * For each pair of groups, statistic = mean between-group distance - mean
 * within-group distance, over the networks of the two groups (within pairs of
 * both groups pooled). The null permutes the group labels of the networks,
 * not the pairs: pairs sharing a network are dependent, networks are the
 * exchangeable units. Shuffles use the seeded generator of ./random.ts.
 * Pure: matrix and labels in, numbers out.
 */
import { compareNatural } from './natural-sort.js';
import { checkResampleCount } from './permutation.js';
import { checkSeed, seededRandom, shuffleInPlace } from './random.js';

/** Null values within this of the observed one count as at least as large. */
const TIE_TOLERANCE = 1e-12;

/** The test of one pair of groups. */
export interface GroupTestEntry {
  readonly groups: readonly [string, string];
  readonly statistic: 'between-within';
  /** Mean between-group minus mean within-group distance; null when either kind of pair is missing. */
  readonly observed: number | null;
  /** Mean and population standard deviation (ddof = 0) of the statistic over label shuffles. */
  readonly nullMean: number | null;
  readonly nullStd: number | null;
  /** (1 + #{null >= observed}) / (K + 1), one-sided (groups further apart than chance); null when untestable. */
  readonly pValue: number | null;
  readonly permutations: number;
  /** Networks of each group that took part. */
  readonly sizes: readonly [number, number];
}

export interface GroupTestOptions {
  /** K, the number of label shuffles per pair of groups (a positive whole number). */
  readonly permutations: number;
  /** Seed of the generator (default 0). */
  readonly seed?: number;
}

/**
 * The between-minus-within test for every pair of groups (natural order of
 * group names, as the group statistics). `distance` is a symmetric m x m
 * matrix (null or non-finite cells: failed pairs, left out); `groups` one
 * label per network (null: no group, left out). The shuffles of each pair of
 * groups come from one generator seeded with `seed`, pairs taken in order,
 * so a run repeats exactly.
 */
export function groupPermutationTest(
  distance: ReadonlyArray<ReadonlyArray<number | null>>,
  groups: ReadonlyArray<string | null>,
  options: GroupTestOptions,
): GroupTestEntry[] {
  const k = options.permutations;
  checkResampleCount(k);
  const seed = options.seed ?? 0;
  checkSeed(seed);
  if (distance.length !== groups.length) throw new RangeError(`${distance.length} rows for ${groups.length} labels`);
  const names = [...new Set(groups.filter((g): g is string => g !== null))].sort(compareNatural);
  const random = seededRandom(seed);
  const entries: GroupTestEntry[] = [];
  for (let p = 0; p < names.length; p++) {
    for (let q = p + 1; q < names.length; q++) {
      const members: number[] = [];
      const labels: number[] = [];
      groups.forEach((g, i) => {
        if (g === names[p] || g === names[q]) {
          members.push(i);
          labels.push(g === names[p] ? 0 : 1);
        }
      });
      const sizes: [number, number] = [labels.filter((l) => l === 0).length, labels.filter((l) => l === 1).length];
      const observed = betweenMinusWithin(distance, members, labels);
      const base = { groups: [names[p], names[q]] as const, statistic: 'between-within' as const, permutations: k, sizes };
      if (observed === null) {
        entries.push({ ...base, observed: null, nullMean: null, nullStd: null, pValue: null });
        continue;
      }
      const shuffled = labels.slice();
      const nulls: number[] = [];
      for (let t = 0; t < k; t++) {
        shuffleInPlace(shuffled, random);
        const value = betweenMinusWithin(distance, members, shuffled);
        // A shuffle can leave no within (or between) pair with a distance: it is left out.
        if (value !== null) nulls.push(value);
      }
      entries.push({ ...base, observed, ...nullSummary(observed, nulls, k) });
    }
  }
  return entries;
}

/** Mean distance between networks with different labels minus mean distance between networks with the same label. */
export function betweenMinusWithin(
  distance: ReadonlyArray<ReadonlyArray<number | null>>,
  members: readonly number[],
  labels: readonly number[],
): number | null {
  let between = 0;
  let betweenCount = 0;
  let within = 0;
  let withinCount = 0;
  for (let a = 0; a < members.length; a++) {
    for (let b = a + 1; b < members.length; b++) {
      const value = distance[members[a]][members[b]];
      if (value === null || !Number.isFinite(value)) continue;
      if (labels[a] === labels[b]) {
        within += value;
        withinCount++;
      } else {
        between += value;
        betweenCount++;
      }
    }
  }
  if (betweenCount === 0 || withinCount === 0) return null;
  return between / betweenCount - within / withinCount;
}

function nullSummary(observed: number, nulls: readonly number[], k: number): { nullMean: number | null; nullStd: number | null; pValue: number | null } {
  if (nulls.length === 0) return { nullMean: null, nullStd: null, pValue: null };
  let sum = 0;
  let atLeast = 0;
  for (const value of nulls) {
    sum += value;
    if (value >= observed - TIE_TOLERANCE) atLeast++;
  }
  const nullMean = sum / nulls.length;
  let squares = 0;
  for (const value of nulls) squares += (value - nullMean) ** 2;
  // Shuffles without a statistic count as at least as extreme (conservative), so the denominator stays K + 1.
  const pValue = (1 + atLeast + (k - nulls.length)) / (k + 1);
  return { nullMean, nullStd: Math.sqrt(squares / nulls.length), pValue };
}
