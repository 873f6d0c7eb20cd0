import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compress as lz4Compress } from 'lz4js';
import { tableFromArrays } from 'apache-arrow';
import { decodeLz4Frame } from '../../src/io/arrow-codecs.js';
import { parseArrow } from '../../src/io/arrow.js';
import { parseNpy } from '../../src/io/npy.js';
import { buildListTable, compressedIpc, findAll, zstdRawFrame } from './arrow-helpers.js';
import { inputErrorOf } from '../helpers/errors.js';

const formats = join(process.cwd(), 'fixtures/formats');
const LZ4_MAGIC = [0x04, 0x22, 0x4d, 0x18];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Overwrites the int64 uncompressed-length prefix just before every compressed frame. */
function setDeclaredLengths(bytes: Uint8Array, magic: number[], length: (old: number) => bigint): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const view = new DataView(copy.buffer);
  for (const at of findAll(copy, magic)) view.setBigInt64(at - 8, length(Number(view.getBigInt64(at - 8, true))), true);
  return copy;
}

describe('compressed Arrow written by polars', () => {
  // fc1.npy and the three Arrow files hold the same 200 x 12 float32 matrix (see /work/shared/formats).
  const expected = parseNpy(readFileSync(join(formats, 'fc1.npy')), 'fc1.npy');
  for (const name of ['fc1_lz4.feather', 'fc1_zstd.feather', 'fc1_zstd.arrows']) {
    it(`reads ${name} bit for bit as fc1.npy`, () => {
      const array = parseArrow(readFileSync(join(formats, name)), name);
      expect(array.shape).toEqual(expected.shape);
      expect(array.dtype).toBe('float32');
      expect(array.data).toEqual(expected.data);
    });
  }
});

