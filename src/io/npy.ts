/**
 * Pure parser for NumPy's .npy format (versions 1.0, 2.0 and 3.0).
 *
 * Layout of a file: the magic "\x93NUMPY", two version bytes, the header length
 * (uint16 little-endian for 1.0, uint32 for 2.0 and 3.0), the header (a Python
 * dict literal, latin1 for 1.x/2.x and utf8 for 3.0), then the raw data.
 *
 * No fs here: `load.ts` reads the bytes. The header can be checked on the first
 * bytes of a file (`parseNpyHeader` + `checkNpyHeader`) before the data is read
 * or any memory is allocated, and the data can be decoded chunk by chunk
 * (`decodeNpyData`), so files bigger than one buffer can be read.
 */
import { printable } from './printable.js';
import { InputError } from '../errors.js';
import { allocateArray, countElements, formatBytes, formatShape, MAX_ELEMENTS, type Allocate, type NdArray } from './ndarray.js';
import { parsePyLiteral, PyLiteralError, type PyValue } from './py-literal.js';
import { decodeRaw, RAW_ITEM_SIZE, type RawDtype } from './raw.js';

/** "\x93NUMPY", the first six bytes of every .npy file. */
export const NPY_MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/**
 * Longest header read (64 KiB): reading this many bytes after the prefix is
 * always enough to parse the header of a file we accept. numpy writes about
 * 128 bytes.
 */
export const MAX_NPY_HEADER_BYTES = 65536;

/**
 * Longest header text accepted, in characters: np.load's default
 * `max_header_size` (numpy 1.24+), beyond which numpy refuses the file.
 */
export const MAX_NPY_HEADER_CHARS = 10000;

/** What the header of a .npy file declares. */
export interface NpyHeader {
  readonly version: 1 | 2 | 3;
  /** The dtype string as written, e.g. '<f4'. */
  readonly descr: string;
  /** Normalised dtype: 'float16'|'float32'|'float64'|'int8'..'int64'|'uint8'..'uint64'|'bool'. */
  readonly dtype: string;
  /** Byte order of the data; single-byte dtypes report true. */
  readonly littleEndian: boolean;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  /** Offset of the first data byte from the start of the file. */
  readonly dataOffset: number;
  /** Bytes of data the shape implies (elements x item size); may be huge for a hostile header. */
  readonly byteLength: number;
  /** Bytes per element. */
  readonly itemSize: number;
}

/** How to read dtypes a .npy header cannot name. */
export interface NpyReadOptions {
  /**
   * Read 2-byte raw items (`|V2`, how numpy stores ml_dtypes' bfloat16) as
   * bfloat16. The header cannot say so itself, hence an explicit option.
   */
  readonly dtype?: 'bfloat16';
}

const REWRITE_HINT = 're-save the array with np.save(path, x) from numpy';

/**
 * Parses the magic, version and header of a .npy file.
 *
 * `bytes` needs only to hold the header (the first `MAX_NPY_HEADER_BYTES` +
 * 12 bytes of the file are always enough). Unsupported dtypes (objects/pickles,
 * structured records, complex, strings, datetimes) are rejected here; the shape
 * is returned as declared, see `checkNpyHeader` for the checks against the file.
 *
 * @throws InputError naming `source` on bad magic, unsupported version, a
 *   malformed header literal or an unsupported dtype.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string, options: NpyReadOptions = {}): NpyHeader {
  if (!hasNpyMagic(bytes)) {
    throw new InputError(`not a .npy file (${source}): first bytes are ${describeBytes(bytes.subarray(0, 8))}`, {
      where: source,
      hint: REWRITE_HINT,
    });
  }
  if (bytes.length < 10) throw truncatedHeader(source, bytes.length, 10);
  const major = bytes[6];
  const minor = bytes[7];
  if (!(major === 1 || major === 2 || major === 3) || minor !== 0) {
    throw new InputError(`unsupported .npy format version ${major}.${minor} (${source})`, {
      where: source,
      hint: `pwcca reads versions 1.0, 2.0 and 3.0; ${REWRITE_HINT}`,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefixLength = major === 1 ? 10 : 12;
  if (bytes.length < prefixLength) throw truncatedHeader(source, bytes.length, prefixLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    throw malformedHeader(source, `header length ${headerLength} bytes is over the ${MAX_NPY_HEADER_BYTES}-byte limit`);
  }
  const dataOffset = prefixLength + headerLength;
  if (bytes.length < dataOffset) throw truncatedHeader(source, bytes.length, dataOffset);
  const headerBytes = bytes.subarray(prefixLength, dataOffset);
  // 1.0 and 2.0 headers are latin1; 3.0 is utf8, decoded as numpy does: a BOM stays (and fails to parse), bad utf8 fails.
  const text = major === 3 ? decodeUtf8(headerBytes, source) : latin1(headerBytes);
  if (text.length > MAX_NPY_HEADER_CHARS) {
    throw malformedHeader(source, `header of ${text.length} characters is over numpy's ${MAX_NPY_HEADER_CHARS}-character limit (np.load's max_header_size)`);
  }
  const fields = readHeaderFields(text, source, major);
  const dtype = parseDescr(fields.descr, source, options);
  const shape = fields.shape;
  return {
    version: major,
    descr: fields.descr,
    dtype: dtype.name,
    littleEndian: dtype.littleEndian,
    fortranOrder: fields.fortranOrder,
    shape,
    dataOffset,
    byteLength: countElements(shape) * dtype.itemSize,
    itemSize: dtype.itemSize,
  };
}

/**
 * Checks that a parsed header describes a usable activation array and matches
 * the file: at least 2-D, no zero dimension, exactly `fileByteLength -
 * dataOffset` bytes of data, at most `MAX_ELEMENTS` elements. Runs on numbers
 * only, so it is safe to call before anything is allocated.
 *
 * @param fileByteLength total size of the file (header included).
 * @throws InputError naming `source`.
 */
