/**
 * The file layer: reads a path (or standard input), recognises the format from
 * its first bytes, parses it with the pure parsers, applies the layout and
 * checks that every value is finite. The only module in src/io that touches fs.
 */
import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { InputError } from '../errors.js';
import type { Matrix } from '../types.js';
import { DETECT_BYTES, detectFormat } from './detect.js';
import { checkRegularFile, openError } from './file-check.js';
import { countElements, formatBytes, formatShape, type NdArray } from './ndarray.js';
import { checkNpyHeader, decodeNpyData, MAX_NPY_HEADER_BYTES, parseNpy, parseNpyHeader, type NpyHeader } from './npy.js';
import { checkLayout, reduceToMatrix, type ConvReduction, type Layout } from './layout.js';

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
}

/** How an input was read, for reports. */
export interface InputInfo {
  /** The path as given ('-' for standard input). */
  readonly path: string;
  readonly format: 'npy' | 'arrow';
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

export interface LoadedMatrix {
  readonly matrix: Matrix;
  readonly info: InputInfo;
}

/** Bytes read per FileHandle.read: well under the 2 GiB a single read may return. */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;

interface ParsedInput {
  readonly array: NdArray;
  readonly format: 'npy' | 'arrow';
  readonly fileLayout?: string;
}

/**
 * Loads an activation file as a (datapoints x neurons) float64 matrix.
 *
 * `path` '-' reads standard input to its end. Files of any size up to the
 * memory limit work (read in chunks at offsets, never with readFile).
 *
 * @throws InputError for unreadable files, unsupported content, or NaN/Inf
 *   values (naming the first bad row and column of the matrix).
 * @throws UsageError when the layout does not fit the array.
 */
export async function loadMatrix(path: string, options: LoadOptions = {}): Promise<LoadedMatrix> {
  const layout = options.layout ?? 'auto';
  checkLayout(layout);
  const source = path === '-' ? 'standard input' : path;
  const parsed =
    path === '-'
      ? await parseBytes(await readStream(options.stdin ?? process.stdin, source), source, options)
      : await loadFile(path, options);
  const { array } = parsed;
  const reduced = reduceToMatrix(array, { layout, conv: options.conv ?? 'flatten', source, fileLayout: parsed.fileLayout });
  checkFinite(reduced.matrix, source);
  return {
    matrix: reduced.matrix,
    info: {
      path,
      format: parsed.format,
      shape: array.shape,
      dtype: array.dtype,
      fortranOrder: array.fortranOrder,
      layout: reduced.layout,
      reduction: reduced.reduction,
      spatialShape: reduced.spatialShape,
      datapoints: reduced.matrix.rows,
      neurons: reduced.matrix.cols,
    },
  };
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

async function loadFile(path: string, options: LoadOptions): Promise<ParsedInput> {
  // Before opening: opening a named pipe blocks, and a device never ends.
  const kind = await checkRegularFile(path);
  const handle = await openFile(path);
  try {
    // Process substitution (<(...)) gives an anonymous pipe with no size: read it like standard input.
    if (kind === 'pipe') return await parseBytes(await readStream(handle.createReadStream({ autoClose: false }), path), path, options);
    const stats = await handle.stat();
    if (!stats.isFile()) throw new InputError(`not a regular file (${path})`, { where: path, hint: 'pass a saved activation file' });
    const size = stats.size;
    const prefix = await readRange(handle, 0, Math.min(size, MAX_NPY_HEADER_BYTES + 12), path);
    const format = detectFormat(prefix, path);
    if (format === 'npy') return { array: await readNpyFile(handle, prefix, size, path, options), format };
    checkMemory(path, 3 * size, `${formatBytes(size)} of Arrow data (raw + float64 copy)`, options);
    if (size > bufferConstants.MAX_LENGTH) {
      throw new InputError(`Arrow file too large to hold in one buffer (${path}): ${formatBytes(size)}`, {
        where: path,
        hint: 'split it into several files, or save the activations with np.save (.npy files are read in chunks)',
      });
    }
    return await parseBytes(await readRange(handle, 0, size, path), path, options);
  } finally {
    await handle.close();
  }
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
 * first, then the data decoded chunk by chunk straight into the float64
 * array, so the raw bytes are never held whole (and files over 4 GiB work).
 */
async function readNpyFile(handle: FileHandle, prefix: Uint8Array, size: number, path: string, options: LoadOptions): Promise<NdArray> {
  const header = parseNpyHeader(prefix, path);
  checkNpyHeader(header, size, path);
  checkNpyMemory(header, path, options);
  const data = new Float64Array(countElements(header.shape));
  // Whole elements per chunk, so no element straddles two reads.
  const chunkBytes = Math.floor(READ_CHUNK_BYTES / header.itemSize) * header.itemSize;
  for (let done = 0; done < header.byteLength; done += chunkBytes) {
    const length = Math.min(chunkBytes, header.byteLength - done);
    const chunk = await readRange(handle, header.dataOffset + done, length, path);
    decodeNpyData(header, chunk, done / header.itemSize, data);
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
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const want = Math.min(READ_CHUNK_BYTES, length - filled);
    const { bytesRead } = await handle.read(buffer, filled, want, position + filled);
    if (bytesRead === 0) {
      throw new InputError(`file ended early (${path}): expected ${position + length} bytes, got ${position + filled}`, {
        where: path,
        hint: 'the file changed or was truncated while being read; try again once it is complete',
      });
    }
    filled += bytesRead;
  }
  return buffer;
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

/** Parses a whole input held in memory (standard input, pipes, Arrow files). */
async function parseBytes(bytes: Uint8Array, source: string, options: LoadOptions): Promise<ParsedInput> {
  const format = detectFormat(bytes, source);
  if (format === 'npy') {
    const header = parseNpyHeader(bytes, source);
    checkNpyHeader(header, bytes.length, source);
    checkNpyMemory(header, source, options);
    return { array: parseNpy(bytes, source), format: 'npy' };
  }
  // Loaded on demand: apache-arrow adds about 0.17 s to start-up.
  const { parseArrow, LAYOUT_METADATA_KEY } = await import('./arrow.js');
  const array = parseArrow(bytes, source, { skipNonNumeric: options.skipNonNumeric });
  return { array, format: 'arrow', fileLayout: array.metadata.get(LAYOUT_METADATA_KEY) };
}
