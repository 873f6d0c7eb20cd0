/**
 * A bounds-checked reader for the FlatBuffers that hold Arrow IPC metadata
 * (Footer, Message, Schema, RecordBatch...).
 *
 * apache-arrow's generated FlatBuffers code trusts every offset and vector
 * length it reads: a corrupted length makes it loop over millions of entries
 * past the end of the buffer. Every read here is checked against the buffer
 * first, and the number of tables and vector entries visited is capped by the
 * buffer's size (a table can be reached twice through shared offsets, but a
 * writer never does that; every table takes at least 8 bytes and is visited a
 * few times, so a budget of one visit per 2 bytes is generous).
 * Any violation throws `FbError`, which the Arrow validator turns into an
 * InputError naming the file.
 */

/** A FlatBuffer that does not fit its bytes; `message` says which read failed. */
export class FbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FbError';
  }
}

/** Nesting limit for tables inside tables (Arrow schemas nest a few levels). */
const MAX_DEPTH = 64;

/** The buffer a FlatBuffer lives in, with its visit budget. */
export class FbBuffer {
  private readonly view: DataView;
  private budget: number;

  constructor(
    readonly bytes: Uint8Array,
    /** What the buffer is, for messages ("footer", "message metadata"). */
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 64 + Math.ceil(bytes.length / 2);
  }

  /** The root table (a uoffset at byte 0). */
  root(): FbTable {
    return this.tableAt(this.offsetTarget(0), 0);
  }

  /** Counts one visited table or vector entry; throws once the buffer's budget is spent. */
  spend(count = 1): void {
    this.budget -= count;
    if (this.budget < 0) throw new FbError(`${this.what}: more tables than its ${this.bytes.length} bytes can hold (shared or looping offsets)`);
  }

  check(position: number, size: number, what: string): void {
    if (!(position >= 0 && size >= 0 && position + size <= this.bytes.length)) {
      throw new FbError(`${this.what}: ${what} at byte ${position} (+${size}) is outside its ${this.bytes.length} bytes`);
    }
  }

  u8(position: number): number {
    this.check(position, 1, 'byte');
    return this.view.getUint8(position);
  }

  i16(position: number): number {
    this.check(position, 2, 'int16');
    return this.view.getInt16(position, true);
  }

  u16(position: number): number {
    this.check(position, 2, 'uint16');
    return this.view.getUint16(position, true);
  }

  i32(position: number): number {
    this.check(position, 4, 'int32');
    return this.view.getInt32(position, true);
  }

  u32(position: number): number {
    this.check(position, 4, 'uint32');
    return this.view.getUint32(position, true);
  }

  /** An int64 as a number; values beyond 2^53 become +-Infinity so every range check rejects them. */
  i64(position: number): number {
    this.check(position, 8, 'int64');
    const value = this.view.getBigInt64(position, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : value < -BigInt(Number.MAX_SAFE_INTEGER) ? -Infinity : Number(value);
  }

  /**
   * Where the uoffset stored at `position` points. FlatBuffers' JS runtime
   * (used by apache-arrow) reads offsets as signed: values of 2^31 and more
   * would mean something else to it, so they are refused.
   */
  offsetTarget(position: number): number {
    const offset = this.u32(position);
    if (offset >= 2 ** 31) throw new FbError(`${this.what}: offset ${offset} at byte ${position} is out of range`);
    const target = position + offset;
    this.check(target, 4, 'offset target');
    return target;
  }

  tableAt(position: number, depth: number): FbTable {
    if (depth > MAX_DEPTH) throw new FbError(`${this.what}: tables nested more than ${MAX_DEPTH} deep`);
    this.spend();
    return new FbTable(this, position, depth);
  }
}

/** One table: fields by index (the order of the .fbs schema, 0-based). */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;
  private readonly tableSize: number;

  constructor(
    readonly fb: FbBuffer,
    readonly position: number,
    private readonly depth: number,
  ) {
    this.vtable = position - fb.i32(position);
    this.vtableSize = fb.u16(this.vtable);
    this.tableSize = fb.u16(this.vtable + 2);
    // Sizes and field offsets of 0x8000 and more read as negative in FlatBuffers' JS runtime: refused.
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0 || this.vtableSize >= 0x8000 || this.tableSize >= 0x8000) {
      throw new FbError(`${fb.what}: bad vtable (size ${this.vtableSize}, table size ${this.tableSize})`);
    }
    fb.check(this.vtable, this.vtableSize, 'vtable');
    fb.check(position, Math.max(this.tableSize, 4), 'table');
  }

  /** Offset of field `index` inside the table, or 0 when absent. */
  private field(index: number, size: number): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > this.vtableSize) return 0;
    const offset = this.fb.u16(this.vtable + slot);
    if (offset !== 0 && (offset < 4 || offset + size > this.tableSize)) throw new FbError(`${this.fb.what}: field ${index} lies outside its table`);
    return offset;
  }

  has(index: number): boolean {
    return this.field(index, 0) !== 0;
  }

  u8(index: number, fallback = 0): number {
    const offset = this.field(index, 1);
    return offset === 0 ? fallback : this.fb.u8(this.position + offset);
  }

  i16(index: number, fallback = 0): number {
    const offset = this.field(index, 2);
    return offset === 0 ? fallback : this.fb.i16(this.position + offset);
  }

  i32(index: number, fallback = 0): number {
    const offset = this.field(index, 4);
    return offset === 0 ? fallback : this.fb.i32(this.position + offset);
  }

  i64(index: number, fallback = 0): number {
    const offset = this.field(index, 8);
    return offset === 0 ? fallback : this.fb.i64(this.position + offset);
  }

  bool(index: number): boolean {
    return this.u8(index) !== 0;
  }

  /** A sub-table, or undefined when absent. */
  table(index: number): FbTable | undefined {
    const offset = this.field(index, 4);
    return offset === 0 ? undefined : this.fb.tableAt(this.fb.offsetTarget(this.position + offset), this.depth + 1);
  }

  /** A vector of `elementSize`-byte elements: its first element's position and its length, checked to fit. */
  vector(index: number, elementSize: number): { start: number; length: number } | undefined {
    const offset = this.field(index, 4);
    if (offset === 0) return undefined;
    const at = this.fb.offsetTarget(this.position + offset);
    const length = this.fb.u32(at);
    this.fb.check(at + 4, length * elementSize, `vector of ${length} x ${elementSize} bytes`);
    return { start: at + 4, length };
  }

  /** A vector of tables (each entry spends budget). */
  tables(index: number): FbTable[] {
    const vector = this.vector(index, 4);
    if (!vector) return [];
    this.fb.spend(vector.length);
    const tables: FbTable[] = [];
    for (let i = 0; i < vector.length; i++) {
      const entry = vector.start + 4 * i;
      tables.push(this.fb.tableAt(this.fb.offsetTarget(entry), this.depth + 1));
    }
    return tables;
  }

  /** A UTF-8 string, or undefined when absent. */
  string(index: number): string | undefined {
    const vector = this.vector(index, 1);
    if (!vector) return undefined;
    return new TextDecoder().decode(this.fb.bytes.subarray(vector.start, vector.start + vector.length));
  }
}
