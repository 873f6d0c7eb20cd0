/**
 * Pure parser for Arrow IPC bytes (the file format: .arrow / Feather v2, and
 * the stream format: .arrows) into the same NdArray the .npy parser returns.
 *
 * Two table shapes are accepted:
 * - one numeric column per neuron, one row per datapoint (ints, floats
 *   including float16, bool as 0/1);
 * - exactly one FixedSizeList<numeric>[D] column: N rows of D neurons. With
 *   the schema metadata `pwcca:shape` (a JSON array [N, ...]) and
 *   `pwcca:layout` (e.g. "nhwc") the list holds a flattened N-D tensor.
 *
 * Conversion reads each record batch's typed buffers directly (no per-value
 * Vector.get), so 100k x 512 float32 in a list column takes a fraction of a
 * second.
 */
import { DataType, tableFromIPC, type Data, type Field, type Table } from 'apache-arrow';
import { InputError, InternalError } from '../errors.js';
import { CodecError, decodeCompressedWith } from './arrow-codecs.js';
import { validateArrowIpc } from './arrow-validate.js';
import { float16Table } from './float16.js';
import { allocateArray, countElements, formatShape, MAX_ELEMENTS, type Allocate, type NdArray } from './ndarray.js';

export interface ArrowParseOptions {
  /** Skip columns that are not numeric (labels, ids as strings...) instead of failing. */
  readonly skipNonNumeric?: boolean;
  /**
   * Most bytes the compressed buffers of the input may decompress to, in
   * total (default 4 GiB); checked from their declared lengths before any is
   * decompressed.
   */
  readonly maxDecompressedBytes?: number;
}

/** An Arrow table as an array, with the schema metadata (e.g. `pwcca:layout`) for the file layer. */
export type ArrowArray = NdArray & { readonly metadata: Map<string, string> };

/** Schema metadata key: axis letters of the tensor in a list column, e.g. "nhwc". */
export const LAYOUT_METADATA_KEY = 'pwcca:layout';
/** Schema metadata key: JSON array with the full tensor shape, e.g. "[40, 6, 6, 12]". */
export const SHAPE_METADATA_KEY = 'pwcca:shape';

const UNCOMPRESSED_HINT =
  'write it again, or uncompressed: pyarrow.feather.write_feather(table, path, compression="uncompressed") (or np.save the array instead)';

/**
 * An Arrow table checked and ready to convert: its shape, dtype and schema
 * metadata are known, and `read` writes the values as float64.
 */
export interface ArrowInput {
  /** Table shape, or the `pwcca:shape` tensor shape when the file declares one. */
  readonly shape: number[];
  readonly dtype: string;
  readonly metadata: Map<string, string>;
  /**
   * Converts the columns (or the list column) straight into `allocate(n)`,
   * n = rows x values per row, with no intermediate float64 array. Every
   * check has already passed: this only allocates and converts.
   */
  read(allocate?: Allocate): NdArray;
}

/**
 * Decodes and checks Arrow IPC bytes (file or stream format, uncompressed or
 * with LZ4_FRAME or ZSTD record batches) without converting any value: the
 * structure first (see ./arrow-validate.ts, so damaged or hostile bytes fail
 * fast in time and memory bounded by their size), then the columns, the
 * size, nulls, and `pwcca:shape`.
 *
 * @throws InputError naming `source` for invalid or unreadable IPC data, an
 *   empty table, nulls (first null row named), non-numeric columns (unless
 *   `skipNonNumeric`), or `pwcca:shape` metadata that does not fit the table.
 */
