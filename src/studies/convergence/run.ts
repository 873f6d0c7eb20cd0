/**
 * `pwcca convergence`: every layer at every saved step against the same layer
 * at the reference step (default: the last), per run; mean and spread over
 * runs; when each layer settles and whether layers settle bottom-up.
 *
 * The comparisons go through {@link runPairs}: each file is read and prepared
 * once, so the reference step's prepared side is computed once per layer and
 * run and reused for all its steps.
 */
import type { PairComparison, PwccaVariant } from '../../metrics/compare.js';
import type { SvccaOptions } from '../../metrics/svcca.js';
import { METHOD_NAMES, SCHEMA_VERSION } from '../../types.js';
import type { EngineOptions } from '../../engine/types.js';
import { planConvergence, taskKey, type ConvergencePlan, type ConvergenceTask, type ReferenceChoice } from './plan.js';
import { aggregateRuns, areaUnderCurve, bottomUpScore, convergenceStep, type BottomUpScore, type CurvePoint } from './summary.js';
import { directionSteps, runDirections, type DirectionsReport } from './directions.js';
import { isPairFailure } from '../../engine/failure.js';
import { fileIdentity } from '../../engine/journal.js';
import { runPairs, type PairFailure, type PairOutcome } from '../../engine/run-pairs.js';
import { describeLayout, type CheckpointSet } from './discover.js';

/** Statistics a convergence table can show. */
export const CONVERGENCE_METHODS = METHOD_NAMES;
export type ConvergenceMethod = (typeof CONVERGENCE_METHODS)[number];

/** Default `--threshold`: a layer has converged once its distance stays at or below this. */
export const DEFAULT_THRESHOLD = 0.05;

/** Why a cell has no value. */
export type CellFailure = PairFailure;

/** One (run, layer, step, method): the layer at `step` against the same layer at the reference step. */
export interface ConvergenceCell {
  readonly run: string;
  readonly layer: string;
  readonly step: number;
  readonly method: ConvergenceMethod;
  readonly similarity: number | null;
  readonly distance: number | null;
  /** The reference step's own cell: distance exactly 0, not computed. */
  readonly reference: boolean;
  /**
   * PWCCA only: the value with the weights taken from this step's side and
   * from the reference step's side. `similarity` is the side with fewer
   * whitened dimensions, or the mean of both when they tie (`sideTie`), so
   * it does not depend on argument order.
   */
  readonly directional?: { readonly step: number; readonly reference: number; readonly sideTie: boolean };
  readonly error?: CellFailure;
}

/** One cell of the layers x steps table, over runs. */
export interface ConvergencePoint {
  /** With groups of runs (`ROOT/<group>/<run>/...`): the group the point is over. */
  readonly group?: string;
  readonly layer: string;
  readonly step: number;
  readonly method: ConvergenceMethod;
  /** Mean distance over the runs (of the group) that have a value. */
  readonly mean: number | null;
  /** Population standard deviation of the distance over those runs (0 for one run). */
  readonly std: number | null;
  /** Runs with a value. */
  readonly runs: number;
  /** Runs whose comparison failed. */
  readonly failed: number;
}

/** When one layer settles, for one method (and per run when there are several). */
export interface LayerConvergence {
  /** With groups of runs: the group whose mean curve this is. */
  readonly group?: string;
  readonly layer: string;
  /** 0 = the first layer in depth order. */
  readonly depth: number;
  readonly method: ConvergenceMethod;
  /**
   * From the mean curve over runs: see {@link convergenceStep}. Null, like
   * `auc`, when every comparison of the layer failed: such a layer has no
   * curve, so it has not converged.
   */
  readonly convergenceStep: number | null;
  /** Trapezoid area under the mean distance curve, x = step integers. */
  readonly auc: number | null;
  /** `auc` divided by the step range: the mean height of the curve. */
  readonly aucNormalised: number | null;
  /** The same for each run on its own (only with several runs). */
  readonly perRun?: ReadonlyArray<{ run: string; convergenceStep: number | null; auc: number | null; aucNormalised: number | null }>;
}

/** The bottom-up score of one method (and group), and the layers it had to leave out. */
export interface BottomUpSummary extends BottomUpScore {
  readonly group?: string;
  readonly method: ConvergenceMethod;
  /** Layers whose every comparison failed: not converged, and not in the score. */
  readonly failedLayers: readonly string[];
}

