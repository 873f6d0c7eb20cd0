/**
 * The file layer: reads a path (or standard input), recognises the format from
 * its first bytes, lists the arrays of multi-array files, selects one by key
 * (`FILE#KEY`, see keys.ts), parses it with the pure parsers, applies the
 * layout (and a `#t=K` timestep) and checks that every value is finite. The
 * only module in src/io that touches fs.
 */
import { constants as bufferConstants } from 'node:buffer';
import { statSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { InputError } from '../errors.js';
import { buildMatrix, type Matrix } from '../types.js';
import type { ArrayInfo } from './arrays.js';
import { DETECT_BYTES, detectFormat } from './detect.js';
import { checkRegularFile, openError } from './file-check.js';
import { parseInputRef, parseInputRefSync, selectArray, type InputRef } from './keys.js';
import { allocateArray, countElements, formatBytes, formatShape, type Allocate, type NdArray } from './ndarray.js';
import { checkNpyHeader, decodeNpyData, MAX_NPY_HEADER_BYTES, parseNpyHeader, type NpyHeader } from './npy.js';
import { openBytes, openContainer, type InputFileFormat, type OpenedInput } from './open.js';
import { printable } from './printable.js';
import { fileSource, memorySource, readFully } from './source.js';
import { checkLayout, keepsStorage, reduceToMatrix, selectTimestep, type ConvReduction, type Layout } from './layout.js';

export interface LoadOptions {
  /** Axis layout, see `Layout`; default 'auto'. */
  readonly layout?: Layout;
  /** Reduction of conv/sequence arrays; default 'flatten'. */
  readonly conv?: ConvReduction;
  /** Arrow: skip non-numeric columns instead of failing. */
  readonly skipNonNumeric?: boolean;
  /** Stream read for the path '-'; default process.stdin. */
  readonly stdin?: NodeJS.ReadableStream;
  /**
   * Memory pwcca may use for one input, in bytes; default the machine's total
   * memory. Checked from the declared shape before the data is read.
   */
  readonly memoryLimitBytes?: number;
  /**
   * Element type for data the file cannot name: 'bfloat16' reads `.npy`
   * arrays stored as raw 2-byte items (`|V2`, ml_dtypes' bfloat16).
   */
  readonly dtype?: 'bfloat16';
  /**
   * Where the matrix's float64 values go: `allocate(rows * cols)` is called
   * once per load and its array becomes `matrix.data` (e.g. a view of a
   * SharedArrayBuffer for worker threads). Every format is decoded straight
   * into it when the stored array already is the matrix; otherwise the
   * transpose, reduction or timestep is written into it, so the values are
   * never copied afterwards. Default `new Float64Array(length)`.
   */
  readonly allocate?: Allocate;
}


/** How an input was read, for reports. */
export interface InputInfo {
  /** The input as given, `#KEY` and `#t=K` included ('-' for standard input). */
  readonly path: string;
  /** The file alone (`path` without `#KEY` / `#t=K`); absent when they are the same. */
  readonly file?: string;
  readonly format: InputFileFormat;
  /** Array selected inside a multi-array file (canonical key), if any. */
  readonly key?: string;
  /** Timestep selected with `#t=K`, if any. */
  readonly timestep?: number;
  /** Shape as stored in the file. */
  readonly shape: number[];
  readonly dtype: string;
  readonly fortranOrder: boolean;
  readonly layout: Layout;
  readonly reduction: 'none' | ConvReduction;
  readonly spatialShape: number[];
  /** Rows of the matrix, after any reduction. */
  readonly datapoints: number;
  readonly neurons: number;
}

export type { InputFileFormat };

export interface LoadedMatrix {
  readonly matrix: Matrix;
  readonly info: InputInfo;
}


/**
 * Bytes of a .npy data section decoded per read. One buffer this size is
 * reused for the whole file: every fresh buffer costs its page faults again
 * (about 3 s of CPU per 800 MB on first touch), a reused one only once.
 */
const NPY_READ_BYTES = 8 * 1024 * 1024;

interface ParsedInput {
  readonly array: NdArray;
  readonly format: InputFileFormat;
  readonly fileLayout?: string;
  readonly key?: string;
  /** True when the array was decoded into the caller's `allocate` memory (it is then the matrix as stored). */
  readonly direct: boolean;
}

/**
 * Whether an array of `shape` can be decoded straight into the final matrix
 * memory (the reader then gets the caller's allocator), given the file's own
 * layout, if any.
 */
type DirectRead = (shape: readonly number[], fileLayout: string | undefined) => boolean;

/**
 * Loads an activation array as a (datapoints x neurons) float64 matrix.
 *
 * `ref` is a path, `PATH#KEY` (an array inside a .npz, torch.save,
 * safetensors or HDF5 file), `PATH#t=K` (timestep K of a sequence array,
 * with an `ntc`/`nct` layout) or `PATH#KEY#t=K`; see keys.ts. A file with one
 * array needs no key. '-' reads standard input to its end. Files of any size
 * up to the memory limit work (read in chunks at offsets, never with readFile).
 *
 * @throws InputError for unreadable files, unsupported content, a missing or
 *   ambiguous key (listing the keys), or NaN/Inf values (naming the first bad
 *   row and column of the matrix).
 * @throws UsageError when the layout does not fit the array.
 */
export async function loadMatrix(ref: string, options: LoadOptions = {}): Promise<LoadedMatrix> {
  const layout = options.layout ?? 'auto';
  checkLayout(layout);
  const conv = options.conv ?? 'flatten';
  const { path, key, timestep } = await resolveRef(ref);
  const source = path === '-' ? 'standard input' : path;
  // A timestep is always a new (N, C) array; otherwise the stored array is decoded
  // into the final memory whenever it already is the matrix (no copy later).
  const direct: DirectRead = (shape, fileLayout) => timestep === undefined && keepsStorage(shape, { layout, conv, fileLayout });
  const parsed =
    path === '-'
      ? await parseBytes(await readStream(options.stdin ?? process.stdin, source), source, options, direct, key)
      : await loadFile(path, options, direct, key);
  const label = describeRef(source, parsed.key, timestep);
  const array = timestep === undefined ? parsed.array : selectTimestep(parsed.array, layout, timestep, label, options.allocate);
  const reduced = reduceToMatrix(array, {
    layout: timestep === undefined ? layout : 'auto',
    conv,
    source: label,
    fileLayout: timestep === undefined ? parsed.fileLayout : undefined,
    allocate: options.allocate,
  });
  const matrix = inAllocated(reduced.matrix, array.data, parsed.direct || timestep !== undefined, options.allocate);
  checkFinite(matrix, label);
  return {
    matrix,
    info: {
      path: ref,
      ...(ref === path ? {} : { file: path }),
      format: parsed.format,
      ...(parsed.key === undefined ? {} : { key: parsed.key }),
      ...(timestep === undefined ? {} : { timestep }),
      shape: parsed.array.shape,
      dtype: parsed.array.dtype,
      fortranOrder: parsed.array.fortranOrder,
      layout: timestep === undefined ? reduced.layout : layout,
      reduction: reduced.reduction,
      spatialShape: reduced.spatialShape,
      datapoints: matrix.rows,
      neurons: matrix.cols,
    },
  };
}

/**
 * The matrix in the caller's memory. Only a reader/layout disagreement
 * (the array kept as is though it was not decoded into `allocate`) can leave
 * it elsewhere: copy it then rather than hand over memory the caller did not
 * choose.
 */
function inAllocated(matrix: Matrix, stored: Float64Array, storedIsAllocated: boolean, allocate: Allocate | undefined): Matrix {
  if (allocate === undefined || storedIsAllocated || matrix.data !== stored) return matrix;
  const data = allocateArray(allocate, matrix.data.length);
  data.set(matrix.data);
  return buildMatrix(matrix.rows, matrix.cols, data);
}

/**
 * NaN and Inf make every statistic meaningless: stop at the first one.
 *
 * @throws InputError naming the row and column in matrix coordinates.
 */
export function checkFinite(matrix: Matrix, source: string): void {
  const { data, cols } = matrix;
  for (let i = 0; i < data.length; i++) {
    // value - value is 0 for finite values and NaN for NaN and +-Inf: one test in the hot loop.
    if (data[i] - data[i] !== 0) {
      const row = Math.floor(i / cols);
      throw new InputError(`${data[i]} at row ${row}, column ${i - row * cols} (${source})`, {
        where: source,
        hint: 'activations must be finite: clean or drop those datapoints before saving (e.g. x[np.isfinite(x).all(axis=1)])',
      });
    }
  }
}

// ------------------------------------------------------------------- files

/**
 * Lists the arrays of a file without reading their data: the keys (nested
 * names joined with '/'), shapes and stored dtypes. A single-array file
 * (.npy, Arrow, a torch.save of one tensor) gives one entry with the key ''.
 * Uncompressed .npz members also give `npyOffset`, where their .npy bytes
 * start in the file (for streaming them in place).
 * Studies use it to treat a multi-array file as a network (its keys are
 * layers).
 *
 * @throws InputError when the file cannot be read or parsed.
 */
export async function listArrays(path: string, options: Pick<LoadOptions, 'dtype' | 'skipNonNumeric'> = {}): Promise<ArrayInfo[]> {
  return withOpenInput(path, options, async (opened) => opened.entries.map(({ key, shape, dtype, npyOffset }) => ({ key, shape, dtype, ...(npyOffset === undefined ? {} : { npyOffset }) })));
}

/**
 * The array a reference (`FILE` or `FILE#KEY`) selects, from the file's
 * headers alone (no data read): its canonical key, stored shape and dtype.
 * Keys match as in {@link loadMatrix} (aliases included).
 *
 * @throws InputError when the file cannot be read, or the key is missing or
 *   ambiguous (listing the keys).
 */
export async function describeArray(ref: string, options: Pick<LoadOptions, 'dtype' | 'skipNonNumeric'> = {}): Promise<ArrayInfo> {
  const { path, key } = await resolveRef(ref);
  return withOpenInput(path, options, async (opened) => {
    const { key: canonical, shape, dtype } = selectArray(opened.entries, key, path);
    return { key: canonical, shape, dtype };
  });
}

/**
 * The arrays of a multi-array file (.npz, torch.save, safetensors, HDF5) for
 * discovery, or null when the file holds a single array without a key (.npy,
 * Arrow, a torch.save of one tensor) or cannot be read: such a file is then
 * loaded whole, and a damaged one reports its error when its pairs run.
 */
export async function listContainerArrays(path: string): Promise<ArrayInfo[] | null> {
  try {
    const handle = await openFile(path);
    let format: string;
    try {
      const size = (await handle.stat()).size;
      format = detectFormat(await readRange(handle, 0, Math.min(size, DETECT_BYTES), path), path);
    } finally {
      await handle.close();
    }
    if (format !== 'zip' && format !== 'hdf5' && format !== 'safetensors') return null;
    const arrays = await listArrays(path);
    return arrays.length === 1 && arrays[0].key === '' ? null : arrays;
  } catch (error) {
    if (error instanceof InputError) return null;
    throw error;
  }
}

/** Where the .npy bytes of an input start in its file: 0 for a .npy file, the member's offset for a stored .npz member. */
export interface NpyLocation {
  /** The file to open. */
  readonly file: string;
  /** Offset of the .npy magic in the file. */
  readonly offset: number;
}

/**
 * Locates the .npy bytes of an input for row-chunked streaming: the file
 * itself when it has no key, or an uncompressed member of a .npz
 * (`FILE#KEY`). Null when the input cannot be streamed in place (a
 * compressed member, another format, a timestep selection).
 *
 * @throws InputError when the file cannot be read or the key is missing.
 */
export async function locateNpy(ref: string): Promise<NpyLocation | null> {
  const { path, key, timestep } = await resolveRef(ref);
  if (timestep !== undefined) return null;
  if (key === undefined) return { file: path, offset: 0 };
  return withOpenInput(path, {}, async (opened) => {
    if (opened.format !== 'npz') return null;
    const entry = selectArray(opened.entries, key, path);
    return entry.npyOffset === undefined ? null : { file: path, offset: entry.npyOffset };
  });
}

/** Splits `FILE#KEY#t=K`, checking which prefix names an existing path. */
export async function resolveRef(ref: string): Promise<InputRef> {
  return parseInputRef(ref, async (candidate) => {
    try {
      await stat(candidate);
      return true;
    } catch {
      return false;
    }
  });
}

/** Like {@link resolveRef}, checking paths synchronously (for code that cannot wait, e.g. journal identities). */
export function resolveRefSync(ref: string): InputRef {
  return parseInputRefSync(ref, (candidate) => {
    try {
      statSync(candidate);
      return true;
    } catch {
      return false;
    }
  });
}

/** `file`, `file#key`, `file#key#t=3` for messages. */
function describeRef(source: string, key: string | undefined, timestep: number | undefined): string {
  return source + (key ? `#${printable(key)}` : '') + (timestep === undefined ? '' : `#t=${timestep}`);
}


/**
 * Opens a regular file, lists its arrays with `use` while it is open, then
 * closes it. Containers are read by range (entries read lazily from the open file).
 */
async function withOpenInput<T>(
  path: string,
  options: Pick<LoadOptions, 'dtype' | 'skipNonNumeric' | 'memoryLimitBytes'>,
  use: (opened: OpenedInput) => Promise<T>,
): Promise<T> {
  // Before opening: opening a named pipe blocks, and a device never ends.
  const kind = await checkRegularFile(path);
  const handle = await openFile(path);
  try {
    // Process substitution (<(...)) gives an anonymous pipe with no size: read it like standard input.
    if (kind === 'pipe') return await use(await openBytes(memorySource(await readStream(handle.createReadStream({ autoClose: false }), path), path), options));
    const stats = await handle.stat();
    if (!stats.isFile()) throw new InputError(`not a regular file (${path})`, { where: path, hint: 'pass a saved activation file' });
    const size = stats.size;
    const prefix = await readRange(handle, 0, Math.min(size, Math.max(MAX_NPY_HEADER_BYTES + 12, DETECT_BYTES)), path);
    const format = detectFormat(prefix, path);
    if (format === 'hdf5') {
      const { listHdf5Arrays } = await import('./hdf5.js');
      return await use({ format: 'hdf5', entries: await listHdf5Arrays(path, size) });
    }
    if (format === 'npy') {
      const header = parseNpyHeader(prefix, path, options);
      return await use({
        format,
        entries: [{
          key: '', aliases: [], shape: header.shape, dtype: header.dtype,
          check: () => checkNpyHeader(header, size, path),
          read: (allocate) => readNpyFile(handle, prefix, size, path, options, allocate),
        }],
      });
    }
    if (format === 'zip' || format === 'safetensors') return await use(await openContainer(format, fileSource(handle, size, path), options));
    checkMemory(path, 3 * size, `${formatBytes(size)} of Arrow data (raw + float64 copy)`, options);
    if (size > bufferConstants.MAX_LENGTH) {
      throw new InputError(`Arrow file too large to hold in one buffer (${path}): ${formatBytes(size)}`, {
        where: path,
        hint: 'split it into several files, or save the activations with np.save (.npy files are read in chunks)',
      });
    }
    return await use(await openBytes(memorySource(await readRange(handle, 0, size, path), path), options));
  } finally {
    await handle.close();
  }
}

/**
 * Selects the array `key` names (or the only one), checks its size against
 * memory, reads it (into `options.allocate` when `direct` says the stored
 * array is the matrix).
 */
async function readSelected(opened: OpenedInput, key: string | undefined, source: string, options: LoadOptions, direct: DirectRead): Promise<ParsedInput> {
  const entry = selectArray(opened.entries, key, source);
  const label = entry.key === '' ? source : `${source}#${printable(entry.key)}`;
  entry.check?.();
  if (entry.shape.length < 2 || entry.shape.includes(0)) {
    throw new InputError(`${entry.shape.length < 2 ? `${entry.shape.length}-D array` : 'empty array'} in ${label}: shape [${entry.shape.join(', ')}], expected (datapoints, neurons)`, {
      where: label,
      hint: 'select a 2-D (datapoints, neurons) array, or a conv/sequence array with --layout',
    });
  }
  const elements = countElements(entry.shape);
  checkMemory(label, 2 * 8 * elements, `${formatShape(entry.shape)} ${entry.dtype} = ${formatBytes(8 * elements)} as float64, twice while reshaping`, options);
  const into = options.allocate !== undefined && direct(entry.shape, opened.fileLayout);
  const array = await entry.read(into ? options.allocate : undefined);
  return { array, format: opened.format, fileLayout: opened.fileLayout, direct: into, ...(entry.key === '' ? {} : { key: entry.key }) };
}

async function loadFile(path: string, options: LoadOptions, direct: DirectRead, key?: string): Promise<ParsedInput> {
  return withOpenInput(path, options, (opened) => readSelected(opened, key, path, options, direct));
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw openError(path, error);
  }
}