export function openArrow(bytes: Uint8Array, source: string, options: ArrowParseOptions = {}): ArrowInput {
  const table = readTable(bytes, source, options);
  const metadata = new Map(table.schema.metadata);
  const columns = classifyColumns(table.schema.fields, source, options);
  const rows = table.numRows;
  if (rows === 0) {
    throw new InputError(`empty Arrow table (${source}): 0 rows`, { where: source, hint: 'the table holds no datapoints; check the code that wrote it' });
  }
  const list = columns.list;
  const tableShape = [rows, list ? list.size : columns.scalars.length];
  checkSize(tableShape, source);
  if (list) checkListColumn(table, list, source);
  else checkScalarColumns(table, columns.scalars, source);
  const shape = shapeFromMetadata(metadata, tableShape, source);
  const dtype = list ? list.dtype : commonDtype(columns.scalars);
  return {
    shape,
    dtype,
    metadata,
    read: (allocate) => {
      const data = allocateArray(allocate, rows * tableShape[1]);
      if (list) readListColumn(table, list, data);
      else readScalarColumns(table, columns.scalars, data);
      return { shape, dtype, data, fortranOrder: false };
    },
  };
}

/**
 * Parses Arrow IPC bytes into a C-ordered float64 array: {@link openArrow}
 * then its `read`, in one call.
 *
 * @throws InputError as {@link openArrow}.
 */
export function parseArrow(bytes: Uint8Array, source: string, options: ArrowParseOptions = {}, allocate?: Allocate): ArrowArray {
  const input = openArrow(bytes, source, options);
  return { ...input.read(allocate), metadata: input.metadata };
}

// ------------------------------------------------------------------ reading

function readTable(bytes: Uint8Array, source: string, options: ArrowParseOptions): Table {
  const summary = validateArrowIpc(bytes, source, { maxDecompressedBytes: options.maxDecompressedBytes });
  try {
    return decodeCompressedWith(summary.compressed, () => tableFromIPC(bytes));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof CodecError) {
      throw new InputError(`corrupt compressed Arrow data (${source}): ${message}`, {
        where: source,
        hint: `the file is damaged; ${UNCOMPRESSED_HINT}`,
        cause: error,
      });
    }
    throw new InputError(`unreadable Arrow IPC data (${source}): ${firstLine(message)}`, {
      where: source,
      hint: 'the file is damaged or not Arrow IPC; write it with pyarrow.feather.write_feather(table, path, compression="uncompressed")',
      cause: error,
    });
  }
}

// ---------------------------------------------------------------- columns

interface ColumnRef {
  readonly index: number;
  readonly name: string;
  readonly dtype: string;
}

interface Columns {
  readonly scalars: ColumnRef[];
  readonly list?: ColumnRef & { readonly size: number };
}

/** Sorts the schema's columns into numeric scalars, one numeric list, and the rest (an error unless skipped). */
function classifyColumns(fields: Field[], source: string, options: ArrowParseOptions): Columns {
  const scalars: ColumnRef[] = [];
  const lists: Array<ColumnRef & { size: number }> = [];
  const others: string[] = [];
  fields.forEach((field, index) => {
    const dtype = numericDtype(field.type);
    if (dtype) {
      scalars.push({ index, name: field.name, dtype });
      return;
    }
    const childDtype = DataType.isFixedSizeList(field.type) ? numericDtype(field.type.children[0].type) : undefined;
    if (childDtype && DataType.isFixedSizeList(field.type)) lists.push({ index, name: field.name, dtype: childDtype, size: field.type.listSize });
    else others.push(`${field.name} (${field.type})`);
  });
  if (others.length > 0 && !options.skipNonNumeric) {
    throw new InputError(`non-numeric column${others.length > 1 ? 's' : ''} in ${source}: ${others.join(', ')}`, {
      where: source,
      hint: 'drop them before writing the file, or pass --skip-non-numeric to ignore them',
    });
  }
  if (lists.length > 1 || (lists.length === 1 && scalars.length > 0)) {
    throw new InputError(
      `ambiguous Arrow table (${source}): ${lists.length} fixed-size list column(s) (${lists.map((c) => c.name).join(', ')}) and ${scalars.length} numeric column(s)`,
      { where: source, hint: 'write either one numeric column per neuron, or exactly one FixedSizeList column of neurons per row' },
    );
  }
  if (lists.length === 0 && scalars.length === 0) {
    throw new InputError(`no numeric columns in ${source}${others.length > 0 ? ` (skipped: ${others.join(', ')})` : ''}`, {
      where: source,
      hint: 'write one numeric column per neuron, or one FixedSizeList column of neurons per row',
    });
  }
  return { scalars, list: lists[0] };
}

