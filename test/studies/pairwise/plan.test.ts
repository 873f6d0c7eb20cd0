import { describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/studies/pairwise/discover.js';
import { buildPairwisePlan } from '../../../src/studies/pairwise/plan.js';

const tree = classifyFiles(['g/s1/fc1.npy', 'g/s1/fc2.npy', 'g/s2/fc1.npy', 'g/s2/fc2.npy', 'h/s3/fc1.npy', 'h/s3/fc2.npy', 'h/s4/fc1.npy']);

describe('buildPairwisePlan', () => {
  it('one matrix per layer over the networks that have it, every unordered pair once', () => {
    const plan = buildPairwisePlan(tree);
    expect(plan.scopeKind).toBe('layer');
    expect(plan.matrices.map((m) => [m.scope, m.labels])).toEqual([
      ['fc1', ['g/s1', 'g/s2', 'h/s3', 'h/s4']],
      ['fc2', ['g/s1', 'g/s2', 'h/s3']],
    ]);
    expect(plan.matrices[0].groups).toEqual(['g', 'g', 'h', 'h']);
    expect(plan.tasks).toHaveLength(6 + 3);
    expect(plan.tasks[0]).toMatchObject({ scope: 'fc1', i: 0, j: 1, labelA: 'g/s1', labelB: 'g/s2', a: 'g/s1/fc1.npy' });
    const keys = new Set(plan.tasks.map((t) => t.key));
    expect(keys.size).toBe(plan.tasks.length);
    expect(plan.files).toHaveLength(7);
  });

  it('--layers keeps the named layers and refuses unknown ones', () => {
    const plan = buildPairwisePlan(tree, { layers: ['fc2'] });
    expect(plan.matrices.map((m) => m.scope)).toEqual(['fc2']);
    expect(plan.files).toHaveLength(3);
    expect(() => buildPairwisePlan(tree, { layers: ['fc9'] })).toThrow(/unknown layer\(s\) in --layers: fc9/);
  });

  it('--cross-layer: one layer x layer matrix per network', () => {
    const plan = buildPairwisePlan(tree, { crossLayer: true });
    expect(plan.scopeKind).toBe('network');
    expect(plan.matrices.map((m) => [m.scope, m.labels])).toEqual([
      ['g/s1', ['fc1', 'fc2']],
      ['g/s2', ['fc1', 'fc2']],
      ['h/s3', ['fc1', 'fc2']],
    ]);
    expect(plan.matrices[0].groups).toEqual([null, null]);
    expect(plan.warnings[0]).toMatch(/network h\/s4 has only one layer/);
    expect(plan.tasks).toHaveLength(3);
    expect(() => buildPairwisePlan(classifyFiles(['a.npy', 'b.npy']), { crossLayer: true })).toThrow(/--cross-layer needs/);
  });
});
