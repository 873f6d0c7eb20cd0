import { Option, type Command } from 'commander';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UsageError, ExitCode, InputError } from '../../errors.js';
import { matrixCsvFileName, toMatrixCsv, toPairwiseCsv } from '../../report/pairwise-csv.js';
import { toPairwiseJson } from '../../report/pairwise-json.js';
import { toPairwiseTable } from '../../report/pairwise-table.js';
import { SCHEMA_VERSION } from '../../types.js';
import { discoverActivationArrays, type Discovery } from '../../studies/pairwise/discover.js';
import { defaultJobs } from '../../engine/executor.js';
import { openJournal, type Journal, type JournalHeader } from '../../engine/journal.js';
import { runPairs } from '../../engine/run-pairs.js';
import { resolveRefSync } from '../../io/load.js';
import { factsFromIdentity, withShard } from '../../engine/shard-parts.js';
import { restrictToShard, selectShard, type ShardSpec } from '../../engine/shards.js';
import { planPairwiseShards, type PairwiseShardContext } from '../../studies/pairwise/shard.js';
import {
  buildPairwiseIdentity,
  checkJournalRecord,
  fromJournalRecords,
  runPairwise,
  toJournalRecord,
  type PairwiseMethod,
  type PairwiseRecord,
} from '../../studies/pairwise/run.js';
import { buildPairwisePlan, countPairs, outlinePairwisePlan, type PairwiseOutline, type PairwisePlan, type ScopeKind } from '../../studies/pairwise/plan.js';
import { buildPairwiseReport, CELL_ALPHA, type PairwiseReport, type PairwiseReportOptions } from '../../studies/pairwise/report.js';
import { parseMetaCsv, type MetaTable } from '../../stats/meta-correlation.js';
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
  unusedReadFlagWarnings,
  journalPathFrom,
  parseList,
  parseMethodList,
  parseSeed,
  type RunFlags,
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

export const PAIRWISE_FORMATS = ['table', 'csv', 'matrix-csv', 'json'] as const;
const FORMATS = PAIRWISE_FORMATS;

interface PairwiseFlags extends ReadFlags, MetricFlags, OutputFlags, RunFlags, ShardFlags, PlotFlag {
  method: PairwiseMethod[];
  format: (typeof FORMATS)[number];
  crossLayer?: boolean;
  layers?: string[];
  groupBy?: RegExp;
  clusters?: number;
  meta?: string;
  permutations?: number;
  seed: number;
  cells?: boolean;
  groups?: string[];
  aggregate?: 'mean';
  yes?: boolean;
}

const EXAMPLES = `
Inputs:
  ROOT/<network>/<layer>.npy          one network x network matrix per layer (layer = file stem)
  ROOT/<group>/<network>/<layer>.npy  the same; the first folder is the network's group
  ROOT/<file>.npy, or a list of files one matrix over all files (layer "all")
  ROOT/<network>.npz (.pt, .safetensors, .h5)  one file per network, its keys are the layers
  Files: .npy, .arrow, .feather, .arrows, .npz, .pt, .pth, .bin, .safetensors, .h5, .hdf5
  (FILE#KEY picks one array). Networks sort by group, then naturally
  (s2 before s10, lr-0.01 before lr-0.1); a list of files keeps its order.

Examples:
  pwcca pairwise runs/                                 matrices as tables
  pwcca pairwise runs/ --format csv > long.csv         one row per pair
  pwcca pairwise runs/ --format matrix-csv --out matrices/
  pwcca pairwise runs/ --format json > pairwise.json
  pwcca pairwise a.npy b.npy c.npy
  pwcca pairwise run1.pt#features.3 run2.pt#features.3 run3.pt#features.3
  pwcca pairwise runs/ --cross-layer                   layer x layer within each network
  pwcca pairwise runs/ --layers fc1,fc2 --method pwcca,cca --jobs 2
  pwcca pairwise runs/ --clusters 5 --meta runs/meta.csv
  pwcca pairwise runs/ --permutations 999 --seed 1     group test per layer and method
  pwcca pairwise runs/ --permutations 200 --cells      also a p-value per pair (costly)
  pwcca pairwise runs/ --groups mlp,cnn --aggregate mean   two groups, and the matrix averaged over layers
  pwcca pairwise cnn/ --layout nchw                    4-D conv maps NCHW, 2-D fc layers as they are
  pwcca pairwise runs/ --out pairs.csv                 the format follows the extension (.csv, .json)
  pwcca pairwise runs/ --out pairs.ndjson --resume     keep every finished pair; continue after Ctrl-C
  pwcca pairwise runs/ --shard 3/16 --out part-3.ndjson   one of 16 shards (e.g. a Slurm array task); then pwcca merge`;




