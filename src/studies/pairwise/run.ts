/**
 * `pwcca pairwise`: runs every planned pair through the engine ({@link runPairs}:
 * each file loaded and prepared once), turns outcomes into order-independent
 * records, and resumes from the records of an interrupted run.
 */
import type { CompareOptions, PairComparison, PwccaVariant } from '../../metrics/compare.js';
import type { SimilarityMethod } from '../../metrics/permutable.js';
import type { SvccaOptions } from '../../metrics/svcca.js';
import type { NullSummary, PermutationTestResult } from '../../stats/permutation.js';
import { METHOD_NAMES, pairKey } from '../../types.js';
import type { EngineOptions } from '../../engine/types.js';
import { isPairFailure } from '../../engine/failure.js';
import { fileIdentity } from '../../engine/journal.js';
import type { PairwisePlan, PairwiseTask, ScopeKind } from './plan.js';
import { runPairs, type PairFailure, type RunStats } from '../../engine/run-pairs.js';

/** Statistics a pairwise matrix can hold. */
export const PAIRWISE_METHODS = METHOD_NAMES;
export type PairwiseMethod = (typeof PAIRWISE_METHODS)[number];

export interface MethodValue {
  readonly similarity: number;
  readonly distance: number;
}

/** PWCCA of a pair, independent of which label comes first. */
export interface PairwisePwcca extends MethodValue {
  /** With the weights from each side (a = the pair's first label). */
  readonly directional: { readonly a: number; readonly b: number };
  /** Side whose weights were used; `tie` when both have the same effective rank and the value is the mean of the directions. */
  readonly side: 'a' | 'b' | 'tie';
}

/** The numbers of one pair: PWCCA and CCA always, SVCCA and CKA when asked. */
export interface PairwiseValues {
  readonly pwcca: PairwisePwcca;
  readonly cca: MethodValue;
  readonly svcca?: MethodValue & { readonly dims: { readonly a: number; readonly b: number } };
  /** Linear CKA (similarity, distance) and its debiased form (null when undefined, e.g. fewer than 4 datapoints). */
  readonly cka?: MethodValue & { readonly debiased: number | null };
}

/** One finished pair: labels `a` < `b` of matrix `scope`, its values or its error. */
export interface PairwiseRecord {
  readonly scope: string;
  readonly a: string;
  readonly b: string;
  readonly groupA: string | null;
  readonly groupB: string | null;
  readonly datapoints?: number;
  readonly ranks?: { readonly a: number; readonly b: number };
  readonly values?: PairwiseValues;
  /** With --cells: the pair's permutation test per method (null values left out). */
  readonly significance?: PairSignificance;
  readonly warnings?: readonly string[];
  readonly error?: PairFailure;
}

/** One cell's permutation test: its shuffles and seed, and per method the test without the null values. */
export type PairSignificance = { readonly permutations: number; readonly seed: number } & Partial<
  Record<PairwiseMethod, Omit<NullSummary, 'nullValues'>>
>;

/** Per-cell permutation tests (`--cells`): K shuffles of each pair's datapoint pairing. */
export interface CellTestOptions {
  readonly permutations: number;
  readonly seed?: number;
}

/**
 * Options of a pairwise study: the engine's (reading, threads, memory,
 * streaming) and the comparisons'. They make the numbers, so they are also
 * what a journal's identity records.
 */
export interface PairwiseOptions extends EngineOptions {
  /** Statistics to tabulate (default: PWCCA); PWCCA and CCA are always computed, SVCCA and CKA only when listed. */
  readonly methods?: readonly PairwiseMethod[];
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  /** SVCCA's dims or variance fraction, as given (used when `methods` lists svcca). */
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
  /** A permutation test for every pair (costly: K cross products per pair); needs the files in memory. */
  readonly cells?: CellTestOptions;
}

/** Options of {@link runPairwise}: the study's, and resume. */
export interface RunPairwiseOptions extends PairwiseOptions {
  /** Progress of one pair's permutation test (with `cells`). */
  readonly onResample?: (done: number, total: number) => void;
  /** Records of pairs already done (from a journal): these pairs are not run again. */
  readonly previous?: readonly PairwiseRecord[];
  /** Called as each new pair finishes (e.g. to append it to the journal). */
  readonly onRecord?: (record: PairwiseRecord) => void;
}

/** The options of every comparison of a pairwise study. */
export function pairwiseCompareOptions(options: PairwiseOptions): Omit<CompareOptions, 'labels'> {
  return {
    variant: options.variant,
    epsilon: options.epsilon,
    svcca: (options.methods ?? ['pwcca']).includes('svcca') ? (options.svcca ?? {}) : undefined,
    cka: (options.methods ?? ['pwcca']).includes('cka') ? {} : undefined,
  };
}

export interface PairwiseRun {
  /** One record per planned pair, in plan order. */
  readonly records: readonly PairwiseRecord[];
  readonly stats: RunStats;
  /** Pairs taken from `previous` instead of being run. */
  readonly resumed: number;
}