/**
 * A .npy file: header checked against the file size and the memory limit
 * first, then the data decoded chunk by chunk straight into the final
 * float64 array (`allocate`), through one reused read buffer: the
 * raw bytes are never held whole, the values never copied twice (and files
 * over 4 GiB work).
 */
async function readNpyFile(handle: FileHandle, prefix: Uint8Array, size: number, path: string, options: LoadOptions, allocate?: Allocate): Promise<NdArray> {
  const header = parseNpyHeader(prefix, path, options);
  checkNpyHeader(header, size, path);
  checkNpyMemory(header, path, options);
  const data = allocateArray(allocate, countElements(header.shape));
  // Whole elements per chunk, so no element straddles two reads.
  const chunkBytes = Math.max(header.itemSize, Math.floor(NPY_READ_BYTES / header.itemSize) * header.itemSize);
  const buffer = Buffer.allocUnsafeSlow(Math.min(chunkBytes, header.byteLength));
  // Fortran order: each chunk is converted here before being scattered to its C positions.
  const scratch = header.fortranOrder ? new Float64Array(buffer.length / header.itemSize) : undefined;
  for (let done = 0; done < header.byteLength; done += chunkBytes) {
    const length = Math.min(chunkBytes, header.byteLength - done);
    const chunk = await readFully(handle, buffer.subarray(0, length), header.dataOffset + done, path);
    decodeNpyData(header, chunk, done / header.itemSize, data, scratch);
  }
  return { shape: header.shape, dtype: header.dtype, data, fortranOrder: header.fortranOrder };
}

