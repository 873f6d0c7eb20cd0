/**
 * The in-memory form every loader produces before layouts are applied, and the
 * size limits shared by the loaders.
 */
import { InternalError } from '../errors.js';

/**
 * A dense N-D array as stored in a file, converted to float64.
 *
 * `data` is always in C (row-major) order, whatever the file's order was;
 * `fortranOrder` only records how the file stored it.
 */
export interface NdArray {
  readonly shape: number[];
  /** Normalised stored dtype: 'float16', 'float32', 'float64', 'int8'..'int64', 'uint8'..'uint64', 'bool'. */
  readonly dtype: string;
  readonly data: Float64Array;
  readonly fortranOrder: boolean;
}

/**
 * Gives the float64 array a reader decodes an array's values into, `length`
 * elements long. Callers that share the values with worker threads return a
 * view of a SharedArrayBuffer, so the decoded values are never copied again;
 * the memory need not be zeroed (every element is written).
 */
export type Allocate = (length: number) => Float64Array;

/** The default {@link Allocate}: a fresh, unshared array. */
export const allocateFloat64: Allocate = (length) => new Float64Array(length);

/**
 * `allocate(length)`, checked: decoders write every element of what they get,
 * so an array of another length would leave values out or fail part-way.
 *
 * @throws InternalError when the allocator returns the wrong length.
 */
export function allocateArray(allocate: Allocate | undefined, length: number): Float64Array {
  const data = (allocate ?? allocateFloat64)(length);
  if (data.length !== length) throw new InternalError(`allocator returned ${data.length} float64 values, ${length} were asked for`);
  return data;
}

/**
 * Largest element count pwcca will hold in one array: 2^31 - 1.
 *
 * Why this number: as float64 it is already 16 GiB, CCA on anything bigger is
 * out of reach on one machine anyway, and it keeps every index a safe small
 * integer (V8 caps a typed array at 2^32 elements). Checked from the declared
 * shape before anything is allocated, so a malicious header costs nothing.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Product of the dimensions (as a float, so an absurd shape gives a big number rather than wrapping). */
export function countElements(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Formats a shape for messages: `1000x64`, or `[]` for a 0-d array. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? '[]' : shape.join('x');
}

/** Human-readable byte count for messages (`256000 bytes`, `1.5 GiB`). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toPrecision(3)} ${units[unit]}`;
}