function parseRegex(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`--group-by is not a valid regular expression: ${(error as Error).message}`);
  }
}

export function registerPairwise(program: Command, context: CliContext): void {
  const command = program
    .command('pairwise')
    .description('distance matrices between networks (per layer) or between layers (per network), with group statistics')
    .argument('<inputs...>', 'a folder (ROOT/<network>/<layer>.npy, or a flat folder of files), or two or more activation files')
    .addOption(
      new Option('--method <list>', 'comma list of pwcca, cca, svcca, cka, or all (CCA and CKA come at almost no extra cost; SVCCA costs more)')
        .argParser(parseMethodList)
        .default(['pwcca'], 'pwcca'),
    )
    .option('--cross-layer', 'layer x layer matrices within each network instead of network x network per layer')
    .addOption(new Option('--layers <list>', 'only these layers (comma list of file stems)').argParser(parseList))
    .addOption(new Option('--group-by <regex>', "group of a network from its label: the regex's first capture group (or whole match)").argParser(parseRegex))
    .addOption(new Option('--clusters <k>', 'average-linkage hierarchical clustering of each matrix into k clusters').argParser(parsePositiveInteger('--clusters')))
    .option('--meta <file>', 'CSV with a network column and numeric columns: correlate each network\'s mean within-group distance with them')
    .addOption(
      new Option('--permutations <k>', "group test: shuffle the networks' groups k times (mean between- minus within-group distance, per pair of groups)").argParser(
        parsePositiveInteger('--permutations'),
      ),
    )
    .option('--cells', 'with --permutations: also a permutation test of every pair (k shuffles of its datapoint pairing each; costly)')
    .addOption(new Option('--seed <s>', 'seed of --permutations (runs repeat exactly)').argParser(parseSeed).default(0))
    .addOption(new Option('--groups <list>', 'only the networks of these groups (comma list)').argParser(parseList))
    .addOption(new Option('--aggregate <how>', 'also the matrix averaged over the selected layers, with its own group statistics and clusters').choices(['mean']));
  command.option('-y, --yes', `start a run of ${LARGE_RUN_PAIRS.toLocaleString('en-US')} pairs or more without asking (on a terminal such a run stops to say how big it is)`);
  addRunOptions(command, 'pairs');
  addShardOptions(command, 'pairs');
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  addPlotOption(command);
  command.addHelpText('after', EXAMPLES).action(async (inputs: string[], flags: PairwiseFlags, self: Command) => {
    if (self.getOptionValueSource('seed') === 'cli' && flags.permutations === undefined) {
      throw new UsageError('--seed does nothing without --permutations', { hint: 'add --permutations K' });
    }
    if (flags.cells && flags.permutations === undefined) {
      throw new UsageError('--cells needs --permutations K (the shuffles per pair)', { hint: 'for example --permutations 200 --cells' });
    }
    checkSvccaFlags(flags.method.includes('svcca'), {
      svdDims: flags.svdDims !== undefined,
      svdVariance: self.getOptionValueSource('svdVariance') === 'cli',
    });
    const formatGiven = self.getOptionValueSource('format') === 'cli';
    const readFlagsGiven = { layout: self.getOptionValueSource('layout') === 'cli', conv: self.getOptionValueSource('conv') === 'cli' };
    await runPairwiseCommand(inputs, { ...flags, format: outputFormatFrom(flags, formatGiven, FORMATS) }, context, formatGiven, readFlagsGiven);
  });
}

