/**
 * `LoadOptions.allocate`: whatever the format or layout, the matrix comes back
 * in the memory the caller chose (a SharedArrayBuffer here, as the engine's
 * worker threads need), asked for once with rows x cols, holding exactly the
 * values of a default load.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { loadMatrix, type LoadOptions } from '../../src/io/load.js';
import { LAYOUT_METADATA_KEY, SHAPE_METADATA_KEY } from '../../src/io/arrow.js';
import { buildListTable } from './arrow-helpers.js';
import { buildSafetensors, buildTorchFile, buildZip, PickleWriter, writeTensor } from './format-builders.js';
import { buildNpy } from './helpers.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const formats = resolve(import.meta.dirname, '../../fixtures/formats');
const arrowSeeds = resolve(import.meta.dirname, '../../fixtures/arrow');
const temporaryFolder = useTemporaryFolders();

/**
 * An allocator handing out views of fresh SharedArrayBuffers, at an offset
 * (readers must not assume byteOffset 0) and filled with NaN (a reader that
 * skips an element fails the finiteness check instead of passing on zeros).
 */
function sharedAllocator() {
  const lengths: number[] = [];
  const buffers: SharedArrayBuffer[] = [];
  const allocate = (length: number): Float64Array => {
    lengths.push(length);
    const buffer = new SharedArrayBuffer((length + 3) * 8);
    buffers.push(buffer);
    return new Float64Array(buffer, 16, length).fill(NaN);
  };
  return { allocate, lengths, buffers };
}

/** Index of the first element whose bits differ, or -1 (one comparison, one useful number). */
function firstBitDifference(got: Float64Array, want: Float64Array): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  const a = new BigUint64Array(Float64Array.from(got).buffer);
  const b = new BigUint64Array(Float64Array.from(want).buffer);
  return a.findIndex((bits, i) => bits !== b[i]);
}

/** Loads `ref` with and without a shared allocator (`stdin` gives fresh bytes to each load) and checks the three promises. */
async function expectLoadedIntoShared(ref: string, options: LoadOptions = {}, stdin?: () => Uint8Array): Promise<void> {
  const withStdin = (extra: LoadOptions): LoadOptions => ({ ...options, ...extra, ...(stdin ? { stdin: Readable.from([Buffer.from(stdin())]) } : {}) });
  const plain = await loadMatrix(ref, withStdin({}));
  const shared = sharedAllocator();
  const { matrix, info } = await loadMatrix(ref, withStdin({ allocate: shared.allocate }));
  expect(shared.lengths, 'allocate calls').toEqual([plain.matrix.rows * plain.matrix.cols]);
  expect(matrix.data.buffer, 'matrix memory').toBe(shared.buffers[0]);
  expect([matrix.rows, matrix.cols]).toEqual([plain.matrix.rows, plain.matrix.cols]);
  expect(firstBitDifference(matrix.data, plain.matrix.data), 'first element that differs from a default load').toBe(-1);
  expect(info).toEqual(plain.info);
}

describe('every fixture format decodes into the allocated shared memory', () => {
  it.each([
    'fc1.npy',
    'fc1_bf16_values.npy',
    'layers_stored.npz#fc1',
    'layers_deflated.npz#fc2',
    'tensor.pt',
    'nested_dict.pt#features/fc1',
    'list.pt#1',
    'tensor_bf16.pt',
    'tensor_f16.pt',
    'view_offset.pt',
    'transposed_strides.pt',
    'nested.h5#block1/fc1',
    'nested.h5#fc2',
    'layers.safetensors#fc1',
    'layers.safetensors#fc1_bf16',
    'fc1_lz4.feather',
    'fc1_zstd.feather',
    'fc1_zstd.arrows',
  ])('%s', async (ref) => {
    await expectLoadedIntoShared(join(formats, ref));
  });

  it.each(['seed-file.arrow', 'seed-stream.arrows'])('Arrow seed %s (mixed numeric columns)', async (name) => {
    await expectLoadedIntoShared(join(arrowSeeds, name));
  });

  it('an Arrow FixedSizeList column over several record batches', async () => {
    const values = Float32Array.from({ length: 30 * 7 }, (_, i) => Math.sin(i) * 100);
    const path = join(temporaryFolder(), 'list.arrow');
    writeFileSync(path, tableToIPC(buildListTable(values, 7, { batches: 4 }), 'file'));
    await expectLoadedIntoShared(path);
  });

  it('a Fortran-ordered .npy, and a .npy read neurons-first (transposed into the allocated memory)', async () => {
    const folder = temporaryFolder();
    const values = Array.from({ length: 9 * 5 }, (_, i) => (i * 7) % 13 - 6.5);
    const fortran = join(folder, 'fortran.npy');
    writeFileSync(fortran, buildNpy([9, 5], 'f8', values, { fortran: true }));
    await expectLoadedIntoShared(fortran);
    await expectLoadedIntoShared(join(formats, 'fc1.npy'), { layout: 'neurons-first' });
  });
});

