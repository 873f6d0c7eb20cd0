import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseReference, planConvergence, resolveReferenceStep } from '../../../src/studies/convergence/plan.js';
import { buildCheckpointSet } from '../../../src/studies/convergence/discover.js';

describe('reference step', () => {
  const steps = [0, 10, 20, 40];
  it('is the last step by default, or the first, or a given step', () => {
    expect(resolveReferenceStep(steps)).toBe(40);
    expect(resolveReferenceStep(steps, 'last')).toBe(40);
    expect(resolveReferenceStep(steps, 'first')).toBe(0);
    expect(resolveReferenceStep(steps, 20)).toBe(20);
  });

  it('refuses a step that no checkpoint has, listing the steps', () => {
    expect(() => resolveReferenceStep(steps, 30)).toThrow(UsageError);
    expect(() => resolveReferenceStep(steps, 30)).toThrow(/steps found: 0, 10, 20, 40/);
  });

  it('parses --reference', () => {
    expect(parseReference('last')).toBe('last');
    expect(parseReference('first')).toBe('first');
    expect(parseReference('5000')).toBe(5000);
    expect(parseReference('step_00042')).toBe(42);
    expect(() => parseReference('middle')).toThrow(UsageError);
  });
});

describe('planConvergence', () => {
  const set = buildCheckpointSet(['r1/2/fc.npy', 'r1/1/fc.npy', 'r1/1/conv.npy', 'r1/2/conv.npy', 'r1/3/conv.npy', 'r1/3/fc.npy', 'r2/1/conv.npy', 'r2/3/conv.npy', 'r2/1/fc.npy'], {
    root: 'runs',
    layers: ['conv', 'fc'],
  });

  it('compares every other step with the reference, grouped by run and layer', () => {
    const plan = planConvergence(set);
    expect(plan.referenceStep).toBe(3);
    expect(plan.tasks.map((t) => `${t.run}/${t.layer}@${t.step}:${t.a}->${t.b}`)).toEqual([
      'r1/conv@1:r1/1/conv.npy->r1/3/conv.npy',
      'r1/conv@2:r1/2/conv.npy->r1/3/conv.npy',
      'r1/fc@1:r1/1/fc.npy->r1/3/fc.npy',
      'r1/fc@2:r1/2/fc.npy->r1/3/fc.npy',
      'r2/conv@1:r2/1/conv.npy->r2/3/conv.npy',
    ]);
    expect(plan.referenceCells.map((f) => `${f.run}/${f.layer}`)).toEqual(['r1/conv', 'r1/fc', 'r2/conv']);
    // r2 has no fc at the reference step: its cells stay empty, with a warning.
    expect(plan.missingReferences).toEqual([{ run: 'r2', layer: 'fc' }]);
    expect(plan.warnings[0]).toMatch(/run r2, layer fc has no file at the reference step 3/);
    expect(new Set(plan.files.map((f) => f.id)).size).toBe(plan.files.length);
  });

  it('uses the first step as reference when asked', () => {
    const plan = planConvergence(set, { reference: 'first' });
    expect(plan.referenceStep).toBe(1);
    expect(plan.tasks.every((t) => t.b.includes('/1/'))).toBe(true);
    expect(plan.tasks.map((t) => t.step)).not.toContain(1);
  });
});