async function runPairwiseCommand(
  inputs: string[],
  flags: PairwiseFlags,
  context: CliContext,
  formatGiven: boolean,
  readFlagsGiven: { layout: boolean; conv: boolean },
): Promise<void> {
  const quiet = flags.quiet === true;
  const methods = flags.method;
  checkPlotFlag(flags);
  const journalPath = journalPathFrom(flags, 'pairs.ndjson');
  if (flags.meta !== undefined && flags.crossLayer) {
    throw new UsageError('--meta cannot be used with --cross-layer', { hint: '--meta correlates per-network values with network x network distances; drop --cross-layer' });
  }
  if (flags.aggregate !== undefined && flags.crossLayer) {
    throw new UsageError('--aggregate cannot be used with --cross-layer', { hint: '--aggregate mean averages network x network matrices over layers; drop --cross-layer' });
  }

  const discovery = await discoverActivationArrays(inputs, { groupBy: flags.groupBy });
  const planOptions = { crossLayer: flags.crossLayer, layers: flags.layers, groups: flags.groups };
  await checkRunSize(outlinePairwisePlan(discovery, planOptions), discovery, flags, context);
  const plan = buildPairwisePlan(discovery, planOptions);
  const grouped = plan.matrices.some((matrix) => matrix.groups.some((group) => group !== null));
  if (flags.permutations !== undefined && !grouped && !flags.cells) {
    throw new UsageError('--permutations runs a group test, which needs groups, but no network has one', {
      hint: 'arrange the networks as ROOT/<group>/<network>/<layer>.npy or pass --group-by REGEX; or add --cells for a test of every pair',
    });
  }
  const cellTests = flags.cells && flags.permutations !== undefined ? { permutations: flags.permutations, seed: flags.seed } : undefined;
  const meta = flags.meta === undefined ? undefined : loadMeta(flags.meta, context, quiet, flags.color);
  const matrixFolder = prepareMatrixOutput(flags, plan, methods, journalPath);

  // Layer x layer matrices have no groups: --group-by would only select nothing.
  const unusedGroupBy = flags.crossLayer && flags.groupBy !== undefined && flags.groups === undefined ? ['--group-by changes nothing with --cross-layer (the labels are layers); use --groups to pick networks by group'] : [];
  printWarnings([...unusedGroupBy, ...discovery.warnings, ...plan.warnings], context, quiet, flags.color);
  if (!quiet) context.stderr.write(`pwcca: ${describeRun(discovery, plan)}\n`);
  if (cellTests && (cellTests.permutations + 1) * CELL_ALPHA < plan.tasks.length) {
    // BH compares the i-th smallest p-value with i * alpha / m; a p-value is at least 1 / (K + 1).
    const needed = Math.ceil(plan.tasks.length / CELL_ALPHA) - 1;
    printWarnings(
      [`--cells: a p-value from ${cellTests.permutations} permutations is at least 1/${cellTests.permutations + 1}, so with ${plan.tasks.length} pairs a cell passes the Benjamini-Hochberg correction only if many others do; use --permutations ${needed} or more to let a single cell pass`],
      context,
      quiet,
      flags.color,
    );
  }
  if (!quiet && cellTests) {
    context.stderr.write(
      `pwcca: --cells: ${cellTests.permutations} permutations for each of ${plan.tasks.length} pairs (each a cross product of the whitened sides and a small SVD): the run takes many times longer than without\n`,
    );
  }

  const options: PairwiseReportOptions = {
    ...readOptionsFrom(flags, context.stdin),
    jobs: flags.jobs,
    maxMemoryBytes: flags.maxMemory,
    stream: flags.stream ?? 'auto',
    methods,
    variant: flags.variant,
    epsilon: flags.epsilon,
    svcca: svccaOptionsFrom(flags),
    crossLayer: flags.crossLayer,
    layers: flags.layers,
    groupBy: flags.groupBy,
    clusters: flags.clusters,
    meta,
    metaPath: flags.meta,
    cells: cellTests,
    groupTest: flags.permutations !== undefined && grouped ? { permutations: flags.permutations, seed: flags.seed } : undefined,
    groups: flags.groups,
    aggregate: flags.aggregate,
  };
  const root = flags.root ?? discovery.root;
  let identity: Record<string, unknown> | undefined;
  let runPlan = plan;
  if (flags.shard !== undefined) {
    identity = buildPairwiseIdentity(plan, options, root);
    runPlan = pairwiseShard(plan, identity, flags.shard);
    if (!quiet) {
      context.stderr.write(
        `pwcca: shard ${flags.shard.index}/${flags.shard.count}: ${runPlan.tasks.length} of ${plan.tasks.length} pairs, reading ${runPlan.files.length} of ${plan.files.length} files\n`,
      );
    }
  }
  identity ??= journalPath === undefined ? undefined : buildPairwiseIdentity(plan, options, root);
  const { journal, previous } = openPairJournal(
    journalPath,
    identity === undefined
      ? undefined
      : {
          type: 'header',
          schemaVersion: SCHEMA_VERSION,
          command: 'pairwise',
          identity: flags.shard === undefined ? identity : withShard(identity, flags.shard),
          context: buildShardContext(discovery, options),
        },
    plan.scopeKind,
    flags,
    context,
  );

  const progress = createProgress(context, { quiet, label: 'pairs' });
  let run;
  try {
    run = await runPairwise(runPlan, {
      ...options,
      previous,
      onRecord: (record) => journal?.append(toJournalRecord(record, plan.scopeKind)),
      onProgress: (done, total) => progress.update(done, total),
      onRowsRead: (read, total) => progress.update(read, total, 'rows read'),
    });
  } finally {
    progress.stop();
    journal?.close();
  }
  await writePairwiseResult(
    {
      discovery,
      plan,
      records: run.records,
      resumed: run.resumed,
      streamed: run.stats.streamed,
      options,
      matrixFolder,
      journalPath,
      formatGiven,
      printed: new Set([...discovery.warnings, ...plan.warnings]),
      unusedFlagWarnings: unusedReadFlagWarnings([...run.stats.inputs.values()], flags, readFlagsGiven),
    },
    flags,
    context,
  );
}