/** Runs the plan's pairs that `previous` does not already have. */
export async function runPairwise(plan: PairwisePlan, options: RunPairwiseOptions = {}): Promise<PairwiseRun> {
  const byKey = new Map(plan.tasks.map((task) => [task.key, task]));
  const done = new Map<string, PairwiseRecord>();
  for (const record of options.previous ?? []) {
    const key = recordKey(record);
    if (byKey.has(key)) done.set(key, record);
  }
  const todo = plan.tasks.filter((task) => !done.has(task.key));
  const fresh = new Map<string, PairwiseRecord>();
  const cells = options.cells;
  const { stats } = await runPairs(plan.files, todo, {
    ...options,
    compare: pairwiseCompareOptions(options),
    // The per-cell tests shuffle rows, which needs them in memory; an explicit --stream is refused by the engine.
    stream: cells && options.stream !== true ? false : options.stream,
    resampling: cells
      ? { methods: ['pwcca', 'cca', 'svcca', 'cka'], permutations: cells.permutations, seed: cells.seed ?? 0, onProgress: options.onResample }
      : undefined,
    onOutcome: (outcome) => {
      const task = byKey.get(outcome.task.key)!;
      const record = outcome.error
        ? { ...identify(plan, task), error: outcome.error }
        : buildPairwiseRecord(plan, task, outcome.comparison, outcome.resampling?.significance);
      fresh.set(task.key, record);
      options.onRecord?.(record);
    },
    onProgress: (count) => options.onProgress?.(done.size + count, plan.tasks.length),
  });
  const records = blameOddFiles(
    plan,
    plan.tasks.map((task) => done.get(task.key) ?? fresh.get(task.key)!),
    stats.inputs,
  );
  return { records, stats, resumed: done.size };
}

/**
 * A file whose number of datapoints differs from that of most files of its
 * matrix fails every pair it is in; each of those pairs' errors then names
 * that file alone (`s2/fc1.npy has 50 datapoints where the other 3 files of
 * layer fc1 have 60`) rather than the pair, so the failure is reported once,
 * against the file that disagrees. Pairs of two files that each agree with
 * the majority, or matrices without a clear majority, keep their own error.
 */