export interface ConvergenceSummary {
  readonly threshold: number;
  readonly layers: readonly LayerConvergence[];
  readonly bottomUp: readonly BottomUpSummary[];
}

/** Options of a convergence run: the engine's, the comparisons', the summary's and resume. */
export interface ConvergenceRunOptions extends EngineOptions {
  /** Default pwcca and cca: the paper's point is that they disagree. */
  readonly methods?: readonly ConvergenceMethod[];
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  /** SVCCA dims (used only when svcca is among the methods). */
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
  readonly reference?: ReferenceChoice;
  readonly threshold?: number;
  /** Track the K most and K least correlated directions (see {@link runDirections}). */
  readonly directions?: number;
  /** The early and late steps of the directions; default the first and the middle step. */
  readonly directionsSteps?: readonly [number, number];
  /** Cells of an interrupted run (journal records); their comparisons are not run again. */
  readonly previous?: readonly Record<string, unknown>[];
  /** Called with the cells of each comparison as it finishes (e.g. to append them to a journal). */
  readonly onCells?: (cells: readonly ConvergenceCell[]) => void;
  readonly onDirectionsProgress?: (done: number, total: number) => void;
  /** The folder the checkpoints came from, for the report. */
  readonly root?: string;
}

export interface ConvergenceReport {
  readonly schemaVersion: number;
  readonly root: string;
  /** Detected layout, e.g. `<step>/<layer>` or `<run>/<step>/<layer>`. */
  readonly layout: string;
  readonly options: {
    readonly methods: readonly ConvergenceMethod[];
    readonly reference: ReferenceChoice;
    readonly referenceStep: number;
    readonly threshold: number;
    readonly variant: PwccaVariant;
    readonly epsilon: number | null;
    readonly svcca: Omit<SvccaOptions, 'epsilon'> | null;
    readonly layout: string;
    readonly conv: string;
    readonly byLayer: boolean;
    readonly directions: number | null;
    readonly directionsSteps: readonly [number, number] | null;
  };
  readonly runs: readonly string[];
  /** Groups of runs (`ROOT/<group>/<run>/<step>/<layer>`), in natural order; empty without groups. */
  readonly groups: readonly string[];
  readonly steps: readonly number[];
  readonly layers: readonly string[];
  readonly referenceStep: number;
  /** Every cell, in run, layer (depth), step, method order. */
  readonly cells: readonly ConvergenceCell[];
  /** The layers x steps table per method, over runs. */
  readonly points: readonly ConvergencePoint[];
  readonly summary: ConvergenceSummary;
  readonly directions?: DirectionsReport;
  readonly warnings: readonly string[];
  readonly stats: {
    readonly comparisons: number;
    readonly resumed: number;
    readonly failed: number;
    readonly loads: number;
    readonly prepares: number;
    readonly evictions: number;
    /** Whether the checkpoints were streamed in row chunks rather than loaded. */
    readonly streamed: boolean;
  };
}

/**
 * What makes two convergence runs the same run, for `--resume`: the files
 * (paths relative to `options.root`, sizes, times), the runs, and every option that changes a cell. The methods,
 * threshold, output format and directions do not: a finished journal can be
 * summarised again with other values, and a comparison that lacks a newly
 * asked method is run again.
 */
export function convergenceIdentity(set: CheckpointSet, plan: ConvergencePlan, options: ConvergenceRunOptions): Record<string, unknown> {
  return {
    // Relative to the checkpoint folder, so the same data mounted elsewhere is the same run.
    files: plan.files.map((file) => fileIdentity(file.path, options.root)),
    runs: set.runs,
    layers: set.layers,
    byLayer: set.byLayer,
    referenceStep: plan.referenceStep,
    variant: options.variant ?? 'paper',
    epsilon: options.epsilon ?? null,
    svcca: options.svcca ?? {},
    // The route changes the last bits of a value (streamed and in-memory sums round differently): part of what a run is.
    read: { layout: options.layout ?? 'auto', conv: options.conv ?? 'flatten', skipNonNumeric: options.skipNonNumeric === true, stream: options.stream ?? 'auto' },
  };
}

/** A journal line for a cell. */
export function cellRecord(cell: ConvergenceCell): Record<string, unknown> {
  return { type: 'cell', ...cell };
}