/** The part of the plan that shard `spec` runs: the same split wherever it is computed (see src/engine/shards.ts). */
function pairwiseShard(plan: PairwisePlan, identity: Record<string, unknown>, spec: ShardSpec): PairwisePlan {
  const shards = planPairwiseShards(plan, factsFromIdentity(plan.files, identity.files), spec.count);
  return restrictToShard(plan, selectShard(shards, spec));
}

/** The report options a shard's header keeps for `pwcca merge` (the ones that JSON can hold). */
export interface StoredPairwiseOptions {
  readonly methods: readonly PairwiseMethod[];
  readonly variant: PairwiseReportOptions['variant'] | null;
  readonly epsilon: number | null;
  readonly svcca: PairwiseReportOptions['svcca'] | null;
  readonly layout: string | null;
  readonly conv: PairwiseReportOptions['conv'] | null;
  readonly skipNonNumeric: boolean;
  readonly clusters: number | null;
  readonly metaPath: string | null;
  /** The group test's shuffles and seed (--permutations, --seed), recomputed at merge from the distances. */
  readonly groupTest?: PairwiseReportOptions['groupTest'] | null;
  readonly aggregate?: PairwiseReportOptions['aggregate'] | null;
}

/**
 * What `pwcca merge` needs to plan the run again without the files: the
 * discovered files relative to the input folder and the options that shape
 * the plan and the report.
 */
