import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../../src/errors.js';
import { buildCheckpointSet, describeLayout, parseStep } from '../../../src/studies/convergence/discover.js';

const build = (paths: string[], options: { byLayer?: boolean; layers?: string[] } = {}) => buildCheckpointSet(paths, { root: 'ckpt', ...options });

describe('parseStep', () => {
  it('reads the last integer of a name', () => {
    expect(parseStep('step_00042')).toBe(42);
    expect(parseStep('42')).toBe(42);
    expect(parseStep('epoch-3')).toBe(3);
    expect(parseStep('ckpt-1000')).toBe(1000);
    expect(parseStep('epoch3_step1000')).toBe(1000);
    expect(parseStep('final')).toBeNull();
    expect(parseStep('')).toBeNull();
  });
});

describe('buildCheckpointSet', () => {
  it('sorts mixed step names numerically and reports the integer', () => {
    const set = build(['step_10/fc.npy', 'step_2/fc.npy', 'epoch-1/fc.npy', '100/fc.npy', 'ckpt-0030/fc.npy']);
    expect(set.levels).toBe(2);
    expect(set.steps).toEqual([1, 2, 10, 30, 100]);
    expect(set.runs).toEqual(['ckpt']);
    expect(set.files.map((f) => f.step)).toEqual([1, 2, 10, 30, 100]);
    expect(set.files[0]).toMatchObject({ run: 'ckpt', layer: 'fc', step: 1, stepName: 'epoch-1', path: 'epoch-1/fc.npy' });
    expect(describeLayout(set)).toBe('<step>/<layer>');
  });

  it('orders layers naturally, or as --layers says (leaving out the others without a warning)', () => {
    const paths = ['1/layer10.npy', '1/layer2.npy', '1/conv.npy', '2/layer10.npy', '2/layer2.npy', '2/conv.npy'];
    expect(build(paths).layers).toEqual(['conv', 'layer2', 'layer10']);
    const chosen = build(paths, { layers: ['layer10', 'conv'] });
    expect(chosen.layers).toEqual(['layer10', 'conv']);
    expect(chosen.files.map((f) => `${f.layer}@${f.step}`)).toEqual(['layer10@1', 'layer10@2', 'conv@1', 'conv@2']);
    expect(chosen.warnings).toEqual([]);
    expect(() => build(paths, { layers: ['conv', 'fc9'] })).toThrow(/fc9.*found: conv, layer2, layer10/);
    expect(() => build(paths, { layers: ['conv', 'conv'] })).toThrow(UsageError);
  });

  it('detects runs from a third level and warns about a step missing in one run', () => {
    const set = build(['b/s1/fc.npy', 'b/s2/fc.npy', 'b/s3/fc.npy', 'a/s1/fc.npy', 'a/s3/fc.npy']);
    expect(set.levels).toBe(3);
    expect(set.runs).toEqual(['a', 'b']);
    expect(set.steps).toEqual([1, 2, 3]);
    expect(describeLayout(set)).toBe('<run>/<step>/<layer>');
    expect(set.warnings).toHaveLength(1);
    expect(set.warnings[0]).toMatch(/run a has no checkpoint for 1 step\(s\) \(2\)/);
  });

  it('warns about a layer missing at one step', () => {
    const set = build(['1/a.npy', '1/b.npy', '2/a.npy']);
    expect(set.warnings.join('\n')).toMatch(/step 2 has no file for layer\(s\) b/);
  });

  it('swaps the levels with byLayer', () => {
    const set = build(['conv1/step_3.npy', 'conv1/step_1.npy', 'fc/step_1.npy', 'fc/step_3.npy'], { byLayer: true });
    expect(set.layers).toEqual(['conv1', 'fc']);
    expect(set.steps).toEqual([1, 3]);
    expect(describeLayout(set)).toBe('<layer>/<step>');
    const runs = build(['r1/conv1/10.npy', 'r2/conv1/10.npy', 'r2/conv1/20.npy'], { byLayer: true });
    expect(runs.runs).toEqual(['r1', 'r2']);
    expect(describeLayout(runs)).toBe('<run>/<layer>/<step>');
  });

  it('refuses a step name without an integer, naming it', () => {
    expect(() => build(['step_1/fc.npy', 'final/fc.npy'])).toThrow(InputError);
    expect(() => build(['step_1/fc.npy', 'final/fc.npy'])).toThrow(/'final'/);
  });

  it('refuses two names with the same step integer, naming both', () => {
    expect(() => build(['step_5/fc.npy', '5/fc.npy'])).toThrow(/same step 5: '(step_5|5)' and '(5|step_5)'/);
    expect(() => build(['fc/step_5.npy', 'fc/5.npy'], { byLayer: true })).toThrow(InputError);
  });

  it('refuses two files for the same layer and step', () => {
    expect(() => build(['1/fc.npy', '1/fc.arrow'])).toThrow(/two files for layer fc at step 1/);
  });

  it('detects the orientation of the last two levels from their names', () => {
    expect(build(['fc1/step_0000.npy', 'fc1/step_1000.npy', 'fc2/step_0000.npy']).layers).toEqual(['fc1', 'fc2']);
    expect(build(['conv/3.npy', 'fc/3.npy']).byLayer).toBe(true);
    expect(build(['step_0/layer1.npy', 'step_1/layer1.npy']).byLayer).toBe(false);
    expect(build(['1000/fc1.npy']).byLayer).toBe(false);
    expect(() => build(['a1/b1.npy', 'a2/b2.npy'])).toThrow(/cannot tell steps from layers/);
    expect(build(['a1/b1.npy', 'a2/b2.npy'], { byLayer: false }).steps).toEqual([1, 2]);
    expect(() => build(['step_0/conv1.npy', 'step_1/conv1.npy'], { byLayer: true })).toThrow(/--by-layer reads the files .* as steps, but the folders \(step_0, step_1\) are the steps/);
    expect(() => build(['fc1/step_0.npy', 'fc1/step_1.npy'], { byLayer: false })).toThrow(/--no-by-layer/);
  });

  it('refuses mixed depths and files only at the top', () => {
    expect(() => build(['1/fc.npy', 'run/1/fc.npy'])).toThrow(/different or too many folder levels/);
    expect(() => build(['a/b/c/d/e.npy'])).toThrow(UsageError);
    expect(build(['g/r/1/fc.npy', 'g/r/2/fc.npy']).groups).toEqual(['g']);
    expect(() => build(['fc.npy'])).toThrow(/no checkpoint folders/);
    expect(build(['notes.npy', '1/fc.npy']).warnings[0]).toMatch(/ignored 1 file/);
  });
});