export function checkNpyHeader(header: NpyHeader, fileByteLength: number, source: string): void {
  const { shape, dtype } = header;
  if (shape.length < 2) {
    throw new InputError(`${shape.length}-D array in ${source}: shape [${shape.join(', ')}], expected (datapoints, neurons)`, {
      where: source,
      hint: 'save a 2-D (datapoints, neurons) array, e.g. np.save(path, x.reshape(-1, 1)) for a single neuron',
    });
  }
  if (shape.some((size) => size === 0)) {
    throw new InputError(`empty array in ${source}: shape [${shape.join(', ')}] has a zero dimension`, {
      where: source,
      hint: 'the array holds no activations; check the code that saved it',
    });
  }
  const present = fileByteLength - header.dataOffset;
  if (present !== header.byteLength) {
    const what = present < header.byteLength ? 'truncated .npy data' : '.npy file longer than its header says';
    throw new InputError(
      `${what} (${source}): header says ${formatShape(shape)} ${dtype} = ${header.byteLength} bytes, file has ${Math.max(present, 0)}`,
      { where: source, hint: `the file is damaged or was cut short while copying; ${REWRITE_HINT}` },
    );
  }
  const elements = countElements(shape);
  if (elements > MAX_ELEMENTS) {
    throw new InputError(
      `array too large (${source}): shape [${shape.join(', ')}] has ${elements} elements (${formatBytes(elements * 8)} as float64), the limit is ${MAX_ELEMENTS}`,
      { where: source, hint: 'subsample datapoints or neurons before saving (e.g. x[::10])' },
    );
  }
}

/**
 * Decodes stored elements `firstElement .. firstElement + chunk.length /
 * itemSize - 1` (in the file's own order) into `out`, which is in C order and
 * has one slot per element of the whole array. Fortran-ordered data is
 * scattered to its C position, so the caller never needs a second copy.
 *
 * @param chunk whole elements of the data section (its length a multiple of the item size).
 * @param scratch Fortran order only: a buffer of at least the chunk's element count to convert into (reused across chunks); default a fresh one.
 */
export function decodeNpyData(header: NpyHeader, chunk: Uint8Array, firstElement: number, out: Float64Array, scratch?: Float64Array): void {
  const count = chunk.length / header.itemSize;
  if (!Number.isInteger(count)) throw new RangeError(`chunk of ${chunk.length} bytes is not whole ${header.itemSize}-byte elements`);
  const dtype = rawDtypeOf(header.dtype);
  if (!header.fortranOrder) {
    decodeRaw(dtype, chunk, out, firstElement, header.littleEndian);
    return;
  }
  // Fortran order: convert the chunk in stored order, then scatter each value to its C position.
  const converted = scratch && scratch.length >= count ? scratch : new Float64Array(count);
  decodeRaw(dtype, chunk, converted, 0, header.littleEndian);
  const walker = new FortranWalker(header.shape, firstElement);
  for (let i = 0; i < count; i++) {
    out[walker.cIndex] = converted[i];
    walker.next();
  }
}

/**
 * Parses a whole .npy file held in memory into a C-ordered float64 array,
 * decoded straight into `allocate(elements)` (default a fresh array) once the
 * header has been checked against the bytes.
 *
 * @throws InputError naming `source` (see `parseNpyHeader`, `checkNpyHeader`).
 */
export function parseNpy(bytes: Uint8Array, source: string, options: NpyReadOptions = {}, allocate?: Allocate): NdArray {
  const header = parseNpyHeader(bytes, source, options);
  checkNpyHeader(header, bytes.length, source);
  const data = allocateArray(allocate, countElements(header.shape));
  decodeNpyData(header, bytes.subarray(header.dataOffset), 0, data);
  return { shape: header.shape, dtype: header.dtype, data, fortranOrder: header.fortranOrder };
}

