import { Option, type Command } from 'commander';
import { statSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { runPairs } from '../../engine/run-pairs.js';
import { factsFromIdentity, type FileFacts } from '../../engine/shard-parts.js';
import type { ShardPlan } from '../../engine/shards.js';
import type { PairTask, SourceFile } from '../../engine/types.js';
import { discoverCheckpointArrays } from '../../studies/convergence/discover.js';
import { parseReference, planConvergence, type ReferenceChoice } from '../../studies/convergence/plan.js';
import { convergenceIdentity } from '../../studies/convergence/run.js';
import { planConvergenceShards } from '../../studies/convergence/shard.js';
import { discoverActivationArrays } from '../../studies/pairwise/discover.js';
import { buildPairwisePlan } from '../../studies/pairwise/plan.js';
import { buildPairwiseIdentity } from '../../studies/pairwise/run.js';
import { planPairwiseShards } from '../../studies/pairwise/shard.js';
import { resolveRefSync } from '../../io/load.js';
import type { CliContext } from '../context.js';
import { addReadOptions, parseList, parsePositiveInteger, readOptionsFrom, type ReadFlags } from '../options.js';
import { writeData } from '../output.js';

interface PlanFlags extends ReadFlags {
  shards: number;
  study: 'pairwise' | 'convergence';
  crossLayer?: boolean;
  byLayer?: boolean;
  layers?: string[];
  reference: ReferenceChoice;
  root?: string;
  format: 'table' | 'json';
  time: boolean;
  out?: string;
}

const EXAMPLES = `
Examples:
  pwcca plan runs/ --shards 16                       pairs, files per shard and estimated time of a pairwise run
  pwcca plan ckpt/ --study convergence --shards 8
  pwcca plan runs/ --shards 16 --format json --no-time

Then run the shards, e.g. as a Slurm job array, and merge them:
  sbatch --array=1-16 scripts/slurm/pwcca-pairwise.sbatch runs/ out/
  pwcca merge out/part-*.ndjson --format json > pairwise.json`;

/** Files larger than this are not read to time a pair (the estimate is then skipped). */
const TIMING_FILE_LIMIT = 64 * 2 ** 20;

/** `pwcca plan`: how a run would be split into shards, without running it. */
export function registerPlan(program: Command, context: CliContext): void {
  const command = program
    .command('plan')
    .description('how a pairwise or convergence run splits into shards: pairs and files per shard, estimated time')
    .argument('<inputs...>', 'the folder (or files) the run would read')
    .addOption(new Option('--shards <S>', 'number of shards (e.g. Slurm array tasks)').argParser(parsePositiveInteger('--shards')).makeOptionMandatory())
    .addOption(new Option('--study <name>', 'the run to plan').choices(['pairwise', 'convergence']).default('pairwise'))
    .option('--cross-layer', 'pairwise: layer x layer matrices within each network')
    .option('--by-layer', 'convergence: folders are layers and files are steps')
    .addOption(new Option('--layers <list>', 'only these layers (comma list)').argParser(parseList))
    .addOption(new Option('--reference <step>', 'convergence: the reference step (last, first or a step)').argParser(parseReference).default('last'))
    .option('--root <dir>', 'input paths relative to this folder, as the shards would record them')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-time', 'do not time one pair to estimate the run time')
    .option('-o, --out <file>', 'write the plan to a file instead of stdout');
  addReadOptions(command);
  command.addHelpText('after', EXAMPLES).action(async (inputs: string[], flags: PlanFlags) => {
    await runPlanCommand(inputs, flags, context);
  });
}

interface Planned {
  readonly what: string;
  readonly shards: ShardPlan;
  readonly files: readonly SourceFile[];
  readonly tasks: readonly PairTask[];
  readonly facts: FileFacts;
}

async function planStudy(inputs: string[], flags: PlanFlags): Promise<Planned> {
  if (flags.study === 'convergence') {
    if (inputs.length !== 1) throw new UsageError('--study convergence takes one checkpoint folder', { hint: 'pwcca plan ckpt/ --study convergence --shards 8' });
    const root = inputs[0].replace(/[\\/]+$/, '') || inputs[0];
    const set = await discoverCheckpointArrays(root, { byLayer: flags.byLayer, layers: flags.layers });
    const plan = planConvergence(set, { reference: flags.reference });
    const facts = factsFromIdentity(plan.files, convergenceIdentity(set, plan, { root: flags.root ?? root }).files);
    return { what: `convergence ${root}: ${set.runs.length} run(s), ${set.layers.length} layer(s), ${set.steps.length} steps`, shards: planConvergenceShards(plan, facts, flags.shards), files: plan.files, tasks: plan.tasks, facts };
  }
  const discovery = await discoverActivationArrays(inputs);
  const plan = buildPairwisePlan(discovery, { crossLayer: flags.crossLayer, layers: flags.layers });
  const identity = buildPairwiseIdentity(plan, {}, flags.root ?? discovery.root);
  const facts = factsFromIdentity(plan.files, identity.files);
  return { what: `pairwise ${discovery.root ?? `${inputs.length} files`}: ${plan.matrices.length} matri${plan.matrices.length === 1 ? 'x' : 'ces'}`, shards: planPairwiseShards(plan, facts, flags.shards), files: plan.files, tasks: plan.tasks, facts };
}

/**
 * Seconds per cost unit, from timing the costliest pair whose files are both
 * under the size limit (read, prepare, compare: what a shard does per pair and
 * file), or null when no pair qualifies.
 */
async function timeOnePair(planned: Planned, flags: PlanFlags, context: CliContext): Promise<{ secondsPerUnit: number; pair: string } | null> {
  const size = (id: string) => planned.facts.get(id)!.size;
  let best: PairTask | null = null;
  for (const task of planned.tasks) {
    if (size(task.a) > TIMING_FILE_LIMIT || size(task.b) > TIMING_FILE_LIMIT) continue;
    if (best === null || size(task.a) * size(task.b) > size(best.a) * size(best.b)) best = task;
  }
  if (best === null) return null;
  const files = planned.files.filter((file) => file.id === best!.a || file.id === best!.b);
  const started = process.hrtime.bigint();
  const { outcomes } = await runPairs(files, [best], { ...readOptionsFrom(flags, context.stdin), jobs: 1, stream: false });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (outcomes[0]?.error) return null;
  // The shard cost model: a pair costs wa * wb, preparing a file w * w (see src/engine/shards.ts).
  const units = size(best.a) * size(best.b) + size(best.a) ** 2 + (best.a === best.b ? 0 : size(best.b) ** 2);
  return { secondsPerUnit: seconds / units, pair: `${planned.facts.get(best.a)!.path} vs ${planned.facts.get(best.b)!.path}` };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toPrecision(2)} s`;
  if (seconds < 3600) return `${(seconds / 60).toPrecision(2)} min`;
  return `${(seconds / 3600).toPrecision(2)} h`;
}

async function runPlanCommand(inputs: string[], flags: PlanFlags, context: CliContext): Promise<void> {
  if (flags.study === 'pairwise' && flags.byLayer) throw new UsageError('--by-layer is for --study convergence', { hint: 'pwcca plan ckpt/ --study convergence --by-layer --shards 8' });
  if (flags.study === 'convergence' && flags.crossLayer) throw new UsageError('--cross-layer is for pairwise runs', { hint: 'drop --cross-layer, or plan --study pairwise' });
  const planned = await planStudy(inputs, flags);
  for (const file of planned.files) statSync(resolveRefSync(file.path).path); // fail early, naming the file, if one vanished
  const timing = flags.time ? await timeOnePair(planned, flags, context) : null;
  const { shards, summary } = planned.shards;
  const n = planned.files.length;
  const estimate = (cost: number) => (timing === null ? null : cost * timing.secondsPerUnit);
  // The plan's inputs are arrays (FILE or FILE#KEY): one per single-array file, several per .npz, torch, safetensors or HDF5 file.
  // Each input's file is resolved once (resolving FILE#KEY reads the file system), then looked up per shard.
  const fileOf = new Map(planned.files.map((file) => [file.path, resolveRefSync(file.path).path]));
  const filesAmong = (inputs: readonly string[]) => new Set(inputs.map((input) => fileOf.get(input) ?? resolveRefSync(input).path)).size;
  const fileCount = new Set(fileOf.values()).size;
  const rows = shards.map((shard) => ({
    shard: shard.index,
    pairs: shard.pairs.length,
    arrays: shard.files.length,
    files: filesAmong(shard.files),
    costShare: summary.totalCost > 0 ? shard.cost / summary.totalCost : 1 / shards.length,
    seconds: estimate(shard.cost),
  }));
  const fileCounts = rows.map((row) => row.files);
  const result = {
    study: flags.study,
    shards: summary.shards,
    pairs: summary.pairs,
    arrays: summary.files,
    files: fileCount,
    pairsPerShard: summary.pairsPerShard,
    arraysPerShard: summary.filesPerShard,
    filesPerShard: { min: Math.min(...fileCounts), max: Math.max(...fileCounts), mean: fileCounts.reduce((sum, c) => sum + c, 0) / fileCounts.length },
    costShare: summary.costShare,
    // Work of all shards over the work of one run: files read by several shards are prepared by each.
    overhead: summary.singleRunCost > 0 ? summary.totalCost / summary.singleRunCost : 1,
    estimatedSeconds: timing === null ? null : { perShardMax: Math.max(...rows.map((row) => row.seconds ?? 0)), singleRun: summary.singleRunCost * timing.secondsPerUnit, timedPair: timing.pair },
    perShard: rows,
  };
  if (flags.format === 'json') {
    await writeData(`${JSON.stringify(result, null, 2)}\n`, flags.out, context);
    return;
  }
  // Arrays are named only when some file holds several (otherwise arrays and files are the same).
  const byArray = summary.files !== fileCount;
  const counted = byArray ? `${summary.files} arrays in ${fileCount} files` : `${summary.files} files`;
  const unit = byArray ? 'arrays' : 'files';
  const lines = [
    `${planned.what}; ${summary.pairs} pairs over ${counted} in ${summary.shards} shard${summary.shards === 1 ? '' : 's'}`,
    `${unit} per shard: ${summary.filesPerShard.min}..${summary.filesPerShard.max} (mean ${summary.filesPerShard.mean.toFixed(1)}, of ${n})`,
    `pairs per shard: ${summary.pairsPerShard.min}..${summary.pairsPerShard.max}; cost share per shard ${(100 * summary.costShare.min).toFixed(1)}%..${(100 * summary.costShare.max).toFixed(1)}%`,
    `work of all shards together: ${result.overhead.toFixed(2)}x one run (files read by several shards are prepared by each)`,
    result.estimatedSeconds === null
      ? `estimated time: not timed${flags.time ? ` (no pair with both files under ${TIMING_FILE_LIMIT / 2 ** 20} MiB, or it failed)` : ' (--no-time)'}`
      : `estimated time on one core like this one: longest shard ~${formatSeconds(result.estimatedSeconds.perShardMax)}, one unsharded run ~${formatSeconds(result.estimatedSeconds.singleRun)} (from timing ${result.estimatedSeconds.timedPair})`,
    '',
    `shard  pairs  ${byArray ? 'arrays  files' : 'files'}  cost  time`,
    ...rows.map(
      (row) =>
        `${String(row.shard).padStart(5)}  ${String(row.pairs).padStart(5)}  ${byArray ? `${String(row.arrays).padStart(6)}  ` : ''}${String(row.files).padStart(5)}  ${(100 * row.costShare).toFixed(1).padStart(4)}%  ${row.seconds === null ? '-' : `~${formatSeconds(row.seconds)}`}`,
    ),
  ];
  await writeData(`${lines.join('\n')}\n`, flags.out, context);
}
