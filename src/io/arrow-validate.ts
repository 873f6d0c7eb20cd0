/**
 * Checks the structure of Arrow IPC bytes before apache-arrow reads them.
 *
 * apache-arrow trusts what a file declares: a message whose header type reads
 * as NONE makes its file reader loop forever on the same block, a record
 * batch declaring more rows than its buffers hold reads as zeros or as the
 * next column's bytes, and corrupted vector lengths make it allocate
 * gigabytes. This module walks the same structure apache-arrow will walk
 * (file footer and its blocks, or the stream's messages) with bounds-checked
 * FlatBuffers reads, and checks every declared size against the bytes present:
 *
 * - footer, blocks, metadata and bodies lie inside the file and do not overlap;
 * - every message header is a Schema, DictionaryBatch or RecordBatch where one
 *   is expected, with a metadata length and body length inside the file;
 * - every record batch has one node per schema field and exactly the buffers
 *   the field types call for, each inside the body and at least as long as its
 *   node's length and type require (a column's length equals its batch's);
 * - compressed buffers (LZ4_FRAME, ZSTD) declare an uncompressed length that
 *   is checked the same way, and the total to decompress is bounded.
 *
 * Every loop runs over entries that each occupy bytes of the file, so the
 * work is bounded by the file's size. Nothing is allocated from a declared
 * size. The result lists the compressed buffers in the order apache-arrow
 * decodes them, so the codecs can check each output against its declared length.
 */
import { InputError } from '../errors.js';
import { FbBuffer, FbError, type FbTable } from './arrow-fb.js';
import { formatBytes } from './ndarray.js';

/** A compressed buffer as apache-arrow will hand it to a codec (after the 8-byte length prefix). */
export interface CompressedBuffer {
  readonly codec: 'lz4' | 'zstd';
  /** Bytes of compressed data (the buffer minus its length prefix). */
  readonly compressedLength: number;
  /** Uncompressed length the buffer declares; the codec must produce exactly this. */
  readonly declaredLength: number;
}

/** What the checked structure holds. */
export interface ArrowIpcSummary {
  readonly format: 'file' | 'stream';
  /** Rows over all record batches. */
  readonly rows: number;
  readonly batches: number;
  /** Compressed buffers that are actually compressed, in apache-arrow's decoding order. */
  readonly compressed: CompressedBuffer[];
  /** Bytes all compressed buffers decompress to. */
  readonly decompressedBytes: number;
}

