import { Option, type Command } from 'commander';
import { basename, relative, resolve, sep } from 'node:path';
import { ExitCode, UsageError } from '../../errors.js';
import { toConvergenceCsv } from '../../report/convergence-csv.js';
import { toConvergenceJson } from '../../report/convergence-json.js';
import { toConvergenceTable } from '../../report/convergence-table.js';
import { SCHEMA_VERSION } from '../../types.js';
import {
  DEFAULT_THRESHOLD,
  cellRecord,
  checkCellRecord,
  cellsFromRecords,
  convergenceIdentity,
  runConvergence,
  type ConvergenceMethod,
  type ConvergenceReport,
  type ConvergenceRunOptions,
} from '../../studies/convergence/run.js';
import { describePlan, parseReference, planConvergence, taskKey, type ReferenceChoice } from '../../studies/convergence/plan.js';
import { openJournal, type Journal } from '../../engine/journal.js';
import { factsFromIdentity, withShard } from '../../engine/shard-parts.js';
import { restrictToShard, selectShard } from '../../engine/shards.js';
import { planConvergenceShards, type ConvergenceShardContext } from '../../studies/convergence/shard.js';
import { discoverCheckpointArrays, parseStep, type CheckpointSet } from '../../studies/convergence/discover.js';
import { expandCheckpointTimesteps } from '../../studies/timesteps/checkpoints.js';
import type { CliContext } from '../context.js';
import {
  addMetricOptions,
  addOutputOptions,
  addReadOptions,
  addRunOptions,
  addShardOptions,
  type ShardFlags,
  checkSvccaFlags,
  outputFormatFrom,
  journalPathFrom,
  parseList,
  parseMethodList,
  type RunFlags,
  parseNumberInRange,
  parsePositiveInteger,
  readOptionsFrom,
  svccaOptionsFrom,
  type MetricFlags,
  type OutputFlags,
  type ReadFlags,
} from '../options.js';
import { buildMessagePaint, buildPaint, printFailures, printWarnings, shouldColor, writeData } from '../output.js';
import { addPlotOption, checkPlotFlag, writeReportPlot, type PlotFlag } from '../plot-option.js';
import { createProgress } from '../progress.js';

export const CONVERGENCE_FORMATS = ['table', 'csv', 'json'] as const;
const FORMATS = CONVERGENCE_FORMATS;

/** The flags of `pwcca convergence` (also rebuilt by `pwcca merge` from a shard's header). */
export interface ConvergenceFlags extends ReadFlags, MetricFlags, OutputFlags, RunFlags, ShardFlags, PlotFlag {
  method: ConvergenceMethod[];
  format: (typeof FORMATS)[number];
  byLayer?: boolean;
  reference: ReferenceChoice;
  threshold: number;
  layers?: string[];
  directions?: number;
  perTimestep?: boolean;
  directionsSteps?: [number, number];
}

const EXAMPLES = `
Inputs (detected from the folder depth):
  ROOT/<step>/<layer>.npy           one run
  ROOT/<run>/<step>/<layer>.npy     several runs: mean and std over runs
  ROOT/<group>/<run>/<step>/<layer>.npy   groups of runs: curves per group
  ROOT/[<run>/]<layer>/<step>.npy   with --by-layer (detected when the names tell)
  ROOT/[<run>/]<step>.pt            one multi-array file per step (.pt, .npz,
                                    .safetensors, .h5), its keys are the layers
  A step name contains an integer, the step (the last integer: step_00042 -> 42,
  epoch-3 -> 3, ckpt-1000 -> 1000); steps sort by it. Layers sort naturally,
  or in the order of --layers (their depth order).

Examples:
  pwcca convergence ckpt/                          distance of every layer to its final state
  pwcca convergence runs/ --format csv > conv.csv  one row per run, layer, step and method
  pwcca convergence ckpt/ --reference first --threshold 0.1
  pwcca convergence ckpt/ --layers conv1,conv2,fc1,fc2
  pwcca convergence ckpt/ --directions 5           stable vs unstable directions (paper Fig. 1)
  pwcca convergence ckpt/ --directions 5 --directions-steps 0,3000   ... between these two steps
  pwcca convergence archs/                         archs/<group>/<run>/<step>/<layer>.npy: curves per group
  pwcca convergence ckpt/ --layout ntc --per-timestep   one curve per timestep of each sequence layer (gru@t0, gru@t1, ...)
  pwcca convergence ckpt/ --out conv.ndjson --resume   keep every finished cell; continue after Ctrl-C
  pwcca convergence ckpt/ --shard 3/16 --out part-3.ndjson   one of 16 shards (e.g. a Slurm array task); then pwcca merge`;