export function blameOddFiles(
  plan: PairwisePlan,
  records: readonly PairwiseRecord[],
  inputs: ReadonlyMap<string, { readonly datapoints: number }>,
): PairwiseRecord[] {
  const odd = new Map<string, PairFailure>();
  plan.matrices.forEach((matrix) => {
    const counts = new Map<number, number>();
    for (const id of matrix.fileIds) {
      const n = inputs.get(id)?.datapoints;
      if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    if (counts.size < 2) return;
    const [[usual, many], [, next]] = [...counts.entries()].sort((p, q) => q[1] - p[1]);
    if (many === next) return;
    const what = plan.scopeKind === 'layer' ? `layer ${matrix.scope}` : `network ${matrix.scope}`;
    matrix.fileIds.forEach((id, i) => {
      const n = inputs.get(id)?.datapoints;
      if (n === undefined || n === usual) return;
      odd.set(`${matrix.scope}\u0000${matrix.labels[i]}`, {
        kind: 'input',
        message: `${id} has ${n} datapoints where the other ${many} files of ${what} have ${usual}`,
        hint: 'every file must hold activations for the same probe inputs, in the same order: re-save this one, or move it out of the folder',
        where: id,
        exitCode: 3,
      });
    });
  });
  if (odd.size === 0) return [...records];
  return records.map((record) => {
    if (!record.error || !/datapoints/.test(record.error.message)) return record;
    const blamed = odd.get(`${record.scope}\u0000${record.a}`) ?? odd.get(`${record.scope}\u0000${record.b}`);
    return blamed ? { ...record, error: blamed } : record;
  });
}

/** The record of a compared pair: order-independent PWCCA (mean of directions on a tie), CCA, SVCCA. */
export function buildPairwiseRecord(
  plan: PairwisePlan,
  task: PairwiseTask,
  comparison: PairComparison,
  significance?: PermutationTestResult<SimilarityMethod>,
): PairwiseRecord {
  const { pwcca, cca, svcca } = comparison;
  // The value `compare` reports for the pair (order-free for variant paper: mean of both directions on a rank tie).
  const similarity = pwcca.similarity;
  return {
    ...identify(plan, task),
    datapoints: comparison.datapoints,
    ranks: { a: comparison.sides.a.rank, b: comparison.sides.b.rank },
    values: {
      pwcca: {
        similarity,
        distance: 1 - similarity,
        directional: { a: pwcca.directional.a, b: pwcca.directional.b },
        side: pwcca.sideTie ? 'tie' : pwcca.side,
      },
      cca: { similarity: cca.similarity, distance: cca.distance },
      ...(svcca && { svcca: { similarity: svcca.similarity, distance: svcca.distance, dims: { a: svcca.dims.a, b: svcca.dims.b } } }),
      ...(comparison.cka && { cka: { similarity: comparison.cka.similarity, distance: comparison.cka.distance, debiased: comparison.cka.debiased } }),
    },
    ...(significance && { significance: withoutNullValues(significance) }),
    warnings: comparison.warnings,
  };
}

/** A cell's test as the record keeps it: the K null values stay out of journals and reports. */
function withoutNullValues(test: PermutationTestResult<SimilarityMethod>): PairSignificance {
  const result: Record<string, unknown> = { permutations: test.permutations, seed: test.seed };
  for (const method of PAIRWISE_METHODS) {
    const summary = test[method];
    if (summary) {
      const { nullValues: _nullValues, ...rest } = summary;
      result[method] = rest;
    }
  }
  return result as PairSignificance;
}

function identify(plan: PairwisePlan, task: PairwiseTask) {
  const matrix = plan.matrices[task.matrix];
  return { scope: task.scope, a: task.labelA, b: task.labelB, groupA: matrix.groups[task.i], groupB: matrix.groups[task.j] };
}

/** Key of a record, equal to its task's key: {@link pairKey} of its scope and labels. */
export function recordKey(record: Pick<PairwiseRecord, 'scope' | 'a' | 'b'>): string {
  return pairKey(record.scope, record.a, record.b);
}

/**
 * A record as one journal line: `layer` (or `network` with --cross-layer)
 * names the matrix; everything else as in {@link PairwiseRecord}.
 */
export function toJournalRecord(record: PairwiseRecord, scopeKind: ScopeKind): Record<string, unknown> {
  const { scope, ...rest } = record;
  return { type: 'pair', [scopeKind]: scope, ...rest };
}

/**
 * What is wrong with a journal line of a pairwise run, or null when it is a
 * pair record as {@link toJournalRecord} writes it: the check a resumed run
 * makes before trusting the line's numbers.
 */
export function checkJournalRecord(line: Record<string, unknown>, scopeKind: ScopeKind): string | null {
  if (line.type !== 'pair') return `"type" is ${JSON.stringify(line.type)}, expected "pair"`;
  for (const key of [scopeKind, 'a', 'b']) if (typeof line[key] !== 'string') return `"${key}" is not a string`;
  for (const key of ['groupA', 'groupB']) if (line[key] !== null && typeof line[key] !== 'string') return `"${key}" is neither a string nor null`;
  if (line.error !== undefined) return isPairFailure(line.error) ? null : '"error" is not a failure record';
  const values = line.values as Record<string, Record<string, unknown>> | undefined;
  if (typeof values !== 'object' || values === null) return 'it has neither "values" nor "error"';
  const isValue = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
  for (const method of PAIRWISE_METHODS) {
    const entry = values[method];
    if (entry === undefined && (method === 'svcca' || method === 'cka')) continue;
    if (typeof entry !== 'object' || entry === null || !isValue(entry.similarity) || !isValue(entry.distance)) {
      return `"values.${method}" lacks a numeric similarity and distance`;
    }
  }
  const directional = values.pwcca.directional as Record<string, unknown> | undefined;
  if (typeof directional !== 'object' || directional === null || !isValue(directional.a) || !isValue(directional.b)) {
    return '"values.pwcca.directional" lacks its two numbers';
  }
  return null;
}

/** Reads back the pair lines of a journal (other lines are ignored). */
export function fromJournalRecords(lines: readonly Record<string, unknown>[], scopeKind: ScopeKind): PairwiseRecord[] {
  return lines
    .filter((line) => line.type === 'pair' && typeof line[scopeKind] === 'string')
    .map((line) => {
      const { type: _type, [scopeKind]: scope, ...rest } = line;
      return { scope, ...rest } as unknown as PairwiseRecord;
    });
}

/**
 * What makes two pairwise runs the same run (the journal header's identity):
 * every input file (path relative to `root` when given, size, modification
 * time), the matrices (labels and groups) and the options that change values.
 * Reads file metadata.
 */
export function buildPairwiseIdentity(plan: PairwisePlan, options: PairwiseOptions, root?: string): Record<string, unknown> {
  const compare = pairwiseCompareOptions(options);
  return {
    scopeKind: plan.scopeKind,
    files: plan.files.map((file) => fileIdentity(file.path, root)),
    matrices: plan.matrices.map((matrix) => ({ scope: matrix.scope, labels: matrix.labels, groups: matrix.groups })),
    // The route changes the last bits of a value (streamed and in-memory sums round differently): part of what a run is.
    read: { layout: options.layout ?? 'auto', conv: options.conv ?? 'flatten', skipNonNumeric: options.skipNonNumeric === true, stream: options.stream ?? 'auto' },
    compare: {
      variant: compare.variant ?? 'paper',
      epsilon: compare.epsilon ?? null,
      threshold: compare.threshold ?? null,
      svcca: compare.svcca ?? null,
      // Only when asked for, so journals of runs without them keep their identity.
      ...(compare.cka && { cka: true }),
    },
    ...(options.cells && { cells: { permutations: options.cells.permutations, seed: options.cells.seed ?? 0 } }),
  };
}