export interface ArrowValidateOptions {
  /** Most bytes compressed buffers may decompress to, in total (default 4 GiB). */
  readonly maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED = 4 * 1024 ** 3;
/** Expansion allowed for compressed data whose size the schema does not fix (ZSTD reaches about 1:30000 on runs of one byte). */
const MAX_EXPANSION = 65536;
const MAGIC = 'ARROW1';
const CONTINUATION = -1;
/** MetadataVersion V4 (Arrow 0.8+) and V5 (1.0+); older layouts differ (buffers carried a page id). */
const SUPPORTED_VERSIONS = [3, 4];
const HINT = 'the file is damaged or was not written as Arrow IPC; write it again, e.g. pyarrow.feather.write_feather(table, path)';

/** Thrown inside the walk; turned into an InputError naming the file. */
class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

/**
 * Checks Arrow IPC bytes (file format if they start with "ARROW1", else the
 * stream format) and returns what they hold.
 *
 * @throws InputError naming `source` and the first structural problem found.
 */
export function validateArrowIpc(bytes: Uint8Array, source: string, options: ArrowValidateOptions = {}): ArrowIpcSummary {
  const walker = new Walker(bytes, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED);
  try {
    if (hasMagic(bytes, 0)) walker.file();
    else walker.stream();
  } catch (error) {
    if (error instanceof Invalid || error instanceof FbError) {
      throw new InputError(`invalid Arrow IPC data (${source}): ${error.message}`, { where: source, hint: HINT, cause: error });
    }
    throw error;
  }
  return walker.summary();
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  if (at < 0 || at + MAGIC.length > bytes.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

// ------------------------------------------------------------------ schema

/** Type ids of the Type union in Arrow's Schema.fbs. */
const T = {
  Null: 1, Int: 2, FloatingPoint: 3, Binary: 4, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Time: 9, Timestamp: 10,
  Interval: 11, List: 12, Struct: 13, Union: 14, FixedSizeBinary: 15, FixedSizeList: 16, Map: 17, Duration: 18,
  LargeBinary: 19, LargeUtf8: 20, LargeList: 21, RunEndEncoded: 22, BinaryView: 23, Utf8View: 24, ListView: 25, LargeListView: 26,
} as const;

/** One schema field reduced to what decides its nodes and buffers. */
interface FieldShape {
  /** 'fixed': validity + values of `bits` bits per value. */
  readonly kind: 'null' | 'fixed' | 'binary' | 'view' | 'list' | 'fixed-list' | 'struct' | 'union';
  readonly bits: number;
  /** Bytes per offset for binary and list kinds. */
  readonly offsetBytes: number;
  readonly listSize: number;
  readonly dense: boolean;
  readonly children: FieldShape[];
}

function shape(kind: FieldShape['kind'], extra: Partial<FieldShape> = {}): FieldShape {
  return { kind, bits: 0, offsetBytes: 0, listSize: 0, dense: false, children: [], ...extra };
}

/** Reads a Field table (Schema.fbs: name, nullable, type_type, type, dictionary, children, custom_metadata). */
function readField(field: FbTable): FieldShape {
  field.string(0);
  readKeyValues(field, 6);
  const children = field.tables(5).map(readField);
  const dictionary = field.table(4);
  if (dictionary) {
    // Dictionary-encoded: the batch holds validity + integer indices (default int32).
    const indexType = dictionary.table(1);
    const bits = indexType ? intBits(indexType) : 32;
    typeShape(field, children); // the value type must still be well formed
    return shape('fixed', { bits });
  }
  return typeShape(field, children);
}

function typeShape(field: FbTable, children: FieldShape[]): FieldShape {
  const typeId = field.u8(2);
  const type = field.table(3);
  const need = (count: number): void => {
    if (children.length !== count) fail(`a field of type ${typeId} has ${children.length} children, expected ${count}`);
  };
  const table = (): FbTable => type ?? fail(`field type ${typeId} has no type table`);
  switch (typeId) {
    case T.Null: return shape('null');
    case T.Int: return shape('fixed', { bits: intBits(table()) });
    case T.FloatingPoint: {
      const precision = table().i16(0);
      if (precision < 0 || precision > 2) fail(`floating point precision ${precision}`);
      return shape('fixed', { bits: [16, 32, 64][precision] });
    }
    case T.Bool: return shape('fixed', { bits: 1 });
    case T.Decimal: {
      const bits = table().i32(2, 128);
      if (![32, 64, 128, 256].includes(bits)) fail(`decimal bit width ${bits}`);
      return shape('fixed', { bits });
    }
    case T.Date: return shape('fixed', { bits: table().i16(0, 1) === 0 ? 32 : 64 });
    case T.Time: {
      const bits = table().i32(1, 32);
      if (bits !== 32 && bits !== 64) fail(`time bit width ${bits}`);
      return shape('fixed', { bits });
    }
    case T.Timestamp: table().string(1); return shape('fixed', { bits: 64 });
    case T.Duration: return shape('fixed', { bits: 64 });
    case T.Interval: {
      const unit = table().i16(0);
      if (unit < 0 || unit > 2) fail(`interval unit ${unit}`);
      return shape('fixed', { bits: [32, 64, 128][unit] });
    }
    case T.FixedSizeBinary: {
      const width = table().i32(0);
      if (width < 0 || width > 2 ** 24) fail(`fixed-size binary width ${width}`);
      return shape('fixed', { bits: width * 8 });
    }
    case T.Binary: case T.Utf8: return shape('binary', { offsetBytes: 4 });
    case T.LargeBinary: case T.LargeUtf8: return shape('binary', { offsetBytes: 8 });
    case T.BinaryView: case T.Utf8View: return shape('view');
    case T.List: case T.Map: need(1); return shape('list', { offsetBytes: 4, children });
    case T.LargeList: need(1); return shape('list', { offsetBytes: 8, children });
    case T.FixedSizeList: {
      need(1);
      const listSize = table().i32(0);
      if (listSize < 0) fail(`fixed-size list of ${listSize} values`);
      return shape('fixed-list', { listSize, children });
    }
    case T.Struct: return shape('struct', { children });
    case T.Union: {
      const union = table();
      const mode = union.i16(0);
      if (mode !== 0 && mode !== 1) fail(`union mode ${mode}`);
      union.vector(1, 4);
      return shape('union', { dense: mode === 1, children });
    }
    case T.RunEndEncoded: case T.ListView: case T.LargeListView:
      return fail(`column type ${typeId} (run-end encoded or list view) is not supported`);
    default:
      return fail(`unknown column type id ${typeId}`);
  }
}

function intBits(int: FbTable): number {
  const bits = int.i32(0);
  if (![8, 16, 32, 64].includes(bits)) fail(`integer bit width ${bits}`);
  return bits;
}

function readKeyValues(table: FbTable, index: number): void {
  for (const entry of table.tables(index)) {
    entry.string(0);
    entry.string(1);
  }
}

interface SchemaInfo {
  readonly fields: FieldShape[];
  /** Value type of each dictionary id: what its dictionary batches hold. */
  readonly dictionaries: Map<number, FieldShape>;
  /** MetadataVersion of the schema (V4 = 3, V5 = 4). */
  readonly version: number;
}

/** Schema.fbs Schema: endianness, fields, custom_metadata, features. */
function readSchema(schema: FbTable, version: number): SchemaInfo {
  if (schema.i16(0) !== 0) fail('big-endian Arrow data is not supported');
  readKeyValues(schema, 2);
  schema.vector(3, 8);
  const dictionaries = new Map<number, FieldShape>();
  const collect = (field: FbTable): void => {
    const children = field.tables(5);
    const dictionary = field.table(4);
    if (dictionary) dictionaries.set(dictionary.i64(0), typeShape(field, children.map(readField)));
    children.forEach(collect);
  };
  const tables = schema.tables(1);
  tables.forEach(collect);
  return { fields: tables.map(readField), dictionaries, version };
}

// ---------------------------------------------------------------- messages

/** MessageHeader union ids (Message.fbs). */
const H = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;
const HEADER_NAMES = ['NONE', 'Schema', 'DictionaryBatch', 'RecordBatch', 'Tensor', 'SparseTensor'];

interface Message {
  readonly headerType: number;
  readonly header: FbTable;
  readonly version: number;
  readonly bodyLength: number;
  /** Offset of the body in the file. */
  readonly bodyStart: number;
  /** Offset just after the body. */
  readonly end: number;
}

class Walker {
  private rows = 0;
  private batches = 0;
  private decompressed = 0;
  private readonly compressed: CompressedBuffer[] = [];
  private format: 'file' | 'stream' = 'stream';

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDecompressed: number,
  ) {}

  summary(): ArrowIpcSummary {
    return { format: this.format, rows: this.rows, batches: this.batches, compressed: this.compressed, decompressedBytes: this.decompressed };
  }

  private i32(at: number): number {
    if (at < 0 || at + 4 > this.bytes.length) fail(`file ends inside a length field at byte ${at}`);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 4).getInt32(0, true);
  }

  /** The IPC file format: magic, padding, a stream, the footer, its length and the magic again. */
  file(): void {
    this.format = 'file';
    const size = this.bytes.length;
    if (size < 18 || !hasMagic(this.bytes, size - 6)) fail(`${size}-byte file does not end with the ${MAGIC} magic (truncated?)`);
    const footerLength = this.i32(size - 10);
    const footerStart = size - 10 - footerLength;
    if (footerLength <= 0 || footerStart < 8) fail(`footer length ${footerLength} does not fit the ${size}-byte file`);
    const footer = new FbBuffer(this.bytes.subarray(footerStart, size - 10), 'footer').root();
    const version = footer.i16(0);
    checkVersion(version, 'footer');
    const schemaTable = footer.table(1) ?? fail('the footer has no schema');
    const schema = readSchema(schemaTable, version);
    readKeyValues(footer, 4);
    const dictionaries = this.blocks(footer, 2, footerStart);
    const batches = this.blocks(footer, 3, footerStart);
    checkNoOverlap([...dictionaries, ...batches]);
    // Each message must stay inside its (non-overlapping) block: the total work is bounded by the file's size.
    const inBlock = (block: { offset: number; end: number }, type: number): Message => {
      const message = this.message(block.offset, footerStart, type);
      if (message.end > block.end) fail(`the message at byte ${block.offset} is longer than its footer block`);
      return message;
    };
    for (const block of dictionaries) this.dictionaryBatch(inBlock(block, H.DictionaryBatch), schema);
    for (const block of batches) {
      const message = inBlock(block, H.RecordBatch);
      this.recordBatch(message.header, message, schema);
    }
  }

  /** Footer blocks (offset int64, metaDataLength int32, padding, bodyLength int64): each inside [8, limit). */
  private blocks(footer: FbTable, index: number, limit: number): Array<{ offset: number; end: number }> {
    const vector = footer.vector(index, 24);
    if (!vector) return [];
    const fb = footer.fb;
    const blocks: Array<{ offset: number; end: number }> = [];
    for (let i = 0; i < vector.length; i++) {
      const at = vector.start + 24 * i;
      const offset = fb.i64(at);
      const metadataLength = fb.i32(at + 8);
      const bodyLength = fb.i64(at + 16);
      const end = offset + metadataLength + bodyLength;
      if (!(offset >= 8 && metadataLength > 0 && bodyLength >= 0 && end <= limit)) {
        fail(`footer block ${i} (offset ${offset}, metadata ${metadataLength} bytes, body ${bodyLength} bytes) lies outside the ${limit} bytes before the footer`);
      }
      blocks.push({ offset, end });
    }
    return blocks;
  }

  /** The stream format: messages until an end-of-stream marker or the end of the bytes. */
  stream(): void {
    let schema: SchemaInfo | undefined;
    let at = 0;
    // Each message takes at least 8 bytes, so this runs at most size / 8 times.
    while (at + 4 <= this.bytes.length) {
      const first = this.i32(at);
      const length = first === CONTINUATION ? (at + 8 <= this.bytes.length ? this.i32(at + 4) : 0) : first;
      if (length === 0) return;
      const message = this.message(at, this.bytes.length);
      if (message.headerType === H.Schema) {
        if (schema) fail(`a second schema message at byte ${at}`);
        schema = readSchema(message.header, message.version);
      } else if (!schema) {
        fail(`the stream starts with a ${HEADER_NAMES[message.headerType]} message instead of a schema`);
      } else if (message.headerType === H.DictionaryBatch) {
        this.dictionaryBatch(message, schema);
      } else {
        this.recordBatch(message.header, message, schema);
      }
      at = message.end;
    }
    if (!schema) fail(`no schema message in ${this.bytes.length} bytes`);
  }

  /**
   * The message framed at `at`: optional continuation marker, int32 metadata
   * length, Message flatbuffer, body. Everything must end before `limit`.
   */
  private message(at: number, limit: number, expected?: number): Message {
    const continued = this.i32(at) === CONTINUATION;
    const metadataStart = at + (continued ? 8 : 4);
    const metadataLength = this.i32(continued ? at + 4 : at);
    if (metadataLength <= 0 || metadataStart + metadataLength > limit) {
      fail(`message at byte ${at} declares ${metadataLength} bytes of metadata; ${Math.max(0, limit - metadataStart)} remain`);
    }
    const message = new FbBuffer(this.bytes.subarray(metadataStart, metadataStart + metadataLength), `message metadata at byte ${at}`).root();
    const version = message.i16(0);
    checkVersion(version, `message at byte ${at}`);
    const headerType = message.u8(1);
    const bodyLength = message.i64(3);
    readKeyValues(message, 4);
    if (expected !== undefined ? headerType !== expected : !(headerType >= H.Schema && headerType <= H.RecordBatch)) {
      const want = expected !== undefined ? HEADER_NAMES[expected] : 'a Schema, DictionaryBatch or RecordBatch';
      fail(`message at byte ${at} is a ${HEADER_NAMES[headerType] ?? `type-${headerType}`} message, expected ${want}`);
    }
    const bodyStart = metadataStart + metadataLength;
    if (!(bodyLength >= 0 && bodyStart + bodyLength <= limit)) {
      fail(`message at byte ${at} declares a ${bodyLength}-byte body; ${Math.max(0, limit - bodyStart)} bytes remain`);
    }
    const header = message.table(2) ?? fail(`message at byte ${at} has no header`);
    return { headerType, header, version, bodyLength, bodyStart, end: bodyStart + bodyLength };
  }

  /** DictionaryBatch: id, data (a RecordBatch of the dictionary's value type), isDelta. */
  private dictionaryBatch(message: Message, schema: SchemaInfo): void {
    const id = message.header.i64(0);
    const valueType = schema.dictionaries.get(id) ?? fail(`dictionary batch for id ${id}, which no schema field uses`);
    const data = message.header.table(1) ?? fail('dictionary batch without data');
    const length = data.i64(0);
    if (!(length >= 0 && Number.isSafeInteger(length))) fail(`dictionary batch declares ${length} values`);
    this.batchBuffers(data, message, { fields: [valueType], length }, schema.version);
  }

  /** RecordBatch (length, nodes, buffers, compression, variadicBufferCounts) against the schema. */
  private recordBatch(batch: FbTable, message: Message, schema: SchemaInfo): void {
    const length = batch.i64(0);
    if (!(length >= 0 && Number.isSafeInteger(length))) fail(`record batch declares ${length} rows`);
    this.batchBuffers(batch, message, { fields: schema.fields, length }, schema.version);
    this.rows += length;
    this.batches++;
    if (!Number.isSafeInteger(this.rows)) fail('row count overflows');
  }

  /**
   * Checks buffer regions against the body, decodes compression prefixes, and
   * (with `layout`) walks the fields to check nodes and buffer lengths.
   */
  private batchBuffers(batch: FbTable, message: Message, layout: { fields: FieldShape[]; length: number }, version: number): void {
    const fb = batch.fb;
    const nodes = batch.vector(1, 16);
    const buffers = batch.vector(2, 16);
    const compression = batch.table(3);
    const variadic = batch.vector(4, 8);
    let codec: CompressedBuffer['codec'] | undefined;
    if (compression) {
      const id = compression.u8(0);
      if (id > 1) fail(`unknown body compression codec ${id}`);
      if (compression.u8(1) !== 0) fail(`unknown body compression method ${compression.u8(1)}`);
      codec = id === 0 ? 'lz4' : 'zstd';
    }
    // Buffer lengths as the loader will see them (uncompressed), and the compressed size of compressed ones.
    const lengths: number[] = [];
    const compressedSizes: Array<number | undefined> = [];
    for (let i = 0; i < (buffers?.length ?? 0); i++) {
      const at = buffers!.start + 16 * i;
      const offset = fb.i64(at);
      const length = fb.i64(at + 8);
      if (!(offset >= 0 && length >= 0 && offset + length <= message.bodyLength)) {
        fail(`buffer ${i} (offset ${offset}, ${length} bytes) lies outside the ${message.bodyLength}-byte message body`);
      }
      const declared = codec && length > 0 ? this.compressedBuffer(message.bodyStart + offset, length, codec, i) : undefined;
      lengths.push(declared ?? length);
      compressedSizes.push(declared === undefined ? undefined : length);
    }
    const nodeList: Array<{ length: number; nullCount: number }> = [];
    for (let i = 0; i < (nodes?.length ?? 0); i++) {
      const length = fb.i64(nodes!.start + 16 * i);
      const nullCount = fb.i64(nodes!.start + 16 * i + 8);
      if (!(length >= 0 && nullCount >= 0 && nullCount <= length)) fail(`field node ${i} declares length ${length} with ${nullCount} nulls`);
      nodeList.push({ length, nullCount });
    }
    const variadicCounts: number[] = [];
    for (let i = 0; i < (variadic?.length ?? 0); i++) variadicCounts.push(fb.i64(variadic!.start + 8 * i));
    new LayoutCheck(nodeList, lengths, compressedSizes, variadicCounts, version).fields(layout.fields, layout.length);
  }

  /** An 8-byte uncompressed length, then the compressed data; returns the uncompressed length. */
  private compressedBuffer(at: number, length: number, codec: CompressedBuffer['codec'], index: number): number {
    if (length < 8) fail(`compressed buffer ${index} has ${length} bytes, less than its 8-byte length prefix`);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 8);
    const declared = Number(view.getBigInt64(0, true));
    if (declared === -1) return length - 8;
    if (!(declared >= 0)) fail(`compressed buffer ${index} declares ${declared} uncompressed bytes`);
    this.decompressed += declared;
    if (this.decompressed > this.maxDecompressed) {
      fail(`compressed buffers declare over ${formatBytes(this.maxDecompressed)} of uncompressed data, more than this input may use`);
    }
    this.compressed.push({ codec, compressedLength: length - 8, declaredLength: declared });
    return declared;
  }
}