/**
 * The float64 array, plus a second one of the same size while transposing or
 * flattening conv maps: 2 x 8 bytes per element, against the limit.
 */
function checkNpyMemory(header: NpyHeader, path: string, options: LoadOptions): void {
  const float64Bytes = countElements(header.shape) * 8;
  checkMemory(path, 2 * float64Bytes, `${formatShape(header.shape)} ${header.dtype} = ${formatBytes(float64Bytes)} as float64, twice while reshaping`, options);
}

function checkMemory(source: string, needed: number, what: string, options: LoadOptions): void {
  const limit = options.memoryLimitBytes ?? totalmem();
  if (needed > limit) {
    throw new InputError(`input too large for memory (${source}): ${what}, about ${formatBytes(needed)}; the limit is ${formatBytes(limit)}`, {
      where: source,
      hint: 'subsample datapoints (e.g. x[::10]) or neurons before saving, or use --conv mean for conv maps',
    });
  }
}

/** Reads exactly `length` bytes at `position` into one preallocated buffer. */
async function readRange(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  return readFully(handle, Buffer.allocUnsafe(length), position, path);
}

// ------------------------------------------------------- in-memory inputs

/**
 * Reads a stream to its end. The format is checked as soon as its first bytes
 * arrive, so an endless stream of something else (e.g. `<(cat /dev/zero)`)
 * fails at once instead of after gigabytes.
 */
async function readStream(stream: NodeJS.ReadableStream, source: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  let checked = false;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk as Uint8Array);
    total += bytes.length;
    if (!checked && total >= DETECT_BYTES) {
      detectFormat(Buffer.concat([...chunks, bytes]).subarray(0, DETECT_BYTES), source);
      checked = true;
    }
    if (total > bufferConstants.MAX_LENGTH) {
      throw new InputError(`input too large to read from a stream (${source}): over ${formatBytes(bufferConstants.MAX_LENGTH)}`, {
        where: source,
        hint: 'write it to a file and pass the path (.npy files are read in chunks)',
      });
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/** Parses a whole input held in memory (standard input, pipes) and selects `key`. */
async function parseBytes(bytes: Uint8Array, source: string, options: LoadOptions, direct: DirectRead, key?: string): Promise<ParsedInput> {
  const opened = await openBytes(memorySource(bytes, source), options);
  return readSelected(opened, key, source, options, direct);
}
