/**
 * Which comparisons `pwcca timesteps` runs: one T x T matrix per sequence
 * array, labels `t0..t{T-1}` (or the `--timesteps` chosen), every unordered
 * pair of timesteps once. The plan is a pairwise plan (each matrix is about
 * one layer, its labels are timesteps) whose files are `FILE#t=K`
 * selections, so the pairwise study runs and reports it. Pure.
 */
import { UsageError } from '../../errors.js';
import { listMatrixTasks, type PairwisePlan, type PlannedMatrix } from '../pairwise/plan.js';
import type { SequenceArray } from './discover.js';
import { timestepRef } from './slices.js';

export interface TimestepsPlanOptions {
  /** Only these timesteps (each must exist in every array); default all. */
  readonly timesteps?: readonly number[];
}

/** A pairwise plan over timesteps, with the timesteps each matrix uses. */
export interface TimestepsPlan extends PairwisePlan {
  /** Per matrix, its timesteps in time order (aligned with its labels). */
  readonly timesteps: ReadonlyArray<readonly number[]>;
}

/** Label of timestep `t`: `t3`. */
export function timestepLabel(t: number): string {
  return `t${t}`;
}

/**
 * Parses `--timesteps`: a comma list of whole numbers from 0, returned
 * sorted without repeats.
 *
 * @throws UsageError for anything else.
 */
export function parseTimesteps(text: string): number[] {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const bad = items.find((item) => !/^\d{1,9}$/.test(item));
  if (items.length === 0 || bad !== undefined) {
    throw new UsageError(`--timesteps takes a comma list of whole numbers from 0, e.g. 0,5,10, got '${text}'`);
  }
  return [...new Set(items.map(Number))].sort((p, q) => p - q);
}

/**
 * Plans the matrices and pairs of a timesteps run.
 *
 * @throws UsageError when a chosen timestep is out of an array's range
 *   (naming the valid range), or fewer than two timesteps are left.
 */
export function buildTimestepsPlan(sequences: readonly SequenceArray[], options: TimestepsPlanOptions = {}): TimestepsPlan {
  const matrices: PlannedMatrix[] = [];
  const timesteps: number[][] = [];
  for (const sequence of sequences) {
    const steps = chooseTimesteps(sequence, options.timesteps);
    timesteps.push(steps);
    matrices.push({
      scope: sequence.label,
      labels: steps.map(timestepLabel),
      groups: steps.map(() => null),
      fileIds: steps.map((t) => timestepRef(sequence.ref, t)),
    });
  }
  const labels = new Set<string>();
  for (const matrix of matrices) {
    if (labels.has(matrix.scope)) throw new UsageError(`two sequence arrays get the same name ${matrix.scope}`, { hint: 'give each file its own name' });
    labels.add(matrix.scope);
  }
  const tasks = listMatrixTasks(matrices);
  const files = matrices.flatMap((matrix) => matrix.fileIds.map((id) => ({ id, path: id })));
  return { scopeKind: 'layer', files, matrices, tasks, warnings: [], timesteps };
}

function chooseTimesteps(sequence: SequenceArray, wanted: readonly number[] | undefined): number[] {
  const count = sequence.timesteps;
  if (wanted === undefined) {
    if (count < 2) {
      throw new UsageError(`${sequence.ref} has ${count} timestep: nothing to compare`, {
        where: sequence.ref,
        hint: 'timesteps compares two or more timesteps of a (N, T, C) array; check --layout (the t axis)',
      });
    }
    return Array.from({ length: count }, (_, t) => t);
  }
  const outside = wanted.filter((t) => t >= count);
  if (outside.length > 0) {
    throw new UsageError(
      `--timesteps ${outside.join(',')} out of range for ${sequence.ref}: it has ${count} timestep${count === 1 ? '' : 's'}, valid timesteps are 0..${count - 1}`,
      { where: sequence.ref, hint: `choose timesteps from 0 to ${count - 1}` },
    );
  }
  if (wanted.length < 2) {
    throw new UsageError(`--timesteps names one timestep (${wanted[0]}): nothing to compare`, { hint: 'name two or more, e.g. --timesteps 0,5,10' });
  }
  return [...wanted];
}