/** Normalised dtype of a numeric Arrow type, or undefined for anything else. */
function numericDtype(type: DataType): string | undefined {
  if (DataType.isFloat(type)) return ['float16', 'float32', 'float64'][type.precision];
  if (DataType.isInt(type)) return `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`;
  if (DataType.isBool(type)) return 'bool';
  return undefined;
}

/** Nulls and buffer sizes of every numeric column, before anything is allocated. */
function checkScalarColumns(table: Table, columns: ColumnRef[], source: string): void {
  let firstRow = 0;
  for (const batch of table.batches) {
    for (const column of columns) {
      const chunk = batch.data.children[column.index];
      checkNoNulls(chunk, column.name, firstRow, 1, source);
      checkValuesPresent(chunk, chunk.length);
    }
    firstRow += batch.numRows;
  }
}

/** Nulls (lists and values) and buffer sizes of the list column, before anything is allocated. */
function checkListColumn(table: Table, column: ColumnRef & { size: number }, source: string): void {
  let firstRow = 0;
  for (const batch of table.batches) {
    const lists = batch.data.children[column.index];
    checkNoNulls(lists, column.name, firstRow, 1, source);
    const values = lists.children[0];
    checkNoNulls(values, column.name, firstRow, column.size, source);
    checkValuesPresent(values, lists.length * column.size);
    firstRow += batch.numRows;
  }
}

/**
 * Rows per block when scattering columns into rows. A whole column at once
 * writes one value per output row (a new page every value at 512 columns);
 * a block of rows keeps the rows being written in cache, like a tiled transpose.
 */
const ROW_BLOCK = 64;

/** Numeric columns = neurons: each batch's columns are written down strided columns of the row-major `out`, a block of rows at a time. */
function readScalarColumns(table: Table, columns: ColumnRef[], out: Float64Array): void {
  const cols = columns.length;
  let firstRow = 0;
  for (const batch of table.batches) {
    const chunks = columns.map((column) => batch.data.children[column.index]);
    for (let start = 0; start < batch.numRows; start += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, batch.numRows - start);
      chunks.forEach((chunk, j) => copyNumeric(chunk, out, (firstRow + start) * cols + j, cols, rows, start));
    }
    firstRow += batch.numRows;
  }
}

/** One FixedSizeList column: each batch's child buffer is already row-major N x D, converted into place in `out`. */
function readListColumn(table: Table, column: ColumnRef & { size: number }, out: Float64Array): void {
  const cols = column.size;
  let firstRow = 0;
  for (const batch of table.batches) {
    const lists = batch.data.children[column.index];
    copyNumeric(lists.children[0], out, firstRow * cols, 1, lists.length * cols);
    firstRow += batch.numRows;
  }
}

function commonDtype(columns: ColumnRef[]): string {
  const distinct = [...new Set(columns.map((column) => column.dtype))];
  return distinct.length === 1 ? distinct[0] : `mixed(${distinct.join(',')})`;
}

function checkSize(shape: number[], source: string): void {
  if (shape[1] === 0) {
    throw new InputError(`empty Arrow table (${source}): shape ${formatShape(shape)}`, { where: source, hint: 'the table holds no neurons' });
  }
  if (countElements(shape) > MAX_ELEMENTS) {
    throw new InputError(`Arrow table too large (${source}): ${formatShape(shape)} is over ${MAX_ELEMENTS} values`, {
      where: source,
      hint: 'subsample datapoints or neurons before writing the file',
    });
  }
}

/**
 * Nulls have no activation value: name the column and the first null row.
 * `valuesPerRow` maps a position in a list's child array back to its row.
 */
function checkNoNulls(chunk: Data, column: string, firstRow: number, valuesPerRow: number, source: string): void {
  if (chunk.nullCount <= 0) return;
  for (let i = 0; i < chunk.length; i++) {
    if (!chunk.getValid(i)) {
      const row = firstRow + Math.floor(i / valuesPerRow);
      throw new InputError(`null value in column '${column}' at row ${row} (${source}): ${chunk.nullCount} null(s) in this record batch`, {
        where: source,
        hint: 'fill or drop rows with missing activations before writing (e.g. table.drop_null() in pyarrow)',
      });
    }
  }
}