/**
 * What is wrong with a journal line of a convergence run, or null when it is
 * a cell record as {@link cellRecord} writes it.
 */
export function checkCellRecord(line: Record<string, unknown>): string | null {
  if (line.type !== 'cell') return `"type" is ${JSON.stringify(line.type)}, expected "cell"`;
  for (const key of ['run', 'layer']) if (typeof line[key] !== 'string') return `"${key}" is not a string`;
  if (!Number.isInteger(line.step)) return '"step" is not an integer';
  if (!(CONVERGENCE_METHODS as readonly unknown[]).includes(line.method)) return `"method" is ${JSON.stringify(line.method)}`;
  if (typeof line.reference !== 'boolean') return '"reference" is not true or false';
  if (line.error !== undefined) return isPairFailure(line.error) ? null : '"error" is not a failure record';
  for (const key of ['similarity', 'distance']) {
    if (typeof line[key] !== 'number' || !Number.isFinite(line[key])) return `"${key}" is not a number`;
  }
  return null;
}

/** The cells in journal records (other lines are ignored; a later record of the same cell wins). */
export function cellsFromRecords(records: readonly Record<string, unknown>[]): ConvergenceCell[] {
  const cells = new Map<string, ConvergenceCell>();
  for (const record of records) {
    if (record.type !== 'cell' || record.reference === true) continue;
    const { type: _type, ...cell } = record;
    const c = cell as unknown as ConvergenceCell;
    cells.set(`${taskKey(c.run, c.layer, c.step)}\u0000${c.method}`, c);
  }
  return [...cells.values()];
}

/** Runs the comparisons of a plan (skipping those in `previous`) and summarises them. */
export async function runConvergence(
  set: CheckpointSet,
  options: ConvergenceRunOptions = {},
  plan: ConvergencePlan = planConvergence(set, { reference: options.reference }),
): Promise<ConvergenceReport> {
  const methods = methodsOf(options);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  // Fail before the comparisons, not after them.
  if (options.directions !== undefined) directionSteps(set.steps, options.directionsSteps);
  const warnings = [...set.warnings, ...plan.warnings];

  // Resume: a comparison is done when every method's cell is in the journal.
  const previous = cellsFromRecords(options.previous ?? []);
  const previousByKey = new Map<string, ConvergenceCell[]>();
  for (const cell of previous) {
    const key = taskKey(cell.run, cell.layer, cell.step);
    if (!previousByKey.has(key)) previousByKey.set(key, []);
    previousByKey.get(key)!.push(cell);
  }
  const reused: ConvergenceCell[] = [];
  const pending: ConvergenceTask[] = [];
  for (const task of plan.tasks) {
    const done = previousByKey.get(task.key) ?? [];
    const byMethod = methods.map((method) => done.find((cell) => cell.method === method));
    if (byMethod.every((cell) => cell !== undefined)) reused.push(...(byMethod as ConvergenceCell[]));
    else pending.push(task);
  }

  const referenceCells = plan.referenceCells.flatMap((file) =>
    methods.map((method): ConvergenceCell => ({ run: file.run, layer: file.layer, step: file.step, method, similarity: 1, distance: 0, reference: true })),
  );
  // A resumed journal has them already.
  if ((options.previous ?? []).length === 0) options.onCells?.(referenceCells);

  const taskByKey = new Map(plan.tasks.map((task) => [task.key, task]));
  const comparisonWarnings = new Map<string, number>();
  const fresh: ConvergenceCell[] = [];
  const neededIds = new Set(pending.flatMap((task) => [task.a, task.b]));
  const { stats } = await runPairs(
    plan.files.filter((file) => neededIds.has(file.id)),
    pending,
    {
      ...options,
      compare: {
        variant: options.variant,
        epsilon: options.epsilon,
        svcca: methods.includes('svcca') ? (options.svcca ?? {}) : undefined,
        cka: methods.includes('cka') ? {} : undefined,
      },
      onOutcome: (outcome) => {
        const cells = cellsOf(taskByKey.get(outcome.task.key)!, outcome, methods);
        for (const warning of outcome.comparison?.warnings ?? []) comparisonWarnings.set(warning, (comparisonWarnings.get(warning) ?? 0) + 1);
        fresh.push(...cells);
        options.onCells?.(cells);
      },
      onProgress: options.onProgress,
    },
  );
  warnings.push(...summariseWarnings(comparisonWarnings));

  const cells = withoutLoneReferences(blameOddCheckpoints(set, sortCells([...referenceCells, ...reused, ...fresh], set, methods), stats.inputs));
  const failed = new Set(cells.filter((cell) => cell.error).map((cell) => taskKey(cell.run, cell.layer, cell.step))).size;
  const points = buildPoints(cells, set, methods);
  const summary = summarise(points, cells, set, methods, plan.referenceStep, threshold);
  // A failed comparison fails every method: one warning per layer (and group), not per method.
  const failedLayers = new Set(summary.bottomUp.flatMap((score) => score.failedLayers.map((layer) => (score.group !== undefined ? `${layer} in group ${score.group}` : layer))));
  for (const layer of failedLayers) warnings.push(`every comparison of layer ${layer} failed: it has not converged and is left out of the bottom-up score`);

  const directions =
    options.directions !== undefined
      ? await runDirections(set, {
          layout: options.layout,
          conv: options.conv,
          skipNonNumeric: options.skipNonNumeric,
          stdin: options.stdin,
          jobs: options.jobs,
          maxMemoryBytes: options.maxMemoryBytes,
          stream: options.stream,
          onRowsRead: options.onRowsRead,
          count: options.directions,
          steps: options.directionsSteps,
          epsilon: options.epsilon,
          onProgress: options.onDirectionsProgress,
        })
      : undefined;
  if (directions) warnings.push(...directions.warnings);

  return {
    schemaVersion: SCHEMA_VERSION,
    root: options.root ?? '',
    layout: describeLayout(set),
    options: {
      methods,
      reference: options.reference ?? 'last',
      referenceStep: plan.referenceStep,
      threshold,
      variant: options.variant ?? 'paper',
      epsilon: options.epsilon ?? null,
      svcca: methods.includes('svcca') ? (options.svcca ?? {}) : null,
      layout: options.layout ?? 'auto',
      conv: options.conv ?? 'flatten',
      byLayer: set.byLayer,
      directions: options.directions ?? null,
      directionsSteps: options.directionsSteps ?? null,
    },
    runs: set.runs,
    groups: set.groups,
    steps: set.steps,
    layers: set.layers,
    referenceStep: plan.referenceStep,
    cells,
    points,
    summary,
    ...(directions && { directions }),
    warnings,
    stats: {
      comparisons: plan.tasks.length,
      resumed: plan.tasks.length - pending.length,
      failed,
      loads: stats.loads,
      prepares: stats.prepares,
      evictions: stats.evictions,
      streamed: stats.streamed,
    },
  };
}

