/**
 * Decoding of raw, densely packed numeric buffers (torch storages,
 * safetensors data, HDF5 values) into float64. Every conversion is exact
 * (64-bit integers round once, like numpy's astype(float64)).
 */
import { convertBfloat16 } from './bfloat16.js';
import { float16Table } from './float16.js';

/** Element types the raw decoder knows, with their sizes in bytes. */
export const RAW_ITEM_SIZE = {
  float16: 2, bfloat16: 2, float32: 4, float64: 8,
  int8: 1, int16: 2, int32: 4, int64: 8,
  uint8: 1, uint16: 2, uint32: 4, uint64: 8,
  bool: 1,
} as const;

export type RawDtype = keyof typeof RAW_ITEM_SIZE;

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Decodes `bytes` (whole elements of `dtype`, in the given byte order) into
 * `out` from `offset`.
 *
 * @throws RangeError when `bytes` is not a whole number of elements (callers
 *   check sizes first and report InputErrors).
 */
export function decodeRaw(dtype: RawDtype, bytes: Uint8Array, out: Float64Array, offset = 0, littleEndian = true): void {
  const size = RAW_ITEM_SIZE[dtype];
  const count = bytes.length / size;
  if (!Number.isInteger(count)) throw new RangeError(`${bytes.length} bytes are not whole ${size}-byte ${dtype} elements`);
  if (offset + count > out.length) throw new RangeError(`${count} values do not fit at ${offset} in ${out.length}`);
  const native = alignedNative(bytes, size, littleEndian === HOST_LITTLE_ENDIAN);
  const { buffer, byteOffset } = native;
  switch (dtype) {
    case 'float16': {
      const table = float16Table();
      const values = new Uint16Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) out[offset + i] = table[values[i]];
      return;
    }
    case 'bfloat16': return convertBfloat16(new Uint16Array(buffer, byteOffset, count), out, offset);
    case 'float32': return out.set(new Float32Array(buffer, byteOffset, count), offset);
    case 'float64': return out.set(new Float64Array(buffer, byteOffset, count), offset);
    case 'int8': return out.set(new Int8Array(buffer, byteOffset, count), offset);
    case 'int16': return out.set(new Int16Array(buffer, byteOffset, count), offset);
    case 'int32': return out.set(new Int32Array(buffer, byteOffset, count), offset);
    case 'uint8': return out.set(new Uint8Array(buffer, byteOffset, count), offset);
    case 'uint16': return out.set(new Uint16Array(buffer, byteOffset, count), offset);
    case 'uint32': return out.set(new Uint32Array(buffer, byteOffset, count), offset);
    case 'bool': {
      const values = new Uint8Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) out[offset + i] = values[i] === 0 ? 0 : 1;
      return;
    }
    case 'int64':
    case 'uint64': {
      const words = new Uint32Array(buffer, byteOffset, count * 2);
      const [low, high] = HOST_LITTLE_ENDIAN ? [0, 1] : [1, 0];
      const signed = dtype === 'int64';
      // hi * 2^32 is exact; the sum rounds once: the correctly rounded float64.
      for (let i = 0; i < count; i++) {
        const hi = words[2 * i + high];
        out[offset + i] = (signed ? hi | 0 : hi) * 4294967296 + words[2 * i + low];
      }
      return;
    }
  }
}

/** `bytes` itself when aligned and in host order, else an aligned (byte-swapped) copy. */
function alignedNative(bytes: Uint8Array, size: number, hostOrder: boolean): Uint8Array {
  if ((hostOrder || size === 1) && bytes.byteOffset % size === 0) return bytes;
  const copy = new Uint8Array(bytes.length);
  if (hostOrder || size === 1) {
    copy.set(bytes);
    return copy;
  }
  for (let start = 0; start < bytes.length; start += size) {
    for (let k = 0; k < size; k++) copy[start + k] = bytes[start + size - 1 - k];
  }
  return copy;
}