/** True when `bytes` starts with the .npy magic. */
export function hasNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((byte, i) => bytes[i] === byte);
}

// ---------------------------------------------------------------- header dict

interface HeaderFields {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

const HEADER_KEYS = ['descr', 'fortran_order', 'shape'];

/** Reads the three keys numpy writes; like numpy, any other key set is an error. */
function readHeaderFields(text: string, source: string, version: number): HeaderFields {
  let literal: PyValue;
  try {
    // numpy strips Python 2's long suffix ('3L') from 1.0 and 2.0 headers only.
    literal = parsePyLiteral(text, { python2Longs: version <= 2 });
  } catch (error) {
    if (error instanceof PyLiteralError) throw malformedHeader(source, `${error.message} in ${quoteExcerpt(text, error.offset)}`);
    throw error;
  }
  if (literal.kind !== 'dict') throw malformedHeader(source, `expected a dict, got ${quoteExcerpt(text, 0)}`);
  const values = new Map<string, PyValue>();
  for (const [key, value] of literal.entries) {
    if (key.kind !== 'str' || !HEADER_KEYS.includes(key.value) || values.has(key.value)) {
      throw malformedHeader(source, `unexpected key ${describeValue(key)} (expected exactly 'descr', 'fortran_order', 'shape')`);
    }
    values.set(key.value, value);
  }
  const missing = HEADER_KEYS.filter((key) => !values.has(key));
  if (missing.length > 0) throw malformedHeader(source, `missing key${missing.length > 1 ? 's' : ''} ${missing.map((key) => `'${key}'`).join(', ')}`);

  const descr = values.get('descr')!;
  if (descr.kind === 'list') {
    throw new InputError(`structured (record) dtype in ${source}: descr is ${describeValue(descr)}`, {
      where: source,
      hint: 'save one plain numeric 2-D array, e.g. numpy.lib.recfunctions.structured_to_unstructured(x) before np.save',
    });
  }
  if (descr.kind !== 'str') throw malformedHeader(source, `'descr' is ${describeValue(descr)}, expected a string`);
  const fortran = values.get('fortran_order')!;
  if (fortran.kind !== 'bool') throw malformedHeader(source, `'fortran_order' is ${describeValue(fortran)}, expected True or False`);
  return { descr: descr.value, fortranOrder: fortran.value, shape: readShape(values.get('shape')!, source) };
}

function readShape(value: PyValue, source: string): number[] {
  if (value.kind !== 'tuple') throw malformedHeader(source, `'shape' is ${describeValue(value)}, expected a tuple`);
  return value.items.map((item) => {
    if (item.kind !== 'int' || item.value < 0 || !Number.isSafeInteger(item.value)) {
      throw malformedHeader(source, `'shape' has ${describeValue(item)}, expected non-negative integers`);
    }
    return item.value;
  });
}

// ---------------------------------------------------------------------- dtype

interface DtypeInfo {
  name: string;
  itemSize: number;
  littleEndian: boolean;
}

/** Numeric dtypes by (kind letter, item size). */
const NUMERIC_DTYPES: Record<string, string> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  b1: 'bool',
};

/** Why a dtype kind is refused, and what to do instead. */
const REFUSED_KINDS: Record<string, { what: string; hint: string }> = {
  O: {
    what: 'Python objects (dtype O, stored as a pickle)',
    hint: 'pickled data is never loaded; convert to a numeric array first, e.g. np.save(path, np.asarray(x, dtype=np.float32))',
  },
  V: { what: 'a raw/record dtype', hint: 'save one plain numeric 2-D array, e.g. x.astype(np.float32)' },
  c: { what: 'complex numbers', hint: 'save the real part or the magnitude, e.g. np.save(path, np.abs(x))' },
  U: { what: 'strings', hint: 'save numeric activations, e.g. x.astype(np.float32)' },
  S: { what: 'byte strings', hint: 'save numeric activations, e.g. x.astype(np.float32)' },
  a: { what: 'byte strings', hint: 'save numeric activations, e.g. x.astype(np.float32)' },
  M: { what: 'datetimes', hint: 'save numeric activations, e.g. x.astype(np.float32)' },
  m: { what: 'time deltas', hint: 'save numeric activations, e.g. x.astype(np.float32)' },
};

