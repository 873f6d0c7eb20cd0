/**
 * `pwcca pairwise`: runs every planned pair through the multi-pair runner
 * (each file loaded and prepared once), turns outcomes into order-independent
 * records, and resumes from the records of an interrupted run.
 */
import { symmetricPwcca, type CompareOptions, type PairComparison } from '../../metrics/compare.js';
import { METHOD_NAMES, pairKey } from '../../types.js';
import type { EngineOptions } from '../../engine/types.js';
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

/** The numbers of one pair: PWCCA and CCA always, SVCCA when asked. */
export interface PairwiseValues {
  readonly pwcca: PairwisePwcca;
  readonly cca: MethodValue;
  readonly svcca?: MethodValue & { readonly dims: { readonly a: number; readonly b: number } };
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
  readonly warnings?: readonly string[];
  readonly error?: PairFailure;
}

/** Options of a pairwise run: the engine's, the comparisons', and resume. */
export interface RunPairwiseOptions extends EngineOptions {
  /** Engine options; pass `svcca` only when SVCCA is wanted. */
  readonly compare?: Omit<CompareOptions, 'labels'>;
  /** Records of pairs already done (from a journal): these pairs are not run again. */
  readonly previous?: readonly PairwiseRecord[];
  /** Called as each new pair finishes (e.g. to append it to the journal). */
  readonly onRecord?: (record: PairwiseRecord) => void;
  /** Pairs done (including resumed ones) and total. */
  readonly onProgress?: (done: number, total: number) => void;
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
  const { stats } = await runPairs(plan.files, todo, {
    ...options,
    onOutcome: (outcome) => {
      const task = byKey.get(outcome.task.key)!;
      const record = outcome.error
        ? { ...identify(plan, task), error: outcome.error }
        : buildPairwiseRecord(plan, task, outcome.comparison);
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
export function buildPairwiseRecord(plan: PairwisePlan, task: PairwiseTask, comparison: PairComparison): PairwiseRecord {
  const { pwcca, cca, svcca } = comparison;
  const similarity = symmetricPwcca(pwcca);
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
    },
    warnings: comparison.warnings,
  };
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

/** Reads back the pair lines of a journal (other lines are ignored). */
export function fromJournalRecords(lines: readonly Record<string, unknown>[], scopeKind: ScopeKind): PairwiseRecord[] {
  return lines
    .filter((line) => line.type === 'pair' && typeof line[scopeKind] === 'string')
    .map((line) => {
      const { type: _type, [scopeKind]: scope, ...rest } = line;
      return { scope, ...rest } as unknown as PairwiseRecord;
    });
}

/** Settings that change the numbers of a pair; a journal can only be resumed with the same ones. */
export interface PairwiseSettings {
  readonly read: { readonly layout?: string; readonly conv?: string; readonly skipNonNumeric?: boolean };
  readonly compare: Omit<CompareOptions, 'labels'>;
}

/**
 * What makes two pairwise runs the same run (the journal header's identity):
 * every input file (path, size, modification time), the matrices (labels and
 * groups) and the settings that change values. Reads file metadata.
 */
export function buildPairwiseIdentity(plan: PairwisePlan, settings: PairwiseSettings): unknown {
  return {
    scopeKind: plan.scopeKind,
    files: plan.files.map((file) => fileIdentity(file.path)),
    matrices: plan.matrices.map((matrix) => ({ scope: matrix.scope, labels: matrix.labels, groups: matrix.groups })),
    read: { layout: settings.read.layout ?? 'auto', conv: settings.read.conv ?? 'flatten', skipNonNumeric: settings.read.skipNonNumeric === true },
    compare: {
      variant: settings.compare.variant ?? 'paper',
      epsilon: settings.compare.epsilon ?? null,
      threshold: settings.compare.threshold ?? null,
      svcca: settings.compare.svcca ?? null,
    },
  };
}
