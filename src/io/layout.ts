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
 *
 * One model's folder mixes ranks (4-D conv maps next to 2-D fc layers, a
 * 3-D RNN output next to 2-D logits), so a layout names the arrays of its own
 * rank only, and a comma list gives one per rank: `nchw,ntc`. 2-D arrays stay
 * (datapoints, neurons) unless the list holds `neurons-first`.
 */
import { InputError, UsageError } from '../errors.js';
import { transposeInto } from '../linalg/kernels.js';
import { buildMatrix, type Matrix } from '../types.js';
import { allocateArray, countElements, type Allocate, type NdArray } from './ndarray.js';

/**
 * `'auto'`, `'neurons-first'`, one letter per axis such as `'nchw'`,
 * `'nhwc'`, `'ntc'`, or a comma list of those with one entry per rank
 * (`'nchw,ntc'`, `'neurons-first,nchw'`).
 */
export type Layout = string;

/** How conv/sequence positions are reduced: each one a datapoint, or averaged. */
export type ConvReduction = 'flatten' | 'mean';

export interface ReduceOptions {
  readonly layout: Layout;
  readonly conv: ConvReduction;
  /** File name for messages. */
  readonly source: string;
  /**
   * Layout the file itself declares (Arrow `pwcca:layout`). It wins over
   * `layout` for this file: the file knows its own axes, a flag speaks for
   * every file of a rank.
   */
  readonly fileLayout?: string;
  /**
   * Where the matrix goes when it must be built anew (transposed, flattened
   * in another order, averaged): `allocate(rows * cols)`, called at most once.
   * Default a fresh Float64Array. Not called when the array's own data is the
   * matrix (see {@link keepsStorage}).
   */
  readonly allocate?: Allocate;
}

export interface ReducedMatrix {
  readonly matrix: Matrix;
  /** The layout applied to this array: the file's, else the user's for its rank, else 'auto'. */
  readonly layout: Layout;
  readonly reduction: 'none' | ConvReduction;
  /** Sizes of the spatial/time axes in layout order; [] for 2-D arrays. */
  readonly spatialShape: number[];
}

const SPATIAL_AXES = 'hwdts';
const CONV_HINT = 'pass --layout nchw (PyTorch: N,C,H,W) or --layout nhwc (TF/numpy: N,H,W,C), and --conv flatten|mean';

/** The layouts people store arrays of each rank in, most common first (for hints and mismatch messages). */
const COMMON_LAYOUTS: Readonly<Record<number, readonly string[]>> = {
  3: ['ntc', 'nct'],
  4: ['nchw', 'nhwc'],
  5: ['ncdhw', 'ndhwc'],
};

/** What to pass for an array of `rank` axes that has no layout. */
export function layoutHint(rank: number): string {
  if (rank === 3) return 'pass --layout ntc (batch-first sequences: N,T,C) or --layout nct (N,C,T), and --conv flatten|mean';
  if (rank === 4) return CONV_HINT;
  if (rank === 5) return 'pass --layout ncdhw (PyTorch 3-D conv: N,C,D,H,W) or --layout ndhwc (N,D,H,W,C), and --conv flatten|mean';
  return `pass --layout with one letter per axis (${rank} letters: n for datapoints, c for neurons, h w d t s for positions), and --conv flatten|mean`;
}

/**
 * Hint for a file whose array does not fit the layout given, naming every
 * layout of `layoutText` and the one to add for this rank.
 */
function addLayoutHint(layoutText: string, rank: number): string {
  const suggestions = COMMON_LAYOUTS[rank] ?? [];
  if (layoutText === 'auto' || suggestions.length === 0) return layoutHint(rank);
  const listed = layoutText.split(',').map((part) => part.trim());
  return `one layout per rank: e.g. --layout ${[...listed, suggestions[0]].join(',')} (or ${suggestions.slice(1).join(', ')} for the ${rank}-D arrays), and --conv flatten|mean`;
}

