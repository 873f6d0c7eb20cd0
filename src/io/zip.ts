/**
 * Reading zip archives (.npz from numpy, torch.save files): the central
 * directory, zip64 included, and members stored or deflate-compressed.
 *
 * Nothing is trusted: every offset and size is checked against the archive's
 * size before it is used, a member's declared size against what deflate can
 * produce from its compressed bytes before the output is allocated, and the
 * CRC-32 of every member read whole.
 */
import * as zlib from 'node:zlib';
// fflate's streaming inflater reads just a member's first bytes (a .npy header) without inflating the rest.
import { Inflate } from 'fflate';
import { InputError } from '../errors.js';
import { printable } from './printable.js';
import type { ByteSource } from './source.js';

/** One member of an archive, from the central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: 0 | 8;
  readonly compressedSize: number;
  /** Uncompressed size. */
  readonly size: number;
  readonly crc32: number;
  /** Offset of the member's local header. */
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 65535;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
/** Deflate cannot expand data more than about 1032:1; a member claiming more is damaged. */
const MAX_DEFLATE_RATIO = 1032;

/** True when `bytes` starts like a zip archive (a local header, or the end record of an empty archive). */
export function hasZipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * Lists the members of the archive in `source` from its central directory.
 *
 * @throws InputError when the directory is missing, damaged, points outside
 *   the file, is encrypted, uses another compression method, or names a
 *   member twice.
 */
export async function readZipDirectory(source: ByteSource): Promise<ZipEntry[]> {
  const { name, size } = source;
  if (size < EOCD_SIZE) throw damaged(name, `${size} bytes is too short for a zip archive`);
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const tailView = view(tail);
  let eocd = -1;
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (tailView.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged(name, 'no end-of-central-directory record (the archive is truncated or not a zip)');
  let count = tailView.getUint16(eocd + 10, true);
  let directorySize = tailView.getUint32(eocd + 12, true);
  let directoryOffset = tailView.getUint32(eocd + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    ({ count, directorySize, directoryOffset } = await readZip64End(source, tailStart + eocd));
  }
  if (directoryOffset + directorySize > size) {
    throw damaged(name, `central directory at ${directoryOffset} (+${directorySize} bytes) is past the end of the ${size}-byte file`);
  }
  if (count * CENTRAL_HEADER_SIZE > directorySize) {
    throw damaged(name, `${count} members cannot fit in a ${directorySize}-byte central directory`);
  }
  const directory = await source.read(directoryOffset, directorySize);
  return parseCentralDirectory(directory, count, size, name);
}

async function readZip64End(source: ByteSource, eocdOffset: number): Promise<{ count: number; directorySize: number; directoryOffset: number }> {
  const { name, size } = source;
  if (eocdOffset < 20) throw damaged(name, 'zip64 archive without its zip64 locator');
  const locator = view(await source.read(eocdOffset - 20, 20));
  if (locator.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) throw damaged(name, 'zip64 archive without its zip64 locator');
  const recordOffset = readUint64(locator, 8, name);
  if (recordOffset + 56 > size) throw damaged(name, `zip64 end record at ${recordOffset} is past the end of the ${size}-byte file`);
  const record = view(await source.read(recordOffset, 56));
  if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw damaged(name, 'zip64 end record has a wrong signature');
  return { count: readUint64(record, 32, name), directorySize: readUint64(record, 40, name), directoryOffset: readUint64(record, 48, name) };
}

function parseCentralDirectory(directory: Uint8Array, count: number, fileSize: number, name: string): ZipEntry[] {
  const dv = view(directory);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_SIZE > directory.length || dv.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw damaged(name, `central directory entry ${i} is damaged`);
    }
    const flags = dv.getUint16(at + 8, true);
    const method = dv.getUint16(at + 10, true);
    const crc32 = dv.getUint32(at + 16, true);
    let compressedSize = dv.getUint32(at + 20, true);
    let size = dv.getUint32(at + 24, true);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    let localHeaderOffset = dv.getUint32(at + 42, true);
    const end = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (end > directory.length) throw damaged(name, `central directory entry ${i} runs past the directory`);
    const memberName = new TextDecoder('utf-8').decode(directory.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength));
    // Fields saturated at 0xFFFFFFFF are in the zip64 extra field, in this order.
    const extra = directory.subarray(at + CENTRAL_HEADER_SIZE + nameLength, at + CENTRAL_HEADER_SIZE + nameLength + extraLength);
    if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      const zip64 = findExtra(extra, 0x0001);
      if (!zip64) throw damaged(name, `member '${printable(memberName)}' needs a zip64 extra field and has none`);
      const zv = view(zip64);
      let field = 0;
      const next = (): number => {
        if (field + 8 > zip64.length) throw damaged(name, `member '${printable(memberName)}' has a short zip64 extra field`);
        const value = readUint64(zv, field, name);
        field += 8;
        return value;
      };
      if (size === 0xffffffff) size = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
    }
    if (flags & 1) {
      throw new InputError(`encrypted zip member '${printable(memberName)}' (${name})`, { where: name, hint: 'write the archive again without a password' });
    }
    if (method !== 0 && method !== 8) {
      throw new InputError(`zip member '${printable(memberName)}' uses compression method ${method} (${name}); pwcca reads stored and deflate members`, {
        where: name,
        hint: 'write it with np.savez / np.savez_compressed or torch.save, which use those',
      });
    }
    if (localHeaderOffset + LOCAL_HEADER_SIZE + compressedSize > fileSize) {
      throw damaged(name, `member '${printable(memberName)}' (${compressedSize} bytes at ${localHeaderOffset}) is past the end of the ${fileSize}-byte file`);
    }
    if (method === 0 && compressedSize !== size) throw damaged(name, `stored member '${printable(memberName)}' declares ${size} bytes but holds ${compressedSize}`);
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw damaged(name, `member '${printable(memberName)}' declares ${size} bytes from ${compressedSize} compressed bytes, more than deflate can produce`);
    }
    if (seen.has(memberName)) throw damaged(name, `member '${printable(memberName)}' appears twice`);
    seen.add(memberName);
    entries.push({ name: memberName, method, compressedSize, size, crc32, localHeaderOffset });
    at = end;
  }
  return entries;
}

