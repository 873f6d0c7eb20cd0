import { describe, expect, it } from 'vitest';
import { buildGroupStats, summarise } from '../../src/stats/group-stats.js';

const distance = [
  [0, 0.1, 0.2, 0.5, 0.6],
  [0.1, 0, 0.3, 0.7, 0.8],
  [0.2, 0.3, 0, 0.9, 1.0],
  [0.5, 0.7, 0.9, 0, 0.4],
  [0.6, 0.8, 1.0, 0.4, 0],
];

describe('buildGroupStats', () => {
  it('matches hand-computed within- and between-group mean, std (ddof 0) and count', () => {
    const stats = buildGroupStats(distance, ['A', 'A', 'A', 'B', 'B']);
    expect(stats.within.map((w) => w.group)).toEqual(['A', 'B']);
    const [a, b] = stats.within;
    expect(a.mean).toBeCloseTo(0.2, 14);
    expect(a.std).toBeCloseTo(Math.sqrt(0.02 / 3), 14);
    expect(a.count).toBe(3);
    expect(b).toEqual({ group: 'B', mean: 0.4, std: 0, count: 1 });
    expect(stats.between).toHaveLength(1);
    expect(stats.between[0].groupA).toBe('A');
    expect(stats.between[0].groupB).toBe('B');
    expect(stats.between[0].mean).toBeCloseTo(0.75, 14);
    expect(stats.between[0].std).toBeCloseTo(Math.sqrt(0.175 / 6), 14);
    expect(stats.between[0].count).toBe(6);
  });

  it('leaves out failed cells and labels without a group', () => {
    const withGap = distance.map((row) => [...row]) as (number | null)[][];
    withGap[2][4] = null;
    withGap[4][2] = null;
    const stats = buildGroupStats(withGap, ['A', 'A', 'A', 'B', 'B']);
    expect(stats.between[0].count).toBe(5);
    expect(stats.between[0].mean).toBeCloseTo(0.7, 14);
    expect(stats.between[0].std).toBeCloseTo(Math.sqrt(0.02), 14);
    const partial = buildGroupStats(distance, ['A', null, 'A', 'B', null]);
    expect(partial.within[0]).toMatchObject({ group: 'A', count: 1 });
    expect(partial.within[0].mean).toBeCloseTo(0.2, 14);
    expect(partial.within[1]).toEqual({ group: 'B', mean: null, std: null, count: 0 });
    expect(partial.between[0].mean).toBeCloseTo(0.7, 14); // (0.5 + 0.9) / 2
  });

  it('orders groups naturally and gives no entries without groups', () => {
    const stats = buildGroupStats(
      [
        [0, 1, 2],
        [1, 0, 3],
        [2, 3, 0],
      ],
      ['g10', 'g2', 'g2'],
    );
    expect(stats.within.map((w) => w.group)).toEqual(['g2', 'g10']);
    expect(stats.between[0]).toMatchObject({ groupA: 'g2', groupB: 'g10', count: 2, mean: 1.5 });
    expect(buildGroupStats(distance, [null, null, null, null, null])).toEqual({ within: [], between: [] });
    expect(summarise([])).toEqual({ mean: null, std: null, count: 0 });
  });
});
