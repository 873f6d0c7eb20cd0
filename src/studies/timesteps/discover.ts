/**
 * Finding the sequence arrays of `pwcca timesteps`: one file (`FILE` or
 * `FILE#KEY`), several files, or a folder laid out as for `pairwise`
 * (`ROOT/<network>/<layer>.npy`, a flat folder, multi-array files whose keys
 * are layers). Each 3-D array with a `t` axis in `--layout` gives one T x T
 * matrix; in a folder or a list, arrays that are not 3-D are skipped with
 * one warning, while a single input that is not a sequence array is an
 * error. Shapes come from the files' headers: no data is read here.
 */
import { statSync } from 'node:fs';
import { PwccaError, UsageError } from '../../errors.js';
import { describeFailure } from '../../engine/failure.js';
import type { PairFailure } from '../../engine/types.js';
import type { ArrayInfo } from '../../io/arrays.js';
import { describeArray, listContainerArrays, resolveRef } from '../../io/load.js';
import { formatShape } from '../../io/ndarray.js';
import { printable } from '../../io/printable.js';
import { discoverActivationArrays, FLAT_LAYER, fileStem, type DiscoverOptions, type DiscoveryMode } from '../pairwise/discover.js';

/** One `(N, T, C)` array (in any axis order) whose timesteps are compared. */
export interface SequenceArray {
  /** `FILE` or `FILE#KEY`: what `FILE#t=K` selections are made from. */
  readonly ref: string;
  /** Name of its matrix: `<network>/<layer>`, or the network alone when the input has no layers (a flat folder or a list of files). */
  readonly label: string;
  readonly network: string;
  readonly layer: string;
  readonly group: string | null;
  /** Shape as stored. */
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Sizes of the n, t and c axes. */
  readonly datapoints: number;
  readonly timesteps: number;
  readonly neurons: number;
}

export interface SequenceDiscovery {
  /** `file`: one input file (or FILE#KEY); otherwise as in pairwise discovery. */
  readonly mode: 'file' | DiscoveryMode;
  readonly root?: string;
  /** In natural order of network, then layer. */
  readonly sequences: readonly SequenceArray[];
  /** Files of a folder or list that could not be read (their arrays are not compared), with why. */
  readonly unreadable: ReadonlyArray<{ readonly path: string; readonly error: PairFailure }>;
  readonly warnings: readonly string[];
}

export interface SequenceDiscoverOptions extends DiscoverOptions {
  /** Axis order of the arrays: three letters n, c and t in any order (`ntc`, `nct`). */
  readonly layout: string;
  readonly dtype?: 'bfloat16';
  readonly skipNonNumeric?: boolean;
  /** Pluggable for tests: the array an input selects (default: from the file's headers). */
  readonly describe?: (ref: string) => Promise<ArrayInfo>;
}

const LAYOUT_HINT = 'pass --layout ntc (batch, time, features: PyTorch batch_first, Keras, JAX) or --layout nct';

/**
 * Checks that `layout` names the three axes of a sequence array.
 *
 * @throws UsageError for `auto`, a layout without `t`, or other axes.
 */
export function checkSequenceLayout(layout: string | undefined): string {
  if (layout === undefined || layout === 'auto') {
    throw new UsageError('timesteps needs the axis order of the sequence arrays: --layout ntc or --layout nct', { hint: LAYOUT_HINT });
  }
  if (layout.length !== 3 || ![...'nct'].every((letter) => layout.includes(letter))) {
    throw new UsageError(`--layout ${layout} is not a sequence layout: timesteps needs the three axes n (datapoints), t (time) and c (features)`, {
      hint: LAYOUT_HINT,
    });
  }
  return layout;
}

/**
 * Finds the sequence arrays of the inputs (see the module comment).
 *
 * @throws UsageError for a missing or non-sequence layout, a single input
 *   that is not a 3-D array or names a timestep, or no sequence array at all.
 * @throws InputError when a single input cannot be read.
 */
