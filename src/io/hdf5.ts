/**
 * HDF5 files (h5py, Keras, TensorFlow) through h5wasm, the HDF5 C library
 * compiled to WebAssembly: numeric datasets, contiguous or chunked and
 * compressed, anywhere in the group tree. Keys are dataset paths without the
 * leading '/' (`block4/out`); `/block4/out` is accepted as an alias.
 *
 * h5wasm opens files by path (it reads through Node's fs), so this reader takes
 * a path rather than bytes. It is loaded on demand: the wasm module costs
 * start-up time that other formats should not pay.
 */
import { InputError } from '../errors.js';
import { printable } from './printable.js';
import type { ArrayEntry } from './arrays.js';
import { allocateArray, countElements, formatShape, MAX_ELEMENTS, type Allocate, type NdArray } from './ndarray.js';

/** The 8-byte signature every HDF5 file starts with (or has at 512, 1024, ... after a user block). */
export const HDF5_SIGNATURE = Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);

/** True when `bytes` holds the HDF5 signature at offset 0 or at a user-block boundary it covers. */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((byte, i) => bytes[at + i] === byte)) return true;
  }
  return false;
}

/** Largest ratio of data to file size accepted (gzip's limit). */
const MAX_EXPANSION = 1032;

type H5 = typeof import('h5wasm/node');
let h5: Promise<H5['default']> | undefined;

/** h5wasm, ready, with HDF5's error stack turned into exceptions instead of stderr output. */
async function loadH5wasm(): Promise<H5['default']> {
  h5 ??= (async () => {
    const module = await import('h5wasm/node');
    const api = await module.ready;
    api.activate_throwing_error_handler();
    return module.default;
  })();
  return h5;
}

/** Integer (0) and float (1) HDF5 type classes, with our dtype name per size. */
function dtypeName(metadata: { type: number; size: number; signed: boolean }): string | undefined {
  if (metadata.type === 1) return ({ 4: 'float32', 8: 'float64' } as Record<number, string>)[metadata.size];
  if (metadata.type === 0 && [1, 2, 4, 8].includes(metadata.size)) return `${metadata.signed ? 'int' : 'uint'}${8 * metadata.size}`;
  return undefined;
}

/**
 * Lists the numeric datasets of an HDF5 file (other datasets, e.g. strings,
 * are skipped). Each array is read on demand by reopening the file.
 *
 * @throws InputError when the file cannot be opened as HDF5.
 */
export async function listHdf5Arrays(path: string, fileSize: number): Promise<ArrayEntry[]> {
  const api = await loadH5wasm();
  return withFile(api, path, (file) => {
    const arrays: ArrayEntry[] = [];
    for (const name of file.paths()) {
      const node = file.get(name);
      if (!(node instanceof api.Dataset)) continue;
      const metadata = node.metadata;
      const dtype = dtypeName(metadata);
      const shape = node.shape;
      if (dtype === undefined || shape === null) continue;
      const key = name.replace(/^\/+/, '');
      const label = `${path}#${printable(key)}`;
      const check = (): void => {
        if (countElements(shape) > MAX_ELEMENTS) {
          throw new InputError(`dataset too large (${label}): shape ${formatShape(shape)}`, { where: label, hint: 'subsample it before saving' });
        }
        // gzip expands at most about 1032:1: a dataset declaring more than that is damaged (or
        // mostly unwritten chunks), and reading it would allocate from a declared size alone.
        const declaredBytes = countElements(shape) * metadata.size;
        if (declaredBytes > MAX_EXPANSION * fileSize + 1024 * 1024) {
          throw new InputError(`dataset ${formatShape(shape)} ${dtype} declares ${declaredBytes} bytes, more than the ${fileSize}-byte file can hold even compressed (${label})`, {
            where: label,
            hint: 'the file is damaged or the dataset was never fully written; write it again with h5py',
          });
        }
      };
      arrays.push({
        key,
        aliases: [`/${key}`],
        shape,
        dtype,
        check,
        read: async (allocate) => {
          check();
          return withFile(api, path, (reopened) => toNdArray(reopened.get(name), api, shape, dtype, label, allocate));
        },
      });
    }
    return arrays;
  });
}

/** The dataset's values (h5wasm's own typed array, in the stored type) converted once into `allocate(count)`. */
function toNdArray(node: unknown, api: H5['default'], shape: number[], dtype: string, label: string, allocate?: Allocate): NdArray {
  if (!(node instanceof api.Dataset)) throw new InputError(`dataset vanished (${label})`, { where: label, hint: 'the file changed while being read' });
  const value = node.value;
  const count = countElements(shape);
  const big = value instanceof BigInt64Array || value instanceof BigUint64Array;
  if (!(ArrayBuffer.isView(value) && (value as unknown as ArrayLike<unknown>).length === count)) {
    throw new InputError(`unexpected dataset content (${label})`, { where: label, hint: 'save a numeric array, e.g. f.create_dataset(name, data=x.astype("float32"))' });
  }
  const data = allocateArray(allocate, count);
  if (big) {
    for (let i = 0; i < count; i++) data[i] = Number(value[i]);
  } else {
    data.set(value as unknown as ArrayLike<number>);
  }
  return { shape, dtype, data, fortranOrder: false };
}

function withFile<T>(api: H5['default'], path: string, use: (file: InstanceType<H5['default']['File']>) => T): T {
  let file: InstanceType<H5['default']['File']>;
  try {
    file = new api.File(path, 'r');
  } catch (error) {
    throw hdf5Error(path, error);
  }
  try {
    return use(file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw hdf5Error(path, error);
  } finally {
    try {
      file.close();
    } catch {
      // Closing a damaged file can fail too; the first error is the useful one.
    }
  }
}

/** HDF5's error stack as one line: its innermost 'minor' message. */
function hdf5Error(path: string, error: unknown): InputError {
  const text = String(error instanceof Error ? error.message : error);
  const minor = [...text.matchAll(/minor: (.*)/g)].map((match) => match[1].trim());
  const detail = minor.length > 0 ? minor[minor.length - 1] : text.split('\n')[0].slice(0, 200);
  return new InputError(`cannot read HDF5 file (${path}): ${detail}`, {
    where: path,
    hint: 'the file is damaged or not HDF5; in Python: h5py.File(path)["name"][...] and np.save the array',
    cause: error,
  });
}
