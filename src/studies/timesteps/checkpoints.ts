/**
 * `pwcca convergence --per-timestep`: each timestep of a sequence layer
 * becomes a layer of its own, `<layer>@t<K>`, whose file at every checkpoint
 * is the selection `FILE#t=K`. The convergence study then runs unchanged:
 * every `<layer>@t<K>` at every step against `<layer>@t<K>` at the
 * reference step, with its own curve, convergence step and AUC. The new
 * layers keep their layer's place in the depth order, in time order.
 */
import { PwccaError, UsageError } from '../../errors.js';
import type { ArrayInfo } from '../../io/arrays.js';
import { describeArray } from '../../io/load.js';
import { formatShape } from '../../io/ndarray.js';
import { compareNatural, sortNatural } from '../../stats/natural-sort.js';
import type { CheckpointFile, CheckpointSet } from '../convergence/discover.js';
import { checkSequenceLayout } from './discover.js';
import { timestepRef } from './slices.js';

export interface PerTimestepOptions {
  /** Axis order of the sequence arrays: n, c and t in any order (`ntc`, `nct`). */
  readonly layout: string | undefined;
  readonly dtype?: 'bfloat16';
  readonly skipNonNumeric?: boolean;
  /** Pluggable for tests: the array a file selects (default: from the file's headers). */
  readonly describe?: (ref: string) => Promise<ArrayInfo>;
}

/** Name of timestep `t` of `layer` as a layer of its own: `gru@t3`. */
export function timestepLayerName(layer: string, t: number): string {
  return `${layer}@t${t}`;
}

/**
 * Replaces every sequence layer of a checkpoint set by one layer per
 * timestep (see the module comment). Layers whose files are not 3-D are
 * left out, with one warning; a layer whose files have different numbers of
 * timesteps keeps the timesteps they all have (warning).
 *
 * @throws UsageError without a sequence layout, or when no layer is a sequence.
 */
export async function expandCheckpointTimesteps(set: CheckpointSet, options: PerTimestepOptions): Promise<CheckpointSet> {
  const layout = checkSequenceLayout(options.layout);
  const describe = options.describe ?? ((ref: string) => describeArray(ref, { dtype: options.dtype, skipNonNumeric: options.skipNonNumeric }));
  const warnings = [...set.warnings];
  const counts = new Map<string, number[]>();
  const notSequence = new Map<string, string>();
  const unreadable: string[] = [];
  const unusable = new Set<string>();
  for (const file of set.files) {
    let info: ArrayInfo;
    try {
      info = await describe(file.path);
    } catch (error) {
      if (!(error instanceof PwccaError)) throw error;
      unreadable.push(`${file.path}: ${error.message}`);
      unusable.add(file.path);
      continue;
    }
    if (info.shape.length !== 3 || info.shape.includes(0)) {
      if (!notSequence.has(file.layer)) notSequence.set(file.layer, `${file.layer} (${file.path}: ${formatShape(info.shape)})`);
      continue;
    }
    if (!counts.has(file.layer)) counts.set(file.layer, []);
    counts.get(file.layer)!.push(info.shape[layout.indexOf('t')]);
  }
  if (unreadable.length > 0) {
    warnings.push(`--per-timestep: left out ${unreadable.length} file(s) that could not be read: ${unreadable.slice(0, 3).join('; ')}${unreadable.length > 3 ? '; ...' : ''}`);
  }
  const left = set.layers.filter((layer) => notSequence.has(layer) || !counts.has(layer));
  if (left.length > 0) {
    const named = left.map((layer) => notSequence.get(layer) ?? layer);
    warnings.push(`--per-timestep: left out ${left.length} layer(s) that are not 3-D sequence arrays (layout ${layout}): ${named.slice(0, 5).join(', ')}${named.length > 5 ? ', ...' : ''}`);
  }
  const sequenceLayers = set.layers.filter((layer) => !left.includes(layer));
  if (sequenceLayers.length === 0) {
    throw new UsageError(`--per-timestep: no layer under the checkpoints is a 3-D sequence array (layout ${layout})`, {
      hint: 'save sequence outputs as (N, T, C) arrays (--layout ntc) or (N, C, T) (--layout nct), or drop --per-timestep',
    });
  }

  const timesteps = new Map<string, number>();
  for (const layer of sequenceLayers) {
    const seen = counts.get(layer)!;
    const fewest = Math.min(...seen);
    if (Math.max(...seen) !== fewest) {
      warnings.push(`--per-timestep: layer ${layer} has ${Math.min(...seen)} to ${Math.max(...seen)} timesteps across checkpoints: using t0..t${fewest - 1}`);
    }
    timesteps.set(layer, fewest);
  }
  const layers = sequenceLayers.flatMap((layer) => Array.from({ length: timesteps.get(layer)! }, (_, t) => timestepLayerName(layer, t)));
  const depth = new Map(layers.map((layer, i) => [layer, i]));
  const files: CheckpointFile[] = set.files
    .filter((file) => timesteps.has(file.layer) && !unusable.has(file.path))
    .flatMap((file) =>
      Array.from({ length: timesteps.get(file.layer)! }, (_, t) => ({ ...file, layer: timestepLayerName(file.layer, t), path: timestepRef(file.path, t) })),
    )
    .sort((p, q) => compareNatural(p.run, q.run) || depth.get(p.layer)! - depth.get(q.layer)! || p.step - q.step);
  const runs = sortNatural(new Set(files.map((file) => file.run)));
  const steps = [...new Set(files.map((file) => file.step))].sort((p, q) => p - q);
  return { ...set, runs, steps, layers, files, warnings };
}
