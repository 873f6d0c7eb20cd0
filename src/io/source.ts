/**
 * Random access to the bytes of one input, whether held in memory or read from
 * a file at offsets, so container formats (zip, safetensors) read only the
 * parts they need and never trust a declared offset or size beyond the end.
 */
import { InputError } from '../errors.js';

/** The bytes of one input, read by range. */
export interface ByteSource {
  /** File name (or 'standard input') for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes at `offset`. With `into` (at least `length`
   * bytes), a source that must copy fills it and returns its first `length`
   * bytes, valid until `into` is written again; a source in memory returns a
   * view of its own bytes either way.
   *
   * @throws InputError when the range is not inside the input.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
}

/** Bytes decoded per chunk by {@link readChunks}. */
const DECODE_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Reads `length` bytes at `offset` in chunks of whole `itemSize`-byte
 * elements and hands each to `decode` with the index of its first element.
 * One read buffer serves every chunk: a fresh buffer per read costs its
 * page faults again, and the raw bytes are never held whole.
 *
 * @throws InputError when the range is not inside the input.
 */
export async function readChunks(
  source: ByteSource,
  offset: number,
  length: number,
  itemSize: number,
  decode: (chunk: Uint8Array, firstElement: number) => void,
): Promise<void> {
  const chunkBytes = Math.max(1, Math.floor(DECODE_CHUNK_BYTES / itemSize)) * itemSize;
  const into = new Uint8Array(Math.min(chunkBytes, length));
  for (let done = 0; done < length; done += chunkBytes) {
    const size = Math.min(chunkBytes, length - done);
    decode(await source.read(offset + done, size, into), done / itemSize);
  }
}

/** A source over bytes already in memory (no copies: ranges are views). */
export function memorySource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => {
      checkRange(offset, length, bytes.length, name);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** The part of a FileHandle a source needs (kept narrow so this module stays free of fs). */
export interface PositionalReader {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Bytes per single read call: well under the 2 GiB one read may return. */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;

/** A source reading an open file of known `size` at offsets. */
export function fileSource(handle: PositionalReader, size: number, name: string): ByteSource {
  return {
    name,
    size,
    read: async (offset, length, into) => {
      checkRange(offset, length, size, name);
      return readFully(handle, into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length), offset, name);
    },
  };
}

/**
 * Fills `buffer` with the file's bytes from `position` on, in reads of at most
 * 64 MiB, and returns it.
 *
 * @throws InputError when the file ends first (it changed while being read).
 */
export async function readFully(handle: PositionalReader, buffer: Uint8Array, position: number, name: string): Promise<Uint8Array> {
  const length = buffer.length;
  let filled = 0;
  while (filled < length) {
    const want = Math.min(READ_CHUNK_BYTES, length - filled);
    const { bytesRead } = await handle.read(buffer, filled, want, position + filled);
    if (bytesRead === 0) {
      throw new InputError(`file ended early (${name}): expected ${position + length} bytes, got ${position + filled}`, {
        where: name,
        hint: 'the file changed or was truncated while being read; try again once it is complete',
      });
    }
    filled += bytesRead;
  }
  return buffer;
}

/**
 * Ranges come from values a file declares: refuse any that leave the file
 * before a single byte is allocated.
 */
function checkRange(offset: number, length: number, size: number, name: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new InputError(`damaged or truncated file (${name}): it points at bytes ${offset}..${offset + length} but has ${size}`, {
      where: name,
      hint: 'the file is damaged or was cut short while copying; write it again',
    });
  }
}