describe('arrays with more than two axes', () => {
  const n = 4;
  const c = 3;
  const h = 2;
  const w = 5;
  const values = Array.from({ length: n * c * h * w }, (_, i) => Math.cos(i) * 10);

  it.each([
    ['nchw', 'flatten'],
    ['nchw', 'mean'],
    ['nhwc', 'flatten'],
    ['nhwc', 'mean'],
  ] as const)('--layout %s --conv %s', async (layout, conv) => {
    const path = join(temporaryFolder(), `${layout}.npy`);
    writeFileSync(path, buildNpy(layout === 'nchw' ? [n, c, h, w] : [n, h, w, c], 'f4', values));
    await expectLoadedIntoShared(path, { layout, conv });
  });

  it('an Arrow list column whose metadata declares an nchw tensor', async () => {
    const table = buildListTable(Float32Array.from(values), c * h * w, {
      metadata: { [SHAPE_METADATA_KEY]: JSON.stringify([n, c, h, w]), [LAYOUT_METADATA_KEY]: 'nchw' },
    });
    const path = join(temporaryFolder(), 'nchw.arrow');
    writeFileSync(path, tableToIPC(table, 'file'));
    await expectLoadedIntoShared(path);
  });

  it('a timestep of a sequence array (#t=K)', async () => {
    const path = join(temporaryFolder(), 'sequence.npy');
    writeFileSync(path, buildNpy([n, 6, c], 'f8', Array.from({ length: n * 6 * c }, (_, i) => i / 8)));
    await expectLoadedIntoShared(`${path}#t=2`, { layout: 'ntc' });
  });
});

describe('standard input', () => {
  it.each([
    ['-', 'fc1.npy'],
    ['-', 'fc1_zstd.arrows'],
    ['-#fc2', 'layers.safetensors'],
    ['-#features/fc1', 'nested_dict.pt'],
    ['-#fc1', 'layers_deflated.npz'],
  ])('%s from %s', async (ref, name) => {
    const bytes = readFileSync(join(formats, name));
    await expectLoadedIntoShared(ref, {}, () => bytes);
  });

  it('a .npy transposed on the way (neurons-first)', async () => {
    const bytes = readFileSync(join(formats, 'fc2.npy'));
    await expectLoadedIntoShared('-', { layout: 'neurons-first' }, () => bytes);
  });
});

describe('inputs over one read chunk (8 MiB) are decoded chunk by chunk into the allocated memory', () => {
  const rows = 1100;
  const cols = 2000;
  const count = rows * cols; // 8.8 MB as float32
  /** Exact in float32; an independent statement of every element's value. */
  const valueAt = (i: number) => ((i * 7919) % 20011) - 10005;
  const float32Bytes = (length: number, first = 0) => new Uint8Array(Float32Array.from({ length }, (_, i) => valueAt(first + i)).buffer);
  const expected = Float64Array.from({ length: count }, (_, i) => valueAt(i));

  async function expectValues(path: string): Promise<void> {
    await expectLoadedIntoShared(path);
    const { matrix } = await loadMatrix(path);
    expect([matrix.rows, matrix.cols]).toEqual([rows, cols]);
    expect(firstBitDifference(matrix.data, expected), 'first element that differs from the values written').toBe(-1);
  }

  it('safetensors', async () => {
    const path = join(temporaryFolder(), 'big.safetensors');
    writeFileSync(path, buildSafetensors({ x: { dtype: 'F32', shape: [rows, cols], data: float32Bytes(count) } }));
    await expectValues(path);
  });

  it('a stored .npz member in Fortran order', async () => {
    const path = join(temporaryFolder(), 'big.npz');
    writeFileSync(path, buildZip({ 'x.npy': buildNpy([rows, cols], 'f4', expected, { fortran: true }) }));
    await expectValues(path);
  });

  it('a contiguous torch tensor at a storage offset (the run straddles two chunks)', async () => {
    const offset = 123457;
    const numel = offset + count + 999;
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'FloatStorage', numel, offset, size: [rows, cols], stride: [cols, 1] }).stop();
    const storage = new Uint8Array(Float32Array.from({ length: numel }, (_, i) => (i < offset ? -1 : valueAt(i - offset))).buffer);
    const path = join(temporaryFolder(), 'big.pt');
    writeFileSync(path, buildTorchFile(pickle, { '0': storage }));
    await expectValues(path);
  });
});
