/**
 * `pwcca convergence --directions K`: the stable and the unstable part of each
 * layer's representation (PWCCA paper, Figure 1 d-f). See
 * src/metrics/directions.ts for the maths.
 *
 * Per run and layer: CCA between the layer at the first step (early) and at
 * the middle step (index floor(S/2) of the S steps); the K most and K least
 * correlated canonical directions of the middle step; and, at every step
 * after the middle one, the mean multiple correlation of each set with the
 * layer's activations there. This pass reads the files it needs itself (the
 * early, middle and later steps of each layer), one layer at a time.
 */
import { PwccaError, UsageError, withWhere } from '../../errors.js';
import { loadMatrix, type LoadedMatrix } from '../../io/load.js';
import { canonicalBasis, directionCorrelations, meanOf, selectDirections } from '../../metrics/directions.js';
import { crossCovariance, prepareSide, type PreparedSide } from '../../metrics/side.js';
import { checkPairShapes } from '../../engine/pair-check.js';
import type { ReadOptions } from '../../types.js';
import { aggregateRuns, type RunAggregate } from './summary.js';
import type { PairFailure } from '../../engine/run-pairs.js';
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

export interface DirectionsRunOptions {
  readonly count: number;
  /** The early and late steps (`--directions-steps EARLY,LATE`); default: the first and the middle step. */
  readonly steps?: readonly [number, number];
  readonly read?: ReadOptions;
  readonly epsilon?: number;
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
  const index = new Map(set.files.map((file) => [`${file.run}\u0000${file.layer}\u0000${file.step}`, file]));
  const warnings: string[] = [];
  const tracks: DirectionTrack[] = [];
  const total = set.runs.length * set.layers.length;
  let done = 0;
  for (const run of set.runs) {
    for (const layer of set.layers) {
      const find = (step: number) => index.get(`${run}\u0000${layer}\u0000${step}`);
      tracks.push(await trackLayer(run, layer, find, { earlyStep, middleStep, later }, options));
      options.onProgress?.(++done, total);
    }
  }
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

async function trackLayer(
  run: string,
  layer: string,
  find: (step: number) => CheckpointFile | undefined,
  steps: { earlyStep: number; middleStep: number; later: readonly number[] },
  options: DirectionsRunOptions,
): Promise<DirectionTrack> {
  const empty = { run, layer, count: 0, stableCoefficients: [], unstableCoefficients: [], points: [] };
  try {
    const earlyFile = find(steps.earlyStep);
    const middleFile = find(steps.middleStep);
    if (!earlyFile || !middleFile) {
      const missing = !earlyFile ? steps.earlyStep : steps.middleStep;
      throw new UsageError(`no file for layer ${layer} at step ${missing}${run ? ` in run ${run}` : ''}`, {
        hint: 'the stable/unstable directions need the layer at the first and the middle step',
      });
    }
    const middle = await loadPrepared(middleFile, options.read);
    const basis = await (async () => {
      const early = await loadPrepared(earlyFile, options.read);
      checkPairShapes(early.loaded, middle.loaded);
      const cross = crossCovariance(early.loaded.matrix, early.side, middle.loaded.matrix, middle.side);
      return canonicalBasis(early.side, middle.side, cross, { epsilon: options.epsilon });
    })();
    const sets = selectDirections(basis.k, options.count);
    if (sets.stable.length === 0) {
      throw new UsageError(`only ${basis.k} canonical correlation(s) between steps ${steps.earlyStep} and ${steps.middleStep}: no stable/unstable split`, {
        hint: 'the layer needs at least 2 effective dimensions',
      });
    }
    const points: DirectionPoint[] = [];
    for (const step of steps.later) {
      const file = find(step);
      if (!file) continue;
      const next = await loadPrepared(file, options.read);
      checkPairShapes(next.loaded, middle.loaded);
      const cross = crossCovariance(next.loaded.matrix, next.side, middle.loaded.matrix, middle.side);
      const stableEach = Array.from(directionCorrelations(basis, next.side, cross, sets.stable, { epsilon: options.epsilon }));
      const unstableEach = Array.from(directionCorrelations(basis, next.side, cross, sets.unstable, { epsilon: options.epsilon }));
      points.push({ step, stable: meanOf(stableEach), unstable: meanOf(unstableEach), stableEach, unstableEach });
    }
    return {
      run,
      layer,
      count: sets.stable.length,
      stableCoefficients: sets.stable.map((i) => basis.rho[i]),
      unstableCoefficients: sets.unstable.map((i) => basis.rho[i]),
      points,
    };
  } catch (error) {
    if (!(error instanceof PwccaError)) throw error;
    return { ...empty, error: { kind: error.kind, message: error.message, hint: error.hint, where: error.where, exitCode: error.exitCode } };
  }
}

async function loadPrepared(file: CheckpointFile, read: ReadOptions | undefined): Promise<{ loaded: LoadedMatrix; side: PreparedSide }> {
  const loaded = await loadMatrix(file.path, read ?? {});
  try {
    return { loaded, side: prepareSide(loaded.matrix) };
  } catch (error) {
    throw error instanceof PwccaError ? withWhere(error, file.path) : error;
  }
}
