import { describe, expect, it } from 'vitest';
import { symmetricPwcca } from '../../src/metrics/compare.js';
import { compareMatrices, correlatedPair } from './helpers.js';

describe.each([3, 11, 29])('PWCCA on a rank tie, seed %i', (seed) => {
  // Equal widths and full rank: the two sides tie, as two seeds of one architecture do.
  const { x, y } = correlatedPair(240, 10, 10, seed);

  it('variant paper reports the mean of both directions, whatever the argument order', () => {
    const forward = compareMatrices(x, y);
    const backward = compareMatrices(y, x);
    const { a, b } = forward.pwcca.directional;
    expect(forward.pwcca.sideTie).toBe(true);
    expect(forward.pwcca.symmetric).toBe(true);
    expect(Math.abs(a - b)).toBeGreaterThan(1e-4); // the directions really differ, so the rule matters
    expect(forward.pwcca.similarity).toBe((a + b) / 2);
    expect(forward.pwcca.distance).toBe(1 - (a + b) / 2);
    expect(Math.abs(forward.pwcca.similarity - backward.pwcca.similarity)).toBeLessThan(1e-12);
    // Both directional values are kept, swapped with the arguments.
    expect(Math.abs(backward.pwcca.directional.a - b)).toBeLessThan(1e-12);
    expect(Math.abs(backward.pwcca.directional.b - a)).toBeLessThan(1e-12);
  });

  it('symmetricPwcca equals the reported similarity (nothing is averaged twice)', () => {
    const forward = compareMatrices(x, y);
    expect(symmetricPwcca(forward.pwcca)).toBe(forward.pwcca.similarity);
  });

  it('variant svcca keeps the reference rule: the first argument on a tie', () => {
    const forward = compareMatrices(x, y, { variant: 'svcca' });
    expect(forward.pwcca.symmetric).toBe(false);
    expect(forward.pwcca.side).toBe('a');
    expect(forward.pwcca.similarity).toBe(forward.pwcca.directional.a);
  });
});

describe('PWCCA off a tie', () => {
  it('takes the side with the smaller rank in both orders', () => {
    const { x, y } = correlatedPair(240, 8, 12, 5);
    const forward = compareMatrices(x, y);
    const backward = compareMatrices(y, x);
    expect(forward.pwcca.symmetric).toBe(false);
    expect(forward.pwcca.similarity).toBe(forward.pwcca.directional.a);
    expect(backward.pwcca.similarity).toBe(backward.pwcca.directional.b);
    expect(Math.abs(forward.pwcca.similarity - backward.pwcca.similarity)).toBeLessThan(1e-12);
    expect(symmetricPwcca(forward.pwcca)).toBe(forward.pwcca.similarity);
  });
});
