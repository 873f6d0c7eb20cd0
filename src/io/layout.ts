/**
 * Turns a stored array into the (datapoints x neurons) matrix the engine uses.
 *
 * 2-D arrays are (N, D) (`auto`) or, with `neurons-first`, (D, N) as
 * google/svcca stores them. Arrays with more axes are conv or sequence
 * activations; nothing in the file says whether (40, 6, 6, 12) is N,C,H,W or
 * N,H,W,C, so the user (or the file's metadata) names every axis with one
 * letter: `n` datapoints, `c` neurons/channels, and h, w, d, t, s for space
 * and time. They are then flattened (every position is a datapoint) or
 * averaged over space.
 */
import { InputError, UsageError } from '../errors.js';
import { transpose } from '../linalg/kernels.js';
import { buildMatrix, type Matrix } from '../types.js';
import { countElements, type NdArray } from './ndarray.js';

/** `'auto'`, `'neurons-first'`, or one letter per axis such as `'nchw'`, `'nhwc'`, `'ntc'`. */
export type Layout = string;

/** How conv/sequence positions are reduced: each one a datapoint, or averaged. */
export type ConvReduction = 'flatten' | 'mean';

export interface ReduceOptions {
  readonly layout: Layout;
  readonly conv: ConvReduction;
  /** File name for messages. */
  readonly source: string;
  /** Layout the file itself declares (Arrow `pwcca:layout`), used when `layout` is 'auto'. */
  readonly fileLayout?: string;
}

export interface ReducedMatrix {
  readonly matrix: Matrix;
  /** The layout applied: the user's, else the file's, else 'auto'. */
  readonly layout: Layout;
  readonly reduction: 'none' | ConvReduction;
  /** Sizes of the spatial/time axes in layout order; [] for 2-D arrays. */
  readonly spatialShape: number[];
}

const SPATIAL_AXES = 'hwdts';
const LAYOUT_HINT = 'pass --layout nchw (PyTorch: N,C,H,W) or --layout nhwc (TF/numpy: N,H,W,C), and --conv flatten|mean';

/**
 * Why `layout` is not a valid layout string, or undefined when it is. Checks
 * the spelling only, not the fit to an array (see `reduceToMatrix`).
 */
export function layoutProblem(layout: string): string | undefined {
  if (layout === 'auto' || layout === 'neurons-first') return undefined;
  if (!/^[a-z]+$/.test(layout)) return `layout '${layout}' is not auto, neurons-first or axis letters like nchw`;
  const letters = [...layout];
  const repeated = letters.find((letter, i) => letters.indexOf(letter) !== i);
  if (repeated) return `layout '${layout}' names axis '${repeated}' twice`;
  const unknown = letters.find((letter) => letter !== 'n' && letter !== 'c' && !SPATIAL_AXES.includes(letter));
  if (unknown) return `layout '${layout}' has unknown axis '${unknown}' (use n, c and ${[...SPATIAL_AXES].join(', ')})`;
  if (!layout.includes('n') || !layout.includes('c')) return `layout '${layout}' needs one 'n' (datapoints) and one 'c' (neurons/channels)`;
  return undefined;
}

/**
 * Checks the spelling of a user-given layout, so a typo fails before any file is read.
 *
 * @throws UsageError
 */
export function checkLayout(layout: string): void {
  const problem = layoutProblem(layout);
  if (problem) throw new UsageError(problem, { hint: `use --layout auto, neurons-first, or one letter per axis: ${LAYOUT_HINT}` });
}

/**
 * Reduces a C-ordered array to a row-major (datapoints x neurons) float64 matrix.
 *
 * - 2-D, `auto`: as stored (no copy). `neurons-first`: transposed.
 * - N-D with an axis layout: `flatten` gives rows (n, spatial axes in layout
 *   order), e.g. row (n*H + h)*W + w for nchw and nhwc, and one column per
 *   channel; `mean` averages over all spatial axes, giving (N, C).
 *
 * @throws UsageError when the layout does not fit the array (a conv array
 *   without a layout, a layout of the wrong length, an axis layout on 2-D data).
 * @throws InputError when the file's own layout metadata is invalid.
 */
export function reduceToMatrix(array: NdArray, options: ReduceOptions): ReducedMatrix {
  const { shape } = array;
  const { source } = options;
  checkLayout(options.layout);
  const layout = options.layout === 'auto' && options.fileLayout !== undefined ? checkFileLayout(options.fileLayout, source) : options.layout;
  if (shape.length === 2) return reduce2d(array, layout, source);

  if (layout === 'auto') {
    throw new UsageError(`conv/sequence activations need a layout (${source}): shape [${shape.join(', ')}] has ${shape.length} axes`, {
      where: source,
      hint: LAYOUT_HINT,
    });
  }
  if (layout === 'neurons-first' || layout.length !== shape.length) {
    throw new UsageError(
      `layout ${layout} does not fit ${source}: shape [${shape.join(', ')}] has ${shape.length} axes, the layout names ${layout === 'neurons-first' ? 2 : layout.length}`,
      { where: source, hint: `give one letter per axis: ${LAYOUT_HINT}` },
    );
  }
  const axes = describeAxes(shape, layout);
  const matrix = options.conv === 'mean' ? meanOverSpace(array.data, axes) : flattenSpace(array.data, axes);
  return { matrix, layout, reduction: options.conv, spatialShape: axes.spatialSizes };
}

function checkFileLayout(layout: string, source: string): string {
  const problem = layoutProblem(layout);
  if (problem) {
    throw new InputError(`invalid pwcca:layout metadata (${source}): ${problem}`, {
      where: source,
      hint: `fix the metadata when writing the file, or override it: ${LAYOUT_HINT}`,
    });
  }
  return layout;
}

