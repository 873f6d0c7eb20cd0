/**
 * Reads a 2-D, C-ordered .npy file in row chunks, converted to float64, so
 * that files larger than memory (and than Node's 2 GiB readFile limit) can be
 * summarised: memory depends on the number of columns and the chunk size,
 * never on the number of rows.
 *
 * The header is parsed and checked by ./npy.ts (the same rules and messages as
 * the in-memory loader) and each chunk is decoded by its `decodeNpyData`.
 * Fortran-ordered and >2-D files are not row-streamable here: callers use the
 * in-memory loader for them ({@link isRowStreamable}).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { checkRegularFile } from './file-check.js';
import type { NpyLocation } from './load.js';
import { checkNpyHeader, decodeNpyData, MAX_NPY_HEADER_BYTES, parseNpyHeader, type NpyHeader } from './npy.js';

/** One chunk of rows. `data` is rows x cols row-major and is reused by the next chunk. */
export interface RowChunk {
  /** Index of the chunk's first row in the file. */
  readonly start: number;
  readonly rows: number;
  readonly data: Float64Array;
}

export interface ChunkOptions {
  /**
   * Check every value and throw an InputError naming the file and the first
   * NaN or infinite value's row and column (default false: one pass that
   * checks is enough).
   */
  readonly checkFinite?: boolean;
}

/** An open .npy file read in row chunks. */
export interface NpyRowReader {
  readonly path: string;
  readonly header: NpyHeader;
  readonly rows: number;
  readonly cols: number;
  /**
   * Reads the whole file once, front to back, `chunkRows` rows at a time (the
   * last chunk may be shorter). The next chunk is read while the caller works
   * on the current one, so a chunk's `data` is valid only until the caller
   * asks for the next one. Each call starts a new pass.
   */
  chunks(chunkRows: number, options?: ChunkOptions): AsyncGenerator<RowChunk>;
  close(): Promise<void>;
}

/** True when the header describes what {@link openNpyRows} reads: a 2-D array in C order. */
export function isRowStreamable(header: NpyHeader): boolean {
  return header.shape.length === 2 && !header.fortranOrder;
}

/** Reads and checks just the header of a .npy file. */
export async function loadNpyHeader(path: string): Promise<NpyHeader> {
  const location = await locateOrExplain(path);
  const handle = await openOrExplain(location.file);
  try {
    return await readHeader(handle, path, location.offset);
  } finally {
    await handle.close();
  }
}

/**
 * The file and offset of the .npy bytes: `path` itself, or for `FILE#KEY` an
 * uncompressed .npz member, read in place.
 */
async function locateOrExplain(path: string): Promise<NpyLocation> {
  if (!path.includes('#')) return { file: path, offset: 0 };
  // The loader (and through it every reader) only for FILE#KEY: worker threads that stream .npy files start without it.
  const { locateNpy } = await import('./load.js');
  const location = await locateNpy(path);
  if (location === null) {
    throw new InputError(`cannot stream ${path}: only .npy files and uncompressed .npz members are read in row chunks`, {
      where: path,
      hint: 'read it in memory (--no-stream), or save it with np.save / np.savez (not savez_compressed)',
    });
  }
  return location;
}

/**
 * Opens a 2-D C-ordered .npy file for row-chunked reading.
 *
 * @throws InputError when the file cannot be read, is not a valid .npy file,
 *   or is not 2-D C-ordered (use the in-memory loader for those).
 */
export async function openNpyRows(path: string): Promise<NpyRowReader> {
  const location = await locateOrExplain(path);
  const handle = await openOrExplain(location.file);
  let header: NpyHeader;
  try {
    header = await readHeader(handle, path, location.offset);
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (!isRowStreamable(header)) {
    await handle.close();
    throw new InputError(`cannot stream ${path}: shape [${header.shape.join(', ')}]${header.fortranOrder ? ' in Fortran order' : ''}`, {
      where: path,
      hint: 'streaming reads 2-D C-ordered arrays; re-save with np.save(path, np.ascontiguousarray(x).reshape(n, -1))',
    });
  }
  const [rows, cols] = header.shape;
  return {
    path,
    header,
    rows,
    cols,
    chunks: (chunkRows: number, options: ChunkOptions = {}) =>
      readChunks(handle, header, path, rows, cols, chunkRows, options.checkFinite ?? false),
    close: () => handle.close(),
  };
}

async function openOrExplain(path: string): Promise<FileHandle> {
  // Checked before opening, which would block on a named pipe; row reads need a regular file's offsets.
  if ((await checkRegularFile(path)) !== 'file') {
    throw new InputError(`cannot read ${path} in row chunks: it is a pipe`, { where: path, hint: 'save the array to a file first' });
  }
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`cannot open ${path}: ${code}`, { where: path, hint: 'check the path and its permissions', cause: error });
  }
}

