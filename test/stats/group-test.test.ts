import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { betweenMinusWithin, groupPermutationTest } from '../../src/stats/group-test.js';
import { buildMatrix, type Matrix } from '../../src/types.js';
import { multiplyMatrices, randomMatrix, seededRandom } from '../helpers/random.js';
import { compareMatrices } from '../metrics/helpers.js';

/** A symmetric distance matrix from a function of the two indices. */
function matrixOf(m: number, value: (i: number, j: number) => number): number[][] {
  const d = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) d[i][j] = d[j][i] = value(i, j);
  return d;
}

/** All ways to give `ones` of m networks label 1. */
function* splits(m: number, ones: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === ones) {
    yield Array.from({ length: m }, (_, i) => (chosen.includes(i) ? 1 : 0));
    return;
  }
  for (let i = start; i < m; i++) yield* splits(m, ones, i + 1, [...chosen, i]);
}

describe('group permutation test', () => {
  it('agrees with the exact permutation distribution (all splits enumerated)', () => {
    const uniform = seededRandom(5);
    const d = matrixOf(7, (i, j) => uniform() + (i < 3 !== j < 3 ? 0.3 : 0));
    const groups = ['g1', 'g1', 'g1', 'g2', 'g2', 'g2', 'g2'];
    const members = [0, 1, 2, 3, 4, 5, 6];
    const observed = betweenMinusWithin(d, members, [0, 0, 0, 1, 1, 1, 1])!;
    const exact = [...splits(7, 4)].map((labels) => betweenMinusWithin(d, members, labels)!);
    const mean = exact.reduce((a, b) => a + b, 0) / exact.length;
    const std = Math.sqrt(exact.reduce((a, b) => a + (b - mean) ** 2, 0) / exact.length);
    const exactP = exact.filter((v) => v >= observed - 1e-12).length / exact.length;
    const [entry] = groupPermutationTest(d, groups, { permutations: 20000, seed: 1 });
    expect(entry.groups).toEqual(['g1', 'g2']);
    expect(entry.sizes).toEqual([3, 4]);
    expect(entry.observed).toBe(observed);
    expect(Math.abs(entry.nullMean! - mean)).toBeLessThan(4 * (std / Math.sqrt(20000)));
    expect(Math.abs(entry.nullStd! - std) / std).toBeLessThan(0.03);
    expect(Math.abs(entry.pValue! - exactP)).toBeLessThan(0.01);
  });

  it('finds generalizing and memorizing networks different at p <= 0.01 (PWCCA distances of simulated activations)', () => {
    // Generalizing networks: different mixings of one shared signal plus noise. Memorizing
    // networks: each its own signal. Six of each, 300 datapoints, 8 neurons.
    const shared = randomMatrix(300, 4, 100);
    const network = (k: number): Matrix => {
      const signal = k < 6 ? shared : randomMatrix(300, 4, 200 + k);
      const mixed = multiplyMatrices(signal, randomMatrix(4, 8, 300 + k));
      const noise = randomMatrix(300, 8, 400 + k);
      return buildMatrix(300, 8, mixed.data.map((v, i) => v + 0.5 * noise.data[i]));
    };
    const networks = Array.from({ length: 12 }, (_, k) => network(k));
    const d = matrixOf(12, (i, j) => compareMatrices(networks[i], networks[j]).pwcca.distance);
    const groups = Array.from({ length: 12 }, (_, k) => (k < 6 ? 'generalizing' : 'memorizing'));
    const [entry] = groupPermutationTest(d, groups, { permutations: 999, seed: 0 });
    expect(entry.observed!).toBeGreaterThan(0);
    expect(entry.pValue!).toBeLessThanOrEqual(0.01);
    expect(groupPermutationTest(d, groups, { permutations: 999, seed: 0 })).toEqual([entry]);
  });

  it('does not find structure that is not there', () => {
    const uniform = seededRandom(8);
    const d = matrixOf(10, () => uniform());
    const groups = Array.from({ length: 10 }, (_, k) => (k % 2 ? 'b' : 'a'));
    const [entry] = groupPermutationTest(d, groups, { permutations: 999, seed: 2 });
    expect(entry.pValue!).toBeGreaterThan(0.01);
  });

  it('tests every pair of groups in natural order, leaving out unlabelled networks and failed cells', () => {
    const d: (number | null)[][] = matrixOf(7, (i, j) => (i + j) / 10);
    d[0][1] = d[1][0] = null;
    const groups = ['run10', 'run2', 'run2', 'run10', null, 'solo', 'run2'];
    const entries = groupPermutationTest(d, groups, { permutations: 50 });
    expect(entries.map((e) => e.groups)).toEqual([['run2', 'run10'], ['run2', 'solo'], ['run10', 'solo']]);
    expect(entries[0].sizes).toEqual([3, 2]);
    // run10 and solo: one network of solo and none within it, and run10's within pair exists: testable.
    expect(entries[2].observed).not.toBeNull();
    const untestable = groupPermutationTest(matrixOf(2, () => 1), ['a', 'b'], { permutations: 10 });
    expect(untestable[0]).toMatchObject({ observed: null, pValue: null, nullMean: null, nullStd: null });
  });

  it('rejects a bad count', () => {
    for (const permutations of [0, -5, 1.5]) expect(() => groupPermutationTest([[0]], ['a'], { permutations })).toThrow(UsageError);
  });
});