function buildShardContext(discovery: Discovery, options: PairwiseReportOptions): { plan: PairwiseShardContext; options: StoredPairwiseOptions } {
  const relativeTo = (path: string) => (discovery.root === undefined ? path : relative(discovery.root, path).split(sep).join('/'));
  return {
    plan: {
      mode: discovery.mode,
      root: discovery.root ?? null,
      files: discovery.files.map((file) => relativeTo(file.path)),
      entries: discovery.files.map((file) => ({ path: relativeTo(file.path), network: file.network, layer: file.layer })),
      groupBy: options.groupBy?.source ?? null,
      plan: { crossLayer: options.crossLayer === true, layers: options.layers ?? null, groups: options.groups ?? null },
    },
    options: {
      methods: options.methods ?? ['pwcca'],
      variant: options.variant ?? null,
      epsilon: options.epsilon ?? null,
      svcca: options.svcca ?? null,
      layout: options.layout ?? null,
      conv: options.conv ?? null,
      skipNonNumeric: options.skipNonNumeric === true,
      clusters: options.clusters ?? null,
      metaPath: options.metaPath ?? null,
      groupTest: options.groupTest ?? null,
      aggregate: options.aggregate ?? null,
    },
  };
}

/** A finished pairwise run (or merged shards), ready to report. */
export interface PairwiseResult {
  readonly discovery: Discovery;
  readonly plan: PairwisePlan;
  /** One per pair this run holds (all pairs, or one shard's), in plan order. */
  readonly records: readonly PairwiseRecord[];
  readonly resumed: number;
  readonly streamed: boolean;
  readonly options: PairwiseReportOptions;
  /** `--format matrix-csv --out DIR/`. */
  readonly matrixFolder?: string;
  readonly journalPath?: string;
  /** Whether --format was given (with a journal, the report is printed only then). */
  readonly formatGiven: boolean;
  /** Warnings already printed (discovery and plan, before the run). */
  readonly printed: ReadonlySet<string>;
  /** Read flags that changed nothing in this run (see unusedReadFlagWarnings). */
  readonly unusedFlagWarnings?: readonly string[];
}

/**
 * Builds the report, writes it in the asked format, prints the summary and
 * sets exit code 5 when some pairs failed. Shared by a run and by
 * `pwcca merge`, so both report alike.
 */
