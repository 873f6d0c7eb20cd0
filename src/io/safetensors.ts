/**
 * safetensors: an 8-byte little-endian header length, a JSON header mapping
 * each tensor name to its dtype, shape and [begin, end) byte range in the
 * data section, then the raw little-endian data.
 */
import { InputError } from '../errors.js';
import { printable } from './printable.js';
import type { ArrayEntry } from './arrays.js';
import { allocateArray, countElements, formatShape, MAX_ELEMENTS } from './ndarray.js';
import { decodeRaw, RAW_ITEM_SIZE, type RawDtype } from './raw.js';
import { readChunks, type ByteSource } from './source.js';

/** safetensors dtype names and ours. */
const DTYPES: Record<string, RawDtype> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8',
  U64: 'uint64', U32: 'uint32', U16: 'uint16', U8: 'uint8',
  BOOL: 'bool',
};

/** The format's own limit on the header (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * True when the first bytes look like safetensors: a JSON object (`{"` or
 * `{}`) right after the 8-byte length. The length itself is checked by the
 * reader, so a damaged one gets a safetensors message. An Arrow stream's
 * continuation marker (0xFFFFFFFF) is never taken for a length.
 */
export function hasSafetensorsShape(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  if (bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) return false;
  return bytes[8] === 0x7b && (bytes[9] === 0x22 || bytes[9] === 0x7d); // '{' then '"' or '}'
}

/**
 * Lists the tensors of a safetensors file; every range is checked against
 * the file and the dtype and shape before anything is read.
 *
 * @throws InputError for a damaged header, a range outside the data, or an
 *   unsupported dtype.
 */
export async function listSafetensorsArrays(source: ByteSource): Promise<ArrayEntry[]> {
  const where = source.name;
  if (source.size < 8) throw damaged(where, `${source.size} bytes is too short`);
  const lengthBytes = await source.read(0, 8);
  const declared = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES) || 8n + declared > BigInt(source.size)) {
    throw damaged(where, `header length ${declared} does not fit in the ${source.size}-byte file`);
  }
  const headerLength = Number(declared);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, headerLength)));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw damaged(where, `header is not valid JSON (${printable((error as Error).message, 80)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw damaged(where, 'header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataSize = source.size - dataStart;
  const arrays: ArrayEntry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const label = `${where}#${printable(key)}`;
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw damaged(label, 'tensor entry is not an object');
    const dtype = typeof info.dtype === 'string' ? DTYPES[info.dtype] : undefined;
    if (dtype === undefined) {
      throw new InputError(`unsupported safetensors dtype ${printable(JSON.stringify(info.dtype) ?? 'none', 40)} (${label})`, {
        where: label,
        hint: 'pwcca reads F16, BF16, F32, F64 and integer/bool tensors; save t.float() instead',
      });
    }
    const shape = naturals(info.shape, label, 'shape');
    const offsets = naturals(info.data_offsets, label, 'data_offsets');
    if (offsets.length !== 2 || offsets[0] > offsets[1] || offsets[1] > dataSize) {
      throw damaged(label, `data_offsets [${offsets.join(', ')}] are outside the ${dataSize}-byte data section`);
    }
    const elements = countElements(shape);
    if (elements > MAX_ELEMENTS) throw damaged(label, `shape ${formatShape(shape)} has more than ${MAX_ELEMENTS} elements`);
    const byteLength = elements * RAW_ITEM_SIZE[dtype];
    if (offsets[1] - offsets[0] !== byteLength) {
      throw damaged(label, `shape ${formatShape(shape)} ${info.dtype} needs ${byteLength} bytes, its range holds ${offsets[1] - offsets[0]}`);
    }
    arrays.push({
      key,
      aliases: [],
      shape,
      dtype,
      read: async (allocate) => {
        // Decoded chunk by chunk into the final array: the raw tensor is never held whole.
        const data = allocateArray(allocate, elements);
        await readChunks(source, dataStart + offsets[0], byteLength, RAW_ITEM_SIZE[dtype], (chunk, first) => decodeRaw(dtype, chunk, data, first, true));
        return { shape, dtype, data, fortranOrder: false };
      },
    });
  }
  return arrays;
}

function naturals(value: unknown, label: string, field: string): number[] {
  if (!Array.isArray(value) || value.length > 64 || !value.every((item) => Number.isSafeInteger(item) && item >= 0)) {
    throw damaged(label, `'${field}' is not a list of non-negative integers`);
  }
  return value as number[];
}

function damaged(where: string, detail: string): InputError {
  return new InputError(`damaged safetensors file (${where}): ${detail}`, {
    where,
    hint: 'the file is damaged or cut short; write it again with safetensors.torch.save_file(tensors, path)',
  });
}
