import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../src/io/zip.js';
import { seededRandom } from '../helpers/random.js';

describe('crc32', () => {
  it('matches zlib for whole buffers and when continued over chunks (table and native routes)', () => {
    const random = seededRandom(3);
    const bytes = Uint8Array.from({ length: 10_000 }, () => Math.floor(random() * 256));
    const want = zlibCrc32(bytes);
    for (const route of [crc32, crc32Table]) {
      expect(route(bytes)).toBe(want);
      expect(route(bytes.subarray(3000), route(bytes.subarray(0, 3000)))).toBe(want);
      expect(route(new Uint8Array(0))).toBe(0);
    }
  });
});