describe('compressed Arrow built in JS', () => {
  // Repetitive values, so that both codecs actually compress them.
  const values = Float32Array.from({ length: 300 * 4 }, (_, i) => (i % 13) - 6.5);
  const listTable = buildListTable(values, 4, { batches: 3 });
  const columns = tableFromArrays({ a: Float64Array.from({ length: 5000 }, (_, i) => i % 7), b: new Float64Array(5000) });
  const zeros = tableFromArrays({ a: new Float64Array(5000), b: new Float64Array(5000) });

  it('writes test files that really are compressed', () => {
    expect(findAll(compressedIpc(listTable, 'file', 'lz4'), LZ4_MAGIC).length).toBeGreaterThan(0);
    expect(findAll(compressedIpc(zeros, 'file', 'zstd'), ZSTD_MAGIC).length).toBe(2);
  });

  it('reads LZ4 and ZSTD bodies, file and stream, one or several batches', () => {
    for (const codec of ['lz4', 'zstd'] as const) {
      for (const format of ['file', 'stream'] as const) {
        expect(Array.from(parseArrow(compressedIpc(listTable, format, codec), 'c').data)).toEqual(Array.from(values));
        const array = parseArrow(compressedIpc(columns, format, codec), 'c');
        expect(array.data.subarray(0, 6)).toEqual(Float64Array.from([0, 0, 1, 0, 2, 0]));
      }
    }
  });

  it('refuses a buffer that decodes to less than it declares', () => {
    for (const [codec, magic] of [['lz4', LZ4_MAGIC], ['zstd', ZSTD_MAGIC]] as const) {
      const bytes = setDeclaredLengths(compressedIpc(codec === 'lz4' ? listTable : zeros, 'file', codec), magic, (old) => BigInt(old + 64));
      expect(inputErrorOf(() => parseArrow(bytes, 'c.arrow')).message).toMatch(/^corrupt compressed Arrow data \(c\.arrow\): (lz4|zstd) .*declares/);
    }
  });

  it('refuses a buffer that declares less than its rows need, before decompressing', () => {
    const bytes = setDeclaredLengths(compressedIpc(listTable, 'stream', 'lz4'), LZ4_MAGIC, (old) => BigInt(old - 4));
    expect(inputErrorOf(() => parseArrow(bytes, 'c')).message).toMatch(/^invalid Arrow IPC data \(c\): column 0 values .* needs \d+ bytes, the buffer holds \d+/);
  });

  it('refuses a declared size over the limit without allocating it', () => {
    const bytes = setDeclaredLengths(compressedIpc(zeros, 'file', 'zstd'), ZSTD_MAGIC, () => 2n ** 40n);
    const before = process.memoryUsage().arrayBuffers;
    expect(inputErrorOf(() => parseArrow(bytes, 'c')).message).toMatch(/declare over 4\.00 GiB of uncompressed data/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    const fits = compressedIpc(zeros, 'file', 'zstd');
    expect(inputErrorOf(() => parseArrow(fits, 'c', { maxDecompressedBytes: 1000 })).message).toMatch(/declare over 1000 bytes/);
  });

  it('refuses a buffer declaring far more than its column can use, before allocating it (found by the fuzz suite)', () => {
    // 5000 float64 need 40000 bytes; 2^29 declared used to be allocated for the decoder's output.
    const bytes = setDeclaredLengths(compressedIpc(zeros, 'stream', 'zstd'), ZSTD_MAGIC, () => 2n ** 29n);
    const before = process.memoryUsage().arrayBuffers;
    expect(inputErrorOf(() => parseArrow(bytes, 'c')).message).toMatch(/column 0 values \(5000 x 64 bits\): a compressed buffer declares 536870912 uncompressed bytes, at most 40064 fit/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a ZSTD frame whose content is bigger than its buffer declares', () => {
    // The frame's own header says 2^31 bytes; the decoder writes into the declared 40000 only.
    const honest = compressedIpc(zeros, 'stream', 'zstd');
    const at = findAll(honest, ZSTD_MAGIC)[0];
    const lying = Uint8Array.from(honest);
    new DataView(lying.buffer).setUint32(at + 5, 2 ** 31, true);
    expect(inputErrorOf(() => parseArrow(lying, 'c')).message).toMatch(/corrupt compressed Arrow data/);
  });
});

describe('decodeLz4Frame', () => {
  it('decodes lz4js frames exactly', () => {
    const data = Uint8Array.from({ length: 300000 }, (_, i) => (i * 7) % 251);
    expect(Buffer.from(decodeLz4Frame(lz4Compress(data), data.length)).equals(data)).toBe(true);
    expect(Buffer.from(decodeLz4Frame(lz4Compress(data))).equals(data)).toBe(true);
  });

  it('refuses sequences that reach before the data or past the declared size, without writing them', () => {
    const frame = (block: number[]) => {
      const size = [0, 8, 16, 24].map((shift) => (block.length >> shift) & 0xff);
      return Uint8Array.from([...LZ4_MAGIC, 0x40, 0x40, 0x00, ...size, ...block, 0, 0, 0, 0]);
    };
    // One literal, then a match of offset 2: before the data.
    expect(() => decodeLz4Frame(frame([0x10, 0x41, 0x02, 0x00]), 100)).toThrow(/points before the data/);
    // One literal, then a match of 15 + 255 * 1000 + 4 bytes: a bomb for a declared size of 100.
    const bomb = [0x1f, 0x41, 0x01, 0x00, ...new Array(1000).fill(255), 0, 0x10, 0x41];
    expect(() => decodeLz4Frame(frame(bomb), 100)).toThrow(/past the declared length/);
    expect(() => decodeLz4Frame(frame([0x10, 0x41]).subarray(0, 12), 1)).toThrow(/ends early/);
    expect(() => decodeLz4Frame(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]), 1)).toThrow(/bad magic/);
  });
});

describe('ZSTD raw frames (test helper)', () => {
  it('are what the real ZSTD decoder reads', async () => {
    const { decompress } = await import('fzstd');
    const data = Uint8Array.from({ length: 300000 }, (_, i) => i % 256);
    expect(Buffer.from(decompress(zstdRawFrame(data))).equals(data)).toBe(true);
  });
});
