import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Matrix } from '../../src/types.js';

/**
 * Bytes of a version-1 .npy file holding `values` (C order, little endian),
 * as numpy's np.save writes them.
 */
export function npyBytes(shape: readonly number[], values: ArrayLike<number>, dtype: '<f8' | '<f4' = '<f8'): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = new Uint8Array(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(prefix.buffer).setUint16(8, header.length, true);
  const data = dtype === '<f8' ? new Float64Array(values.length) : new Float32Array(values.length);
  data.set(Array.from(values));
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), new Uint8Array(data.buffer)]);
}

/** A fresh temporary folder for one test file's outputs. */
export function temporaryFolder(prefix = 'pwcca-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a matrix as .npy into `folder` and returns the path. */
export function writeMatrixNpy(folder: string, name: string, matrix: Matrix, dtype: '<f8' | '<f4' = '<f8'): string {
  const path = join(folder, name);
  writeFileSync(path, npyBytes([matrix.rows, matrix.cols], matrix.data, dtype));
  return path;
}
