import { describe, expect, it } from 'vitest';
import type { SequenceArray } from '../../../src/studies/timesteps/discover.js';
import { buildTimestepsPlan, parseTimesteps } from '../../../src/studies/timesteps/plan.js';
import { UsageError } from '../../../src/errors.js';

function sequence(label: string, timesteps: number): SequenceArray {
  return { ref: `${label}.npy`, label, network: label, layer: 'all', group: null, shape: [10, timesteps, 3], dtype: 'float32', datapoints: 10, timesteps, neurons: 3 };
}

function expectUsageError(run: () => unknown, message: RegExp): void {
  expect(run).toThrow(UsageError);
  expect(run).toThrow(message);
}

describe('parseTimesteps', () => {
  it('sorts and drops repeats; refuses anything but whole numbers', () => {
    expect(parseTimesteps('10, 0,5,5')).toEqual([0, 5, 10]);
    for (const bad of ['', '1,-2', '1.5', 'a', '3,,x']) expectUsageError(() => parseTimesteps(bad), /--timesteps takes a comma list/);
  });
});

describe('buildTimestepsPlan', () => {
  it('plans one matrix per array, every unordered pair of timesteps once, row by row, on FILE#t=K files', () => {
    const plan = buildTimestepsPlan([sequence('a', 3), sequence('b', 2)]);
    expect(plan.matrices.map((m) => [m.scope, m.labels, m.fileIds])).toEqual([
      ['a', ['t0', 't1', 't2'], ['a.npy#t=0', 'a.npy#t=1', 'a.npy#t=2']],
      ['b', ['t0', 't1'], ['b.npy#t=0', 'b.npy#t=1']],
    ]);
    expect(plan.tasks.map((task) => `${task.scope}:${task.a}-${task.b}`)).toEqual(['a:a.npy#t=0-a.npy#t=1', 'a:a.npy#t=0-a.npy#t=2', 'a:a.npy#t=1-a.npy#t=2', 'b:b.npy#t=0-b.npy#t=1']);
    expect(plan.files.map((file) => file.id)).toEqual(['a.npy#t=0', 'a.npy#t=1', 'a.npy#t=2', 'b.npy#t=0', 'b.npy#t=1']);
    expect(plan.timesteps).toEqual([[0, 1, 2], [0, 1]]);
    expect(plan.scopeKind).toBe('layer');
  });

  it('--timesteps: the chosen ones in every array; out of range names the valid range; fewer than two is refused', () => {
    expect(buildTimestepsPlan([sequence('a', 12)], { timesteps: [0, 5, 10] }).matrices[0].labels).toEqual(['t0', 't5', 't10']);
    expectUsageError(() => buildTimestepsPlan([sequence('a', 12), sequence('b', 8)], { timesteps: [0, 10] }), /--timesteps 10 out of range for b\.npy: it has 8 timesteps, valid timesteps are 0\.\.7/);
    expectUsageError(() => buildTimestepsPlan([sequence('a', 12)], { timesteps: [4] }), /names one timestep \(4\): nothing to compare/);
    expectUsageError(() => buildTimestepsPlan([sequence('a', 1)]), /a\.npy has 1 timestep: nothing to compare/);
  });
});