export function registerConvergence(program: Command, context: CliContext): void {
  const command = program
    .command('convergence')
    .description('how each layer approaches its final representation over training: every checkpoint vs the reference step')
    .argument('<root>', 'checkpoint folder: ROOT/<step>/<layer>.npy or ROOT/<run>/<step>/<layer>.npy')
    .addOption(
      new Option('--method <list>', 'comma list of pwcca, cca, svcca, cka, or all').argParser(parseMethodList).default(['pwcca', 'cca'], 'pwcca,cca'),
    )
    .option('--by-layer', 'folders are layers and files are steps: ROOT/[<run>/]<layer>/<step>.npy (default: detected from the names when they tell)')
    .option('--no-by-layer', 'folders are steps and files are layers: ROOT/[<run>/]<step>/<layer>.npy')
    .addOption(new Option('--reference <step>', 'step every checkpoint is compared with: last, first, or a step number').argParser(parseReference).default('last'))
    .addOption(
      new Option('--threshold <distance>', 'a layer has converged from the first step after which its distance stays at or below this')
        .argParser(parseNumberInRange('--threshold', 0, 1))
        .default(DEFAULT_THRESHOLD),
    )
    .addOption(new Option('--layers <list>', 'layers to use, in depth order (comma list of names); default: all, in natural order').argParser(parseList))
    .option('--per-timestep', 'each timestep of a sequence layer is a layer of its own, <layer>@t<K> (needs --layout ntc or nct)')
    .addOption(
      new Option('--directions <k>', 'track the k most and k least correlated CCA directions between the first and the middle step').argParser(
        parsePositiveInteger('--directions'),
      ),
    )
    .addOption(
      new Option('--directions-steps <early,late>', 'with --directions: the two steps whose CCA gives the directions (default: the first and the middle step)').argParser(
        parseStepPair,
      ),
    );
  addRunOptions(command, 'comparisons');
  addShardOptions(command, 'comparisons');
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  addPlotOption(command);
  command.addHelpText('after', EXAMPLES).action(async (root: string, flags: ConvergenceFlags, self: Command) => {
    if (root === '-') {
      throw new UsageError('convergence reads a folder of checkpoints, not standard input', {
        hint: 'pass the checkpoint folder: pwcca convergence ckpt/ (ckpt/<step>/<layer>.npy)',
      });
    }
    checkSvccaFlags(flags.method.includes('svcca'), {
      svdDims: flags.svdDims !== undefined,
      svdVariance: self.getOptionValueSource('svdVariance') === 'cli',
    });
    if (flags.directionsSteps !== undefined && flags.directions === undefined) {
      throw new UsageError('--directions-steps picks the steps of --directions, which was not given', { hint: 'add --directions K, or leave out --directions-steps' });
    }
    const formatGiven = self.getOptionValueSource('format') === 'cli';
    await runConvergenceCommand(root, { ...flags, format: outputFormatFrom(flags, formatGiven, FORMATS) }, context, formatGiven);
  });
}

/** Parses `--directions-steps EARLY,LATE`: two steps (integers, or names containing one). */
function parseStepPair(text: string): [number, number] {
  const parts = parseList(text).map(parseStep);
  if (parts.length !== 2 || parts.some((step) => step === null)) {
    throw new UsageError(`--directions-steps takes two steps, EARLY,LATE, got '${text}'`, { hint: 'e.g. --directions-steps 0,5000' });
  }
  return parts as [number, number];
}