/** A `--layout` value split by rank: what 2-D arrays and what each higher rank use. */
export interface LayoutSpec {
  /** 2-D arrays: (datapoints, neurons) or transposed. */
  readonly twoD: 'auto' | 'neurons-first';
  /** Axis letters by number of axes (3 and more). */
  readonly byRank: ReadonlyMap<number, string>;
}

/**
 * Why `layout` is not a valid layout string, or undefined when it is. Checks
 * the spelling only, not the fit to an array (see `reduceToMatrix`).
 */
export function layoutProblem(layout: string): string | undefined {
  if (!layout.includes(',')) return singleLayoutProblem(layout);
  const parts = layout.split(',').map((part) => part.trim());
  for (const part of parts) {
    if (part === 'auto') return `layout '${layout}': auto cannot be part of a list (2-D arrays are (datapoints, neurons) unless the list holds neurons-first)`;
    const problem = singleLayoutProblem(part);
    if (problem) return problem;
  }
  const rankOf = (part: string) => (part === 'neurons-first' ? 2 : part.length);
  const clash = parts.find((part, i) => parts.findIndex((other) => rankOf(other) === rankOf(part)) !== i);
  if (clash !== undefined) {
    const twins = parts.filter((part) => rankOf(part) === rankOf(clash));
    return `layout '${layout}' gives ${rankOf(clash)}-D arrays two layouts (${twins.join(' and ')}): list one layout per number of axes`;
  }
  return undefined;
}

function singleLayoutProblem(layout: string): string | undefined {
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
 * Splits a checked `--layout` value by rank.
 *
 * @throws UsageError when it is misspelt (see {@link layoutProblem}).
 */
export function parseLayoutSpec(layout: Layout): LayoutSpec {
  checkLayout(layout);
  const byRank = new Map<number, string>();
  let twoD: LayoutSpec['twoD'] = 'auto';
  for (const part of layout.split(',').map((p) => p.trim())) {
    if (part === 'auto') continue;
    // Two letters name a 2-D array's axes: nc is the default, cn the transpose.
    if (part === 'neurons-first' || part === 'cn') twoD = 'neurons-first';
    else if (part !== 'nc') byRank.set(part.length, part);
  }
  return { twoD, byRank };
}

/** The layout a `--layout` value gives arrays of `rank` axes: 'auto', 'neurons-first', axis letters, or undefined when it has none for that rank. */
export function layoutForRank(layout: Layout, rank: number): string | undefined {
  const spec = parseLayoutSpec(layout);
  return rank === 2 ? spec.twoD : spec.byRank.get(rank);
}

/**
 * Checks the spelling of a user-given layout, so a typo fails before any file is read.
 *
 * @throws UsageError
 */
export function checkLayout(layout: string): void {
  const problem = layoutProblem(layout);
  if (problem) throw new UsageError(problem, { hint: `use --layout auto, neurons-first, or one letter per axis (a comma list gives one per rank, e.g. nchw,ntc): ${CONV_HINT}` });
}

/**
 * Reduces a C-ordered array to a row-major (datapoints x neurons) matrix.
 *
 * - 2-D: as stored (no copy), or transposed when the layout holds
 *   `neurons-first`; axis layouts of other ranks do not apply.
 * - N-D with an axis layout of its rank: `flatten` gives rows (n, spatial
 *   axes in layout order), e.g. row (n*H + h)*W + w for nchw and nhwc, and
 *   one column per channel; `mean` averages over all spatial axes, giving (N, C).
 *
 * The file's own layout (Arrow metadata), when it has one, wins over the
 * user's for its rank.
 *
 * @throws UsageError when no layout fits the array (a conv array without a
 *   layout of its rank).
 * @throws InputError when the file's own layout metadata is invalid or does
 *   not fit its array.
 */
export function reduceToMatrix(array: NdArray, options: ReduceOptions): ReducedMatrix {
  const layout = appliedLayout(array.shape, options);
  if (array.shape.length === 2) return reduce2d(array, layout === 'neurons-first' ? 'neurons-first' : 'auto', options.allocate);
  return reduceAxes(array, layout, options.conv, options.allocate);
}

/**
 * True when {@link reduceToMatrix} gives the array's own `data` as the matrix,
 * without a copy: a 2-D array read as (datapoints, neurons), or conv/sequence
 * maps flattened from a layout that starts with n and ends with c (nhwc,
 * ntc). A reader can then decode straight into the matrix's final memory.
 * False when the matrix must be built anew (transposed, reordered, averaged)
 * or when no layout fits (reduceToMatrix then says why).
 */
export function keepsStorage(shape: readonly number[], options: Pick<ReduceOptions, 'layout' | 'conv' | 'fileLayout'>): boolean {
  let layout: string;
  try {
    layout = appliedLayout(shape, { ...options, source: '' });
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) return false;
    throw error;
  }
  if (shape.length === 2) return layout === 'auto';
  return options.conv === 'flatten' && isFlatInPlace(layout);
}