function methodsOf(options: ConvergenceRunOptions): readonly ConvergenceMethod[] {
  const methods = options.methods ?? ['pwcca', 'cca'];
  return methods.length > 0 ? [...new Set(methods)] : ['pwcca', 'cca'];
}

/** The value each method reports for one comparison. */
export function cellValue(comparison: PairComparison, method: ConvergenceMethod): number {
  // The value `compare` reports: order-free (mean of both directions on a rank tie) for variant paper.
  if (method === 'pwcca') return comparison.pwcca.similarity;
  if (method === 'cca') return comparison.cca.mean;
  if (method === 'cka') return comparison.cka!.similarity;
  return comparison.svcca!.similarity;
}

function cellsOf(task: ConvergenceTask, outcome: PairOutcome, methods: readonly ConvergenceMethod[]): ConvergenceCell[] {
  const base = { run: task.run, layer: task.layer, step: task.step, reference: false };
  if (outcome.error) return methods.map((method) => ({ ...base, method, similarity: null, distance: null, error: outcome.error }));
  const c = outcome.comparison;
  return methods.map((method) => {
    const similarity = cellValue(c, method);
    return {
      ...base,
      method,
      similarity,
      distance: 1 - similarity,
      ...(method === 'pwcca' && {
        directional: { step: c.pwcca.directional.a, reference: c.pwcca.directional.b, sideTie: c.pwcca.sideTie },
      }),
    };
  });
}