async function runConvergenceCommand(root: string, flags: ConvergenceFlags, context: CliContext, formatGiven: boolean): Promise<void> {
  const quiet = flags.quiet === true;
  checkPlotFlag(flags);
  const journalPath = journalPathFrom(flags, 'conv.ndjson');
  const found = await discoverCheckpointArrays(root, { byLayer: flags.byLayer, layers: flags.layers });
  const set = flags.perTimestep
    ? await expandCheckpointTimesteps(found, { layout: flags.layout, dtype: flags.dtype, skipNonNumeric: flags.skipNonNumeric })
    : found;
  const plan = planConvergence(set, { reference: flags.reference });
  const options: ConvergenceRunOptions = {
    root: root.replace(/[\\/]+$/, '') || root,
    ...readOptionsFrom(flags, context.stdin),
    methods: flags.method,
    variant: flags.variant,
    epsilon: flags.epsilon,
    svcca: svccaOptionsFrom(flags),
    reference: flags.reference,
    threshold: flags.threshold,
    directions: flags.directions,
    directionsSteps: flags.directionsSteps,
    jobs: flags.jobs,
    maxMemoryBytes: flags.maxMemory,
    stream: flags.stream ?? 'auto',
  };
  printWarnings([...set.warnings, ...plan.warnings], context, quiet, flags.color);

  // Input paths in the journal are relative to this folder, so other machines' shards match.
  const identityOptions = { ...options, root: flags.root ?? options.root };
  let identity: Record<string, unknown> | undefined;
  let runPlan = plan;
  if (flags.shard !== undefined) {
    if (flags.directions !== undefined) {
      throw new UsageError('--directions cannot be used with --shard: it reads the checkpoints again after the comparisons', {
        hint: 'run --directions on one machine (pwcca convergence ROOT --directions K), and shard the comparisons without it',
      });
    }
    identity = convergenceIdentity(set, plan, identityOptions);
    const shards = planConvergenceShards(plan, factsFromIdentity(plan.files, identity.files), flags.shard.count);
    runPlan = restrictToShard(plan, selectShard(shards, flags.shard));
    if (!quiet) {
      context.stderr.write(
        `pwcca: shard ${flags.shard.index}/${flags.shard.count}: ${runPlan.tasks.length} of ${plan.tasks.length} comparisons, reading ${runPlan.files.length} of ${plan.files.length} files\n`,
      );
    }
  }
  let journal: Journal | undefined;
  if (journalPath !== undefined) {
    identity ??= convergenceIdentity(set, plan, identityOptions);
    const header = {
      type: 'header' as const,
      schemaVersion: SCHEMA_VERSION,
      command: 'convergence',
      identity: flags.shard === undefined ? identity : withShard(identity, flags.shard),
      context: buildShardContext(set, options.root!, flags),
    };
    journal = openJournal(journalPath, header, { resume: flags.resume === true, validate: checkCellRecord });
    if (journal.restarted !== undefined) printWarnings([journal.restarted], context, quiet, flags.color);
  }
  const previous = journal?.previous ?? [];
  const done = new Set(cellsFromRecords(previous).map((cell) => taskKey(cell.run, cell.layer, cell.step))).size;
  if (!quiet) {
    context.stderr.write(`pwcca: ${describePlan(set, plan, { root: options.root!, done })}\n`);
    if (journalPath !== undefined) {
      context.stderr.write(`pwcca: writing each cell to ${journalPath} as it finishes (if interrupted, run again with --resume)\n`);
    }
  }

  const progress = createProgress(context, { quiet, label: 'comparisons' });
  const directionsProgress = createProgress(context, { quiet, label: 'directions' });
  let comparing = true;
  let report: ConvergenceReport;
  try {
    report = await runConvergence(
      set,
      {
        ...options,
        previous,
        onCells: (cells) => {
          for (const cell of cells) journal?.append(cellRecord(cell));
        },
        onProgress: (count, total) => progress.update(count, total),
        onRowsRead: (read, total) => progress.update(read, total, 'rows read'),
        onDirectionsProgress: (count, total) => {
          if (comparing) progress.stop();
          comparing = false;
          directionsProgress.update(count, total);
        },
      },
      runPlan,
    );
  } finally {
    if (comparing) progress.stop();
    directionsProgress.stop();
    journal?.close();
  }
  // Discovery and plan warnings were printed before the run.
  await writeConvergenceResult(report, { journalPath, formatGiven, printed: new Set([...set.warnings, ...plan.warnings]) }, flags, context);
}

/**
 * What `pwcca merge` needs to plan the run again without the files: the
 * checkpoint files relative to the root and the flags that shape the plan
 * and the report.
 */
