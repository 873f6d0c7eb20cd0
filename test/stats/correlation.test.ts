import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from '../../src/stats/correlation.js';

// Expected values from scipy.stats (pearsonr, spearmanr, t.sf), computed outside pwcca.
describe('correlation statistics', () => {
  it('matches scipy.stats.pearsonr, including the two-sided p-value', () => {
    const result = pearson([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 1, 4, 3, 7, 8, 5, 10, 6, 9]);
    expect(result.r).toBeCloseTo(0.8181818181818178, 13);
    expect(result.p).toBeCloseTo(0.0038149200825507426, 12);
  });

  it('matches scipy.stats.spearmanr with ties', () => {
    const result = spearman([1, 2, 2, 4, 5, 6], [3, 1, 4, 4, 6, 5]);
    expect(result.r).toBeCloseTo(0.8088235294117647, 13);
    expect(result.p).toBeCloseTo(0.051329063199674334, 12);
  });

  it('gives p = 0.1411 for r = 0.5 from 10 pairs (t = 1.633 on 8 df)', () => {
    // x and y chosen so that r is exactly 0.5: y = 0.5 x + sqrt(0.75) z with z orthogonal to x.
    const x = [-1, 1, -1, 1, -1, 1, -1, 1, -1, 1];
    const z = [1, 1, -1, -1, 1, 1, -1, -1, 0, 0];
    const y = x.map((v, i) => 0.5 * v + Math.sqrt(0.75) * z[i] * Math.sqrt(10 / 8));
    const result = pearson(x, y);
    expect(result.r).toBeCloseTo(0.5, 12);
    expect(result.p).toBeCloseTo(0.14111328125000006, 10);
  });

  it('averages tied ranks and reports NaN for a constant sample', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]).r)).toBe(true);
  });
});
