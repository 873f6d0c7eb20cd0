import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMatrix, type LoadedMatrix } from '../../../src/io/load.js';
import { createSliceSource, sliceTimestep, timestepRef, withSliceLoaders } from '../../../src/studies/timesteps/slices.js';
import { expectClose } from '../../helpers/expect-close.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { makeSequence, sliceOf, writeNct, writeNtc, type Sequence } from './helpers.js';

const temporaryFolder = useTemporaryFolders();

let seq: Sequence;
let ntcPath: string;
let nctPath: string;
beforeAll(() => {
  const folder = temporaryFolder('pwcca-slices-');
  seq = makeSequence(7, 5, 3, 11);
  ntcPath = writeNtc(folder, 'ntc', seq);
  nctPath = writeNct(join(folder, 'nct'), 'nct', seq);
});

describe('sliceTimestep', () => {
  it('gives exactly what FILE#t=K loads, values and input info, for ntc and nct', async () => {
    for (const [path, layout] of [[ntcPath, 'ntc'], [nctPath, 'nct']] as const) {
      const whole = await loadMatrix(path, { layout, conv: 'flatten' });
      for (let t = 0; t < seq.t; t++) {
        const sliced = sliceTimestep(whole, path, t);
        const direct = await loadMatrix(timestepRef(path, t), { layout });
        expect(sliced.info).toEqual(direct.info);
        expectClose(sliced.matrix.data, direct.matrix.data, 0, `${layout} t=${t}`);
        // ... and both are the slice built independently from the (N, T, C) values.
        expectClose(sliced.matrix.data, sliceOf(seq, t), 0, `${layout} t=${t} vs the test's own slice`);
      }
    }
  });
});

describe('createSliceSource', () => {
  it('reads the array once for every selected timestep, then reads FILE#t=K for a slice asked for again', async () => {
    const reads: string[] = [];
    const counting = (ref: string, options?: Parameters<typeof loadMatrix>[1]): Promise<LoadedMatrix> => {
      reads.push(ref);
      return loadMatrix(ref, options);
    };
    const source = createSliceSource(ntcPath, [0, 2, 4], { layout: 'ntc' }, counting);
    const slices = await Promise.all([source.load(4), source.load(0), source.load(2)]);
    expect(reads).toEqual([ntcPath]);
    slices.forEach((slice, i) => expectClose(slice.matrix.data, sliceOf(seq, [4, 0, 2][i]), 0, `slice ${[4, 0, 2][i]}`));
    const again = await source.load(2);
    expect(reads).toEqual([ntcPath, `${ntcPath}#t=2`]);
    expectClose(again.matrix.data, sliceOf(seq, 2), 0, 'slice read again');
  });

  it('with a NaN in one timestep, reads each slice on its own: only that timestep fails, naming its row and column', async () => {
    const folder = temporaryFolder('pwcca-slices-nan-');
    const bad = { ...seq, ntc: seq.ntc.slice() };
    bad.ntc[(2 * seq.t + 3) * seq.c + 1] = Number.NaN; // datapoint 2, timestep 3, neuron 1
    const path = writeNtc(folder, 'bad', bad);
    const source = createSliceSource(path, [0, 3, 4], { layout: 'ntc' });
    await expect(source.load(3)).rejects.toThrow(/^NaN at row 2, column 1 \(.*bad\.npy#t=3\)$/);
    expectClose((await source.load(0)).matrix.data, sliceOf(seq, 0), 0, 't=0');
    expectClose((await source.load(4)).matrix.data, sliceOf(seq, 4), 0, 't=4');
  });

  it('reports a bad file for every slice', async () => {
    const source = createSliceSource(ntcPath, [0, 1], { layout: 'nchw' });
    await expect(source.load(0)).rejects.toThrow(/#t=0 needs a sequence layout with axes n, c and t, got 'nchw'/);
    await expect(source.load(1)).rejects.toThrow(/#t=1 needs a sequence layout/);
  });
});

describe('withSliceLoaders', () => {
  it('gives FILE#t=K files a shared loader and leaves other files alone', async () => {
    const files = [
      { id: 'a', path: timestepRef(ntcPath, 1) },
      { id: 'b', path: timestepRef(ntcPath, 3) },
      { id: 'c', path: ntcPath },
    ];
    const loaded = withSliceLoaders(files, { layout: 'ntc' });
    expect(loaded[2]).toBe(files[2]);
    expect(loaded[0].load).toBeTypeOf('function');
    expectClose((await loaded[1].load!()).matrix.data, sliceOf(seq, 3), 0, 't=3');
    expectClose((await loaded[0].load!()).matrix.data, sliceOf(seq, 1), 0, 't=1');
  });
});
