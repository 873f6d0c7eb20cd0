import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../../src/errors.js';
import type { ArrayInfo } from '../../../src/io/arrays.js';
import { buildCheckpointSet } from '../../../src/studies/convergence/discover.js';
import { expandCheckpointTimesteps } from '../../../src/studies/timesteps/checkpoints.js';

/** A checkpoint set over made-up paths, and a `describe` that gives each path its shape. */
function setup(shapes: Record<string, number[] | 'damaged'>) {
  const set = buildCheckpointSet(Object.keys(shapes), { root: 'ckpt' });
  const describe = async (ref: string): Promise<ArrayInfo> => {
    const shape = shapes[ref];
    if (shape === 'damaged') throw new InputError(`file ended early (${ref})`);
    return { key: '', shape, dtype: 'float32' };
  };
  return { set, describe };
}

describe('expandCheckpointTimesteps', () => {
  it('turns each sequence layer into <layer>@t<K> layers in time order, in its depth place, with FILE#t=K files', async () => {
    const { set, describe: d } = setup({ 's1/enc.npy': [8, 2, 3], 's1/dec.npy': [8, 3, 3], 's2/enc.npy': [8, 2, 3], 's2/dec.npy': [8, 3, 3] });
    const expanded = await expandCheckpointTimesteps({ ...set, layers: ['enc', 'dec'] }, { layout: 'ntc', describe: d });
    expect(expanded.layers).toEqual(['enc@t0', 'enc@t1', 'dec@t0', 'dec@t1', 'dec@t2']);
    expect(expanded.files.filter((f) => f.layer === 'dec@t2').map((f) => [f.step, f.path])).toEqual([[1, 's1/dec.npy#t=2'], [2, 's2/dec.npy#t=2']]);
    expect(expanded.files).toHaveLength(10);
    expect(expanded.warnings).toEqual([]);
  });

  it('reads T from the layout; leaves out 2-D layers and unreadable files, and keeps the timesteps every checkpoint has, with warnings', async () => {
    const { set, describe: d } = setup({ 's1/fc.npy': [8, 3], 's1/rnn.npy': [8, 3, 4], 's2/fc.npy': [8, 3], 's2/rnn.npy': [8, 3, 5], 's3/rnn.npy': 'damaged' });
    const expanded = await expandCheckpointTimesteps(set, { layout: 'nct', describe: d });
    expect(expanded.layers).toEqual(['rnn@t0', 'rnn@t1', 'rnn@t2', 'rnn@t3']);
    expect(expanded.steps).toEqual([1, 2]);
    expect(expanded.warnings.filter((w) => w.startsWith('--per-timestep'))).toEqual([
      expect.stringMatching(/left out 1 file\(s\) that could not be read: s3\/rnn\.npy: file ended early/),
      expect.stringMatching(/left out 1 layer\(s\) that are not 3-D sequence arrays \(layout nct\): fc \(s1\/fc\.npy: 8x3\)/),
      '--per-timestep: layer rnn has 4 to 5 timesteps across checkpoints: using t0..t3',
    ]);
  });

  it('needs a sequence layout and at least one sequence layer', async () => {
    const { set, describe: d } = setup({ 's1/fc.npy': [8, 3], 's2/fc.npy': [8, 3] });
    await expect(expandCheckpointTimesteps(set, { layout: 'auto', describe: d })).rejects.toThrow(UsageError);
    await expect(expandCheckpointTimesteps(set, { layout: 'ntc', describe: d })).rejects.toThrow(/no layer under the checkpoints is a 3-D sequence array/);
  });
});
