// Benchmark data shared by scripts/bench.mjs and scripts/bench-shards.mjs:
// a deterministic generator and a float32 .npy writer that streams rows.
import { closeSync, openSync, writeSync } from 'node:fs';

/** xorshift32 uniform in [-0.5, 0.5): deterministic and fast enough for 800 M values. */
export function uniform(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

export function npyHeader(shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1')]);
}

/**
 * Writes an n x d float32 .npy file row chunk by row chunk: `row(r, out)` fills
 * one row. Memory stays at one chunk whatever n is.
 */
export function writeNpy(file, n, d, row) {
  const fd = openSync(file, 'w');
  writeSync(fd, npyHeader([n, d]));
  const chunkRows = 4096;
  const chunk = new Float32Array(chunkRows * d);
  const line = new Float64Array(d);
  for (let r0 = 0; r0 < n; r0 += chunkRows) {
    const count = Math.min(chunkRows, n - r0);
    for (let r = 0; r < count; r++) {
      row(r0 + r, line);
      chunk.set(line, r * d);
    }
    writeSync(fd, new Uint8Array(chunk.buffer, 0, count * d * 4));
  }
  closeSync(fd);
  return file;
}