// ------------------------------------------------------------- conversion

/**
 * Writes values `first .. first + count - 1` of a numeric Data as float64
 * into `out[offset + i * stride]`. Every conversion is exact, except 64-bit
 * integers beyond 2^53, which round.
 */
function copyNumeric(chunk: Data, out: Float64Array, offset: number, stride: number, count = chunk.length, first = 0): void {
  const type = chunk.type;
  if (DataType.isBool(type)) {
    // Bit-packed, and not sliced by apache-arrow: bit (chunk.offset + first + i).
    const bits = chunk.values as Uint8Array;
    for (let i = 0, bit = chunk.offset + first; i < count; i++, bit++) out[offset + i * stride] = (bits[bit >> 3] >> (bit & 7)) & 1;
    return;
  }
  const values = chunk.values as ArrayLike<number | bigint> & ArrayBufferView;
  if (DataType.isFloat(type) && type.precision === 0) {
    const halves = values as Uint16Array;
    const table = float16Table();
    for (let i = 0; i < count; i++) out[offset + i * stride] = table[halves[first + i]];
  } else if (DataType.isInt(type) && type.bitWidth === 64) {
    // hi * 2^32 + lo: exact product, one rounding, no BigInt per value. Arrow buffers are little-endian.
    const words = new Uint32Array(values.buffer, values.byteOffset + first * 8, count * 2);
    const signed = type.isSigned;
    for (let i = 0; i < count; i++) {
      const hi = words[2 * i + 1];
      out[offset + i * stride] = (signed ? hi | 0 : hi) * 4294967296 + words[2 * i];
    }
  } else if (stride === 1) {
    out.set((values as Float32Array).subarray(first, first + count), offset);
  } else {
    const numbers = values as Float32Array;
    for (let i = 0; i < count; i++) out[offset + i * stride] = numbers[first + i];
  }
}

/**
 * The validator checked every buffer against its node; this guards the
 * conversion (checked for every batch before it starts), so a short buffer can never read as zeros or as the
 * next column's bytes.
 */
function checkValuesPresent(chunk: Data, count: number): void {
  const values = chunk.values as ArrayBufferView | undefined;
  const bits = DataType.isBool(chunk.type) ? 1 : DataType.isInt(chunk.type) ? chunk.type.bitWidth : DataType.isFloat(chunk.type) ? [16, 32, 64][chunk.type.precision] : 0;
  const needed = Math.ceil(((DataType.isBool(chunk.type) ? chunk.offset : 0) + count) * bits / 8);
  if (!values || values.byteLength < needed) {
    throw new InternalError(`Arrow column buffer holds ${values?.byteLength ?? 0} bytes, ${needed} needed for ${count} values`);
  }
}

// --------------------------------------------------------------- metadata

/**
 * The full tensor shape from `pwcca:shape`, checked against the table: its
 * first entry must be the row count and the rest must multiply to the row width.
 */
function shapeFromMetadata(metadata: Map<string, string>, tableShape: number[], source: string): number[] {
  const text = metadata.get(SHAPE_METADATA_KEY);
  if (text === undefined) return tableShape;
  const shape = parseShapeJson(text);
  if (!shape || shape[0] !== tableShape[0] || countElements(shape.slice(1)) !== tableShape[1]) {
    throw new InputError(
      `metadata ${SHAPE_METADATA_KEY}=${text} does not fit the Arrow table (${source}): table is ${tableShape[0]} rows of ${tableShape[1]} values`,
      { where: source, hint: `write ${SHAPE_METADATA_KEY} as a JSON array [N, ...] whose entries after N multiply to the list size` },
    );
  }
  return shape;
}

/** A JSON array of at least two positive integers, or undefined. */
function parseShapeJson(text: string): number[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const valid = Array.isArray(value) && value.length >= 2 && value.every((size) => Number.isSafeInteger(size) && size > 0);
  return valid ? (value as number[]) : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 200);
}