function checkVersion(version: number, where: string): void {
  if (!SUPPORTED_VERSIONS.includes(version)) fail(`${where} has metadata version ${version}; Arrow 0.8 and later write 3 (V4) or 4 (V5)`);
}

/** Sorted by offset, each block must end before the next begins. */
function checkNoOverlap(blocks: Array<{ offset: number; end: number }>): void {
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].offset < sorted[i - 1].end) fail(`footer blocks at bytes ${sorted[i - 1].offset} and ${sorted[i].offset} overlap`);
  }
}

/**
 * Consumes nodes and buffers in the order apache-arrow's loader does
 * (depth-first, Arrow format version 5 buffer layouts) and checks each
 * buffer is long enough for its node.
 */
class LayoutCheck {
  private node = 0;
  private buffer = 0;
  private variadic = 0;

  constructor(
    private readonly nodes: Array<{ length: number; nullCount: number }>,
    private readonly buffers: number[],
    /** Compressed size of each compressed buffer (undefined for buffers stored as they are). */
    private readonly compressedSizes: Array<number | undefined>,
    private readonly variadicCounts: number[],
    /** MetadataVersion (V4 = 3): before V5, unions carry a validity buffer. */
    private readonly version: number,
  ) {}

  fields(fields: FieldShape[], rows: number): void {
    fields.forEach((field, i) => {
      const length = this.field(field, `column ${i}`);
      if (length !== rows) fail(`column ${i} holds ${length} values in a record batch of ${rows} rows`);
    });
    if (this.node !== this.nodes.length) fail(`record batch has ${this.nodes.length} field nodes, the schema needs ${this.node}`);
    if (this.buffer !== this.buffers.length) fail(`record batch has ${this.buffers.length} buffers, the schema needs ${this.buffer}`);
  }

