/**
 * Files written by the tools researchers use (numpy, torch, h5py, a
 * hand-built safetensors; see fixtures/formats/README.md) read to exactly the
 * values of the same data saved with np.save.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { listArrays, loadMatrix } from '../../src/io/load.js';
import { parseNpy } from '../../src/io/npy.js';

const folder = resolve(import.meta.dirname, '../../fixtures/formats');
const at = (name: string) => join(folder, name);
const npyValues = (name: string) => parseNpy(readFileSync(at(name)), name).data;
const fc1 = npyValues('fc1.npy');
const fc2 = npyValues('fc2.npy');
const fc1Bf16 = npyValues('fc1_bf16_values.npy');

/** Largest absolute difference, so a failure shows one useful number. */
function maxDifference(got: Float64Array, want: Float64Array): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

async function values(ref: string): Promise<Float64Array> {
  const { matrix } = await loadMatrix(ref);
  expect([matrix.rows, matrix.cols]).toEqual([200, 12]);
  return matrix.data;
}

describe('real files give the .npy values bit for bit', () => {
  it.each([
    ['layers_stored.npz#fc1', fc1],
    ['layers_stored.npz#fc2.npy', fc2],
    ['layers_deflated.npz#fc1', fc1],
    ['layers_deflated.npz#fc2', fc2],
    ['tensor.pt', fc1],
    ['nested_dict.pt#features/fc1', fc1],
    ['nested_dict.pt#features.fc2', fc2],
    ['list.pt#0', fc1],
    ['list.pt#1', fc2],
    ['view_offset.pt', fc1],
    ['transposed_strides.pt', fc1],
    ['tensor_bf16.pt', fc1Bf16],
    ['nested.h5#/block1/fc1', fc1],
    ['nested.h5#block1/fc1', fc1],
    ['nested.h5#fc2', fc2],
    ['layers.safetensors#fc1', fc1],
    ['layers.safetensors#fc2', fc2],
    ['layers.safetensors#fc1_bf16', fc1Bf16],
  ])('%s', async (ref, want) => {
    expect(maxDifference(await values(at(ref)), want)).toBe(0);
  });

  it('tensor_f16.pt holds float16 copies of fc1 (within half precision)', async () => {
    const got = await values(at('tensor_f16.pt'));
    const tolerance = Math.max(...Array.from(fc1, Math.abs)) * 2 ** -11;
    expect(maxDifference(got, fc1)).toBeLessThanOrEqual(tolerance);
  });

  it('reports format, key and dtype', async () => {
    const { info } = await loadMatrix(at('nested_dict.pt#features.fc1'));
    expect(info).toMatchObject({ format: 'torch', key: 'features/fc1', dtype: 'float32', shape: [200, 12] });
    expect((await loadMatrix(at('layers_deflated.npz#fc2'))).info).toMatchObject({ format: 'npz', key: 'fc2' });
    expect((await loadMatrix(at('nested.h5#/fc2'))).info).toMatchObject({ format: 'hdf5', key: 'fc2' });
    expect((await loadMatrix(at('layers.safetensors#fc1_bf16'))).info).toMatchObject({ format: 'safetensors', dtype: 'bfloat16' });
  });
});

describe('listArrays', () => {
  it('lists keys, shapes and dtypes of every format', async () => {
    const stored = await listArrays(at('layers_stored.npz'));
    expect(stored).toEqual([
      { key: 'fc1', shape: [200, 12], dtype: 'float32', npyOffset: expect.any(Number) },
      { key: 'fc2', shape: [200, 12], dtype: 'float32', npyOffset: expect.any(Number) },
    ]);
    // The offset is where the member's .npy file starts: the same bytes as fc1.npy.
    const bytes = readFileSync(at('layers_stored.npz'));
    const fc1Npy = readFileSync(at('fc1.npy'));
    expect(Buffer.compare(bytes.subarray(stored[0].npyOffset!, stored[0].npyOffset! + fc1Npy.length), fc1Npy)).toBe(0);
    expect(await listArrays(at('layers_deflated.npz'))).toEqual([
      { key: 'fc1', shape: [200, 12], dtype: 'float32' },
      { key: 'fc2', shape: [200, 12], dtype: 'float32' },
    ]);
    expect(await listArrays(at('nested_dict.pt'))).toEqual([
      { key: 'features/fc1', shape: [200, 12], dtype: 'float32' },
      { key: 'features/fc2', shape: [200, 12], dtype: 'float32' },
    ]);
    expect((await listArrays(at('list.pt'))).map((array) => array.key)).toEqual(['0', '1']);
    expect(await listArrays(at('tensor.pt'))).toEqual([{ key: '', shape: [200, 12], dtype: 'float32' }]);
    expect(await listArrays(at('nested.h5'))).toEqual([
      { key: 'block1/fc1', shape: [200, 12], dtype: 'float32' },
      { key: 'fc2', shape: [200, 12], dtype: 'float32' },
    ]);
    expect((await listArrays(at('layers.safetensors'))).map((array) => `${array.key}:${array.dtype}`).sort()).toEqual([
      'fc1:float32',
      'fc1_bf16:bfloat16',
      'fc2:float32',
    ]);
    expect(await listArrays(at('fc1.npy'))).toEqual([{ key: '', shape: [200, 12], dtype: 'float32' }]);
  });
});

describe('keys', () => {
  it('asks for a key when a file holds several arrays, listing them with shapes', async () => {
    const error = await loadMatrix(at('layers_stored.npz')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/holds 2 arrays; choose one with FILE#KEY: fc1 \(200x12 float32\), fc2 \(200x12 float32\)/);
  });

  it('names the keys that exist when a key is missing', async () => {
    const error = await loadMatrix(at('nested_dict.pt#features/fc9')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/no array 'features\/fc9' in .*nested_dict\.pt; it holds features\/fc1 \(200x12 float32\), features\/fc2/);
  });

  it('says which file is missing when the path before # does not exist', async () => {
    const error = await loadMatrix(at('nope.npz#fc1')).catch((caught: unknown) => caught);
    expect((error as InputError).message).toMatch(/^file not found \(.*nope\.npz\)$/);
  });
});

describe('malicious.pt', () => {
  const marker = 'pwned-by-pickle';
  afterAll(() => {
    for (const dir of [process.cwd(), tmpdir(), '/tmp', folder]) rmSync(join(dir, marker), { force: true });
  });

  it('is refused by naming the global, and nothing runs', async () => {
    const error = await loadMatrix(at('malicious.pt#fc1')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/refused to load posix\.system from a pickle/);
    await expect(listArrays(at('malicious.pt'))).rejects.toThrow(/posix\.system/);
    for (const dir of [process.cwd(), tmpdir(), '/tmp', folder, import.meta.dirname]) {
      expect(existsSync(join(dir, marker)), dir).toBe(false);
      expect(readdirSync(dir).filter((name) => name.includes('pwned')), dir).toEqual([]);
    }
  });
});