/** A little-endian host stores 1 as 01 00. */
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function parseDescr(descr: string, source: string, options: NpyReadOptions): DtypeInfo {
  const match = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/s.exec(descr);
  // bfloat16 (ml_dtypes) is saved as raw 2-byte items; only an explicit option says what they are.
  if (match && match[2] === 'V' && match[3] === '2' && match[4] === '') {
    if (options.dtype === 'bfloat16') return { name: 'bfloat16', itemSize: 2, littleEndian: match[1] === '>' ? false : match[1] === '<' || HOST_LITTLE_ENDIAN };
    throw new InputError(`unsupported dtype '${printable(descr)}' in ${source}: raw 2-byte items`, {
      where: source,
      hint: 'if the array is bfloat16 (ml_dtypes), read it with --dtype bfloat16; otherwise save x.astype(np.float32)',
    });
  }
  const refused = match ? REFUSED_KINDS[match[2]] : undefined;
  if (refused) {
    throw new InputError(`unsupported dtype '${printable(descr)}' in ${source}: the array holds ${refused.what}`, { where: source, hint: refused.hint });
  }
  const name = match && match[4] === '' ? NUMERIC_DTYPES[match[2] + match[3]] : undefined;
  if (!match || name === undefined) {
    throw new InputError(`unsupported dtype '${printable(descr)}' in ${source}`, {
      where: source,
      hint: 'pwcca reads float16/32/64, int8-64, uint8-64 and bool; convert first, e.g. x.astype(np.float64)',
    });
  }
  const itemSize = Number(match[3]);
  const order = match[1];
  return { name, itemSize, littleEndian: itemSize === 1 || order === '<' || ((order === '=' || order === '' || order === '|') && HOST_LITTLE_ENDIAN) };
}

// ----------------------------------------------------------------------- data

/** The element type of the raw decoder (./raw.ts) for a normalised .npy dtype. */
function rawDtypeOf(dtype: string): RawDtype {
  if (!Object.hasOwn(RAW_ITEM_SIZE, dtype)) throw new RangeError(`no reader for dtype ${dtype}`);
  return dtype as RawDtype;
}

/**
 * Walks the elements of an array in Fortran order (first axis fastest) and
 * keeps the C-order index of the current element, so Fortran data can be
 * written straight to its C position.
 */
class FortranWalker {
  cIndex = 0;
  private readonly index: number[];
  private readonly cStrides: number[];

  constructor(
    private readonly shape: readonly number[],
    fortranIndex: number,
  ) {
    this.cStrides = shape.map((_, axis) => countElements(shape.slice(axis + 1)));
    this.index = shape.map(() => 0);
    let rest = fortranIndex;
    for (let axis = 0; axis < shape.length; axis++) {
      this.index[axis] = rest % shape[axis];
      rest = Math.floor(rest / shape[axis]);
      this.cIndex += this.index[axis] * this.cStrides[axis];
    }
  }

  next(): void {
    for (let axis = 0; axis < this.shape.length; axis++) {
      this.index[axis]++;
      this.cIndex += this.cStrides[axis];
      if (this.index[axis] < this.shape[axis]) return;
      this.cIndex -= this.shape[axis] * this.cStrides[axis];
      this.index[axis] = 0;
    }
  }
}

// ------------------------------------------------------------------- messages

function truncatedHeader(source: string, seen: number, needed: number): InputError {
  return new InputError(`truncated .npy header (${source}): file has ${seen} bytes, the header needs ${needed}`, {
    where: source,
    hint: `the file is damaged or was cut short while copying; ${REWRITE_HINT}`,
  });
}

function malformedHeader(source: string, detail: string): InputError {
  return new InputError(`malformed .npy header (${source}): ${printable(detail, 400)}`, {
    where: source,
    hint: `the file is damaged or was not written by numpy; ${REWRITE_HINT}`,
  });
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformedHeader(source, 'the version 3.0 header is not valid UTF-8');
  }
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** Up to 40 characters of the header around `offset`, quoted, for messages. */
function quoteExcerpt(text: string, offset: number): string {
  const start = Math.max(0, offset - 20);
  const excerpt = text.slice(start, start + 40).trimEnd();
  return JSON.stringify((start > 0 ? '...' : '') + excerpt + (start + 40 < text.trimEnd().length ? '...' : ''));
}

function describeValue(value: PyValue): string {
  switch (value.kind) {
    case 'str': return `'${value.value}'`;
    case 'int': return String(value.value);
    case 'bool': return value.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'tuple': return `(${value.items.map(describeValue).join(', ')}${value.items.length === 1 ? ',' : ''})`;
    case 'list': return `[${value.items.map(describeValue).join(', ')}]`;
    case 'dict': return `{${value.entries.map(([k, v]) => `${describeValue(k)}: ${describeValue(v)}`).join(', ')}}`;
  }
}

/** Bytes as hex plus their printable ASCII, e.g. `89 48 44 46 ("\x89HDF")`. */
export function describeBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const ascii = Array.from(bytes, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
  return bytes.length === 0 ? '(none: the file is empty)' : `${hex} ("${ascii}")`;
}
