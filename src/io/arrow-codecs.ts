/**
 * LZ4_FRAME and ZSTD decoders for compressed Arrow record batches (pyarrow
 * writes Feather with LZ4 by default; polars writes LZ4 or ZSTD), registered
 * in apache-arrow's `compressionRegistry`, which bundles no codec.
 *
 * A compressed buffer declares its uncompressed length in an 8-byte prefix
 * that apache-arrow strips before calling a codec. `parseArrow` checks those
 * lengths first (./arrow-validate.ts) and runs apache-arrow inside
 * {@link decodeCompressedWith}, so each decode knows the length it must
 * produce: output never grows past it, and anything else is an error.
 *
 * LZ4 frames are walked here (block sizes, then each block's sequences
 * against the output space) before lz4js copies bytes, because lz4js trusts
 * lengths; ZSTD frames are decoded by fzstd into a buffer of exactly the
 * declared size.
 */
import { CompressionType, compressionRegistry } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
import { decompressBlock } from 'lz4js';
import type { CompressedBuffer } from './arrow-validate.js';

/** A compressed buffer that does not decode to what it declares. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

/** Largest output a decode may produce when no declared length is known (library use outside parseArrow). */
const UNCHECKED_LIMIT = 2 ** 31;

let expected: readonly CompressedBuffer[] | undefined;
let cursor = 0;

/**
 * Runs `read` (apache-arrow decoding a checked input) with the compressed
 * buffers it will decode, in order. Synchronous, so no other decode can
 * interleave; afterwards every expected buffer must have been decoded.
 */
export function decodeCompressedWith<T>(buffers: readonly CompressedBuffer[], read: () => T): T {
  registerArrowCodecs();
  const saved = [expected, cursor] as const;
  expected = buffers;
  cursor = 0;
  try {
    return read();
  } finally {
    [expected, cursor] = saved;
  }
}

const LZ4_CODEC = { decode: (data: Uint8Array) => decodeNext('lz4', data) };
const ZSTD_CODEC = { decode: (data: Uint8Array) => decodeNext('zstd', data) };

/**
 * Registers the LZ4_FRAME and ZSTD decoders in apache-arrow, replacing any
 * other codec registered for them (parseArrow calls it before each read).
 */
export function registerArrowCodecs(): void {
  if (compressionRegistry.get(CompressionType.LZ4_FRAME) !== LZ4_CODEC) compressionRegistry.set(CompressionType.LZ4_FRAME, LZ4_CODEC);
  if (compressionRegistry.get(CompressionType.ZSTD) !== ZSTD_CODEC) compressionRegistry.set(CompressionType.ZSTD, ZSTD_CODEC);
}

function decodeNext(codec: CompressedBuffer['codec'], data: Uint8Array): Uint8Array {
  let size: number | undefined;
  if (expected) {
    const next = expected[cursor++];
    if (!next || next.codec !== codec || next.compressedLength !== data.length) {
      throw new CodecError(`unexpected ${codec} buffer of ${data.length} bytes (buffer ${cursor - 1} of ${expected.length} checked)`);
    }
    size = next.declaredLength;
  }
  const output = codec === 'lz4' ? decodeLz4Frame(data, size) : decodeZstd(data, size);
  if (size !== undefined && output.length !== size) {
    throw new CodecError(`${codec} buffer decodes to ${output.length} bytes, it declares ${size}`);
  }
  return output;
}

// ---------------------------------------------------------------------- zstd

/**
 * One ZSTD frame decoded by fzstd. With a declared size, a content size in
 * the frame header (optional) must agree, and fzstd writes into a buffer of exactly
 * that size (never allocating from the frame's own header). fzstd fills it
 * from the start and does not report how far: a frame that ends early leaves
 * a tail unwritten, detected by decoding into a buffer pre-filled with 0xff
 * whenever the last byte came out 0.
 */
