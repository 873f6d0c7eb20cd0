import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { loadMatrix } from '../../src/io/load.js';
import { temporaryFolder } from '../helpers/npy-file.js';
import { parse as npyjsParse } from 'npyjs';
import { checkFinite } from '../../src/io/load.js';
import { checkNpyHeader, parseNpy, parseNpyHeader } from '../../src/io/npy.js';
import { buildNpy, iota } from '../io/helpers.js';
import { fuzzFormat } from './harness.js';

/** What the loader does with .npy bytes held in memory: header checks, decoding, the finiteness check. */
function parse(bytes: Uint8Array, source: string): Float64Array {
  const header = parseNpyHeader(bytes, source);
  checkNpyHeader(header, bytes.length, source);
  const array = parseNpy(bytes, source);
  checkFinite({ rows: array.shape[0], cols: array.data.length / array.shape[0], data: array.data }, source);
  return array.data;
}

/** npyjs, an independent reader: C-ordered values, or undefined for what it cannot read. */
function reference(bytes: Uint8Array): Float64Array | undefined {
  let array;
  try {
    array = npyjsParse(bytes.slice().buffer);
  } catch {
    return undefined;
  }
  const stored = Array.from(array.data as unknown as ArrayLike<number | bigint | boolean>, (v) => Number(v));
  if (!array.fortranOrder) return Float64Array.from(stored);
  // npyjs leaves Fortran data in file order: put each value at its C position.
  const shape = array.shape;
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const out = new Float64Array(stored.length);
  for (let f = 0; f < stored.length; f++) {
    let rest = f;
    let c = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      c += (rest % shape[axis]) * strides[axis];
      rest = Math.floor(rest / shape[axis]);
    }
    out[c] = stored[f];
  }
  return out;
}

describe('fuzz .npy', () => {
  fuzzFormat({
    name: '.npy',
    seeds: [
      { name: 'f4-6x5.npy', bytes: buildNpy([6, 5], 'f4', iota(30, -7)) },
      { name: 'f8-fortran-3x2x4.npy', bytes: buildNpy([3, 2, 4], 'f8', iota(24).map((v) => v / 3), { fortran: true }) },
      { name: 'i8-v2-4x3.npy', bytes: buildNpy([4, 3], 'i8', iota(12, -6), { version: 2 }) },
      { name: 'f2-be-v3-5x2.npy', bytes: buildNpy([5, 2], 'f4', iota(10).map((v) => v * 0.5), { version: 3, bigEndian: true }) },
      { name: 'u1-8x3.npy', bytes: buildNpy([8, 3], 'u1', iota(24)) },
    ],
    parse,
    reference,
  });
});

describe('fuzz .npy files through loadMatrix', () => {
  // The file path of the loader: stat, header read from the first bytes, data read in chunks at offsets.
  const folder = temporaryFolder('pwcca-fuzz-npy-');
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  let count = 0;
  fuzzFormat({
    name: '.npy files (loadMatrix)',
    inputs: Math.max(50, Math.floor(Number(process.env.PWCCA_FUZZ_INPUTS ?? 300) / 3)),
    seeds: [
      { name: 'f4-6x5.npy', bytes: buildNpy([6, 5], 'f4', iota(30, -7)) },
      { name: 'f8-fortran-4x3.npy', bytes: buildNpy([4, 3], 'f8', iota(12).map((v) => v / 3), { fortran: true }) },
      { name: 'i2-be-v2-3x4.npy', bytes: buildNpy([3, 4], 'i2', iota(12, -6), { version: 2, bigEndian: true }) },
    ],
    parse: async (bytes) => {
      const path = join(folder, `input-${count++}.npy`);
      writeFileSync(path, bytes);
      try {
        return (await loadMatrix(path)).matrix.data;
      } catch (error) {
        // A mutated shape with more axes needs a --layout: a usage question for a real user, a refusal here.
        if (error instanceof UsageError) throw new InputError(error.message);
        throw error;
      } finally {
        rmSync(path, { force: true });
      }
    },
    reference,
  });
});
