/**
 * Reading activation files. `loadMatrix` is what commands use; the pure
 * parsers are exported for library users who already hold the bytes.
 *
 * Importing this index loads apache-arrow (about 0.17 s); code that only needs
 * `loadMatrix` can import './load.js', which loads Arrow support on demand.
 */
export { loadMatrix, listArrays, resolveRef, checkFinite, type LoadOptions, type LoadedMatrix, type InputInfo, type InputFileFormat } from './load.js';
export { parseNpy, parseNpyHeader, checkNpyHeader, decodeNpyData, type NpyHeader, type NpyReadOptions } from './npy.js';
export { parseArrays, type OpenedInput, type OpenOptions } from './open.js';
export { parseInputRef, selectArray, describeArrays, type InputRef } from './keys.js';
export type { ArrayInfo, ArrayEntry } from './arrays.js';
export { selectTimestep } from './layout.js';
export { decodeBfloat16 } from './bfloat16.js';
export { parseArrow, LAYOUT_METADATA_KEY, SHAPE_METADATA_KEY, type ArrowArray, type ArrowParseOptions } from './arrow.js';
export { detectFormat, type InputFormat } from './detect.js';
export { reduceToMatrix, checkLayout, layoutProblem, type Layout, type ConvReduction, type ReduceOptions, type ReducedMatrix } from './layout.js';
export { MAX_ELEMENTS, type NdArray } from './ndarray.js';