  /** Checks one field and its children; returns its length. */
  private field(field: FieldShape, where: string): number {
    if (this.node >= this.nodes.length) fail(`record batch has ${this.nodes.length} field nodes, fewer than its schema needs`);
    const { length, nullCount } = this.nodes[this.node++];
    const bitmap = Math.ceil(length / 8);
    const validity = (): void => this.take(nullCount > 0 ? bitmap : 0, `${where} validity bitmap`, bitmap);
    switch (field.kind) {
      case 'null':
        break;
      case 'fixed':
        validity();
        this.take(Math.ceil((length * field.bits) / 8), `${where} values (${length} x ${field.bits} bits)`, Math.ceil((length * field.bits) / 8));
        break;
      case 'binary':
        validity();
        this.take(length > 0 ? (length + 1) * field.offsetBytes : 0, `${where} offsets`, (length + 1) * field.offsetBytes);
        this.take(0, `${where} data`);
        break;
      case 'view': {
        validity();
        this.take(length * 16, `${where} views`, length * 16);
        const count = this.variadicCounts[this.variadic++] ?? 0;
        if (!(count >= 0 && count <= this.buffers.length)) fail(`${where} declares ${count} variadic buffers`);
        for (let i = 0; i < count; i++) this.take(0, `${where} data`);
        break;
      }
      case 'list':
        validity();
        this.take(length > 0 ? (length + 1) * field.offsetBytes : 0, `${where} offsets`, (length + 1) * field.offsetBytes);
        this.field(field.children[0], `${where} values`);
        break;
      case 'fixed-list': {
        validity();
        const childLength = this.field(field.children[0], `${where} values`);
        if (childLength < length * field.listSize) {
          fail(`${where} declares ${length} lists of ${field.listSize} values but holds ${childLength} values`);
        }
        break;
      }
      case 'struct':
        validity();
        field.children.forEach((child, i) => {
          if (this.field(child, `${where} child ${i}`) < length) fail(`${where} child ${i} is shorter than its ${length}-row struct`);
        });
        break;
      case 'union':
        if (this.version < 4) validity();
        this.take(length, `${where} type ids`, length);
        if (field.dense) this.take(length * 4, `${where} offsets`, length * 4);
        field.children.forEach((child, i) => {
          const childLength = this.field(child, `${where} child ${i}`);
          if (!field.dense && childLength < length) fail(`${where} child ${i} is shorter than its ${length}-row sparse union`);
        });
        break;
    }
    return length;
  }

  /**
   * Checks the next buffer holds at least `needed` bytes. A compressed buffer
   * must also not declare more than its node can use (`most`, plus padding),
   * or, for data of unknown size (strings), more than LZ4 or ZSTD plausibly
   * expand to: it would be allocated before decompressing.
   */
  private take(needed: number, what: string, most?: number): void {
    if (this.buffer >= this.buffers.length) fail(`record batch has ${this.buffers.length} buffers, fewer than its schema needs`);
    const index = this.buffer++;
    const present = this.buffers[index];
    if (present < needed) fail(`${what} needs ${needed} bytes, the buffer holds ${present}`);
    const compressed = this.compressedSizes[index];
    if (compressed === undefined) return;
    const limit = most !== undefined ? Math.ceil(most / 64) * 64 + 64 : MAX_EXPANSION * compressed + 1024 * 1024;
    if (present > limit) fail(`${what}: a compressed buffer declares ${present} uncompressed bytes, at most ${limit} fit`);
  }
}
