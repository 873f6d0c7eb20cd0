/**
 * Builds .npy bytes in memory, so every parser test states its input exactly.
 */

export type NpyDtype = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

export interface BuildNpyOptions {
  /** Store in Fortran order: `values` are still given in C order and reordered here. */
  readonly fortran?: boolean;
  readonly bigEndian?: boolean;
  readonly version?: 1 | 2 | 3;
  /** Replace the header literal entirely (for malformed-header tests). */
  readonly header?: string;
  /** Override the descr written (e.g. '|O'); values are then written as f8. */
  readonly descr?: string;
}

const ITEM_SIZE: Record<NpyDtype, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

/** numpy's header literal for a shape, e.g. `(5,)` or `(3, 4)`. */
export function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Bytes of a .npy file as np.save writes them (header padded to 64 bytes, ending in '\n'). */
export function buildNpy(shape: readonly number[], dtype: NpyDtype, values: ArrayLike<number>, options: BuildNpyOptions = {}): Uint8Array {
  const version = options.version ?? 1;
  const order = dtype === 'i1' || dtype === 'u1' || dtype === 'b1' ? '|' : options.bigEndian ? '>' : '<';
  const descr = options.descr ?? `${order}${dtype}`;
  let header = options.header ?? `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeLiteral(shape)}, }`;
  const prefixLength = version === 1 ? 10 : 12;
  const headerBytes = () => (version === 3 ? Buffer.from(header, 'utf8') : Buffer.from(header, 'latin1'));
  const unpadded = prefixLength + headerBytes().length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const text = headerBytes();
  const prefix = new Uint8Array(prefixLength);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(prefix.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  const ordered = options.fortran ? toFortranOrder(shape, values) : Array.from(values);
  return Buffer.concat([prefix, text, encodeValues(dtype, ordered, !options.bigEndian)]);
}

/** Encodes numbers (for f2: numbers that are exact halves, or raw bit patterns via `halfBits`). */
export function encodeValues(dtype: NpyDtype, values: readonly number[], littleEndian: boolean): Uint8Array {
  const size = ITEM_SIZE[dtype];
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    const at = i * size;
    switch (dtype) {
      case 'f2': view.setUint16(at, halfBits(value), littleEndian); break;
      case 'f4': view.setFloat32(at, value, littleEndian); break;
      case 'f8': view.setFloat64(at, value, littleEndian); break;
      case 'i1': view.setInt8(at, value); break;
      case 'i2': view.setInt16(at, value, littleEndian); break;
      case 'i4': view.setInt32(at, value, littleEndian); break;
      case 'i8': view.setBigInt64(at, BigInt(value), littleEndian); break;
      case 'u1': view.setUint8(at, value); break;
      case 'u2': view.setUint16(at, value, littleEndian); break;
      case 'u4': view.setUint32(at, value, littleEndian); break;
      case 'u8': view.setBigUint64(at, BigInt(value), littleEndian); break;
      case 'b1': view.setUint8(at, value ? 1 : 0); break;
    }
  });
  return bytes;
}

/** Bit pattern of a number that is exactly representable as an IEEE half (or +-Inf, NaN). */
export function halfBits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  if (magnitude === 0) return sign;
  if (magnitude < 2 ** -14) return sign | exactly(magnitude / 2 ** -24, value); // subnormal
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = exactly((magnitude / 2 ** exponent - 1) * 1024, value);
  return sign | ((exponent + 15) << 10) | fraction;
}

function exactly(n: number, value: number): number {
  if (!Number.isInteger(n)) throw new RangeError(`${value} is not exactly a half`);
  return n;
}

/** C-ordered values of an array of `shape`, rewritten in Fortran order (first axis fastest). */
export function toFortranOrder(shape: readonly number[], values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  for (let f = 0; f < values.length; f++) {
    let rest = f;
    let c = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      c += (rest % shape[axis]) * strides[axis];
      rest = Math.floor(rest / shape[axis]);
    }
    out[f] = values[c];
  }
  return out;
}

/** 0, 1, 2, ... as numbers: easy to check positions after reordering. */
export function iota(count: number, start = 0): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}