export async function writePairwiseResult(
  result: PairwiseResult,
  flags: Pick<PairwiseFlags, 'format' | 'out' | 'quiet' | 'color' | 'plot'>,
  context: CliContext,
): Promise<void> {
  const { discovery, plan, records, options, matrixFolder, journalPath, formatGiven } = result;
  const quiet = flags.quiet === true;
  const methods = options.methods ?? ['pwcca'];
  const report = buildPairwiseReport(discovery, plan, { records }, options);
  printWarnings([...(result.unusedFlagWarnings ?? []), ...report.warnings.filter((warning) => !result.printed.has(warning))], context, quiet, flags.color);
  printPairWarnings(plan, records, context, quiet, flags.color);

  await writePairwiseData(report, methods, { matrixFolder, journalPath, formatGiven }, flags, context);
  await writeReportPlot(flags, () => toPairwiseJson(report));
  reportSummary(records, result.resumed, result.streamed, journalPath, context, quiet, flags.color);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Runs this big are said before their pair list is built (it takes memory
 * and seconds of its own) and, typed at a terminal, need --yes or a shard:
 * a flat folder of 5,000 files is 12.5 million pairs, days of work that a
 * user rarely means to start by accident.
 */
export const LARGE_RUN_PAIRS = 100_000;

async function checkRunSize(outline: PairwiseOutline, discovery: Discovery, flags: PairwiseFlags, context: CliContext): Promise<void> {
  const pairs = countPairs(outline.matrices);
  if (pairs < LARGE_RUN_PAIRS) return;
  const count = pairs.toLocaleString('en-US');
  const files = discovery.files.length.toLocaleString('en-US');
  const seconds = await estimateRunSeconds(outline, flags, context);
  const time = seconds === null ? '' : `, about ${formatDuration(seconds)} on ${flags.jobs ?? defaultJobs()} thread(s) of this machine`;
  const shardHint = `pwcca plan ${discovery.root ?? '<inputs>'} --shards 64 shows how to split it over machines (--shard K/S)`;
  if (flags.shard === undefined && flags.yes !== true && (context.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError(`this run compares ${count} pairs of ${files} files${time}: pass --yes to start it`, { hint: shardHint });
  }
  if (flags.quiet !== true) context.stderr.write(`pwcca: planning ${count} pairs of ${files} files${time} (${shardHint})\n`);
}

/**
 * The run's time from timing its first pair, scaled by the cost model the
 * shards use (a pair costs the product of its files' sizes, preparing a file
 * its size squared; see src/engine/shards.ts). Null when the first files are
 * too large to time quickly, or the pair fails.
 */
async function estimateRunSeconds(outline: PairwiseOutline, flags: PairwiseFlags, context: CliContext): Promise<number | null> {
  const size = new Map<string, number>();
  for (const id of new Set(outline.matrices.flatMap((matrix) => matrix.fileIds))) size.set(id, statSync(resolveRefSync(id).path).size);
  const [a, b] = outline.matrices[0].fileIds;
  if (size.get(a)! > TIMED_FILE_BYTES || size.get(b)! > TIMED_FILE_BYTES) return null;
  const started = process.hrtime.bigint();
  const { outcomes } = await runPairs([{ id: a, path: a }, { id: b, path: b }], [{ key: 'timing', a, b }], { ...readOptionsFrom(flags, context.stdin), jobs: 1, stream: false });
  if (outcomes[0]?.error) return null;
  const secondsPerUnit = Number(process.hrtime.bigint() - started) / 1e9 / (size.get(a)! * size.get(b)! + size.get(a)! ** 2 + size.get(b)! ** 2);
  let units = 0;
  for (const [, w] of size) units += w * w;
  for (const matrix of outline.matrices) {
    const widths = matrix.fileIds.map((id) => size.get(id)!);
    const sum = widths.reduce((p, q) => p + q, 0);
    units += (sum * sum - widths.reduce((p, q) => p + q * q, 0)) / 2;
  }
  return (units * secondsPerUnit) / (flags.jobs ?? defaultJobs());
}

/** Files larger than this are not read just to time a pair. */
const TIMED_FILE_BYTES = 64 * 2 ** 20;

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/**
 * Writes a pairwise-shaped report's data: one CSV per matrix and method into
 * a matrix-csv folder, or the asked format to --out or stdout (with a
 * journal, only when --format was given). Shared by pairwise, merge and
 * timesteps.
 */
export async function writePairwiseData(
  report: PairwiseReport,
  methods: readonly PairwiseMethod[],
  output: { readonly matrixFolder?: string; readonly journalPath?: string; readonly formatGiven: boolean },
  flags: Pick<PairwiseFlags, 'format' | 'out' | 'color'>,
  context: CliContext,
): Promise<void> {
  const { matrixFolder, journalPath, formatGiven } = output;
  if (matrixFolder !== undefined) {
    for (const matrix of report.matrices) {
      for (const method of methods) {
        await writeData(toMatrixCsv(matrix, method), join(matrixFolder, matrixCsvFileName(matrix.scope, method, methods.length > 1)), context);
      }
    }
    // The mean over layers: _mean.csv, a name apart from the layers' own files.
    if (report.aggregate) {
      for (const method of methods) {
        await writeData(toMatrixCsv(report.aggregate, method), join(matrixFolder, matrixCsvFileName('_mean', method, methods.length > 1)), context);
      }
    }
  } else if (journalPath === undefined || formatGiven) {
    const out = journalPath === undefined ? flags.out : undefined;
    let text: string;
    if (flags.format === 'json') text = toPairwiseJson(report);
    else if (flags.format === 'csv') text = toPairwiseCsv(report);
    else if (flags.format === 'matrix-csv') text = toMatrixCsv(report.matrices[0], methods[0]);
    else {
      const color = out === undefined && shouldColor(flags.color, context.stdout, context.env);
      text = toPairwiseTable(report, { paint: buildPaint(color) });
    }
    await writeData(text, out, context);
  }
}

/**
 * Opens the journal of a run of pairs (`--out FILE.ndjson`), resuming it with
 * --resume (every line checked), and says so on stderr; pairwise and
 * timesteps write the same records.
 */
export function openPairJournal(
  journalPath: string | undefined,
  header: JournalHeader | undefined,
  scopeKind: ScopeKind,
  flags: Pick<PairwiseFlags, 'resume' | 'quiet' | 'color'>,
  context: CliContext,
): { journal?: Journal; previous: PairwiseRecord[] } {
  if (journalPath === undefined || header === undefined) return { previous: [] };
  const quiet = flags.quiet === true;
  const journal = openJournal(journalPath, header, { resume: flags.resume === true, validate: (line) => checkJournalRecord(line, scopeKind) });
  if (journal.restarted !== undefined) printWarnings([journal.restarted], context, quiet, flags.color);
  const previous = fromJournalRecords(journal.previous, scopeKind);
  if (!quiet) {
    const resumed = previous.length > 0 ? `; ${previous.length} pairs already done there` : '';
    context.stderr.write(`pwcca: writing each pair to ${journalPath} as it finishes${resumed} (if interrupted, run again with --resume)\n`);
  }
  return { journal, previous };
}

/** `80 files, 20 networks, 4 layers, 760 pairs` (and what the matrices are). */
export function describeRun(discovery: Discovery, plan: PairwisePlan): string {
  const networks = new Set(plan.matrices.flatMap((m) => (plan.scopeKind === 'layer' ? m.labels : [m.scope])));
  const layers = new Set(plan.matrices.flatMap((m) => (plan.scopeKind === 'layer' ? [m.scope] : m.labels)));
  const counts =
    discovery.mode === 'tree'
      ? `${plural(plan.files.length, 'file')}, ${plural(networks.size, 'network')}, ${plural(layers.size, 'layer')}, ${plural(plan.tasks.length, 'pair')}`
      : `${plural(plan.files.length, 'file')}, ${plural(plan.tasks.length, 'pair')}`;
  const matrices =
    plan.scopeKind === 'layer'
      ? `${plan.matrices.length} ${plan.matrices.length === 1 ? 'matrix' : 'matrices'}`
      : `${plan.matrices.length} layer x layer ${plan.matrices.length === 1 ? 'matrix' : 'matrices'}`;
  return `${counts} (${matrices})`;
}

export function loadMeta(path: string, context: CliContext, quiet: boolean, color: boolean | undefined): MetaTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the --meta file: ${(error as Error).message}`, { where: path, hint: 'check the path' });
  }
  const table = parseMetaCsv(text);
  if (table.skipped.length > 0) {
    printWarnings([`--meta: skipped non-numeric column(s) ${table.skipped.join(', ')}`], context, quiet, color);
  }
  return table;
}

/** Checks matrix-csv output before any work: one matrix to stdout, or a folder for several (also used by timesteps and merge). */
export function prepareMatrixOutput(flags: { readonly format: string; readonly out?: string }, plan: Pick<PairwisePlan, 'matrices'>, methods: readonly PairwiseMethod[], journalPath: string | undefined): string | undefined {
  if (flags.format !== 'matrix-csv') return undefined;
  if (journalPath !== undefined) {
    throw new UsageError('--format matrix-csv writes a folder, not an .ndjson journal', {
      hint: 'use --format matrix-csv --out DIR/, or --out pairs.ndjson with --format csv/json on stdout',
    });
  }
  if (flags.out === undefined || flags.out === '-') {
    if (plan.matrices.length * methods.length > 1) {
      throw new UsageError(`--format matrix-csv on stdout takes one matrix, but this run has ${plan.matrices.length * methods.length}`, {
        hint: 'pass --out DIR/ to write one CSV file per matrix, or select one matrix (--layers, --timesteps) and one --method',
      });
    }
    return undefined;
  }
  try {
    mkdirSync(flags.out, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the output folder: ${(error as Error).message}`, { where: flags.out, hint: 'check the path and its permissions' });
  }
  return flags.out;
}

