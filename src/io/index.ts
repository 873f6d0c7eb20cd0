/**
 * Reading activation files. `loadMatrix` is what commands use; the pure
 * parsers are exported for library users who already hold the bytes.
 *
 * Importing this index loads apache-arrow (about 0.17 s); code that only needs
 * `loadMatrix` can import './load.js', which loads Arrow support on demand.
 */
export { loadMatrix, checkFinite, type LoadOptions, type LoadedMatrix, type InputInfo } from './load.js';
export { parseNpy, parseNpyHeader, checkNpyHeader, decodeNpyData, type NpyHeader } from './npy.js';
export { parseArrow, LAYOUT_METADATA_KEY, SHAPE_METADATA_KEY, type ArrowArray, type ArrowParseOptions } from './arrow.js';
export { detectFormat, type InputFormat } from './detect.js';
export { reduceToMatrix, checkLayout, layoutProblem, parseLayoutSpec, layoutForRank, layoutHint, describeLayoutMismatch, type LayoutSpec, type ShapedSource, type Layout, type ConvReduction, type ReduceOptions, type ReducedMatrix } from './layout.js';
export { MAX_ELEMENTS, type NdArray } from './ndarray.js';
