import { describe, expect, it } from 'vitest';
import { maxAbs, powerOfTwoScale, scaleByPowerOfTwo, ScaledColumnSums } from '../../src/metrics/magnitude.js';
import { computeMoments } from '../../src/metrics/side.js';
import { buildMatrix } from '../../src/types.js';
import { randomMatrix } from '../helpers/random.js';
import { compareMatrices, correlatedPair, maxAbsDiff, scaleMatrix } from './helpers.js';

describe('maxAbs', () => {
  it('is the largest magnitude, NaN wherever a NaN is, Infinity for an infinite value', () => {
    const values = Float64Array.from([0.5, -3, 2, -0, 1e-300]);
    const withNaN = (at: number) => Float64Array.from(values, (v, i) => (i === at ? Number.NaN : v));
    const got = {
      plain: maxAbs(values),
      empty: maxAbs(new Float64Array(0)),
      zeros: maxAbs(new Float64Array(3)),
      nanFirst: maxAbs(withNaN(0)),
      nanAfterMax: maxAbs(withNaN(3)),
      nanLast: maxAbs(withNaN(4)),
      infinity: maxAbs(Float64Array.from([1, Number.NEGATIVE_INFINITY, 2])),
      float32: maxAbs(Float32Array.from([1, -7.5, 3])),
    };
    expect(got).toEqual({ plain: 3, empty: 0, zeros: 0, nanFirst: NaN, nanAfterMax: NaN, nanLast: NaN, infinity: Infinity, float32: 7.5 });
  });
});

describe('powerOfTwoScale', () => {
  it('leaves moderate magnitudes alone and brings extreme ones into [1, 2)', () => {
    expect([0, 1, 2 ** 64, 2 ** -64, 3.7, Number.NaN, Infinity].map(powerOfTwoScale)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    for (const value of [1e-100, 1e100, 1e154, 1e-300, 1.7e308, 5e-324, 2 ** 65, 2 ** -65, 2 ** 300 * (2 - 2 ** -52)]) {
      const exponent = powerOfTwoScale(value);
      const [scaled] = scaleByPowerOfTwo([value], exponent);
      expect(scaled >= 1 && scaled < 2, `${value} * 2^${exponent} = ${scaled}`).toBe(true);
    }
  });

  it('scales exactly: scaling back gives the same bits', () => {
    const values = randomMatrix(50, 4, 3).data.map((v) => v * 1e-300);
    const exponent = powerOfTwoScale(maxAbs(values));
    const back = scaleByPowerOfTwo(scaleByPowerOfTwo(values, exponent), -exponent);
    expect(maxAbsDiff(back, values)).toBe(0);
  });
});

describe('ScaledColumnSums (the streamed route)', () => {
  it('gives the in-memory route means and exponent when a later chunk raises the magnitude', () => {
    const n = 600;
    const cols = 5;
    const data = randomMatrix(n, cols, 9).data.map((v, i) => (i < 256 * cols ? v * 1e-250 : v * 1e250));
    const x = buildMatrix(n, cols, data);
    const moments = computeMoments(x);
    const sums = new ScaledColumnSums(cols);
    for (let start = 0; start < n; start += 256) {
      const rows = Math.min(256, n - start);
      sums.add(data.subarray(start * cols, (start + rows) * cols), rows);
    }
    expect(sums.exponent).toBe(moments.scaleExponent);
    expect(maxAbsDiff(sums.means(n), moments.mean)).toBeLessThanOrEqual(1e-15 * maxAbs(moments.mean));
  });
});

describe.each([1e-100, 1e100, 1e154, 1e-300, 1e300, 2 ** 70])('a side scaled by %d', (factor) => {
  const { x, y } = correlatedPair(400, 12, 9, 17);
  const base = compareMatrices(x, y, { svcca: {} });
  const tolerance = 1e-10;

  it('gives the unscaled CCA, PWCCA and SVCCA (one side scaled)', () => {
    const scaled = compareMatrices(scaleMatrix(x, factor), y, { svcca: {} });
    const errors = {
      cca: maxAbsDiff(scaled.cca.coefficients, base.cca.coefficients),
      pwcca: Math.abs(scaled.pwcca.similarity - base.pwcca.similarity),
      svcca: Math.abs(scaled.svcca!.similarity - base.svcca!.similarity),
      ranks: Math.abs(scaled.sides.a.rank - base.sides.a.rank),
    };
    expect(Math.max(...Object.values(errors)), JSON.stringify(errors)).toBeLessThanOrEqual(tolerance);
    expect(scaled.warnings).toEqual(base.warnings);
  });

  it('gives the unscaled values with both sides scaled, also in epsilon mode and variant svcca', () => {
    const sx = scaleMatrix(x, factor);
    const sy = scaleMatrix(y, factor);
    const errors: Record<string, number> = {};
    for (const options of [{}, { epsilon: 1e-10 }, { variant: 'svcca' as const }]) {
      const reference = compareMatrices(x, y, options);
      const scaled = compareMatrices(sx, sy, options);
      errors[JSON.stringify(options)] = Math.max(
        maxAbsDiff(scaled.cca.coefficients, reference.cca.coefficients),
        Math.abs(scaled.pwcca.similarity - reference.pwcca.similarity),
      );
    }
    expect(Math.max(...Object.values(errors)), JSON.stringify(errors)).toBeLessThanOrEqual(tolerance);
  });
});
