/**
 * How much memory loadMatrix takes for a .npy file: the values are decoded
 * straight into the one float64 array the caller allocates (shared memory
 * for worker threads), through one reused read buffer, C or Fortran order.
 * No second full-size copy, no fresh buffer per read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadMatrix } from '../../src/io/load.js';
import { largestAllocation } from '../fuzz/mutate.js';
import { npyBytes } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
// 10 MB of float32, 20 MB as float64: larger than the loader's 8 MiB read buffer.
const rows = 10_000;
const cols = 250;
const fullBytes = rows * cols * 8;
let cPath: string;
let fortranPath: string;
let expected: Float64Array;

beforeAll(() => {
  const folder = temporaryFolder('pwcca-load-memory-');
  expected = new Float64Array(rows * cols);
  // Values exact in float32, distinct per position, so a misplaced one shows.
  for (let i = 0; i < expected.length; i++) expected[i] = (i % 9973) / 64 - (i % 7);
  cPath = join(folder, 'c.npy');
  writeFileSync(cPath, npyBytes([rows, cols], expected, '<f4'));
  // The same matrix stored column by column, as numpy saves np.asfortranarray(x).
  const columnMajor = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) columnMajor[c * rows + r] = expected[r * cols + c];
  const bytes = Buffer.from(npyBytes([rows, cols], columnMajor, '<f4'));
  const header = bytes.toString('latin1', 0, 128).replace("'fortran_order': False", "'fortran_order': True ");
  bytes.write(header, 0, 'latin1');
  fortranPath = join(folder, 'fortran.npy');
  writeFileSync(fortranPath, bytes);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Sizes of the Buffers the loader asks Node for (Buffer.alloc*, which the typed-array count does not see). */
function recordBuffers(): number[] {
  const sizes: number[] = [];
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name].bind(Buffer) as (size: number) => Buffer;
    vi.spyOn(Buffer, name).mockImplementation(((size: number, ...rest: unknown[]) => {
      sizes.push(size);
      return (original as (...args: unknown[]) => Buffer)(size, ...rest);
    }) as typeof Buffer.alloc);
  }
  return sizes;
}

const sharedAllocate = (length: number) => new Float64Array(new SharedArrayBuffer(length * 8));

describe('loadMatrix on a .npy file', () => {
  for (const order of ['C', 'Fortran'] as const) {
    it(`decodes ${order} order into the caller's shared array, allocating nothing of the matrix's size`, async () => {
      const path = order === 'C' ? cPath : fortranPath;
      const buffers = recordBuffers();
      let loaded!: Awaited<ReturnType<typeof loadMatrix>>;
      const largest = await largestAllocation(async () => {
        loaded = await loadMatrix(path, { allocate: sharedAllocate });
      });
      expect(loaded.matrix.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(loaded.matrix).toMatchObject({ rows, cols });
      expect(Buffer.compare(Buffer.from(loaded.matrix.data.buffer), Buffer.from(expected.buffer))).toBe(0);
      // Typed arrays: the read chunk's conversion scratch at most, never a second float64 matrix.
      expect(largest).toBeLessThan(fullBytes);
      // Raw bytes: one read buffer of at most 8 MiB for the whole file, not one per read, not the whole file.
      const large = buffers.filter((size) => size >= 1 << 20);
      expect(large.length, `Buffers of 1 MiB or more: ${large.join(', ')}`).toBeLessThanOrEqual(1);
      expect(Math.max(0, ...large)).toBeLessThanOrEqual(8 << 20);
    });
  }

  it('allocates one float64 array by default', async () => {
    const loaded = await loadMatrix(cPath);
    expect(loaded.matrix.data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.compare(Buffer.from(loaded.matrix.data.buffer), Buffer.from(expected.buffer))).toBe(0);
  });
});
