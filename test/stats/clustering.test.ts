import { describe, expect, it } from 'vitest';
import { clusterDistances } from '../../src/stats/clustering.js';
import { adjustedRandIndex } from '../../src/stats/rand-index.js';

function lineDistances(points: readonly number[]): number[][] {
  return points.map((p) => points.map((q) => Math.abs(p - q)));
}

describe('clusterDistances (average linkage)', () => {
  it('recovers three well-separated clusters, numbered by their first label', () => {
    // Shuffled: true clusters {0.1, 0, 0.2}, {5, 5.1}, {10.2, 10, 10.1}.
    const points = [5, 10.2, 0.1, 10, 0, 5.1, 0.2, 10.1];
    const truth = [1, 2, 3, 2, 3, 1, 3, 2];
    const result = clusterDistances(lineDistances(points), 3);
    expect(result.k).toBe(3);
    expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
    expect([...result.order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.assignments).toEqual(truth);
    // Members of a cluster are contiguous in the leaf order, which starts with label 0.
    expect(result.order[0]).toBe(0);
    const along = result.order.map((i) => result.assignments[i]);
    const runs = along.filter((c, p) => p === 0 || c !== along[p - 1]);
    expect(runs).toHaveLength(3);
  });

  it('merges at UPGMA heights (not single or complete linkage)', () => {
    // Points 0, 1, 3, 7: {0,1} at 1; {0,1}+{3} at (3+2)/2; then (7+6+4)/3.
    const result = clusterDistances(lineDistances([0, 1, 3, 7]), 2);
    expect(result.heights[0]).toBeCloseTo(1, 14);
    expect(result.heights[1]).toBeCloseTo(2.5, 14);
    expect(result.heights[2]).toBeCloseTo(17 / 3, 14);
    expect(result.assignments).toEqual([1, 1, 1, 2]);
  });

  it('caps k at the number of labels and refuses incomplete matrices', () => {
    expect(clusterDistances(lineDistances([0, 1, 3]), 5).assignments.slice().sort()).toEqual([1, 2, 3]);
    expect(clusterDistances(lineDistances([0, 1, 3]), 1).assignments).toEqual([1, 1, 1]);
    expect(() => clusterDistances([[0, Number.NaN], [Number.NaN, 0]], 2)).toThrow(RangeError);
    expect(() => clusterDistances(lineDistances([0, 1]), 0)).toThrow(RangeError);
  });
});

describe('adjustedRandIndex', () => {
  // Expected values from sklearn.metrics.adjusted_rand_score.
  it('matches sklearn on its documented examples', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285715, 14);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
    expect(adjustedRandIndex(['a', 'a', 'b'], [3, 3, 4])).toBe(1);
    expect(adjustedRandIndex([1, 2, 3], [1, 2, 3])).toBe(1);
  });
});

describe('the linkage matrix', () => {
  it('is scipy-style: n - 1 rows [left, right, height, size], merges in height order, ids n + k for row k', () => {
    // Four points on a line at 0, 1, 3, 7: merges (0,1) at 1, then {0,1} with 2 at 2.5, then with 3 at 5.667.
    const x = [0, 1, 3, 7];
    const distance = x.map((a) => x.map((b) => Math.abs(a - b)));
    const { linkage } = clusterDistances(distance, 2);
    expect(linkage.map((row) => [row[0], row[1], Number(row[2].toFixed(12)), row[3]])).toEqual([
      [0, 1, 1, 2],
      [2, 4, 2.5, 3],
      [3, 5, Number((((7 - 0) + (7 - 1) + (7 - 3)) / 3).toFixed(12)), 4],
    ]);
  });
});
