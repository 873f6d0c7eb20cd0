import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { listArrays, loadMatrix } from '../../src/io/load.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const folder = temporaryFolder('pwcca-hdf5-');
const path = join(folder, 'acts.h5');

beforeAll(async () => {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    file.create_group('block4');
    file.create_group('block4/inner');
    file.get('block4')!;
    file.create_dataset({ name: 'block4/out', data: Float64Array.from({ length: 12 }, (_, i) => i / 4), shape: [4, 3] });
    file.create_dataset({ name: 'block4/inner/gz', data: Float32Array.from({ length: 24 }, (_, i) => i - 10.5), shape: [6, 4], chunks: [2, 4], compression: 'gzip' });
    file.create_dataset({ name: 'ints', data: new BigInt64Array([-(2n ** 53n), 2n ** 53n, 1n, 2n]), shape: [2, 2] });
    file.create_dataset({ name: 'bytes', data: new Uint8Array([0, 255, 1, 2, 3, 4]), shape: [3, 2] });
    file.create_dataset({ name: 'labels', data: ['a', 'b'] });
    // A chunked dataset grown to 40000 x 5000 float64 (1.6 GB) with one chunk written: a tiny file declaring a huge array.
    const sparse = file.create_dataset({ name: 'sparse', data: new Float64Array(4), shape: [2, 2], maxshape: [null, null], chunks: [2, 2] });
    sparse.resize([40000, 5000]);
  } finally {
    file.close();
  }
});

describe('HDF5 reader', () => {
  it('refuses a dataset declaring far more data than the file holds, before reading it', async () => {
    const error = (await loadMatrix(`${path}#sparse`).catch((caught: unknown) => caught)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^dataset 40000x5000 float64 declares 1600000000 bytes, more than the \d+-byte file can hold even compressed/);
  });

  it('lists numeric datasets of nested groups by path, skipping strings', async () => {
    expect((await listArrays(path)).filter((array) => array.key !== 'sparse').sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'block4/inner/gz', shape: [6, 4], dtype: 'float32' },
      { key: 'block4/out', shape: [4, 3], dtype: 'float64' },
      { key: 'bytes', shape: [3, 2], dtype: 'uint8' },
      { key: 'ints', shape: [2, 2], dtype: 'int64' },
    ]);
  });

  it('reads contiguous, chunked gzip and integer datasets exactly', async () => {
    expect(Array.from((await loadMatrix(`${path}#/block4/out`)).matrix.data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 4));
    expect(Array.from((await loadMatrix(`${path}#block4/inner/gz`)).matrix.data)).toEqual(Array.from({ length: 24 }, (_, i) => i - 10.5));
    expect(Array.from((await loadMatrix(`${path}#ints`)).matrix.data)).toEqual([-(2 ** 53), 2 ** 53, 1, 2]);
    expect(Array.from((await loadMatrix(`${path}#bytes`)).matrix.data)).toEqual([0, 255, 1, 2, 3, 4]);
  });

  it('lists the datasets when no key or a wrong key is given', async () => {
    const error = (await loadMatrix(path).catch((caught: unknown) => caught)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/holds 5 arrays; choose one with FILE#KEY: .*block4\/out \(4x3 float64\)/);
    const missing = (await loadMatrix(`${path}#/block5/out`).catch((caught: unknown) => caught)) as InputError;
    expect(missing.message).toMatch(/no array '\/block5\/out'/);
  });

  it('turns a damaged file into one InputError without HDF5 output', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    const damaged = join(folder, 'damaged.h5');
    writeFileSync(damaged, bytes.subarray(0, 600));
    const error = (await listArrays(damaged).catch((caught: unknown) => caught)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^cannot read HDF5 file \(.*damaged\.h5\): /);
    expect(error.message).not.toMatch(/\n/);
  });
});
