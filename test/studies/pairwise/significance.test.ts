import { describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/studies/pairwise/discover.js';
import type { PairwiseRecord } from '../../../src/studies/pairwise/run.js';
import { buildPairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { analysePairwise, buildDistanceMatrices } from '../../../src/studies/pairwise/report.js';
import { benjaminiHochberg } from '../../../src/stats/multiple-testing.js';

// Five networks in two groups; made-up distances and per-cell p-values.
const names = ['g/s1', 'g/s2', 'g/s3', 'h/s4', 'h/s5'];
const plan = buildPairwisePlan(classifyFiles(names.map((n) => `${n}/fc1.npy`)));
const pValues = [0.001, 0.004, 0.02, 0.3, 0.011, 0.5, 0.04, 0.003, 0.9, 0.2];

function records(): PairwiseRecord[] {
  return plan.tasks.map((task, k) => {
    const distance = task.labelA[0] === task.labelB[0] ? 0.1 + k / 100 : 0.6 + k / 100;
    return {
      scope: task.scope, a: task.labelA, b: task.labelB, groupA: task.labelA[0], groupB: task.labelB[0],
      values: { pwcca: { similarity: 1 - distance, distance, directional: { a: 1 - distance, b: 1 - distance }, side: 'tie' as const }, cca: { similarity: 0.5, distance: 0.5 } },
      significance: { permutations: 999, seed: 0, pwcca: { observed: 1 - distance, nullMean: 0.1, nullStd: 0.01, pValue: pValues[k], excess: 0.5 } },
    };
  });
}

describe('pairwise significance', () => {
  it('fills a p-value matrix from the records and counts the cells that pass Benjamini-Hochberg', () => {
    const matrices = buildDistanceMatrices(plan, records(), ['pwcca', 'cca']);
    const { matrices: [matrix] } = analysePairwise(matrices);
    const p = matrix.methods.pwcca!.pValue!;
    plan.tasks.forEach((task, k) => {
      expect(p[task.i][task.j]).toBe(pValues[k]);
      expect(p[task.j][task.i]).toBe(pValues[k]);
    });
    expect(matrix.methods.cca!.pValue).toBeUndefined();
    const expected = benjaminiHochberg(pValues, 0.05).count;
    expect(expected).toBe(5);
    expect(matrix.cells).toEqual({ pwcca: { correction: 'benjamini-hochberg', alpha: 0.05, tests: 10, significant: expected } });
  });

  it('runs the group test per method only when asked and the matrix has groups', () => {
    const matrices = buildDistanceMatrices(plan, records(), ['pwcca', 'cca']);
    expect(analysePairwise(matrices).matrices[0].groupTest).toBeUndefined();
    const [matrix] = analysePairwise(matrices, { groupTest: { permutations: 200, seed: 3 } }).matrices;
    const [entry] = matrix.groupTest!.pwcca!;
    expect(entry).toMatchObject({ groups: ['g', 'h'], statistic: 'between-within', permutations: 200, sizes: [3, 2] });
    expect(entry.observed).toBeGreaterThan(0.4);
    // 5 networks in groups of 3 and 2: 10 labellings, one of them the observed: p is about 1/10.
    expect(entry.pValue!).toBeGreaterThan(0.05);
    expect(matrix.groupTest!.cca![0].observed).toBe(0);
  });
});