/**
 * The layout applied to an array of `shape`: 'auto' or 'neurons-first' for
 * 2-D arrays, axis letters of its rank otherwise. The file's own layout wins.
 *
 * @throws UsageError / InputError as {@link reduceToMatrix}.
 */
function appliedLayout(shape: readonly number[], options: Pick<ReduceOptions, 'layout' | 'source' | 'fileLayout'>): string {
  const { source } = options;
  const spec = parseLayoutSpec(options.layout);
  if (options.fileLayout !== undefined) {
    const layout = checkFileLayout(options.fileLayout, source);
    const rank = layout === 'neurons-first' || layout === 'auto' ? 2 : layout.length;
    if (rank !== shape.length) {
      throw new InputError(
        `pwcca:layout metadata '${layout}' does not fit ${source}: shape [${shape.join(', ')}] has ${shape.length} axes`,
        { where: source, hint: 'fix the pwcca:layout metadata when writing the file (one letter per axis)' },
      );
    }
    if (shape.length === 2) return layout === 'neurons-first' || layout === 'cn' ? 'neurons-first' : 'auto';
    return layout;
  }
  if (shape.length === 2) return spec.twoD;
  const layout = spec.byRank.get(shape.length);
  if (layout === undefined) {
    const given = options.layout === 'auto' ? 'no --layout was given' : `--layout ${options.layout} has no ${shape.length}-letter layout`;
    throw new UsageError(
      `conv/sequence activations need a layout (${source}): shape [${shape.join(', ')}] has ${shape.length} axes and ${given}`,
      { where: source, hint: addLayoutHint(options.layout, shape.length) },
    );
  }
  return layout;
}

/** Datapoints first and channels last: flattening the positions is a reshape, the storage is already the matrix. */
function isFlatInPlace(layout: string): boolean {
  return layout.startsWith('n') && layout.endsWith('c');
}

function reduceAxes(array: NdArray, layout: string, conv: ConvReduction, allocate: Allocate | undefined): ReducedMatrix {
  const axes = describeAxes(array.shape, layout);
  const matrix = conv === 'mean' ? meanOverSpace(array.data, axes, allocate) : flattenSpace(array.data, axes, allocate);
  return { matrix, layout, reduction: conv, spatialShape: axes.spatialSizes };
}

function checkFileLayout(layout: string, source: string): string {
  const problem = layout.includes(',') ? 'a file declares one layout, not a list' : layoutProblem(layout);
  if (problem) {
    throw new InputError(`invalid pwcca:layout metadata (${source}): ${problem}`, {
      where: source,
      hint: 'fix the pwcca:layout metadata when writing the file (one letter per axis, e.g. nhwc)',
    });
  }
  return layout;
}

function reduce2d(array: NdArray, layout: 'auto' | 'neurons-first', allocate: Allocate | undefined): ReducedMatrix {
  const [rows, cols] = array.shape;
  if (layout === 'auto') return { matrix: buildMatrix(rows, cols, array.data), layout, reduction: 'none', spatialShape: [] };
  const out = allocateArray(allocate, rows * cols);
  transposeInto(array.data, rows, cols, out);
  return { matrix: buildMatrix(cols, rows, out), layout, reduction: 'none', spatialShape: [] };
}

