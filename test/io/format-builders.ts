/**
 * Builds container files in memory (zip/npz, torch.save, safetensors) so every
 * reader test states its input exactly. Zips come from fflate (an independent
 * writer) except zip64, which fflate does not write and is assembled here
 * from the specification with Node's own zlib CRC-32.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { zipSync, type Zippable } from 'fflate';

// ------------------------------------------------------------------------ zip

/** A zip of `members` (name -> bytes), each stored (level 0) or deflated. */
export function buildZip(members: Record<string, Uint8Array>, compress = false): Uint8Array {
  const input: Zippable = {};
  for (const [name, data] of Object.entries(members)) input[name] = [data, { level: compress ? 6 : 0 }];
  return zipSync(input);
}

/**
 * A stored-member zip in zip64 form, as numpy writes large archives: every
 * size and offset 0xFFFFFFFF in the headers with the real values in zip64
 * extra fields, and the zip64 end record and locator before the classic one.
 */
export function buildZip64(members: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(members)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = zlibCrc32(data);
    const extra = Buffer.alloc(4 + 16);
    extra.writeUInt16LE(1, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(BigInt(data.length), 4);
    extra.writeBigUInt64LE(BigInt(data.length), 12);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(0xffffffff, 18);
    local.writeUInt32LE(0xffffffff, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    parts.push(local, nameBytes, extra, data);
    const centralExtra = Buffer.alloc(4 + 24);
    centralExtra.writeUInt16LE(1, 0);
    centralExtra.writeUInt16LE(24, 2);
    centralExtra.writeBigUInt64LE(BigInt(data.length), 4);
    centralExtra.writeBigUInt64LE(BigInt(data.length), 12);
    centralExtra.writeBigUInt64LE(BigInt(offset), 20);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(45, 4);
    header.writeUInt16LE(45, 6);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(0xffffffff, 20);
    header.writeUInt32LE(0xffffffff, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt16LE(centralExtra.length, 30);
    header.writeUInt32LE(0xffffffff, 42);
    central.push(header, nameBytes, centralExtra);
    offset += local.length + nameBytes.length + extra.length + data.length;
  }
  const directory = Buffer.concat(central);
  const count = Object.keys(members).length;
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(0x06064b50, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeBigUInt64LE(BigInt(count), 24);
  end64.writeBigUInt64LE(BigInt(count), 32);
  end64.writeBigUInt64LE(BigInt(directory.length), 40);
  end64.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...parts, directory, end64, locator, end]);
}

// --------------------------------------------------------------------- pickle

/** Emits pickle opcodes (protocol 2, as torch.save writes). */
export class PickleWriter {
  private readonly bytes: number[] = [0x80, 2];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  mark(): this { return this.op(0x28); }
  tuple(): this { return this.op(0x74); }
  emptyTuple(): this { return this.op(0x29); }
  emptyDict(): this { return this.op(0x7d); }
  emptyList(): this { return this.op(0x5d); }
  setItems(): this { return this.op(0x75); }
  appends(): this { return this.op(0x65); }
  reduce(): this { return this.op(0x52); }
  build(): this { return this.op(0x62); }
  persistentId(): this { return this.op(0x51); }
  none(): this { return this.op(0x4e); }
  bool(value: boolean): this { return this.op(value ? 0x88 : 0x89); }
  put(index: number): this { return this.op(0x71, index); }
  get(index: number): this { return this.op(0x68, index); }
  global(module: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).op(0x93);
  }
  str(text: string): this {
    const data = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(data.length);
    return this.op(0x58, ...length, ...data);
  }
  int(value: number): this {
    if (value >= 0 && value < 256) return this.op(0x4b, value);
    const data = Buffer.alloc(4);
    data.writeInt32LE(value);
    return this.op(0x4a, ...data);
  }
  float(value: number): this {
    const data = Buffer.alloc(8);
    data.writeDoubleBE(value);
    return this.op(0x47, ...data);
  }
  ints(values: readonly number[]): this {
    this.mark();
    for (const value of values) this.int(value);
    return this.tuple();
  }
  stop(): Uint8Array {
    return Uint8Array.from([...this.bytes, 0x2e]);
  }
}

/** A tensor as torch writes it: storage `key` of `storageType` ('FloatStorage', ...). */
export interface TensorSpec {
  readonly key: string;
  readonly storageType: string;
  readonly numel: number;
  readonly offset?: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

/** Pushes `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`. */
export function writeTensor(w: PickleWriter, tensor: TensorSpec): PickleWriter {
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark().str('storage').global('torch', tensor.storageType).str(tensor.key).str('cpu').int(tensor.numel).tuple().persistentId();
  w.int(tensor.offset ?? 0).ints(tensor.size).ints(tensor.stride).bool(false);
  w.global('collections', 'OrderedDict').emptyTuple().reduce();
  return w.tuple().reduce();
}

/** A torch.save zip: `archive/data.pkl`, `archive/data/<key>` storages, optional byteorder. */
export function buildTorchFile(pickle: Uint8Array, storages: Record<string, Uint8Array>, options: { byteorder?: string; prefix?: string } = {}): Uint8Array {
  const prefix = options.prefix ?? 'archive';
  const members: Record<string, Uint8Array> = { [`${prefix}/data.pkl`]: pickle };
  if (options.byteorder !== undefined) members[`${prefix}/byteorder`] = Buffer.from(options.byteorder);
  for (const [key, data] of Object.entries(storages)) members[`${prefix}/data/${key}`] = data;
  members[`${prefix}/version`] = Buffer.from('3\n');
  return buildZip(members);
}

// ---------------------------------------------------------------- safetensors

export interface SafetensorSpec {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** A safetensors file: header padded with spaces to 8 bytes, tensors in the given order. */
export function buildSafetensors(tensors: Record<string, SafetensorSpec>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...Object.values(tensors).map((tensor) => tensor.data)]);
}

// ---------------------------------------------------------------------- bytes

/** Little-endian bytes of `values` through DataView (an independent encoder). */
export function littleEndianBytes(kind: 'f2bits' | 'bf16bits' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1', values: readonly number[]): Uint8Array {
  const size = { f2bits: 2, bf16bits: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 }[kind];
  const bytes = new Uint8Array(values.length * size);
  const dv = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    const at = i * size;
    switch (kind) {
      case 'f2bits': case 'bf16bits': case 'u2': dv.setUint16(at, value, true); break;
      case 'f4': dv.setFloat32(at, value, true); break;
      case 'f8': dv.setFloat64(at, value, true); break;
      case 'i1': dv.setInt8(at, value); break;
      case 'i2': dv.setInt16(at, value, true); break;
      case 'i4': dv.setInt32(at, value, true); break;
      case 'i8': dv.setBigInt64(at, BigInt(value), true); break;
      case 'u1': case 'b1': dv.setUint8(at, value); break;
      case 'u4': dv.setUint32(at, value, true); break;
      case 'u8': dv.setBigUint64(at, BigInt(value), true); break;
    }
  });
  return bytes;
}

/** The float32 whose upper 16 bits are `bits` (a bfloat16's value), via DataView. */
export function bfloat16Value(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits << 16 >>> 0);
  return dv.getFloat32(0);
}