/**
 * Offset of the member's first data byte (after its local header, whose name
 * and extra field lengths may differ from the central directory's).
 */
export async function zipMemberDataOffset(source: ByteSource, entry: ZipEntry): Promise<number> {
  const header = view(await source.read(entry.localHeaderOffset, LOCAL_HEADER_SIZE));
  if (header.getUint32(0, true) !== LOCAL_SIGNATURE) throw damaged(source.name, `member '${printable(entry.name)}' has no local header at ${entry.localHeaderOffset}`);
  const dataOffset = entry.localHeaderOffset + LOCAL_HEADER_SIZE + header.getUint16(26, true) + header.getUint16(28, true);
  if (dataOffset + entry.compressedSize > source.size) {
    throw damaged(source.name, `member '${printable(entry.name)}' (${entry.compressedSize} bytes at ${dataOffset}) is past the end of the ${source.size}-byte file`);
  }
  return dataOffset;
}

/**
 * The whole uncompressed content of a member, its CRC-32 checked. The caller
 * checks `entry.size` against its memory budget first.
 *
 * @throws InputError on damaged deflate data, a size or CRC mismatch.
 */
export async function readZipMember(source: ByteSource, entry: ZipEntry): Promise<Uint8Array> {
  const dataOffset = await zipMemberDataOffset(source, entry);
  const raw = await source.read(dataOffset, entry.compressedSize);
  let content: Uint8Array;
  if (entry.method === 0) {
    content = raw;
  } else {
    let produced: Uint8Array;
    try {
      // Node's native inflate (faster than fflate's pure-JS one on large members), never past the declared size.
      produced = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      throw damaged(source.name, `member '${printable(entry.name)}' has damaged deflate data (${printable((error as Error).message, 80)})`);
    }
    if (produced.length !== entry.size) throw damaged(source.name, `member '${printable(entry.name)}' inflates to ${produced.length} bytes, its header says ${entry.size}`);
    content = produced;
  }
  if (crc32(content) !== entry.crc32) throw damaged(source.name, `member '${printable(entry.name)}' fails its CRC-32 check`);
  return content;
}

/**
 * The first `length` uncompressed bytes of a member (fewer if it is shorter),
 * inflating only as much as needed: enough to read a .npy header without
 * decompressing the array.
 */
export async function readZipMemberPrefix(source: ByteSource, entry: ZipEntry, length: number): Promise<Uint8Array> {
  const dataOffset = await zipMemberDataOffset(source, entry);
  const want = Math.min(length, entry.size);
  if (entry.method === 0) return source.read(dataOffset, want);
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    parts.push(chunk);
    total += chunk.length;
  });
  const step = 16384;
  try {
    for (let done = 0; done < entry.compressedSize && total < want; done += step) {
      const size = Math.min(step, entry.compressedSize - done);
      inflater.push(await source.read(dataOffset + done, size), done + size === entry.compressedSize);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw damaged(source.name, `member '${printable(entry.name)}' has damaged deflate data (${printable((error as Error).message, 80)})`);
  }
  const out = new Uint8Array(Math.min(total, want));
  let at = 0;
  for (const part of parts) {
    if (at >= out.length) break;
    const take = part.subarray(0, out.length - at);
    out.set(take, at);
    at += take.length;
  }
  return out;
}

// ------------------------------------------------------------------ helpers

let crcTable: Uint32Array | undefined;
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 (IEEE, as zip uses) of `bytes`; pass the previous result as `crc` to
 * continue over several chunks.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  // Node's native CRC-32 (from 20.15) is about 5x faster than the table loop.
  return nativeCrc32 ? nativeCrc32(bytes, crc) >>> 0 : crc32Table(bytes, crc);
}

/** CRC-32 by a 256-entry table, for Node versions without `zlib.crc32`. */
export function crc32Table(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let value = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) value = crcTable[(value ^ bytes[i]) & 0xff] ^ (value >>> 8);
  return (value ^ 0xffffffff) >>> 0;
}

function findExtra(extra: Uint8Array, id: number): Uint8Array | undefined {
  const dv = view(extra);
  for (let at = 0; at + 4 <= extra.length; ) {
    const fieldId = dv.getUint16(at, true);
    const length = dv.getUint16(at + 2, true);
    if (at + 4 + length > extra.length) return undefined;
    if (fieldId === id) return extra.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return undefined;
}

/** A 64-bit little-endian count; anything past 2^53 cannot be a real offset. */
function readUint64(dv: DataView, at: number, name: string): number {
  const value = dv.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged(name, `a zip64 field holds ${value}, far past any file size`);
  return Number(value);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function damaged(name: string, detail: string): InputError {
  return new InputError(`damaged zip archive (${name}): ${detail}`, {
    where: name,
    hint: 'the file is damaged or was cut short while copying; write it again (np.savez / torch.save)',
  });
}