export async function discoverSequences(inputs: readonly string[], options: SequenceDiscoverOptions): Promise<SequenceDiscovery> {
  const layout = checkSequenceLayout(options.layout);
  const describe = options.describe ?? ((ref: string) => describeArray(ref, { dtype: options.dtype, skipNonNumeric: options.skipNonNumeric }));
  if (inputs.length === 0) throw new UsageError('no inputs', { hint: 'pass a sequence array file (e.g. gru_out.npy --layout ntc) or a folder of them' });
  for (const input of inputs) {
    const ref = await resolveRef(input);
    if (ref.timestep !== undefined) {
      throw new UsageError(`${input} selects one timestep, but timesteps compares all timesteps of an array`, {
        where: input,
        hint: `pass ${input.slice(0, input.lastIndexOf('#'))} and choose timesteps with --timesteps 0,5,10`,
      });
    }
    if (ref.path === '-') throw new UsageError('timesteps cannot read standard input', { hint: 'save the array to a file and pass its path' });
  }

  const single = inputs.length === 1 ? await singleFileEntries(inputs[0]) : null;
  const found = single ?? (await discoverActivationArrays(inputs, { groupBy: options.groupBy }));
  const sequences: SequenceArray[] = [];
  const skipped: string[] = [];
  const unreadable: Array<{ path: string; error: PairFailure }> = [];
  for (const entry of found.files) {
    let info: ArrayInfo;
    try {
      info = await describe(entry.path);
    } catch (error) {
      // In a folder a damaged file is reported and the others go on.
      if (single?.strict || !(error instanceof PwccaError)) throw error;
      unreadable.push({ path: entry.path, error: describeFailure(error, entry.path) });
      continue;
    }
    const sequence = toSequence(entry, info, layout);
    if (sequence) {
      sequences.push(sequence);
      continue;
    }
    const why = formatShape(info.shape);
    if (single?.strict) {
      throw new UsageError(`${entry.path} is not a sequence array: shape ${why}, but --layout ${layout} needs 3 axes (n, t, c) with at least one timestep`, {
        where: entry.path,
        hint: 'timesteps compares the (N, C) slices of a 3-D array saved as (N, T, C) or (N, C, T); for 2-D activations use pwcca pairwise or compare',
      });
    }
    skipped.push(`${entry.path} (${why})`);
  }
  const warnings = [...found.warnings];
  if (skipped.length > 0) {
    warnings.push(
      `skipped ${skipped.length} input(s) without a t axis (not 3-D arrays for --layout ${layout}): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`,
    );
  }
  if (unreadable.length > 0) {
    const named = unreadable.map(({ path, error }) => `${path}: ${error.message}`);
    warnings.push(`skipped ${unreadable.length} file(s) that could not be read: ${named.slice(0, 3).join('; ')}${named.length > 3 ? '; ...' : ''}`);
  }
  if (sequences.length === 0) {
    throw new UsageError(`no sequence arrays (3-D, layout ${layout}) in ${inputs.join(' ')}`, {
      hint: 'timesteps compares the timesteps of (N, T, C) arrays; save sequence outputs as 3-D arrays, or use pwcca pairwise for 2-D activations',
    });
  }
  return { mode: found.mode, ...(found.root !== undefined && { root: found.root }), sequences, unreadable, warnings };
}

interface FoundEntries {
  readonly mode: SequenceDiscovery['mode'];
  readonly root?: string;
  readonly files: ReadonlyArray<{ path: string; network: string; layer: string; group: string | null }>;
  readonly warnings: readonly string[];
  /** One array named by the user: anything but a sequence array is an error. */
  readonly strict?: boolean;
}

/**
 * One input that is a file: the array it names (strict), or every array of
 * a multi-array file given without a key (network = the file's stem, layers
 * = its keys). A folder goes through pairwise discovery.
 */
async function singleFileEntries(input: string): Promise<FoundEntries | null> {
  const { path, key } = await resolveRef(input);
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`no such file or folder: ${input}`, { where: input, hint: 'check the path' });
  }
  if (isFolder) return null;
  const stem = fileStem(path) + (key === undefined ? '' : `#${printable(key)}`);
  const arrays = key === undefined ? await listContainerArrays(path) : null;
  if (arrays === null) return { mode: 'file', files: [{ path: input, network: stem, layer: FLAT_LAYER, group: null }], warnings: [], strict: true };
  return { mode: 'file', files: arrays.map((array) => ({ path: `${path}#${array.key}`, network: stem, layer: array.key, group: null })), warnings: [] };
}

function toSequence(entry: { path: string; network: string; layer: string; group: string | null }, info: ArrayInfo, layout: string): SequenceArray | null {
  const { shape } = info;
  if (shape.length !== 3 || shape.includes(0)) return null;
  return {
    ref: entry.path,
    label: entry.layer === FLAT_LAYER ? entry.network : `${entry.network}/${entry.layer}`,
    network: entry.network,
    layer: entry.layer,
    group: entry.group,
    shape,
    dtype: info.dtype,
    datapoints: shape[layout.indexOf('n')],
    timesteps: shape[layout.indexOf('t')],
    neurons: shape[layout.indexOf('c')],
  };
}
