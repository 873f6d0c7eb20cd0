/**
 * `pwcca convergence --directions K`: the stable and the unstable part of each
 * layer's representation (PWCCA paper, Figure 1 d-f). See
 * src/metrics/directions.ts for the maths.
 *
 * Per run and layer: CCA between the layer at the first step (early) and at
 * the middle step (index floor(S/2) of the S steps); the K most and K least
 * correlated canonical directions of the middle step; and, at every step
 * after the middle one, the mean multiple correlation of each set with the
 * layer's activations there. The prepared sides and cross-covariances come
 * from the engine, like every other pair's, so this pass honours the run's
 * threads, streaming and memory cap: first every (early, middle) pair, for
 * the canonical bases, then every (later, middle) pair.
 */
import { PwccaError, UsageError } from '../../errors.js';
import {
  canonicalBasis,
  directionCorrelations,
  meanOf,
  selectDirections,
  type CanonicalBasis,
  type DirectionSets,
} from '../../metrics/directions.js';
import { runPairMoments } from '../../engine/run-pairs.js';
import type { EngineOptions, PairFailure, PairTask, SourceFile } from '../../engine/types.js';
import { pairKey } from '../../types.js';
import { aggregateRuns, type RunAggregate } from './summary.js';
import type { CheckpointFile, CheckpointSet } from './discover.js';

export interface DirectionPoint {
  readonly step: number;
  /** Mean multiple correlation of the stable (most correlated) directions with the layer at this step. */
  readonly stable: number;
  readonly unstable: number;
  /** Each direction's own value, in the order of `stableCoefficients` / `unstableCoefficients`. */
  readonly stableEach: readonly number[];
  readonly unstableEach: readonly number[];
}

/** One run and layer's stable and unstable curves. */
export interface DirectionTrack {
  readonly run: string;
  readonly layer: string;
  /** Directions per set actually used: K clipped to half the canonical correlations. */
  readonly count: number;
  /** Canonical correlations (early vs middle) of the stable and the unstable directions. */
  readonly stableCoefficients: readonly number[];
  readonly unstableCoefficients: readonly number[];
  readonly points: readonly DirectionPoint[];
  readonly error?: PairFailure;
}

/** Mean over runs of one layer's curves at one step. */
export interface DirectionMeanPoint {
  /** With groups of runs: the group the mean is over. */
  readonly group?: string;
  readonly layer: string;
  readonly step: number;
  readonly stable: RunAggregate;
  readonly unstable: RunAggregate;
}

export interface DirectionsReport {
  /** K as asked. */
  readonly requested: number;
  readonly earlyStep: number;
  readonly middleStep: number;
  /** The steps after the middle step, where the curves are evaluated. */
  readonly steps: readonly number[];
  readonly tracks: readonly DirectionTrack[];
  readonly mean: readonly DirectionMeanPoint[];
  readonly warnings: readonly string[];
}

