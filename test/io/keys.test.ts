import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { parseInputRef } from '../../src/io/keys.js';
import { listArrays, loadMatrix } from '../../src/io/load.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { buildZip } from './format-builders.js';
import { buildNpy, iota } from './helpers.js';

const temporaryFolder = useTemporaryFolders();
const folder = temporaryFolder('pwcca-keys-');

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

describe('parseInputRef', () => {
  const existing = new Set(['a.npz', 'odd#name.npz', 'dir#1/x.pt']);
  const exists = async (path: string) => existing.has(path);

  it.each([
    ['a.npz', { path: 'a.npz' }],
    ['a.npz#fc1', { path: 'a.npz', key: 'fc1' }],
    ['a.npz#features/fc1', { path: 'a.npz', key: 'features/fc1' }],
    ['a.npz#t=3', { path: 'a.npz', timestep: 3 }],
    ['a.npz#fc1#t=12', { path: 'a.npz', key: 'fc1', timestep: 12 }],
    ['odd#name.npz', { path: 'odd#name.npz' }],
    ['odd#name.npz#fc1', { path: 'odd#name.npz', key: 'fc1' }],
    ['dir#1/x.pt#0#t=0', { path: 'dir#1/x.pt', key: '0', timestep: 0 }],
    ['missing.npz#fc1', { path: 'missing.npz', key: 'fc1' }],
    ['-#fc1', { path: '-', key: 'fc1' }],
    ['a.npz#', { path: 'a.npz' }],
  ])('%s', async (ref, want) => {
    expect(await parseInputRef(ref, exists)).toEqual(want);
  });

  it('refuses a malformed timestep', async () => {
    await expect(parseInputRef('a.npz#t=-1', exists)).rejects.toThrow(/bad timestep in a\.npz#t=-1/);
    await expect(parseInputRef('a.npz#t=x', exists)).rejects.toBeInstanceOf(InputError);
  });
});

describe('keys through loadMatrix', () => {
  const fc1 = buildNpy([3, 2], 'f8', iota(6));
  const fc2 = buildNpy([3, 4], 'f4', iota(12, 100));

  it('reads a file whose name holds # (with and without a key)', async () => {
    mkdirSync(join(folder, 'run#2'), { recursive: true });
    const single = writeTemp('run#2/x#1.npy', fc1);
    const loaded = await loadMatrix(single);
    expect(Array.from(loaded.matrix.data)).toEqual(iota(6));
    expect(loaded.info.path).toBe(single);
    expect(loaded.info.file).toBeUndefined();
    const archive = writeTemp('run#2/acts#a.npz', buildZip({ 'fc1.npy': fc1, 'fc2.npy': fc2 }));
    expect((await loadMatrix(`${archive}#fc2`)).info).toMatchObject({ path: `${archive}#fc2`, file: archive, key: 'fc2', format: 'npz' });
  });

  it('selects from a container on standard input', async () => {
    const { matrix, info } = await loadMatrix('-#fc2', { stdin: Readable.from([Buffer.from(buildZip({ 'fc1.npy': fc1, 'fc2.npy': fc2 }, true))]) });
    expect(Array.from(matrix.data)).toEqual(iota(12, 100));
    expect(info).toMatchObject({ path: '-#fc2', file: '-', key: 'fc2' });
  });

  it('refuses a key on a single-array file, naming its only array', async () => {
    const path = writeTemp('one.npy', fc1);
    await expect(loadMatrix(`${path}#fc1`)).rejects.toThrow(/no array 'fc1' in .*one\.npy; it holds \(whole file\) \(3x2 float64\)/);
  });

  it('checks the memory budget from the declared shape before reading a member', async () => {
    const path = writeTemp('budget.npz', buildZip({ 'fc2.npy': fc2 }));
    await expect(loadMatrix(path, { memoryLimitBytes: 100 })).rejects.toThrow(/input too large for memory \(.*budget\.npz#fc2\)/);
  });

  it('refuses a 1-D member with the usual message', async () => {
    const path = writeTemp('vec.npz', buildZip({ 'v.npy': buildNpy([4], 'f8', iota(4)) }));
    await expect(loadMatrix(path)).rejects.toThrow(/1-D array in .*vec\.npz#v/);
    expect(await listArrays(path)).toEqual([{ key: 'v', shape: [4], dtype: 'float64', npyOffset: expect.any(Number) }]);
  });
});

describe('timesteps (#t=K)', () => {
  // (N=2, T=3, C=4): value = 100 n + 10 t + c.
  const ntc = Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4));
  // The same data as (N, C, T).
  const nct = Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * (i % 3) + Math.floor((i % 12) / 3));
  const want = (t: number) => [0, 1, 2, 3, 100, 101, 102, 103].map((v) => v + 10 * t);

  it('selects the exact (N, C) slice under ntc and nct', async () => {
    const a = writeTemp('seq-ntc.npy', buildNpy([2, 3, 4], 'f8', ntc));
    const b = writeTemp('seq-nct.npy', buildNpy([2, 4, 3], 'f8', nct));
    for (const t of [0, 1, 2]) {
      const x = await loadMatrix(`${a}#t=${t}`, { layout: 'ntc' });
      const y = await loadMatrix(`${b}#t=${t}`, { layout: 'nct' });
      expect([x.matrix.rows, x.matrix.cols, Array.from(x.matrix.data)]).toEqual([2, 4, want(t)]);
      expect(Array.from(y.matrix.data)).toEqual(want(t));
      expect(x.info).toMatchObject({ timestep: t, shape: [2, 3, 4], layout: 'ntc', reduction: 'none' });
    }
  });

  it('combines with a key: FILE#KEY#t=K', async () => {
    const path = writeTemp('seq.npz', buildZip({ 'gru.npy': buildNpy([2, 3, 4], 'f4', ntc) }));
    expect(Array.from((await loadMatrix(`${path}#gru#t=2`, { layout: 'ntc' })).matrix.data)).toEqual(want(2));
  });

  it('refuses a timestep out of range and a layout without t', async () => {
    const path = writeTemp('seq2.npy', buildNpy([2, 3, 4], 'f8', ntc));
    const error = await loadMatrix(`${path}#t=3`, { layout: 'ntc' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/timestep 3 is out of range in .*seq2\.npy#t=3: the array has 3 timesteps \(t=0\.\.2\)/);
    await expect(loadMatrix(`${path}#t=0`)).rejects.toBeInstanceOf(UsageError);
    await expect(loadMatrix(`${path}#t=0`, { layout: 'nhc' })).rejects.toThrow(/needs a sequence layout with axes n, c and t/);
  });
});

describe('bfloat16 .npy files (|V2) through the engine', () => {
  it('compare reads them with dtype: bfloat16, and says how when it is missing', async () => {
    const { runCompare } = await import('../../src/studies/compare.js');
    // bfloat16 patterns of small integers and halves: exact, full rank.
    const values = [1, 2, 0.5, 3, -1, 4, 1.5, -2, 2.5, 5, -3, 0.25];
    const bits = values.map((value) => new Uint32Array(Float32Array.of(value).buffer)[0] >>> 16);
    const npy = buildNpy([6, 2], 'u2', bits, { descr: '<V2' });
    const path = writeTemp('bf16.npy', npy);
    const reference = writeTemp('bf16-values.npy', buildNpy([6, 2], 'f8', values));
    const viaBf16 = await runCompare(path, reference, { dtype: 'bfloat16' });
    const viaValues = await runCompare(reference, reference);
    expect(viaBf16.similarity).toBe(viaValues.similarity);
    await expect(runCompare(path, reference)).rejects.toThrow(/unsupported dtype '<V2'/);
  });
});
