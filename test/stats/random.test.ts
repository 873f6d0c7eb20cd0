import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { randomPermutation, resampleIndices, seededRandom, uniformInt, xoshiro128StarStar } from '../../src/stats/random.js';

describe('seeded generator', () => {
  it('is xoshiro128**: the reference C implementation gives these outputs from state 1, 2, 3, 4', () => {
    const random = xoshiro128StarStar(Uint32Array.from([1, 2, 3, 4]));
    const outputs = Array.from({ length: 6 }, () => random.nextUint32());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('repeats exactly for a seed and differs between seeds (also above 2^32)', () => {
    const draws = (seed: number) => Array.from(randomPermutation(50, seededRandom(seed)));
    expect(draws(0)).toEqual(draws(0));
    expect(draws(0)).not.toEqual(draws(1));
    expect(draws(2 ** 32 + 5)).not.toEqual(draws(5));
  });

  it('rejects seeds that are not whole numbers in [0, 2^53)', () => {
    for (const seed of [-1, 0.5, Number.NaN, 2 ** 53]) expect(() => seededRandom(seed)).toThrow(UsageError);
  });

  it('draws every permutation of 3 about equally often (chi-square, 5 degrees of freedom)', () => {
    const random = seededRandom(42);
    const counts = new Map<string, number>();
    const draws = 60000;
    for (let i = 0; i < draws; i++) {
      const key = randomPermutation(3, random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const expected = draws / 6;
    const chiSquare = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(20.5); // p = 0.001
  });

  it('draws bounded integers without modulo bias and resamples with replacement', () => {
    const random = seededRandom(3);
    const bound = 3 * 2 ** 30; // the modulo bias would be large here
    let below = 0;
    const draws = 40000;
    for (let i = 0; i < draws; i++) if (uniformInt(random, bound) < 2 ** 31) below++;
    expect(Math.abs(below / draws - 2 / 3)).toBeLessThan(0.01);
    const indices = resampleIndices(1000, seededRandom(1));
    expect(Math.min(...indices)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...indices)).toBeLessThan(1000);
    expect(new Set(indices).size).toBeLessThan(700); // about 632 distinct rows expected
  });
});
