/**
 * Opening an input's arrays from a byte source: recognises the format from
 * the first bytes and lists the arrays of containers (.npz, torch.save,
 * safetensors) or wraps a single-array input (.npy, Arrow). No fs here.
 */
import { InputError } from '../errors.js';
import type { ArrayEntry } from './arrays.js';
import { detectFormat } from './detect.js';
import { printable } from './printable.js';
import { checkNpyHeader, parseNpy, parseNpyHeader } from './npy.js';
import { listNpzArrays } from './npz.js';
import { listSafetensorsArrays } from './safetensors.js';
import { memorySource, type ByteSource } from './source.js';
import { isTorchArchive, listTorchArrays } from './torch.js';
import { readZipDirectory } from './zip.js';

/** Formats pwcca reads, as reported in `InputInfo`. */
export type InputFileFormat = 'npy' | 'arrow' | 'npz' | 'torch' | 'safetensors' | 'hdf5';

/** An input's format and its arrays, each read on demand. */
export interface OpenedInput {
  readonly format: InputFileFormat;
  readonly entries: ArrayEntry[];
  /** Layout the file declares (Arrow `pwcca:layout`). */
  readonly fileLayout?: string;
}

/** Options that change how bytes are read. */
export interface OpenOptions {
  /** Element type for `.npy` `|V2` data (ml_dtypes bfloat16). */
  readonly dtype?: 'bfloat16';
  /** Arrow: skip non-numeric columns instead of failing. */
  readonly skipNonNumeric?: boolean;
}

/**
 * The arrays of a whole input held in memory, whatever its format (HDF5
 * excepted: it is read from a path). Pure: `entries[i].read()` decodes from
 * `bytes`.
 *
 * @throws InputError for an unknown or damaged format.
 */
export async function parseArrays(bytes: Uint8Array, source: string, options: OpenOptions = {}): Promise<OpenedInput> {
  return openBytes(memorySource(bytes, source), options);
}

/** The arrays of a zip (.npz or torch.save) or safetensors input. */
export async function openContainer(format: 'zip' | 'safetensors', source: ByteSource, options: OpenOptions): Promise<OpenedInput> {
  if (format === 'safetensors') return { format, entries: await listSafetensorsArrays(source) };
  const directory = await readZipDirectory(source);
  if (isTorchArchive(directory)) return { format: 'torch', entries: await listTorchArrays(source, directory) };
  if (directory.every((entry) => entry.name.endsWith('.npy') || entry.name.endsWith('/'))) {
    return { format: 'npz', entries: await listNpzArrays(source, directory, options) };
  }
  const other = directory.find((entry) => !entry.name.endsWith('.npy'))!;
  throw new InputError(`a zip archive that is neither .npz nor torch.save (${source.name}): it holds '${printable(other.name)}'`, {
    where: source.name,
    hint: 'pwcca reads np.savez / np.savez_compressed archives (.npy members) and torch.save files; save arrays with np.savez(path, **arrays)',
  });
}

/** Any input already in memory (standard input, pipes, Arrow files). */
export async function openBytes(source: ByteSource, options: OpenOptions): Promise<OpenedInput> {
  const bytes = await source.read(0, source.size);
  const format = detectFormat(bytes, source.name);
  if (format === 'zip' || format === 'safetensors') return openContainer(format, source, options);
  if (format === 'hdf5') {
    throw new InputError(`HDF5 cannot be read from a stream (${source.name})`, { where: source.name, hint: 'save it to a file and pass its path' });
  }
  if (format === 'npy') {
    const header = parseNpyHeader(bytes, source.name, options);
    return {
      format,
      entries: [{
        key: '', aliases: [], shape: header.shape, dtype: header.dtype,
        check: () => checkNpyHeader(header, bytes.length, source.name),
        read: async (allocate) => parseNpy(bytes, source.name, options, allocate),
      }],
    };
  }
  // Loaded on demand: apache-arrow adds about 0.17 s to start-up.
  const { openArrow, LAYOUT_METADATA_KEY } = await import('./arrow.js');
  // Checked in full here; values are converted only when read, into the reader's memory.
  const table = openArrow(bytes, source.name, { skipNonNumeric: options.skipNonNumeric });
  return {
    format: 'arrow',
    fileLayout: table.metadata.get(LAYOUT_METADATA_KEY),
    entries: [{ key: '', aliases: [], shape: table.shape, dtype: table.dtype, read: async (allocate) => table.read(allocate) }],
  };
}

