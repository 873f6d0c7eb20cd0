/**
 * The arrays inside a multi-array file (.npz, torch.save, safetensors, HDF5),
 * listed from their headers and read one at a time on demand.
 */
import type { Allocate, NdArray } from './ndarray.js';

/** What a file says about one of its arrays, before reading it. */
export interface ArrayInfo {
  /** Canonical key: nested names joined with '/' (e.g. 'features/fc1', 'block4/out', '0'). */
  readonly key: string;
  readonly shape: number[];
  /** Stored dtype, e.g. 'float32', 'bfloat16', 'int64'. */
  readonly dtype: string;
  /**
   * For an uncompressed .npz member: offset in the file of the member's .npy
   * bytes (magic included), so a row-chunk reader can stream it in place.
   */
  readonly npyOffset?: number;
}

/** One array of a container file, read lazily. */
export interface ArrayEntry extends ArrayInfo {
  /** Other spellings of the key that select it (dotted paths, npz names with '.npy'). */
  readonly aliases: readonly string[];
  /**
   * Checks that the array is usable (at least 2-D, no zero axis, sizes that
   * match the file) from its header alone, before memory is budgeted.
   */
  check?(): void;
  /**
   * Reads the array, converted to float64 in C order, into `allocate(n)`
   * (n its element count; called once, after every check that can fail on
   * the file's header). Default a fresh Float64Array.
   */
  read(allocate?: Allocate): Promise<NdArray>;
}