/**
 * The header of the .npy bytes at `offset` (0 for a .npy file), with
 * `dataOffset` counted from the start of the file. For a .npz member the
 * header was checked against the member's size when the archive was listed.
 */
async function readHeader(handle: FileHandle, path: string, offset = 0): Promise<NpyHeader> {
  const { size } = await handle.stat();
  const prefix = new Uint8Array(Math.max(0, Math.min(size - offset, MAX_NPY_HEADER_BYTES + 12)));
  await readFully(handle, prefix, offset);
  const header = parseNpyHeader(prefix, path);
  if (offset === 0) {
    checkNpyHeader(header, size, path);
    return header;
  }
  checkNpyHeader(header, header.dataOffset + header.byteLength, path);
  if (offset + header.dataOffset + header.byteLength > size) {
    throw new InputError(`truncated .npz member (${path}): its data runs past the end of the file`, { where: path, hint: 'write the archive again with np.savez' });
  }
  return { ...header, dataOffset: offset + header.dataOffset };
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new InputError(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

async function* readChunks(
  handle: FileHandle,
  header: NpyHeader,
  path: string,
  rows: number,
  cols: number,
  chunkRows: number,
  checkFinite: boolean,
): AsyncGenerator<RowChunk> {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  const rowBytes = cols * header.itemSize;
  // Two raw buffers: one being read from disk while the other is decoded and used.
  const raw = [new Uint8Array(chunkRows * rowBytes), new Uint8Array(chunkRows * rowBytes)];
  const data = new Float64Array(chunkRows * cols);
  const read = (start: number, slot: number): Promise<void> => {
    const count = Math.min(chunkRows, rows - start);
    return readFully(handle, raw[slot].subarray(0, count * rowBytes), header.dataOffset + start * rowBytes).catch((error) => {
      throw error instanceof InputError ? new InputError(`${error.message} (${path})`, { where: path }) : error;
    });
  };
  let pending: Promise<void> | null = rows > 0 ? read(0, 0) : null;
  try {
    for (let start = 0, slot = 0; start < rows; start += chunkRows, slot ^= 1) {
      await pending;
      const count = Math.min(chunkRows, rows - start);
      const next = start + chunkRows;
      pending = next < rows ? read(next, slot ^ 1) : null;
      const out = count === chunkRows ? data : data.subarray(0, count * cols);
      decodeNpyData(header, raw[slot].subarray(0, count * rowBytes), 0, out);
      if (checkFinite) throwOnNonFinite(out, start, cols, path);
      yield { start, rows: count, data: out };
    }
  } finally {
    // A caller that stops early must not leave a read running on a handle it is about to close.
    await pending?.catch(() => undefined);
  }
}

/**
 * Throws an InputError naming the first NaN or infinite value of a chunk
 * (row counted from `firstRow`, column, file); returns when there is none.
 * What `chunks(..., { checkFinite: true })` runs on every chunk, for callers
 * that detect a bad value more cheaply first and only need its place.
 */
export function throwOnNonFinite(values: Float64Array, firstRow: number, cols: number, path: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // value - value is NaN for NaN and +-Infinity, 0 otherwise.
    if (value - value !== 0) {
      const row = firstRow + Math.floor(i / cols);
      throw new InputError(`${value} at row ${row}, column ${i % cols} of ${path}`, {
        where: path,
        hint: 'the activations contain NaN or Inf; check the model run that produced them (e.g. np.isfinite(x).all())',
      });
    }
  }
}