// ------------------------------------------------- mismatched layouts

/** One array's shape and the name to call it by in messages. */
export interface ShapedSource {
  readonly source: string;
  readonly shape: readonly number[];
}

/** Channels and positions of an array read with an axis layout. */
function channelsAndPositions(shape: readonly number[], layout: string): string {
  const letters = [...layout];
  const c = shape[letters.indexOf('c')];
  const positions = letters.flatMap((letter, axis) => (letter === 'n' || letter === 'c' ? [] : [shape[axis]]));
  return `${c}|${positions.join(',')}`;
}

/**
 * When two arrays of one rank disagree under `layout` (their channels or
 * positions differ) but would agree if one of them were stored in another
 * common layout (an NHWC file among NCHW ones), says so: each file's shape
 * and the layout each looks like. Undefined when no other common layout
 * explains the difference (e.g. conv maps of genuinely different sizes).
 * Pure; used by the pair checks to explain a shape mismatch without
 * suggesting a reduction that would hide it.
 */
export function describeLayoutMismatch(a: ShapedSource, b: ShapedSource, layoutText: Layout): string | undefined {
  const rank = a.shape.length;
  if (rank < 3 || b.shape.length !== rank) return undefined;
  const layout = layoutForRank(layoutText, rank);
  if (layout === undefined || layout.length !== rank) return undefined;
  if (channelsAndPositions(a.shape, layout) === channelsAndPositions(b.shape, layout)) return undefined;
  const candidates = [...new Set([layout, ...(COMMON_LAYOUTS[rank] ?? [])])].filter((other) => other !== layout);
  const fits = (mine: readonly number[], theirs: readonly number[]) =>
    candidates.find((other) => channelsAndPositions(mine, other) === channelsAndPositions(theirs, layout));
  const describe = (file: ShapedSource, looks: string) => `${file.source} has shape [${file.shape.join(', ')}] (looks like ${looks})`;
  const forA = fits(a.shape, b.shape);
  if (forA !== undefined) return `${describe(a, forA)}, ${describe(b, layout)}`;
  const forB = fits(b.shape, a.shape);
  if (forB !== undefined) return `${describe(a, layout)}, ${describe(b, forB)}`;
  return undefined;
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
    flatInPlace: isFlatInPlace(layout),
  };
}

/** (N * positions) x C; row = n * positions + position. */
function flattenSpace(data: Float64Array, axes: Axes, allocate: Allocate | undefined): Matrix {
  const { n, c, nStride, cStride, spatialOffsets } = axes;
  const positions = spatialOffsets.length;
  if (axes.flatInPlace) return buildMatrix(n * positions, c, data);
  const out = allocateArray(allocate, data.length);
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
function meanOverSpace(data: Float64Array, axes: Axes, allocate: Allocate | undefined): Matrix {
  const { n, c, nStride, cStride, spatialOffsets } = axes;
  const positions = spatialOffsets.length;
  const out = allocateArray(allocate, n * c);
  for (let i = 0; i < n; i++) {
    // Allocated memory may be reused: start each row's sums from zero.
    out.fill(0, i * c, (i + 1) * c);
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
 * letters n, c, t works), copied into `allocate(N * C)` (default a fresh array).
 *
 * @throws UsageError when the layout is not three axes n, c and t, or does
 *   not fit the array.
 * @throws InputError when `t` is not a timestep of the array.
 */
export function selectTimestep(array: NdArray, layout: Layout, t: number, source: string, allocate?: Allocate): NdArray {
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
  const out = allocateArray(allocate, n * c);
  const base = t * strides[tAxis];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) out[i * c + j] = array.data[base + i * strides[nAxis] + j * strides[cAxis]];
  }
  return { shape: [n, c], dtype: array.dtype, data: out, fortranOrder: false };
}