function sortCells(cells: ConvergenceCell[], set: CheckpointSet, methods: readonly ConvergenceMethod[]): ConvergenceCell[] {
  const runIndex = new Map(set.runs.map((run, i) => [run, i]));
  const depth = new Map(set.layers.map((layer, i) => [layer, i]));
  const methodIndex = new Map(methods.map((method, i) => [method, i]));
  return cells.sort(
    (p, q) =>
      runIndex.get(p.run)! - runIndex.get(q.run)! ||
      depth.get(p.layer)! - depth.get(q.layer)! ||
      p.step - q.step ||
      methodIndex.get(p.method)! - methodIndex.get(q.method)!,
  );
}

/**
 * A checkpoint whose number of datapoints differs from that of most
 * checkpoints of its run and layer fails every comparison it is in; those
 * cells' errors then name that file alone (`step_5/fc1.npy has 50 datapoints
 * where the other 4 checkpoints of layer fc1 have 60`), so a bad reference
 * file is one failure, not one per step.
 */
function blameOddCheckpoints(set: CheckpointSet, cells: ConvergenceCell[], inputs: ReadonlyMap<string, { readonly datapoints: number }>): ConvergenceCell[] {
  const byRunLayer = new Map<string, string[]>();
  for (const file of set.files) {
    const key = `${file.run}\u0000${file.layer}`;
    if (!byRunLayer.has(key)) byRunLayer.set(key, []);
    byRunLayer.get(key)!.push(file.path);
  }
  const odd = new Map<string, CellFailure>();
  const pathOf = new Map(set.files.map((file) => [`${file.run}\u0000${file.layer}\u0000${file.step}`, file.path]));
  for (const [key, paths] of byRunLayer) {
    const counts = new Map<number, number>();
    for (const path of paths) {
      const n = inputs.get(path)?.datapoints;
      if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    if (counts.size < 2) continue;
    const [[usual, many], [, next]] = [...counts.entries()].sort((p, q) => q[1] - p[1]);
    if (many === next) continue;
    const layer = key.split('\u0000')[1];
    for (const path of paths) {
      const n = inputs.get(path)?.datapoints;
      if (n === undefined || n === usual) continue;
      odd.set(path, {
        kind: 'input',
        message: `${path} has ${n} datapoints where the other ${many} checkpoints of layer ${layer} have ${usual}`,
        hint: 'every checkpoint must hold activations for the same probe inputs, in the same order: re-save this one, or move it out of the folder',
        where: path,
        exitCode: 3,
      });
    }
  }
  if (odd.size === 0) return cells;
  const referenceStep = cells.find((cell) => cell.reference)?.step;
  return cells.map((cell) => {
    if (!cell.error || !/datapoints/.test(cell.error.message)) return cell;
    const own = pathOf.get(`${cell.run}\u0000${cell.layer}\u0000${cell.step}`);
    const reference = referenceStep === undefined ? undefined : pathOf.get(`${cell.run}\u0000${cell.layer}\u0000${referenceStep}`);
    const blamed = (own && odd.get(own)) ?? (reference && odd.get(reference));
    return blamed ? { ...cell, error: blamed } : cell;
  });
}

/**
 * A (run, layer) none of whose comparisons succeeded has no curve: its
 * reference cell (0 by definition) would be the one number left, and would
 * read as "converged". It gets no value either.
 */
function withoutLoneReferences(cells: ConvergenceCell[]): ConvergenceCell[] {
  const computed = new Map<string, { ok: number; failed: number }>();
  for (const cell of cells) {
    if (cell.reference) continue;
    const key = `${cell.run}\u0000${cell.layer}\u0000${cell.method}`;
    const count = computed.get(key) ?? { ok: 0, failed: 0 };
    if (cell.error) count.failed++;
    else count.ok++;
    computed.set(key, count);
  }
  return cells.map((cell) => {
    const count = computed.get(`${cell.run}\u0000${cell.layer}\u0000${cell.method}`);
    return cell.reference && count !== undefined && count.ok === 0 && count.failed > 0 ? { ...cell, similarity: null, distance: null } : cell;
  });
}

/** The runs of each group: one unnamed group of every run when the runs have no groups. */
function runGroups(set: CheckpointSet): Array<{ group: string | undefined; runs: readonly string[] }> {
  if (set.groups.length === 0) return [{ group: undefined, runs: set.runs }];
  const groupOf = new Map(set.files.map((file) => [file.run, file.group]));
  return set.groups.map((group) => ({ group, runs: set.runs.filter((run) => groupOf.get(run) === group) }));
}

function buildPoints(cells: readonly ConvergenceCell[], set: CheckpointSet, methods: readonly ConvergenceMethod[]): ConvergencePoint[] {
  const byKey = new Map<string, ConvergenceCell[]>();
  for (const cell of cells) {
    const key = `${cell.run}\u0000${cell.layer}\u0000${cell.step}\u0000${cell.method}`;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(cell);
  }
  const points: ConvergencePoint[] = [];
  for (const { group, runs } of runGroups(set)) {
    for (const method of methods) {
      for (const layer of set.layers) {
        for (const step of set.steps) {
          const here = runs.flatMap((run) => byKey.get(`${run}\u0000${layer}\u0000${step}\u0000${method}`) ?? []);
          const { mean, std, runs: count } = aggregateRuns(here.map((cell) => cell.distance));
          points.push({ ...(group !== undefined && { group }), layer, step, method, mean, std, runs: count, failed: here.filter((cell) => cell.error).length });
        }
      }
    }
  }
  return points;
}

function summarise(
  points: readonly ConvergencePoint[],
  cells: readonly ConvergenceCell[],
  set: CheckpointSet,
  methods: readonly ConvergenceMethod[],
  referenceStep: number,
  threshold: number,
): ConvergenceSummary {
  const layers: LayerConvergence[] = [];
  const bottomUp: BottomUpSummary[] = [];
  const pointIndex = new Map(points.map((p) => [`${p.group ?? ''}\u0000${p.layer}\u0000${p.step}\u0000${p.method}`, p]));
  const cellIndex = new Map(cells.map((c) => [`${c.run}\u0000${c.layer}\u0000${c.step}\u0000${c.method}`, c]));
  const noCurve = { convergenceStep: null, auc: null, aucNormalised: null };
  for (const { group, runs } of runGroups(set)) {
    for (const method of methods) {
      const table: Array<Array<number | null>> = [];
      const steps: Array<number | null> = [];
      const failedLayers: string[] = [];
      set.layers.forEach((layer, depth) => {
        const own = (run: string) => set.steps.map((step) => cellIndex.get(`${run}\u0000${layer}\u0000${step}\u0000${method}`));
        const computed = runs.flatMap((run) => own(run).filter((cell) => cell !== undefined && !cell.reference));
        // Every comparison failed: no curve, no convergence, no place in the bottom-up score.
        const failedEverywhere = computed.length > 0 && computed.every((cell) => cell!.error);
        const curve: CurvePoint[] = set.steps.map((step) => ({
          step,
          distance: pointIndex.get(`${group ?? ''}\u0000${layer}\u0000${step}\u0000${method}`)?.mean ?? null,
        }));
        const converged = failedEverywhere ? null : convergenceStep(curve, threshold);
        const perRun =
          runs.length > 1
            ? runs.map((run) => {
                const ownCells = own(run);
                const runCurve: CurvePoint[] = set.steps.map((step, i) => ({ step, distance: ownCells[i]?.distance ?? null }));
                const runFailed = ownCells.some((cell) => cell?.error) && ownCells.every((cell) => cell === undefined || cell.reference || cell.error);
                return runFailed ? { run, ...noCurve } : { run, convergenceStep: convergenceStep(runCurve, threshold), ...areaUnderCurve(runCurve) };
              })
            : undefined;
        layers.push({
          ...(group !== undefined && { group }),
          layer,
          depth,
          method,
          ...(failedEverywhere ? noCurve : { convergenceStep: converged, ...areaUnderCurve(curve) }),
          ...(perRun && { perRun }),
        });
        if (failedEverywhere) {
          failedLayers.push(layer);
          return;
        }
        table.push(curve.map((p) => p.distance));
        steps.push(converged);
      });
      bottomUp.push({ ...(group !== undefined && { group }), method, ...bottomUpScore(set.steps, table, steps, referenceStep), failedLayers });
    }
  }
  return { threshold, layers, bottomUp };
}

function summariseWarnings(counts: Map<string, number>): string[] {
  const out: string[] = [];
  const entries = [...counts.entries()];
  for (const [message, count] of entries.slice(0, 20)) out.push(count > 1 ? `${message} (${count} comparisons)` : message);
  if (entries.length > 20) out.push(`... and ${entries.length - 20} more distinct warnings from the comparisons`);
  return out;
}
