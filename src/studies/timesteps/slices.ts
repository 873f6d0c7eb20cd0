/**
 * The timestep slices of sequence arrays, read once per array.
 *
 * A `FILE#t=K` input loaded on its own reads and converts the whole
 * `(N, T, C)` array to take one `(N, C)` slice, so a T x T study would read
 * every file T times. Here each array is read once (through the ordinary
 * loader, with its layout flattened to `(N*T, C)`, row `n*T + t`) and each
 * selected timestep's slice is copied out of it once. A slice cannot be a
 * view: its rows are `T*C` values apart (and for `nct` its values `T`
 * apart), while the engine's matrices are dense row-major.
 *
 * Memory: the whole array as float64 (for `ntc` the loader's own array, not
 * a copy) is held from the first slice asked for until every selected
 * timestep has been copied out once, then dropped; after that only the
 * slices (N x C each) and their prepared sides live, in the engine's cache.
 * A slice asked for again (only after the engine evicted it under
 * `--max-memory`) is read again from the file with `FILE#t=K`.
 */
import { loadMatrix, resolveRefSync, type LoadedMatrix, type LoadOptions } from '../../io/load.js';
import { buildMatrix } from '../../types.js';
import type { SourceFile } from '../../engine/types.js';

/** The engine file id and path of timestep `t` of the array `ref` (`FILE` or `FILE#KEY`). */
export function timestepRef(ref: string, t: number): string {
  return `${ref}#t=${t}`;
}

/**
 * Loads the slices of one sequence array: `load(t)` gives timestep `t` as
 * `loadMatrix(timestepRef(ref, t))` would (same values, same input info),
 * reading the file once for all of `timesteps`. `load` is the loader
 * (pluggable for tests).
 */
export function createSliceSource(
  ref: string,
  timesteps: readonly number[],
  options: LoadOptions & { readonly layout: string },
  load: typeof loadMatrix = loadMatrix,
): { load(t: number): Promise<LoadedMatrix> } {
  let whole: Promise<LoadedMatrix | null> | null = null;
  const pending = new Set(timesteps);
  return {
    async load(t: number): Promise<LoadedMatrix> {
      if (!pending.delete(t)) return load(timestepRef(ref, t), options);
      // A whole array that does not load (NaN somewhere, a damaged file) falls back to reading each
      // slice on its own: only the timesteps with bad values fail, each naming its own row and column.
      whole ??= load(ref, { ...options, conv: 'flatten' }).catch(() => null);
      const source = whole;
      // Every selected slice is out (or being copied): the whole array is no longer needed here.
      if (pending.size === 0) whole = null;
      const loaded = await source;
      return loaded === null ? load(timestepRef(ref, t), options) : sliceTimestep(loaded, ref, t);
    },
  };
}

/**
 * Timestep `t` of an array loaded with a sequence layout and `conv:
 * 'flatten'` ((N*T) x C, row n*T + t): the exact values of `x[:, t, :]`
 * (`x[:, :, t]` for `nct`) with the input info `FILE#t=K` gets.
 */
export function sliceTimestep(loaded: LoadedMatrix, ref: string, t: number): LoadedMatrix {
  const { matrix, info } = loaded;
  if (info.spatialShape.length !== 1) throw new RangeError(`${ref} was not loaded with a sequence layout (n, c and t)`);
  const steps = info.spatialShape[0];
  const n = matrix.rows / steps;
  const c = matrix.cols;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) out.set(matrix.data.subarray((i * steps + t) * c, (i * steps + t + 1) * c), i * c);
  return {
    matrix: buildMatrix(n, c, out),
    info: {
      ...info,
      path: timestepRef(ref, t),
      file: info.file ?? info.path,
      timestep: t,
      reduction: 'none',
      spatialShape: [],
      datapoints: n,
      neurons: c,
    },
  };
}

/**
 * Gives every `FILE#t=K` / `FILE#KEY#t=K` file of a run a loader that reads
 * its array once for all the timesteps the run uses (see the module
 * comment); other files are returned as they are.
 */
export function withSliceLoaders(files: readonly SourceFile[], options: LoadOptions & { readonly layout: string }): SourceFile[] {
  const refs = new Map<string, { base: string; t: number }>();
  const timesteps = new Map<string, number[]>();
  for (const file of files) {
    const match = /^(.*)#t=(\d+)$/s.exec(file.path);
    if (!match || resolveRefSync(file.path).timestep === undefined) continue;
    const t = Number(match[2]);
    refs.set(file.id, { base: match[1], t });
    if (!timesteps.has(match[1])) timesteps.set(match[1], []);
    timesteps.get(match[1])!.push(t);
  }
  const sources = new Map([...timesteps].map(([base, list]) => [base, createSliceSource(base, list, options)]));
  return files.map((file) => {
    const ref = refs.get(file.id);
    if (!ref) return file;
    const source = sources.get(ref.base)!;
    return { ...file, load: () => source.load(ref.t) };
  });
}
