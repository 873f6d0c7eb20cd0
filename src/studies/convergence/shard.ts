/**
 * A convergence run split into shards: each (run, layer) is a matrix whose
 * pairs are its steps against the reference step, so a shard takes runs of
 * consecutive steps and reads each reference file it needs once. Also the
 * checkpoint set and plan rebuilt from a shard's journal header, for
 * `pwcca merge`. Pure.
 */
import type { FileFacts } from '../../engine/shard-parts.js';
import { buildShardPlan, type ShardMatrix, type ShardPlan } from '../../engine/shards.js';
import { buildCheckpointSet, type CheckpointSet } from './discover.js';
import { planConvergence, type ConvergencePlan, type ConvergenceTask, type ReferenceChoice } from './plan.js';

/** The run's (run, layer) stars as the partition sees them. */
export function buildConvergenceShardMatrices(plan: ConvergencePlan, facts: FileFacts): ShardMatrix[] {
  const groups = new Map<string, ConvergenceTask[]>();
  for (const task of plan.tasks) {
    const id = JSON.stringify([task.run, task.layer]);
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id)!.push(task);
  }
  const fact = (id: string) => {
    const found = facts.get(id);
    if (found === undefined) throw new RangeError(`no size for file ${id}`);
    return found;
  };
  return [...groups].map(([id, tasks]) => {
    const reference = fact(tasks[0].b);
    // Labels are the files' root-relative paths: unique within the star whatever the step names.
    const labels = [{ name: reference.path, file: reference.path, weight: reference.size }];
    for (const task of tasks) {
      const step = fact(task.a);
      labels.push({ name: step.path, file: step.path, weight: step.size });
    }
    return { id, labels, pairs: tasks.map((task) => ({ a: fact(task.a).path, b: reference.path, key: task.key })) };
  });
}

/** Splits a convergence run into `count` shards (the same split on every machine for the same files). */
export function planConvergenceShards(plan: ConvergencePlan, facts: FileFacts, count: number): ShardPlan {
  return buildShardPlan(buildConvergenceShardMatrices(plan, facts), count);
}

/** What a shard's journal header carries besides its identity, to plan the whole run again at merge time. */
export interface ConvergenceShardContext {
  /** The root as given on the command line (for the report). */
  readonly root: string;
  /** Label of the single run of a ROOT/<step>/<layer> layout: the root folder's name where the shard ran. */
  readonly rootName: string;
  /** Every checkpoint file, relative to the root (`/`-separated). */
  readonly files: readonly string[];
  readonly byLayer: boolean;
  readonly layers: readonly string[] | null;
  readonly reference: ReferenceChoice;
}

/** Rebuilds the checkpoint set and plan of a run from a shard header's context; file ids are the root-relative paths. */
export function replanConvergence(context: ConvergenceShardContext): { set: CheckpointSet; plan: ConvergencePlan } {
  // buildCheckpointSet names a single run after the root folder: give it the folder's name where the shards ran.
  const set = buildCheckpointSet(context.files, { root: context.rootName, byLayer: context.byLayer, ...(context.layers !== null && { layers: context.layers }) });
  return { set, plan: planConvergence(set, { reference: context.reference }) };
}
