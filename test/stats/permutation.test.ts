import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { computeCka } from '../../src/metrics/cka.js';
import type { CompareOptions, PairComparison } from '../../src/metrics/compare.js';
import { observedValues, preparePermutablePair, type MethodValues, type SimilarityMethod } from '../../src/metrics/permutable.js';
import { crossCovariance, prepareSide, type PreparedSide } from '../../src/metrics/side.js';
import { evaluateHere } from '../../src/stats/draws.js';
import { permutationTest, summariseNull, type PermutationOptions } from '../../src/stats/permutation.js';
import { randomPermutation, seededRandom } from '../../src/stats/random.js';
import { buildMatrix, type Matrix } from '../../src/types.js';
import { randomMatrix } from '../helpers/random.js';
import { directPaperPwcca } from '../metrics/direct-pwcca.js';
import { compareMatrices, correlatedPair, scaleMatrix, withDuplicatedColumns } from '../metrics/helpers.js';

const ALL: SimilarityMethod[] = ['pwcca', 'cca', 'svcca', 'cka'];

/** The permutation test of a compared pair, as the engine runs it. */
function runPairPermutationTest(
  x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, comparison: PairComparison,
  methods: SimilarityMethod[], options: PermutationOptions,
) {
  const pair = preparePermutablePair(x, px, y, py, methods);
  return permutationTest(x.rows, evaluateHere(pair.similarities), observedValues(comparison, methods), options);
}

/** Every method by a full re-preparation of the two matrices (the plain route). */
function plainValues(x: Matrix, y: Matrix, options: CompareOptions): MethodValues {
  const c = compareMatrices(x, y, { ...options, svcca: options.svcca ?? {} });
  const px = prepareSide(x);
  const py = prepareSide(y);
  const cka = computeCka(x, px, y, py, crossCovariance(x, px, y, py));
  return { pwcca: c.pwcca.similarity, cca: c.cca.similarity, svcca: c.svcca!.similarity, cka: cka.similarity };
}

function permuteRows(y: Matrix, permutation: Int32Array): Matrix {
  const data = new Float64Array(y.data.length);
  for (let i = 0; i < y.rows; i++) data.set(y.data.subarray(permutation[i] * y.cols, (permutation[i] + 1) * y.cols), i * y.cols);
  return buildMatrix(y.rows, y.cols, data);
}

function worstGap(a: MethodValues, b: MethodValues): number {
  return Math.max(...ALL.map((m) => Math.abs(a[m]! - b[m]!)));
}

const CASES: Array<[string, () => { x: Matrix; y: Matrix }, CompareOptions]> = [
  ['rank tie', () => correlatedPair(120, 8, 8, 1), {}],
  ['different widths', () => correlatedPair(150, 6, 10, 2), {}],
  ['rank-deficient side', () => ({ ...correlatedPair(130, 7, 9, 3), x: withDuplicatedColumns(correlatedPair(130, 7, 9, 3).x, [0, 2]) }), {}],
  ['epsilon mode', () => correlatedPair(120, 8, 6, 4), { epsilon: 1e-6 }],
  ['variant svcca', () => correlatedPair(120, 8, 8, 5), { variant: 'svcca' }],
  ['fixed SVCCA dims', () => correlatedPair(120, 9, 8, 6), { svcca: { dims: 4 } }],
  ['extreme magnitudes', () => { const p = correlatedPair(120, 7, 8, 7); return { x: scaleMatrix(p.x, 1e-200), y: scaleMatrix(p.y, 1e200) }; }, {}],
];

describe.each(CASES)('permuted similarities, %s', (_name, make, options) => {
  const { x, y } = make();
  const px = prepareSide(x);
  const py = prepareSide(y);
  const pair = preparePermutablePair(x, px, y, py, ALL, options);

  it('equal a full re-preparation of the shuffled matrix, for every method, to 1e-10', () => {
    const random = seededRandom(11);
    const gaps: number[] = [];
    for (let t = 0; t < 4; t++) {
      const permutation = randomPermutation(x.rows, random);
      gaps.push(worstGap(pair.similarities(permutation), plainValues(x, permuteRows(y, permutation), options)));
    }
    expect(Math.max(...gaps), gaps.join(', ')).toBeLessThanOrEqual(1e-10);
  });

  // That route is the paper's formula for full-rank sides with the rank whitening.
  const paperRoute = options.epsilon === undefined && options.variant === undefined && px.rank === x.cols && py.rank === y.cols;
  if (paperRoute) it('equal the paper\'s formula taken literally on the shuffled matrix (an independent ml-matrix route), to 1e-10', () => {
    const random = seededRandom(23);
    for (let t = 0; t < 2; t++) {
      const permutation = randomPermutation(x.rows, random);
      const direct = directPaperPwcca(x, permuteRows(y, permutation));
      const got = pair.similarities(permutation);
      const tie = x.cols === y.cols;
      const expected = tie ? (direct.fromA + direct.fromB) / 2 : x.cols < y.cols ? direct.fromA : direct.fromB;
      expect(Math.abs(got.pwcca! - expected), `pwcca, shuffle ${t}`).toBeLessThanOrEqual(1e-10);
      expect(Math.abs(got.cca! - direct.rho.reduce((a, b) => a + b, 0) / direct.rho.length), `cca, shuffle ${t}`).toBeLessThanOrEqual(1e-10);
    }
  });

  it('give the observed values for the identity', () => {
    const identity = Int32Array.from({ length: x.rows }, (_, i) => i);
    expect(worstGap(pair.similarities(identity), plainValues(x, y, options))).toBeLessThanOrEqual(1e-10);
  });
});

