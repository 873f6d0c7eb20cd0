import { describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/studies/pairwise/discover.js';
import type { PairwiseRecord } from '../../../src/studies/pairwise/run.js';
import { buildPairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { analysePairwise, buildDistanceMatrices, buildMeanMatrix } from '../../../src/studies/pairwise/report.js';
import { parseMetaCsv } from '../../../src/stats/meta-correlation.js';
import { expectSymmetricZeroDiagonal } from '../../helpers/expect-close.js';

// Four networks on a line: g/s1 = 0, g/s2 = 0.1, h/s3 = 0.5, h/s4 = 0.7; distance = |difference|.
const position: Record<string, number> = { 'g/s1': 0, 'g/s2': 0.1, 'h/s3': 0.5, 'h/s4': 0.7 };
const plan = buildPairwisePlan(classifyFiles(Object.keys(position).map((n) => `${n}/fc1.npy`)));

function records(fail?: string): PairwiseRecord[] {
  return plan.tasks.map((task) => {
    const base = { scope: task.scope, a: task.labelA, b: task.labelB, groupA: task.labelA[0], groupB: task.labelB[0] };
    if (fail !== undefined && (task.labelA === fail || task.labelB === fail)) {
      return { ...base, error: { kind: 'input', message: 'bad file', exitCode: 3 } };
    }
    const distance = Math.abs(position[task.labelA] - position[task.labelB]);
    const value = { similarity: 1 - distance, distance };
    return { ...base, values: { pwcca: { ...value, directional: { a: 1 - distance, b: 1 - distance }, side: 'tie' as const }, cca: { similarity: 0.5, distance: 0.5 } } };
  });
}

describe('buildDistanceMatrices', () => {
  it('symmetric, exact 0 diagonal, one matrix per method, records in any order', () => {
    const [matrix] = buildDistanceMatrices(plan, [...records()].reverse(), ['pwcca', 'cca']);
    const d = matrix.methods.pwcca!.distance;
    expect(matrix.labels).toEqual(['g/s1', 'g/s2', 'h/s3', 'h/s4']);
    expectSymmetricZeroDiagonal(d, 'pwcca');
    expect(d[0][3]).toBeCloseTo(0.7, 15);
    expect(matrix.methods.cca!.distance[1][2]).toBe(0.5);
  });

  it('a failed pair is a null cell', () => {
    const [matrix] = buildDistanceMatrices(plan, records('h/s3'), ['pwcca']);
    const d = matrix.methods.pwcca!.distance;
    expect(d[2]).toEqual([null, null, 0, null]);
    expect(d[0][2]).toBeNull();
    expect(d[0][1]).toBeCloseTo(0.1, 15);
  });
});

describe('analysePairwise', () => {
  it('adds group statistics, clusters with the adjusted Rand index, and metadata correlations', () => {
    const meta = parseMetaCsv('network,acc\ng/s1,0.9\ng/s2,0.8\nh/s3,0.5\nh/s4,0.4\n');
    const { matrices, warnings } = analysePairwise(buildDistanceMatrices(plan, records(), ['pwcca']), { clusters: 2, meta });
    expect(warnings).toEqual([]);
    const [m] = matrices;
    const stats = m.groupStats!.pwcca!;
    expect(stats.within.map((w) => [w.group, w.count])).toEqual([
      ['g', 1],
      ['h', 1],
    ]);
    expect(stats.within[1].mean).toBeCloseTo(0.2, 15);
    expect(stats.between[0].mean).toBeCloseTo((0.5 + 0.7 + 0.4 + 0.6) / 4, 15);
    expect(m.clusters!.pwcca).toMatchObject({ method: 'average', k: 2, assignments: [1, 1, 2, 2], adjustedRandIndex: 1 });
    expect(m.clusters!.pwcca!.order).toEqual(['g/s1', 'g/s2', 'h/s3', 'h/s4']);
    const [acc] = m.meta!.pwcca!;
    // Mean within-group distances: 0.1, 0.1, 0.2, 0.2 against 0.9, 0.8, 0.5, 0.4.
    expect(acc.n).toBe(4);
    expect(acc.pearson.r!).toBeLessThan(-0.9);
  });

  it('does not cluster a matrix with failed pairs, and says so', () => {
    const { matrices, warnings } = analysePairwise(buildDistanceMatrices(plan, records('h/s3'), ['pwcca']), { clusters: 2 });
    expect(matrices[0].clusters).toEqual({});
    expect(warnings[0]).toMatch(/fc1 \(pwcca\): not clustered, some pairs failed/);
  });
});

describe('buildMeanMatrix', () => {
  const matrix = (scope: string, labels: string[], distance: (number | null)[][]) => ({
    scope,
    labels,
    groups: labels.map((label) => label.split('/')[0]),
    methods: { pwcca: { distance } },
  });

  it('averages the layers over the networks every layer has; a pair failed in any layer is null', () => {
    const fc1 = matrix('fc1', ['a/s0', 'a/s1', 'b/s0'], [[0, 0.2, 0.4], [0.2, 0, null], [0.4, null, 0]]);
    const fc2 = matrix('fc2', ['a/s0', 'a/s1', 'b/s0', 'b/s1'], [[0, 0.4, 0.6, 0.1], [0.4, 0, 0.3, 0.1], [0.6, 0.3, 0, 0.1], [0.1, 0.1, 0.1, 0]]);
    const { matrix: mean, warnings } = buildMeanMatrix([fc1, fc2], ['pwcca']);
    expect(mean).toMatchObject({ scope: 'mean', aggregate: 'mean', layers: ['fc1', 'fc2'], labels: ['a/s0', 'a/s1', 'b/s0'], groups: ['a', 'a', 'b'] });
    const rounded = mean!.methods.pwcca!.distance.map((row) => row.map((value) => (value === null ? null : Number(value.toFixed(12)))));
    expect(rounded).toEqual([[0, 0.3, 0.5], [0.3, 0, null], [0.5, null, 0]]);
    expect(warnings).toEqual([expect.stringMatching(/leaves out 1 network\(s\) that lack some layer \(b\/s1\)/)]);
  });

  it('needs two layers', () => {
    expect(buildMeanMatrix([matrix('fc1', ['a', 'b'], [[0, 1], [1, 0]])], ['pwcca']).matrix).toBeUndefined();
  });
});
