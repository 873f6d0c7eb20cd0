/**
 * Builds Arrow tables in memory for the parser tests.
 */
import { compress as lz4Compress } from 'lz4js';
import {
  CompressionType,
  compressionRegistry,
  Field,
  FixedSizeList,
  Float32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  type DataType,
  type Data,
} from 'apache-arrow';

/** Typed arrays an Arrow child buffer can hold. */
export type ChildValues = Float32Array | Float64Array | Uint16Array | Int32Array;

/** One FixedSizeList<child>[size] column named `name` holding `values` (row-major N x size). */
export function buildListTable(
  values: ChildValues,
  size: number,
  options: { name?: string; childType?: DataType; metadata?: Record<string, string>; batches?: number } = {},
): Table {
  const childType = options.childType ?? new Float32();
  const listType = new FixedSizeList(size, new Field('item', childType, true));
  const schema = new Schema([new Field(options.name ?? 'acts', listType, true)], new Map(Object.entries(options.metadata ?? {})));
  const rows = values.length / size;
  const batchCount = options.batches ?? 1;
  const perBatch = Math.ceil(rows / batchCount);
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows; start += perBatch) {
    const length = Math.min(perBatch, rows - start);
    const child = makeData({ type: childType, length: length * size, data: values.subarray(start * size, (start + length) * size) } as never) as Data;
    const list = makeData({ type: listType, length, nullCount: 0, child });
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children: [list] })));
  }
  return new Table(batches);
}

/** The same table with schema metadata added. */
export function withMetadata(table: Table, metadata: Record<string, string>): Table {
  const schema = new Schema(table.schema.fields, new Map(Object.entries(metadata)));
  return new Table(table.batches.map((batch) => new RecordBatch(schema, batch.data)));
}

/**
 * A ZSTD frame of raw (stored) blocks, or RLE blocks where a block repeats
 * one byte: valid ZSTD that fzstd decodes, written without an encoder.
 */
export function zstdRawFrame(data: Uint8Array, declaredSize = data.length): Uint8Array {
  const blockMax = 128 * 1024;
  const parts: Uint8Array[] = [];
  for (let start = 0; start === 0 || start < data.length; start += blockMax) {
    const size = Math.min(blockMax, data.length - start);
    const last = start + blockMax >= data.length ? 1 : 0;
    const block = data.subarray(start, start + size);
    const rle = size > 0 && block.every((byte) => byte === block[0]);
    const header = (size << 3) | ((rle ? 1 : 0) << 1) | last; // block type 0: raw, 1: RLE
    parts.push(Uint8Array.of(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff), rle ? block.subarray(0, 1) : block);
  }
  // Frame header descriptor 0xa0: single segment, 4-byte frame content size.
  const head = new Uint8Array(9);
  const view = new DataView(head.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  head[4] = 0xa0;
  view.setUint32(5, declaredSize, true);
  return Buffer.concat([head, ...parts]);
}

/**
 * IPC bytes of `table` with compressed record batches. apache-arrow writes
 * compression only through a registered encoder: one is registered for the
 * write (lz4js, or raw ZSTD frames); parseArrow puts its decoders back.
 */
export function compressedIpc(table: Table, format: 'file' | 'stream', codec: 'lz4' | 'zstd'): Uint8Array {
  const type = codec === 'lz4' ? CompressionType.LZ4_FRAME : CompressionType.ZSTD;
  const sizes = new Map<number, number>();
  const encode = (data: Uint8Array): Uint8Array => {
    const compressed = codec === 'lz4' ? lz4Compress(data) : zstdRawFrame(data);
    sizes.set(compressed.length, data.length);
    return compressed;
  };
  compressionRegistry.set(type, { encode });
  const bytes = tableToIPC(table, format, type);
  // apache-arrow 21 writes the compressed length where the format wants the
  // uncompressed one (pyarrow and polars refuse such files): put the right one.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const at of findAll(bytes, codec === 'lz4' ? [0x04, 0x22, 0x4d, 0x18] : [0x28, 0xb5, 0x2f, 0xfd])) {
    const written = Number(view.getBigInt64(at - 8, true));
    const size = sizes.get(written);
    if (size !== undefined) view.setBigInt64(at - 8, BigInt(size), true);
  }
  return bytes;
}

/** Positions of every occurrence of `pattern` in `bytes`. */
export function findAll(bytes: Uint8Array, pattern: ArrayLike<number>): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    found.push(i);
  }
  return found;
}