describe('permutation test', () => {
  it('gives p = 1/(K+1) for related data and a null near chance', async () => {
    const { x, y } = correlatedPair(300, 10, 10, 21);
    const px = prepareSide(x);
    const py = prepareSide(y);
    const comparison = compareMatrices(x, y, { svcca: {}, cka: {} });
    const result = await runPairPermutationTest(x, px, y, py, comparison, ALL, { permutations: 99, seed: 7 });
    expect(result.test).toBe('permutation');
    expect(result.permutations).toBe(99);
    expect(result.seed).toBe(7);
    for (const method of ALL) {
      const summary = result[method]!;
      expect(summary.pValue, method).toBe(1 / 100);
      expect(summary.observed).toBe(comparison[method === 'cka' ? 'cka' : method]!.similarity);
      expect(summary.nullValues.length).toBe(99);
      expect(summary.excess).toBe(summary.observed - summary.nullMean);
      expect(summary.nullMean).toBeLessThan(summary.observed);
    }
  });

  it('gives p > 0.01 for independent data, and repeats exactly with the same seed', async () => {
    const x = randomMatrix(200, 6, 31);
    const y = randomMatrix(200, 6, 32);
    const px = prepareSide(x);
    const py = prepareSide(y);
    const comparison = compareMatrices(x, y, { svcca: {}, cka: {} });
    const run = (seed: number) => runPairPermutationTest(x, px, y, py, comparison, ALL, { permutations: 199, seed });
    const first = await run(0);
    for (const method of ALL) expect(first[method]!.pValue, method).toBeGreaterThan(0.01);
    expect(await run(0)).toEqual(first);
    expect((await run(1)).cca!.nullValues).not.toEqual(first.cca!.nullValues);
  });

  it('matches the analytic null of the mean canonical correlation for independent data', async () => {
    // For independent sides and a random pairing the null of the linear CKA numerator has
    // mean tr(Cxx) tr(Cyy) / (n - 1) in covariance units; checked here through the CKA null mean.
    const x = randomMatrix(400, 5, 41);
    const y = randomMatrix(400, 4, 42);
    const px = prepareSide(x);
    const py = prepareSide(y);
    const pair = preparePermutablePair(x, px, y, py, ['cka']);
    const result = await permutationTest(x.rows, evaluateHere(pair.similarities), { cka: 0 }, { permutations: 400, seed: 3 });
    const trace = (c: Float64Array, d: number) => Array.from({ length: d }, (_, i) => c[i * d + i]).reduce((a, b) => a + b, 0);
    const frob = (c: Float64Array) => Math.sqrt(c.reduce((a, v) => a + v * v, 0));
    // E ||Xc^T P Yc||^2 = tr(Sx) tr(Sy) / (n - 1) exactly over uniform permutations (S: centred scatter matrices).
    const n = 400;
    const expected = (trace(px.covariance, 5) * trace(py.covariance, 4) * (n - 1)) / (n - 1) ** 2 / (frob(px.covariance) * frob(py.covariance));
    expect(Math.abs(result.cka!.nullMean - expected) / expected).toBeLessThan(0.1);
  });

  it('counts ties as at least as large and uses the population std', () => {
    const summary = summariseNull(0.5, [0.5, 0.2, 0.8, 0.1]);
    expect(summary.pValue).toBe(3 / 5);
    expect(summary.nullMean).toBe(0.4);
    expect(Math.abs(summary.nullStd - Math.sqrt((0.01 + 0.04 + 0.16 + 0.09) / 4))).toBeLessThan(1e-15);
  });

  it('rejects a count that is not a positive whole number', async () => {
    const { x, y } = correlatedPair(60, 4, 4, 1);
    const px = prepareSide(x);
    const py = prepareSide(y);
    const pair = preparePermutablePair(x, px, y, py, ['cca']);
    for (const k of [0, -3, 2.5, Number.NaN]) {
      await expect(permutationTest(x.rows, evaluateHere(pair.similarities), { cca: 0.5 }, { permutations: k })).rejects.toThrow(UsageError);
    }
  });

  it('gives the same null whatever the batches and the number of them in flight', async () => {
    const { x, y } = correlatedPair(150, 6, 7, 12);
    const px = prepareSide(x);
    const py = prepareSide(y);
    const pair = preparePermutablePair(x, px, y, py, ALL);
    const observed = { pwcca: 0.5, cca: 0.5, svcca: 0.5, cka: 0.5 };
    const batches: number[] = [];
    const recorded = evaluateHere(pair.similarities);
    const one = await permutationTest(x.rows, evaluateHere(pair.similarities), observed, { permutations: 37, seed: 4 });
    const three = await permutationTest(x.rows, (draws) => {
      batches.push(draws.length);
      return recorded(draws);
    }, observed, { permutations: 37, seed: 4, lanes: 3 });
    expect(three).toEqual(one);
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(37);
    // The shuffles are the seeded stream, one after another.
    const random = seededRandom(4);
    const firstTwo = [randomPermutation(x.rows, random), randomPermutation(x.rows, random)];
    expect(one.cca!.nullValues.slice(0, 2)).toEqual(firstTwo.map((p) => pair.similarities(p).cca));
  });
});