function buildShardContext(set: CheckpointSet, root: string, flags: ConvergenceFlags): { plan: ConvergenceShardContext; flags: Record<string, unknown> } {
  return {
    plan: {
      root,
      rootName: basename(resolve(root)) || root,
      files: set.files.map((file) => relative(root, file.path).split(sep).join('/')),
      byLayer: set.byLayer,
      layers: flags.layers ?? null,
      reference: flags.reference,
    },
    flags: {
      method: flags.method,
      variant: flags.variant,
      epsilon: flags.epsilon ?? null,
      svdDims: flags.svdDims ?? null,
      svdVariance: flags.svdVariance,
      layout: flags.layout,
      conv: flags.conv,
      skipNonNumeric: flags.skipNonNumeric === true,
      threshold: flags.threshold,
    },
  };
}

/**
 * Writes a convergence report in the asked format (unless it went to a
 * journal only), prints its warnings not `printed` yet and the summary, and
 * sets exit code 5 when some comparisons failed. Shared by a run and by
 * `pwcca merge`.
 */
export async function writeConvergenceResult(
  report: ConvergenceReport,
  output: { readonly journalPath?: string; readonly formatGiven: boolean; readonly printed: ReadonlySet<string> },
  flags: Pick<ConvergenceFlags, 'format' | 'out' | 'quiet' | 'color' | 'plot'>,
  context: CliContext,
): Promise<void> {
  const { journalPath, formatGiven } = output;
  const quiet = flags.quiet === true;
  printWarnings(report.warnings.filter((warning) => !output.printed.has(warning)), context, quiet, flags.color);

  if (journalPath === undefined || formatGiven) {
    const out = journalPath === undefined ? flags.out : undefined;
    let text: string;
    if (flags.format === 'json') text = toConvergenceJson(report);
    else if (flags.format === 'csv') text = toConvergenceCsv(report);
    else {
      const color = out === undefined && shouldColor(flags.color, context.stdout, context.env);
      text = toConvergenceTable(report, { paint: buildPaint(color) });
    }
    await writeData(text, out, context);
  }
  await writeReportPlot(flags, () => toConvergenceJson(report));
  reportFailures(report, journalPath, context, quiet, flags.color);
}

/** Counts on stderr, the failed comparisons with their errors, and exit code 5 when some failed. */
function reportFailures(report: ConvergenceReport, journalPath: string | undefined, context: CliContext, quiet: boolean, color: boolean | undefined): void {
  const { comparisons, failed, resumed, streamed } = report.stats;
  if (!quiet || failed > 0) {
    const where = journalPath !== undefined ? ` (in ${journalPath})` : '';
    const resumedText = resumed > 0 ? `, ${resumed} from the earlier run` : '';
    const streamedText = streamed ? ', files streamed in row chunks' : '';
    context.stderr.write(`pwcca: ${comparisons} comparison${comparisons === 1 ? '' : 's'}: ${comparisons - failed} ok, ${failed} failed${resumedText}${streamedText}${where}\n`);
  }
  const failures = new Map<string, NonNullable<ConvergenceReport['cells'][number]['error']>>();
  for (const cell of report.cells) if (cell.error) failures.set(taskKey(cell.run, cell.layer, cell.step), cell.error);
  for (const track of report.directions?.tracks ?? []) if (track.error) failures.set(`directions ${track.run} ${track.layer}`, track.error);
  if (failures.size === 0) return;
  const paint = buildMessagePaint(context, color);
  // One line per distinct error: a bad checkpoint fails all its comparisons with the same one.
  const grouped = new Map<string, { labels: string[]; error: NonNullable<ConvergenceReport['cells'][number]['error']> }>();
  for (const [key, error] of failures) {
    const label = key.startsWith('directions ') ? key : (JSON.parse(key) as [string, string, number]).join(' / ');
    const id = `${error.message}\u0000${error.where ?? ''}`;
    if (!grouped.has(id)) grouped.set(id, { labels: [], error });
    grouped.get(id)!.labels.push(label);
  }
  const lines = [...grouped.values()].map(({ labels, error }) => {
    if (labels.length === 1) return { label: labels[0], error };
    // Several steps of one run and layer: name the run and layer once.
    const prefixes = new Set(labels.map((label) => label.split(' / ').slice(0, 2).join(' / ')));
    return { label: prefixes.size === 1 && !labels[0].startsWith('directions ') ? `${[...prefixes][0]} / ${labels.length} steps` : `${labels.length} comparisons`, error };
  });
  printFailures(lines, 'failures', context, color);
  const first = [...failures.values()][0];
  context.stderr.write(`${paint.hint('hint:')} ${first.hint ?? 'fix or remove the files named above'}; the other cells are complete (exit code 5)\n`);
  context.exitCode = ExitCode.partial;
}
