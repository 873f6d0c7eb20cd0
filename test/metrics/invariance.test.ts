import { describe, expect, it } from 'vitest';
import { randomMatrix } from '../helpers/random.js';
import { multiplyMatrices } from '../helpers/random.js';
import {
  compareMatrices,
  correlatedPair,
  maxAbsDiff,
  offsetMatrix,
  randomOrthogonal,
  scaleMatrix,
  withDuplicatedColumns,
} from './helpers.js';
import { directPaperPwcca } from './direct-pwcca.js';

const SEEDS = [1, 7, 42, 1234];

describe.each(SEEDS)('invariances, seed %i', (seed) => {
  const { x, y } = correlatedPair(300, 12, 9, seed);
  const base = compareMatrices(x, y, { svcca: {} });

  it('gives distance 0 for identical inputs', () => {
    const same = compareMatrices(x, x, { svcca: {} });
    expect(same.cca.distance).toBeLessThan(1e-12);
    expect(Math.abs(same.pwcca.distance)).toBeLessThan(1e-12);
    expect(same.svcca!.distance).toBeLessThan(1e-8); // the reference's 1e-10 ridge
    expect(Math.min(...same.cca.coefficients)).toBeGreaterThan(1 - 1e-12);
  });

  it('gives CCA and PWCCA distance 0 for an invertible linear map of the same matrix', () => {
    const mixed = multiplyMatrices(x, randomMatrix(12, 12, seed + 100));
    const result = compareMatrices(x, mixed);
    expect(result.cca.distance).toBeLessThan(1e-10);
    expect(Math.abs(result.pwcca.distance)).toBeLessThan(1e-10);
  });

  it('is unchanged by a rotation of either side', () => {
    const rotated = compareMatrices(multiplyMatrices(x, randomOrthogonal(12, seed + 5)), y);
    expect(maxAbsDiff(rotated.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    // PWCCA weights use individual neurons, so they are not rotation invariant; CCA and SVCCA are.
  });

  it('is unchanged by a +1000 offset on every neuron', () => {
    const shifted = compareMatrices(offsetMatrix(x, 1000), offsetMatrix(y, 1000), { svcca: {} });
    expect(maxAbsDiff(shifted.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-9);
    expect(Math.abs(shifted.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-9);
    expect(Math.abs(shifted.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-9);
  });

  it('is unchanged by scaling either side', () => {
    const scaled = compareMatrices(scaleMatrix(x, 1e3), scaleMatrix(y, 1e-3), { svcca: {} });
    expect(maxAbsDiff(scaled.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    expect(Math.abs(scaled.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(scaled.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-12);
  });

  it('gives the same coefficients and a consistent side when the arguments are swapped', () => {
    const swapped = compareMatrices(y, x, { svcca: {} });
    expect(maxAbsDiff(swapped.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    // y has the smaller rank: it gives the weights in both orders.
    expect(base.pwcca.side).toBe('b');
    expect(swapped.pwcca.side).toBe('a');
    expect(Math.abs(swapped.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(swapped.pwcca.directional.b - base.pwcca.directional.a)).toBeLessThan(1e-12);
    expect(Math.abs(swapped.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-12);
  });

  it('keeps the directional values on a rank tie and picks the first argument', () => {
    const tie = correlatedPair(300, 10, 10, seed + 9);
    const ab = compareMatrices(tie.x, tie.y);
    const ba = compareMatrices(tie.y, tie.x);
    expect(ab.pwcca.sideTie).toBe(true);
    expect(ab.pwcca.side).toBe('a');
    expect(ba.pwcca.side).toBe('a');
    expect(Math.abs(ab.pwcca.directional.a - ba.pwcca.directional.b)).toBeLessThan(1e-12);
    expect(Math.abs(ab.pwcca.directional.b - ba.pwcca.directional.a)).toBeLessThan(1e-12);
  });

  it('lies in [0, 1] with weights summing to 1', () => {
    for (const value of [base.cca.mean, base.cca.meanThresholded, base.pwcca.similarity, base.svcca!.similarity]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(base.pwcca.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    const sorted = [...base.cca.coefficients].sort((p, q) => q - p);
    expect(maxAbsDiff(sorted, base.cca.coefficients)).toBe(0);
  });

  it('ignores duplicated neurons in the canonical correlations', () => {
    const duplicated = compareMatrices(withDuplicatedColumns(x, [0, 5, 5]), y);
    expect(duplicated.sides.a.rank).toBe(12);
    expect(maxAbsDiff(duplicated.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-9);
  });

  it('agrees with PWCCA computed over the datapoints by an independent QR/SVD route', () => {
    const direct = directPaperPwcca(x, y);
    expect(maxAbsDiff(base.cca.coefficients, direct.rho)).toBeLessThan(1e-10);
    expect(Math.abs(base.pwcca.directional.a - direct.fromA)).toBeLessThan(1e-10);
    expect(Math.abs(base.pwcca.directional.b - direct.fromB)).toBeLessThan(1e-10);
  });
});