function reduce2d(array: NdArray, layout: string, source: string): ReducedMatrix {
  const [rows, cols] = array.shape;
  if (layout === 'auto') return { matrix: buildMatrix(rows, cols, array.data), layout, reduction: 'none', spatialShape: [] };
  if (layout === 'neurons-first') {
    return { matrix: buildMatrix(cols, rows, transpose(array.data, rows, cols)), layout, reduction: 'none', spatialShape: [] };
  }
  throw new UsageError(`layout ${layout} is for conv/sequence arrays, but ${source} is 2-D: shape [${array.shape.join(', ')}]`, {
    where: source,
    hint: 'for 2-D arrays pass --layout auto ((datapoints, neurons), the default) or --layout neurons-first',
  });
}

// ------------------------------------------------------------- conv arrays

interface Axes {
  readonly n: number;
  readonly c: number;
  /** C-order strides of the datapoint and channel axes. */
  readonly nStride: number;
  readonly cStride: number;
  readonly spatialSizes: number[];
  /** Offset of every spatial position (in layout order) from its datapoint's start. */
  readonly spatialOffsets: Int32Array;
  /** True when storage already is (n, spatial..., c): flattening is a reshape. */
  readonly flatInPlace: boolean;
}

function describeAxes(shape: readonly number[], layout: string): Axes {
  const strides = shape.map((_, axis) => countElements(shape.slice(axis + 1)));
  const nAxis = layout.indexOf('n');
  const cAxis = layout.indexOf('c');
  const spatial = [...layout].flatMap((letter, axis) => (letter === 'n' || letter === 'c' ? [] : [axis]));
  const spatialSizes = spatial.map((axis) => shape[axis]);
  // Offsets of all positions, last spatial axis fastest (an odometer over the spatial axes).
  const spatialOffsets = new Int32Array(countElements(spatialSizes));
  const index = spatial.map(() => 0);
  for (let p = 1; p < spatialOffsets.length; p++) {
    let k = spatial.length - 1;
    while (++index[k] === spatialSizes[k]) index[k--] = 0;
    spatialOffsets[p] = spatial.reduce((offset, axis, j) => offset + index[j] * strides[axis], 0);
  }
  return {
    n: shape[nAxis],
    c: shape[cAxis],
    nStride: strides[nAxis],
    cStride: strides[cAxis],
    spatialSizes,
    spatialOffsets,
    flatInPlace: nAxis === 0 && cAxis === shape.length - 1,
  };
}

/** (N * positions) x C; row = n * positions + position. */
function flattenSpace(data: Float64Array, axes: Axes): Matrix {
  const { n, c, nStride, cStride, spatialOffsets } = axes;
  const positions = spatialOffsets.length;
  if (axes.flatInPlace) return buildMatrix(n * positions, c, data);
  const out = new Float64Array(data.length);
  let row = 0;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < positions; p++, row++) {
      const base = i * nStride + spatialOffsets[p];
      for (let j = 0; j < c; j++) out[row * c + j] = data[base + j * cStride];
    }
  }
  return buildMatrix(n * positions, c, out);
}

/** N x C: each channel averaged over every position of its datapoint. */
function meanOverSpace(data: Float64Array, axes: Axes): Matrix {
  const { n, c, nStride, cStride, spatialOffsets } = axes;
  const positions = spatialOffsets.length;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < positions; p++) {
      const base = i * nStride + spatialOffsets[p];
      for (let j = 0; j < c; j++) out[i * c + j] += data[base + j * cStride];
    }
    for (let j = 0; j < c; j++) out[i * c + j] /= positions;
  }
  return buildMatrix(n, c, out);
}

// ------------------------------------------------------------- timesteps

/**
 * Timestep `t` of a sequence array as a 2-D (N, C) array: the exact slice
 * `x[:, t, :]` for `ntc`, `x[:, :, t]` for `nct` (any order of the three
 * letters n, c, t works).
 *
 * @throws UsageError when the layout is not three axes n, c and t, or does
 *   not fit the array.
 * @throws InputError when `t` is not a timestep of the array.
 */
export function selectTimestep(array: NdArray, layout: Layout, t: number, source: string): NdArray {
  const { shape } = array;
  if (layout.length !== 3 || ![...'nct'].every((letter) => layout.includes(letter))) {
    throw new UsageError(`#t=${t} needs a sequence layout with axes n, c and t, got '${layout}' (${source})`, {
      where: source,
      hint: 'pass --layout ntc (batch, time, features) or --layout nct',
    });
  }
  if (shape.length !== 3) {
    throw new UsageError(`layout ${layout} does not fit ${source}: shape [${shape.join(', ')}] has ${shape.length} axes, the layout names 3`, {
      where: source,
      hint: 'a timestep is selected from a 3-D (N, T, C) or (N, C, T) array',
    });
  }
  const steps = shape[layout.indexOf('t')];
  if (!Number.isInteger(t) || t < 0 || t >= steps) {
    throw new InputError(`timestep ${t} is out of range in ${source}: the array has ${steps} timesteps (t=0..${steps - 1})`, {
      where: source,
      hint: `choose a timestep from 0 to ${steps - 1}`,
    });
  }
  const strides = shape.map((_, axis) => countElements(shape.slice(axis + 1)));
  const [nAxis, cAxis, tAxis] = [layout.indexOf('n'), layout.indexOf('c'), layout.indexOf('t')];
  const n = shape[nAxis];
  const c = shape[cAxis];
  const out = new Float64Array(n * c);
  const base = t * strides[tAxis];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) out[i * c + j] = array.data[base + i * strides[nAxis] + j * strides[cAxis]];
  }
  return { shape: [n, c], dtype: array.dtype, data: out, fortranOrder: false };
}
