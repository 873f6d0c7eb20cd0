import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../src/stats/multiple-testing.js';
import { maxAbsDiff } from '../metrics/helpers.js';

describe('Benjamini-Hochberg', () => {
  it('rejects 4 of the 15 tests of Benjamini and Hochberg (1995), section 4', () => {
    const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
    const result = benjaminiHochberg(p, 0.05);
    expect(result.count).toBe(4);
    expect(result.significant.slice(0, 5)).toEqual([true, true, true, true, false]);
  });

  it('gives the adjusted p-values numpy computes (step-up minimum, unsorted input, nulls left out)', () => {
    const p = [0.01, 0.04, null, 0.03, 0.005, 0.2, 0.5, 0.045, 0.02];
    const result = benjaminiHochberg(p);
    // numpy: q[o] = minimum.accumulate((p[o] * m / arange(1, m + 1))[::-1])[::-1] on the 8 non-null values
    const expected = [0.04, 0.06, 0.06, 0.04, 0.2285714285714286, 0.5, 0.06, 0.05333333333333334];
    const got = result.adjusted.filter((q): q is number => q !== null);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-15);
    expect(result.adjusted[2]).toBeNull();
    expect(result.tests).toBe(8);
    expect(result.count).toBe(2);
  });

  it('rejects p-values outside [0, 1]', () => {
    expect(() => benjaminiHochberg([0.5, 1.5])).toThrow(RangeError);
  });
});