function decodeZstd(data: Uint8Array, size: number | undefined): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  const run = (into?: Uint8Array): Uint8Array => {
    try {
      return zstdDecompress(data, into);
    } catch (error) {
      throw new CodecError(`corrupt zstd data: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (size === undefined) {
    const declared = zstdContentSize(data);
    if (declared !== undefined && declared > UNCHECKED_LIMIT) throw new CodecError(`zstd frame declares ${declared} bytes`);
    return run();
  }
  const declared = zstdContentSize(data);
  // polars omits the frame content size; when present it must agree.
  if (declared !== undefined && declared !== size) throw new CodecError(`zstd frame declares ${declared} bytes, the buffer declares ${size}`);
  const output = run(new Uint8Array(size));
  if (output.length !== size) throw new CodecError(`zstd data decodes to ${output.length} bytes, it declares ${size}`);
  if (output[size - 1] === 0 && run(new Uint8Array(size).fill(0xff))[size - 1] !== 0) {
    throw new CodecError(`zstd data decodes to fewer than the ${size} bytes it declares`);
  }
  return output;
}

/** Frame_Content_Size from a ZSTD frame header (RFC 8878, 3.1.1.1), or undefined when the frame omits it. */
function zstdContentSize(data: Uint8Array): number | undefined {
  if (data.length < 6) throw new CodecError(`zstd frame of ${data.length} bytes is too short`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0, true) !== 0xfd2fb528) throw new CodecError('not a zstd frame (bad magic number)');
  const descriptor = data[4];
  if (descriptor & 0x08) throw new CodecError('zstd frame header has its reserved bit set');
  const singleSegment = (descriptor >> 5) & 1;
  const fcsFlag = descriptor >> 6;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3];
  if (fcsBytes === 0) return undefined;
  if (at + fcsBytes > data.length) throw new CodecError('zstd frame header is truncated');
  switch (fcsBytes) {
    case 1: return data[at];
    case 2: return view.getUint16(at, true) + 256;
    case 4: return view.getUint32(at, true);
    default: return Number(view.getBigUint64(at, true));
  }
}

// ----------------------------------------------------------------------- lz4

const LZ4_MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

interface Lz4Block {
  readonly start: number;
  readonly length: number;
  readonly raw: boolean;
}

/**
 * One LZ4 frame (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md):
 * its blocks are located and their output measured first, then decoded into
 * one buffer of that size. `size`, when known, is the exact output expected.
 */
export function decodeLz4Frame(data: Uint8Array, size?: number): Uint8Array {
  if (size === 0 && data.length === 0) return new Uint8Array(0);
  const limit = size ?? UNCHECKED_LIMIT;
  const blocks = lz4Blocks(data);
  let total = 0;
  for (const block of blocks) {
    total += block.raw ? block.length : lz4BlockOutput(data, block.start, block.start + block.length, total, limit - total);
    if (total > limit) throw new CodecError(`lz4 data decodes to more than the ${limit} bytes declared`);
  }
  const out = new Uint8Array(total);
  let written = 0;
  for (const block of blocks) {
    if (block.raw) {
      out.set(data.subarray(block.start, block.start + block.length), written);
      written += block.length;
    } else {
      written = decompressBlock(data, out, block.start, block.length, written);
    }
  }
  if (written !== total) throw new CodecError(`lz4 data decoded to ${written} bytes, expected ${total}`);
  return out;
}

function lz4Blocks(data: Uint8Array): Lz4Block[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (at: number, bytes: number): void => {
    if (at + bytes > data.length) throw new CodecError(`lz4 frame ends early (${data.length} bytes)`);
  };
  need(0, 7);
  if (view.getUint32(0, true) !== LZ4_MAGIC) throw new CodecError('not an lz4 frame (bad magic number)');
  const flags = data[4];
  if ((flags >> 6) !== 1) throw new CodecError(`lz4 frame version ${flags >> 6}`);
  const maxBlock = BLOCK_MAX[(data[5] >> 4) & 7];
  if (!maxBlock) throw new CodecError(`lz4 frame block size id ${(data[5] >> 4) & 7}`);
  const blockChecksum = (flags & 0x10) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  let at = 6 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0) + 1;
  const blocks: Lz4Block[] = [];
  // Every block takes at least 4 bytes of input: at most data.length / 4 iterations.
  for (;;) {
    need(at, 4);
    const word = view.getUint32(at, true);
    at += 4;
    if (word === 0) break;
    const length = word & 0x7fffffff;
    if (length > maxBlock) throw new CodecError(`lz4 block of ${length} bytes is over the frame's ${maxBlock}-byte limit`);
    need(at, length + (blockChecksum ? 4 : 0));
    blocks.push({ start: at, length, raw: (word & 0x80000000) !== 0 });
    at += length + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) need(at, 4);
  if (at + (contentChecksum ? 4 : 0) !== data.length) throw new CodecError(`${data.length - at} unexpected bytes after the lz4 frame`);
  return blocks;
}

/**
 * Output size of one compressed block, walking its sequences with every
 * length and match offset checked (`before` bytes were written by earlier
 * blocks, which matches may reach back into). Throws past `room` bytes.
 */
function lz4BlockOutput(data: Uint8Array, start: number, end: number, before: number, room: number): number {
  let at = start;
  let out = 0;
  const length = (base: number): number => {
    let value = base;
    if (base === 15) {
      let byte: number;
      do {
        if (at >= end) throw new CodecError('lz4 block ends inside a length');
        byte = data[at++];
        value += byte;
      } while (byte === 255);
    }
    return value;
  };
  while (at < end) {
    const token = data[at++];
    const literals = length(token >> 4);
    if (at + literals > end) throw new CodecError('lz4 literals run past their block');
    at += literals;
    out += literals;
    if (at === end) break;
    if (at + 2 > end) throw new CodecError('lz4 block ends inside a match offset');
    const offset = data[at] | (data[at + 1] << 8);
    at += 2;
    if (offset === 0 || offset > before + out) throw new CodecError(`lz4 match offset ${offset} points before the data`);
    out += length(token & 15) + 4;
    if (out > room) throw new CodecError('lz4 block decodes past the declared length');
  }
  return out;
}
