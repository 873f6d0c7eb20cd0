/**
 * Within- and between-group distance statistics of a distance matrix (the
 * PWCCA paper's Figure 3: are networks of one group closer to each other than
 * to networks of another?). Pure.
 */
import { compareNatural } from './natural-sort.js';

/** Mean, standard deviation and number of the distances in one cell of the summary. */
export interface DistanceSummary {
  /** Mean distance; null when there is none. */
  readonly mean: number | null;
  /** Population standard deviation (numpy's `np.std`, ddof = 0); null when there is no distance. */
  readonly std: number | null;
  readonly count: number;
}

export interface WithinGroupStats extends DistanceSummary {
  readonly group: string;
}

export interface BetweenGroupStats extends DistanceSummary {
  readonly groupA: string;
  readonly groupB: string;
}

export interface GroupStats {
  /** One entry per group, groups in natural order: distances between two networks of the group. */
  readonly within: readonly WithinGroupStats[];
  /** One entry per unordered pair of groups: distances between a network of each. */
  readonly between: readonly BetweenGroupStats[];
}

/**
 * Summarises the off-diagonal distances of a symmetric matrix by group.
 * Labels without a group (null) and missing cells (null: failed pairs) are
 * left out; `count` says how many distances each summary has.
 */
export function buildGroupStats(distance: ReadonlyArray<ReadonlyArray<number | null>>, groups: ReadonlyArray<string | null>): GroupStats {
  const names = [...new Set(groups.filter((g): g is string => g !== null))].sort(compareNatural);
  const index = new Map(names.map((name, k) => [name, k]));
  const cells = new Map<string, number[]>();
  const cell = (p: number, q: number) => {
    const key = p <= q ? `${p},${q}` : `${q},${p}`;
    if (!cells.has(key)) cells.set(key, []);
    return cells.get(key)!;
  };
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const gi = groups[i];
      const gj = groups[j];
      const value = distance[i][j];
      if (gi === null || gj === null || value === null || !Number.isFinite(value)) continue;
      cell(index.get(gi)!, index.get(gj)!).push(value);
    }
  }
  const within = names.map((group, k) => ({ group, ...summarise(cells.get(`${k},${k}`) ?? []) }));
  const between: BetweenGroupStats[] = [];
  for (let p = 0; p < names.length; p++) {
    for (let q = p + 1; q < names.length; q++) {
      between.push({ groupA: names[p], groupB: names[q], ...summarise(cells.get(`${p},${q}`) ?? []) });
    }
  }
  return { within, between };
}

/** Mean, population standard deviation (two-pass) and count. */
export function summarise(values: readonly number[]): DistanceSummary {
  const count = values.length;
  if (count === 0) return { mean: null, std: null, count };
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / count;
  let squares = 0;
  for (const value of values) squares += (value - mean) * (value - mean);
  return { mean, std: Math.sqrt(squares / count), count };
}