/**
 * Warnings of individual pairs. A warning about one file (constant neurons)
 * comes once per file, however many pairs it is in; a warning about a pair
 * comes with the pair's name, the first few distinct ones and then a count
 * (also used by timesteps).
 */
export function printPairWarnings(plan: PairwisePlan, records: readonly PairwiseRecord[], context: CliContext, quiet: boolean, color: boolean | undefined): void {
  const pathOf = new Map<string, string>();
  for (const matrix of plan.matrices) matrix.labels.forEach((label, i) => pathOf.set(`${matrix.scope}\u0000${label}`, matrix.fileIds[i]));
  const aboutFiles = new Set<string>();
  const aboutPairs = new Set<string>();
  for (const record of records) {
    const paths = [record.a, record.b].map((label) => pathOf.get(`${record.scope}\u0000${label}`) ?? label);
    for (const warning of record.warnings ?? []) {
      if (paths.some((path) => warning.includes(path))) aboutFiles.add(warning);
      else aboutPairs.add(`${record.scope}: ${record.a} vs ${record.b}: ${warning}`);
    }
  }
  const shown = [...capped([...aboutFiles], 10, 'files with warnings'), ...capped([...aboutPairs], 5, 'pair warnings')];
  printWarnings(shown, context, quiet, color);
}

