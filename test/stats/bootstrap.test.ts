import { describe, expect, it } from 'vitest';
import { NumericError, UsageError } from '../../src/errors.js';
import { bootstrap, percentileInterval, quantile, type BootstrapOptions } from '../../src/stats/bootstrap.js';
import { evaluateHere } from '../../src/stats/draws.js';
import type { SimilarityMethod } from '../../src/metrics/permutable.js';
import { resampledSimilarities, selectRows } from '../../src/metrics/resample.js';
import type { Matrix } from '../../src/types.js';
import { compareMatrices, correlatedPair } from '../metrics/helpers.js';

const ALL: SimilarityMethod[] = ['pwcca', 'cca', 'svcca', 'cka'];

/** The bootstrap of a pair, as the engine runs it (observed values from the pair itself). */
function runPairBootstrap(x: Matrix, y: Matrix, methods: SimilarityMethod[], options: BootstrapOptions) {
  const observed = resampledSimilarities(x, y, Int32Array.from({ length: x.rows }, (_, i) => i), methods);
  return bootstrap(x.rows, evaluateHere((rows) => resampledSimilarities(x, y, rows, methods)), { ...options, observed });
}

describe('resampled similarities', () => {
  it('equal a comparison of the selected rows, and of the pair itself for the identity', () => {
    const { x, y } = correlatedPair(80, 4, 5, 3);
    const identity = Int32Array.from({ length: 80 }, (_, i) => i);
    const full = compareMatrices(x, y, { svcca: {}, cka: {} });
    expect(resampledSimilarities(x, y, identity, ALL)).toEqual({
      pwcca: full.pwcca.similarity, cca: full.cca.similarity, svcca: full.svcca!.similarity, cka: full.cka!.similarity,
    });
    const rows = Int32Array.from({ length: 80 }, (_, i) => (i * 7) % 53);
    const picked = compareMatrices(selectRows(x, rows), selectRows(y, rows));
    expect(resampledSimilarities(x, y, rows, ['cca']).cca).toBe(picked.cca.similarity);
    expect(Array.from(selectRows(x, Int32Array.from([2, 2])).data)).toEqual([...x.data.slice(8, 12), ...x.data.slice(8, 12)]);
  });
});

describe('percentile interval', () => {
  it('interpolates linearly between order statistics, as numpy.percentile', () => {
    const values = [10, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    // np.percentile(np.arange(1, 11), [2.5, 97.5, 50, 33]) = [1.225, 9.775, 5.5, 3.97]
    expect(percentileInterval(values, 0.95).low).toBeCloseTo(1.225, 12);
    expect(percentileInterval(values, 0.95).high).toBeCloseTo(9.775, 12);
    expect(quantile(values, 0.5)).toBeCloseTo(5.5, 12);
    expect(quantile(values, 0.33)).toBeCloseTo(3.97, 12);
  });

  it('rejects a level outside (0, 1) and a bad count', async () => {
    for (const level of [0, 1, 1.5, -0.1, Number.NaN]) expect(() => percentileInterval([1, 2], level)).toThrow(UsageError);
    for (const resamples of [0, -1, 2.5]) await expect(bootstrap(10, evaluateHere(() => ({ cca: 1 })), { resamples })).rejects.toThrow(UsageError);
  });

  it('counts failed resamples and fails only when all do, on any number of lanes', async () => {
    for (const lanes of [1, 3]) {
      let call = 0;
      const result = await bootstrap(10, evaluateHere(() => {
        if (call++ % 2 === 0) throw new NumericError('degenerate');
        return { cca: call };
      }), { resamples: 10, lanes });
      expect(result.failed).toBe(5);
    }
    await expect(bootstrap(10, evaluateHere(() => { throw new NumericError('degenerate'); }), { resamples: 3 })).rejects.toThrow(NumericError);
  });
});

describe('pair bootstrap', () => {
  it.each([1, 2, 3])('contains the observed value on typical data (seed %i)', async (seed) => {
    const { x, y } = correlatedPair(300, 8, 8, seed);
    const observed = compareMatrices(x, y, { svcca: {}, cka: {} });
    const result = await runPairBootstrap(x, y, ALL, { resamples: 60, seed });
    expect(result.level).toBe(0.95);
    expect(result.resamples).toBe(60);
    expect(result.failed).toBe(0);
    const outside = ALL.filter((m) => {
      const value = m === 'pwcca' ? observed.pwcca.similarity : m === 'cca' ? observed.cca.similarity : m === 'svcca' ? observed.svcca!.similarity : observed.cka!.similarity;
      return !(result[m]!.low <= value && value <= result[m]!.high);
    });
    expect(outside).toEqual([]);
  }, 60_000);

  it('contains the observed value where resampling inflates the similarities (25 datapoints per dimension)', async () => {
    const { x, y } = correlatedPair(400, 16, 16, 4, 3);
    const result = await runPairBootstrap(x, y, ALL, { resamples: 60, seed: 2 });
    const observed = resampledSimilarities(x, y, Int32Array.from({ length: 400 }, (_, i) => i), ALL);
    for (const m of ALL) {
      const r = result[m]!;
      expect(r.low <= observed[m]! && observed[m]! <= r.high, `${m}: ${observed[m]} in [${r.low}, ${r.high}]`).toBe(true);
      expect(r.low).toBeCloseTo(r.percentile.low - r.bias, 14);
    }
    // The plain percentile interval of CCA sits above the observed value: resampled rows repeat.
    expect(result.cca!.bias).toBeGreaterThan(0);
    expect(result.cca!.percentile.low).toBeGreaterThan(observed.cca!);
  }, 60_000);

  it('shrinks as the number of datapoints grows, and repeats with a seed', async () => {
    const width = async (n: number) => {
      const { x, y } = correlatedPair(n, 6, 6, 9);
      const result = await runPairBootstrap(x, y, ALL, { resamples: 60, seed: 4, confidence: 0.9 });
      return Object.fromEntries(ALL.map((m) => [m, result[m]!.high - result[m]!.low]));
    };
    const small = await width(150);
    const large = await width(2400);
    for (const m of ALL) expect(large[m], m).toBeLessThan(small[m] / 2);
    const { x, y } = correlatedPair(100, 4, 4, 1);
    expect(await runPairBootstrap(x, y, ['cca'], { resamples: 20, seed: 5 })).toEqual(await runPairBootstrap(x, y, ['cca'], { resamples: 20, seed: 5, lanes: 4 }));
  }, 60_000);
});
