import { describe, expect, it } from 'vitest';
import { fileSource, memorySource, readChunks, type PositionalReader } from '../../src/io/source.js';

/** A positional reader over bytes in memory that records which buffers it filled. */
function recordingReader(bytes: Uint8Array) {
  const buffers = new Set<ArrayBufferLike>();
  const reader: PositionalReader = {
    read: async (buffer, offset, length, position) => {
      buffers.add(buffer.buffer);
      // Short reads, as a pipe or network file system may give: the source must loop.
      const count = Math.min(length, 1 << 20, bytes.length - position);
      buffer.set(bytes.subarray(position, position + count), offset);
      return { bytesRead: count };
    },
  };
  return { reader, buffers };
}

describe('readChunks', () => {
  // 8 MiB chunks: 9 MiB of 3-byte elements takes two, split on an element boundary.
  const bytes = Uint8Array.from({ length: 9 * 1024 * 1024 + 3 * 5 }, (_, i) => (i * 31 + 7) & 0xff);

  it.each(['file', 'memory'] as const)('hands over whole elements in order from a %s source, through one read buffer', async (kind) => {
    const { reader, buffers } = recordingReader(bytes);
    const source = kind === 'file' ? fileSource(reader, bytes.length, 'x') : memorySource(bytes, 'x');
    const offset = 6;
    const length = bytes.length - offset - 3;
    const firsts: number[] = [];
    const joined = new Uint8Array(length);
    await readChunks(source, offset, length, 3, (chunk, first) => {
      expect(chunk.length % 3).toBe(0);
      firsts.push(first);
      joined.set(chunk, first * 3);
    });
    expect(firsts).toEqual([0, Math.floor((8 * 1024 * 1024) / 3)]);
    expect(Buffer.from(joined).equals(Buffer.from(bytes.subarray(offset, offset + length)))).toBe(true);
    expect(buffers.size).toBe(kind === 'file' ? 1 : 0);
  });
});