function capped(lines: string[], limit: number, what: string): string[] {
  if (lines.length <= limit) return lines;
  return [...lines.slice(0, limit), `... and ${lines.length - limit} more ${what} (see the pairs' warnings in --format json)`];
}

/** Counts on stderr, the failed pairs with their errors, and exit code 5 when some failed. */
export function reportSummary(
  records: readonly PairwiseRecord[],
  resumed: number,
  streamed: boolean,
  journalPath: string | undefined,
  context: CliContext,
  quiet: boolean,
  color: boolean | undefined,
): void {
  const failed = records.filter((record) => record.error);
  const paint = buildMessagePaint(context, color);
  if (!quiet || failed.length > 0) {
    const where = journalPath !== undefined ? ` (in ${journalPath})` : '';
    const resumedText = resumed > 0 ? `, ${resumed} from the earlier run` : '';
    const streamedText = streamed ? ', files streamed in row chunks' : '';
    context.stderr.write(`pwcca: ${plural(records.length, 'pair')}: ${records.length - failed.length} ok, ${failed.length} failed${resumedText}${streamedText}${where}\n`);
  }
  if (failed.length === 0) return;
  // One line per distinct failure: a bad file fails all its pairs with the same error.
  const byError = new Map<string, PairwiseRecord[]>();
  for (const record of failed) {
    const key = `${record.error!.message}\u0000${record.error!.where ?? ''}`;
    if (!byError.has(key)) byError.set(key, []);
    byError.get(key)!.push(record);
  }
  const lines = [...byError.values()].map((group) => {
    const [first] = group;
    const pairs = group.length === 1 ? `${first.a} vs ${first.b}` : `${group.length} pairs`;
    return { label: `${first.scope}: ${pairs}`, error: first.error! };
  });
  printFailures(lines, 'failures', context, color);
  const hint = failed[0].error!.hint;
  context.stderr.write(`${paint.hint('hint:')} ${hint ?? 'fix or remove the files named above'}; the other pairs are complete (exit code 5)\n`);
  context.exitCode = ExitCode.partial;
}
