/**
 * A pairwise run split into shards: which pairs shard K of S runs, and the
 * plan of the whole run rebuilt from a shard's journal header so `pwcca
 * merge` can build the report without the files. Pure.
 */
import { join } from 'node:path';
import type { FileFacts } from '../../engine/shard-parts.js';
import { buildShardPlan, type ShardMatrix, type ShardPlan } from '../../engine/shards.js';
import { classifyFileList, classifyFiles, discoveryFromEntries, type Discovery, type DiscoveryMode } from './discover.js';
import { buildPairwisePlan, type PairwisePlan, type PairwisePlanOptions } from './plan.js';

/** The run's matrices as the partition sees them: files by root-relative path, weighted by size. */
export function buildPairwiseShardMatrices(plan: PairwisePlan, facts: FileFacts): ShardMatrix[] {
  const pairsOf = plan.matrices.map(() => [] as { a: string; b: string; key: string }[]);
  for (const task of plan.tasks) pairsOf[task.matrix].push({ a: task.labelA, b: task.labelB, key: task.key });
  return plan.matrices.map((matrix, m) => ({
    id: matrix.scope,
    labels: matrix.labels.map((name, i) => {
      const fact = facts.get(matrix.fileIds[i]);
      if (fact === undefined) throw new RangeError(`no size for file ${matrix.fileIds[i]}`);
      return { name, file: fact.path, weight: fact.size };
    }),
    pairs: pairsOf[m],
  }));
}

/** Splits a pairwise run into `count` shards (the same split on every machine for the same files). */
export function planPairwiseShards(plan: PairwisePlan, facts: FileFacts, count: number): ShardPlan {
  return buildShardPlan(buildPairwiseShardMatrices(plan, facts), count);
}

/**
 * What a shard's journal header carries besides its identity, so the whole
 * run can be planned again at merge time: the discovered files relative to
 * the root and the options that shape the plan.
 */
export interface PairwiseShardContext {
  readonly mode: DiscoveryMode;
  /** The root as given on the command line (for the report), or null for a list of files. */
  readonly root: string | null;
  /** Every discovered file, relative to the root (`/`-separated), in discovery order. */
  readonly files: readonly string[];
  /** Every discovered input as labelled (path relative to the root, `#KEY` for an array of a multi-array file). */
  readonly entries?: ReadonlyArray<{ readonly path: string; readonly network: string; readonly layer: string }>;
  readonly groupBy: string | null;
  readonly plan: { readonly crossLayer: boolean; readonly layers: readonly string[] | null; readonly groups?: readonly string[] | null };
}

/** Rebuilds the discovery and plan of a run from a shard header's context (the files are not read). */
export function replanPairwise(context: PairwiseShardContext): { discovery: Discovery; plan: PairwisePlan } {
  const groupBy = context.groupBy === null ? undefined : new RegExp(context.groupBy);
  const root = context.root;
  // File paths as the run saw them (the root as given, joined as discovery joins it), for the report.
  const joined = (relativePath: string) => (context.mode === 'list' || root === null ? relativePath : join(root, ...relativePath.split('/')));
  // The labels as the run gave them: multi-array files were expanded into one input per array.
  const discovery =
    context.entries !== undefined
      ? discoveryFromEntries(context.mode, context.entries.map((entry) => ({ ...entry, path: joined(entry.path) })), { groupBy, ...(root !== null && { root }) })
      : context.mode === 'list' || root === null
        ? classifyFileList(context.files, { groupBy })
        : classifyFiles(context.files, { groupBy, root, join: joined });
  const options: PairwisePlanOptions = {
    crossLayer: context.plan.crossLayer,
    ...(context.plan.layers !== null && { layers: context.plan.layers }),
    ...(context.plan.groups != null && { groups: context.plan.groups }),
  };
  return { discovery, plan: buildPairwisePlan(discovery, options) };
}
