import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { FbBuffer } from '../../src/io/arrow-fb.js';
import { parseArrow } from '../../src/io/arrow.js';
import { validateArrowIpc } from '../../src/io/arrow-validate.js';
import { inputErrorOf } from '../helpers/errors.js';

const fixtures = join(process.cwd(), 'fixtures/arrow');
const read = (name: string) => new Uint8Array(readFileSync(join(fixtures, name)));

/** Parses, returning 'error' for an InputError (anything else fails the test) or the values. */
function outcome(bytes: Uint8Array): 'error' | number[] {
  try {
    return Array.from(parseArrow(bytes, 'f').data);
  } catch (error) {
    expect(error).toMatchObject({ exitCode: 3 });
    return 'error';
  }
}

describe('Arrow structure checks: reproducers', () => {
  // Single-byte flips (byte ^ 0xff) of these two 8 x 2 float32 files that made
  // apache-arrow loop forever before the structure was checked.
  const hung = {
    'seed-file.arrow': [8, 9, 10, 15, 16, 17, 18, 19, 25, 30, 31, 36, 37, 38, 39, 51, 94, 166, 320, 366, 406, 462],
    'seed-stream.arrows': [58, 98, 154, 262, 334],
  };
  for (const [name, positions] of Object.entries(hung)) {
    it(`ends every flip of ${name} that used to hang with an InputError or the right numbers`, () => {
      const seed = read(name);
      const valid = Array.from(parseArrow(seed, name).data);
      const results = positions.map((at) => {
        const bytes = Uint8Array.from(seed);
        bytes[at] ^= 0xff;
        const result = outcome(bytes);
        // A flip inside the data changes one value; anything else must be refused.
        if (result !== 'error') expect(result.filter((v, i) => !Object.is(v, valid[i])).length, `flip at ${at}`).toBeLessThanOrEqual(1);
        return result === 'error' ? 'error' : 'read';
      });
      expect(results.filter((r) => r === 'error').length).toBeGreaterThan(positions.length / 2);
    });
  }

  it('refuses a message whose header type reads as NONE (the hang), in the file and the stream format', () => {
    for (const name of ['seed-file.arrow', 'seed-stream.arrows']) {
      const bytes = read(name);
      // apache-arrow's file writer puts the record batch right after the magic; the stream has the schema first.
      const batchAt = name.endsWith('.arrow') ? 8 : findRecordBatch(bytes);
      const metadataLength = new DataView(bytes.buffer).getInt32(batchAt + 4, true);
      const message = new FbBuffer(bytes.subarray(batchAt + 8, batchAt + 8 + metadataLength), 'm').root();
      const headerTypeAt = batchAt + 8 + headerTypePosition(message);
      expect(bytes[headerTypeAt]).toBe(3); // RecordBatch
      bytes[headerTypeAt] = 0;
      expect(inputErrorOf(() => parseArrow(bytes, name)).message).toMatch(/is a NONE message, expected (RecordBatch|a Schema, DictionaryBatch or RecordBatch)/);
    }
  });

  it('refuses a batch declaring more rows than its buffers hold (was zeros, or the next column read as int64)', () => {
    for (const name of ['more-rows.arrow', 'more-rows.arrows']) {
      const error = inputErrorOf(() => parseArrow(read(name), name));
      expect(error.message).toBe(`invalid Arrow IPC data (${name}): column 0 values (64 x 32 bits) needs 256 bytes, the buffer holds 32`);
      expect(error.hint).toMatch(/write it again/);
    }
  });

  it('refuses a 4 KB file declaring 2^25 rows at once, without allocating for them', () => {
    for (const name of ['huge-rows.arrow', 'huge-rows.arrows']) {
      const before = process.memoryUsage().arrayBuffers;
      expect(inputErrorOf(() => parseArrow(read(name), name)).message).toMatch(/column 0 values \(33554432 x 32 bits\) needs 134217728 bytes, the buffer holds 4000/);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    }
  });
});

describe('Arrow structure checks: corrupted vector lengths', () => {
  it('refuses a record batch whose node or buffer vector declares 2^28 entries, without reading them', () => {
    for (const field of [1, 2]) {
      const bytes = read('seed-stream.arrows');
      const batchAt = findRecordBatch(bytes);
      const metadataStart = batchAt + 8;
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const metadataLength = view.getInt32(batchAt + 4, true);
      const message = new FbBuffer(bytes.subarray(metadataStart, metadataStart + metadataLength), 'm').root();
      const header = message.table(2)!;
      // The vector's uoffset sits in the table at the field's vtable offset; its length is where it points.
      const vtable = header.position - view.getInt32(metadataStart + header.position, true);
      const slot = metadataStart + header.position + view.getUint16(metadataStart + vtable + 4 + 2 * field, true);
      view.setUint32(slot + view.getUint32(slot, true), 2 ** 28, true);
      const before = process.memoryUsage().arrayBuffers;
      expect(inputErrorOf(() => parseArrow(bytes, 's.arrows')).message).toMatch(/vector of 268435456 x 16 bytes .* is outside its \d+ bytes/);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    }
  });
});

describe('validateArrowIpc', () => {
  const table = tableFromArrays({ a: new Float64Array([1, 2, 3]), b: new Int32Array([4, 5, 6]) });

  it('summarises valid files and streams', () => {
    expect(validateArrowIpc(tableToIPC(table, 'file'), 't')).toEqual({ format: 'file', rows: 3, batches: 1, compressed: [], decompressedBytes: 0 });
    expect(validateArrowIpc(tableToIPC(table, 'stream'), 't')).toMatchObject({ format: 'stream', rows: 3, batches: 1 });
  });

  it('refuses footer blocks outside the file, and truncated files', () => {
    const bytes = tableToIPC(table, 'file');
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getInt32(bytes.length - 10, true);
    const footer = new FbBuffer(bytes.subarray(bytes.length - 10 - footerLength, bytes.length - 10), 'footer').root();
    const blocks = footer.vector(3, 24)!;
    const at = bytes.length - 10 - footerLength + blocks.start;
    const moved = Uint8Array.from(bytes);
    new DataView(moved.buffer).setBigInt64(at, 1n << 40n, true);
    expect(inputErrorOf(() => validateArrowIpc(moved, 't')).message).toMatch(/footer block 0 \(offset 1099511627776, .*\) lies outside/);
    for (const cut of [bytes.length - 1, bytes.length - 12, 20]) {
      expect(inputErrorOf(() => validateArrowIpc(bytes.subarray(0, cut), 't')).message).toMatch(/^invalid Arrow IPC data \(t\)/);
    }
    const stream = tableToIPC(table, 'stream');
    expect(inputErrorOf(() => validateArrowIpc(stream.subarray(0, stream.length - 20), 't')).message).toMatch(/declares a \d+-byte body; \d+ bytes remain/);
  });
});

/** Offset of the RecordBatch message in a stream: the message after the schema. */
function findRecordBatch(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const schemaLength = view.getInt32(4, true);
  return 8 + schemaLength; // the schema message has no body
}

/** Position of the Message table's header_type byte inside the metadata (field 1). */
function headerTypePosition(message: ReturnType<FbBuffer['root']>): number {
  const bytes = message.fb.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vtable = message.position - view.getInt32(message.position, true);
  return message.position + view.getUint16(vtable + 6, true);
}