/** Options of {@link runDirections}: the engine's (reading, threads, memory, streaming), K and the regularisation. */
export interface DirectionsRunOptions extends EngineOptions {
  readonly count: number;
  /** The early and late steps (`--directions-steps EARLY,LATE`); default: the first and the middle step. */
  readonly steps?: readonly [number, number];
  readonly epsilon?: number;
  /** Pairs done and in all, over both passes. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The early and middle steps of a sorted step list: `chosen` when given
 * (both must be steps found, early before late, with a step after late),
 * else the first and the one at index floor(S / 2).
 *
 * @throws UsageError when the steps do not allow it.
 */
export function directionSteps(steps: readonly number[], chosen?: readonly [number, number]): { earlyStep: number; middleStep: number; later: number[] } {
  if (chosen !== undefined) {
    const [early, late] = chosen;
    const missing = chosen.filter((step) => !steps.includes(step));
    if (missing.length > 0) {
      throw new UsageError(`--directions-steps ${early},${late}: no checkpoint has step ${missing.join(' or ')}`, {
        hint: `pass two of the steps found: ${steps.join(', ')}`,
      });
    }
    if (early >= late) {
      throw new UsageError(`--directions-steps ${early},${late}: the early step must come before the late one`, { hint: 'pass two different steps, the earlier one first' });
    }
    const later = steps.filter((step) => step > late);
    if (later.length === 0) {
      throw new UsageError(`--directions-steps ${early},${late}: no step after ${late} to track the directions at`, {
        hint: 'pick a late step before the last checkpoint',
      });
    }
    return { earlyStep: early, middleStep: late, later };
  }
  if (steps.length < 3) {
    throw new UsageError(`--directions needs at least 3 steps (an early, a middle and a later one), found ${steps.length}`, {
      hint: 'save more checkpoints, or leave out --directions',
    });
  }
  const middle = Math.floor(steps.length / 2);
  return { earlyStep: steps[0], middleStep: steps[middle], later: steps.slice(middle + 1) };
}

/** Tracks the stable and unstable directions of every run and layer. */
export async function runDirections(set: CheckpointSet, options: DirectionsRunOptions): Promise<DirectionsReport> {
  const { earlyStep, middleStep, later } = directionSteps(set.steps, options.steps);
  const index = new Map(set.files.map((file) => [pairKey(file.run, file.layer, file.step), file]));
  const warnings: string[] = [];
  const layers = set.runs.flatMap((run) => set.layers.map((layer) => ({ run, layer })));
  const find = (run: string, layer: string, step: number) => index.get(pairKey(run, layer, step));
  const files = new Map<string, SourceFile>();
  const taskOf = (run: string, layer: string, a: CheckpointFile, b: CheckpointFile): DirectionTask => {
    for (const file of [a, b]) files.set(file.path, { id: file.path, path: file.path });
    return { key: pairKey(run, layer, a.step), a: a.path, b: b.path, run, layer, step: a.step };
  };

  // Pass one: the canonical basis of each run and layer, from its early and middle steps.
  const failures = new Map<string, PairFailure>();
  const failedAt = new Map<string, number>();
  const bases = new Map<string, { basis: CanonicalBasis; sets: DirectionSets }>();
  const firstTasks: DirectionTask[] = [];
  for (const { run, layer } of layers) {
    const early = find(run, layer, earlyStep);
    const middle = find(run, layer, middleStep);
    if (!early || !middle) {
      const missing = !early ? earlyStep : middleStep;
      failures.set(pairKey(run, layer), failureOf(
        new UsageError(`no file for layer ${layer} at step ${missing}${run ? ` in run ${run}` : ''}`, {
          hint: 'the stable/unstable directions need the layer at the first and the middle step',
        }),
      ));
      continue;
    }
    firstTasks.push(taskOf(run, layer, early, middle));
  }
  const secondTasks: DirectionTask[] = [];
  for (const task of firstTasks) {
    for (const step of later) {
      const file = find(task.run, task.layer, step);
      if (file) secondTasks.push(taskOf(task.run, task.layer, file, find(task.run, task.layer, middleStep)!));
    }
  }
  const total = firstTasks.length + secondTasks.length;
  let done = 0;
  const engine = { ...options, onProgress: undefined, executor: undefined };
  await runPairMoments([...files.values()], firstTasks, {
    ...engine,
    onOutcome: (outcome) => {
      const task = outcome.task as DirectionTask;
      const key = pairKey(task.run, task.layer);
      try {
        if (outcome.error) throw outcome.cause;
        const { x, y, cross } = outcome.moments;
        const basis = canonicalBasis(x, y, cross, { epsilon: options.epsilon });
        const sets = selectDirections(basis.k, options.count);
        if (sets.stable.length === 0) {
          throw new UsageError(`only ${basis.k} canonical correlation(s) between steps ${earlyStep} and ${middleStep}: no stable/unstable split`, {
            hint: 'the layer needs at least 2 effective dimensions',
          });
        }
        bases.set(key, { basis, sets });
      } catch (error) {
        failures.set(key, outcome.error ?? failureOf(error));
      }
      options.onProgress?.(++done, total);
    },
  });

  // Pass two: each later step against the middle one, for the layers that have a basis.
  const points = new Map<string, DirectionPoint[]>();
  const pending = secondTasks.filter((task) => bases.has(pairKey(task.run, task.layer)));
  done += secondTasks.length - pending.length;
  await runPairMoments([...files.values()].filter((file) => pending.some((task) => task.a === file.id || task.b === file.id)), pending, {
    ...engine,
    onOutcome: (outcome) => {
      const task = outcome.task as DirectionTask;
      const key = pairKey(task.run, task.layer);
      try {
        if (outcome.error) throw outcome.cause;
        const { basis, sets } = bases.get(key)!;
        const { x, cross } = outcome.moments;
        const stableEach = Array.from(directionCorrelations(basis, x, cross, sets.stable, { epsilon: options.epsilon }));
        const unstableEach = Array.from(directionCorrelations(basis, x, cross, sets.unstable, { epsilon: options.epsilon }));
        if (!points.has(key)) points.set(key, []);
        points.get(key)!.push({ step: task.step, stable: meanOf(stableEach), unstable: meanOf(unstableEach), stableEach, unstableEach });
      } catch (error) {
        // The track fails with the error of its earliest failing step.
        const failure = outcome.error ?? failureOf(error);
        const earlier = failedAt.get(key);
        if (earlier === undefined || task.step < earlier) {
          failedAt.set(key, task.step);
          failures.set(key, failure);
        }
      }
      options.onProgress?.(++done, total);
    },
  });

  const tracks: DirectionTrack[] = layers.map(({ run, layer }) => {
    const key = pairKey(run, layer);
    const failure = failures.get(key);
    if (failure) return { run, layer, count: 0, stableCoefficients: [], unstableCoefficients: [], points: [], error: failure };
    const { basis, sets } = bases.get(key)!;
    return {
      run,
      layer,
      count: sets.stable.length,
      stableCoefficients: sets.stable.map((i) => basis.rho[i]),
      unstableCoefficients: sets.unstable.map((i) => basis.rho[i]),
      points: (points.get(key) ?? []).sort((p, q) => p.step - q.step),
    };
  });
  const clipped = tracks.filter((track) => !track.error && track.count < options.count);
  if (clipped.length > 0) {
    warnings.push(
      `--directions ${options.count}: ${clipped.length} layer(s) have fewer than ${2 * options.count} canonical correlations, so fewer directions per set were used (e.g. ${clipped[0].layer}: ${clipped[0].count})`,
    );
  }
  const failed = tracks.filter((track) => track.error);
  if (failed.length > 0) warnings.push(`--directions: ${failed.length} layer(s) could not be tracked (their error is in the output)`);

  const mean: DirectionMeanPoint[] = [];
  const groupOf = new Map(set.files.map((file) => [file.run, file.group]));
  const groups: Array<string | undefined> = set.groups.length > 0 ? [...set.groups] : [undefined];
  for (const group of groups) {
    for (const layer of set.layers) {
      const own = tracks.filter((track) => track.layer === layer && !track.error && (group === undefined || groupOf.get(track.run) === group));
      for (const step of later) {
        const at = own.map((track) => track.points.find((p) => p.step === step));
        mean.push({
          ...(group !== undefined && { group }),
          layer,
          step,
          stable: aggregateRuns(at.map((p) => p?.stable ?? null)),
          unstable: aggregateRuns(at.map((p) => p?.unstable ?? null)),
        });
      }
    }
  }
  return { requested: options.count, earlyStep, middleStep, steps: later, tracks, mean, warnings };
}

/** One comparison of the directions pass: the layer at `step` (a) against the middle step (b). */
interface DirectionTask extends PairTask {
  readonly run: string;
  readonly layer: string;
  readonly step: number;
}

/** A track's failure record; errors that are not pwcca's own are bugs and propagate. */
function failureOf(error: unknown): PairFailure {
  if (!(error instanceof PwccaError)) throw error;
  return { kind: error.kind, message: error.message, hint: error.hint, where: error.where, exitCode: error.exitCode };
}
