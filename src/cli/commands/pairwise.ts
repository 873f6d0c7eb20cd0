import { Option, type Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, ExitCode, InputError } from '../../errors.js';
import { matrixCsvFileName, toMatrixCsv, toPairwiseCsv } from '../../report/pairwise-csv.js';
import { toPairwiseJson } from '../../report/pairwise-json.js';
import { toPairwiseTable } from '../../report/pairwise-table.js';
import { SCHEMA_VERSION } from '../../types.js';
import { discoverActivationArrays, type Discovery } from '../../studies/pairwise/discover.js';
import { openJournal, type Journal } from '../../engine/journal.js';
import {
  buildPairwiseIdentity,
  fromJournalRecords,
  runPairwise,
  toJournalRecord,
  type PairwiseMethod,
  type PairwiseRecord,
} from '../../studies/pairwise/run.js';
import { buildPairwisePlan, type PairwisePlan } from '../../studies/pairwise/plan.js';
import { analysePairwise, buildDistanceMatrices, type PairwiseReport } from '../../studies/pairwise/report.js';
import { parseMetaCsv, type MetaTable } from '../../stats/meta-correlation.js';
import type { CliContext } from '../context.js';
import {
  addMetricOptions,
  addOutputOptions,
  addReadOptions,
  addRunOptions,
  journalPathFrom,
  parseList,
  parseMethodList,
  type RunFlags,
  parsePositiveInteger,
  readOptionsFrom,
  svccaOptionsFrom,
  type MetricFlags,
  type OutputFlags,
  type ReadFlags,
} from '../options.js';
import { buildMessagePaint, buildPaint, printFailures, printWarnings, shouldColor, writeData } from '../output.js';
import { createProgress } from '../progress.js';

const FORMATS = ['table', 'csv', 'matrix-csv', 'json'] as const;

interface PairwiseFlags extends ReadFlags, MetricFlags, OutputFlags, RunFlags {
  method: PairwiseMethod[];
  format: (typeof FORMATS)[number];
  crossLayer?: boolean;
  layers?: string[];
  groupBy?: RegExp;
  clusters?: number;
  meta?: string;
}

const EXAMPLES = `
Inputs:
  ROOT/<network>/<layer>.npy          one network x network matrix per layer (layer = file stem)
  ROOT/<group>/<network>/<layer>.npy  the same; the first folder is the network's group
  ROOT/<file>.npy, or a list of files one matrix over all files (layer "all")
  Files: .npy, .arrow, .feather, .arrows. Labels sort naturally (s2 before s10).

Examples:
  pwcca pairwise runs/                                 matrices as tables
  pwcca pairwise runs/ --format csv > long.csv         one row per pair
  pwcca pairwise runs/ --format matrix-csv --out matrices/
  pwcca pairwise runs/ --format json > pairwise.json
  pwcca pairwise a.npy b.npy c.npy
  pwcca pairwise runs/ --cross-layer                   layer x layer within each network
  pwcca pairwise runs/ --layers fc1,fc2 --method pwcca,cca --jobs 2
  pwcca pairwise runs/ --clusters 5 --meta runs/meta.csv
  pwcca pairwise runs/ --out pairs.ndjson --resume     keep every finished pair; continue after Ctrl-C`;




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
      new Option('--method <list>', 'comma list of pwcca, cca, svcca, or all (CCA comes at no extra cost; SVCCA costs more)')
        .argParser(parseMethodList)
        .default(['pwcca'], 'pwcca'),
    )
    .option('--cross-layer', 'layer x layer matrices within each network instead of network x network per layer')
    .addOption(new Option('--layers <list>', 'only these layers (comma list of file stems)').argParser(parseList))
    .addOption(new Option('--group-by <regex>', "group of a network from its label: the regex's first capture group (or whole match)").argParser(parseRegex))
    .addOption(new Option('--clusters <k>', 'average-linkage hierarchical clustering of each matrix into k clusters').argParser(parsePositiveInteger('--clusters')))
    .option('--meta <file>', 'CSV with a network column and numeric columns: correlate each network\'s mean within-group distance with them');
  addRunOptions(command, 'pairs');
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  command.addHelpText('after', EXAMPLES).action(async (inputs: string[], flags: PairwiseFlags, self: Command) => {
    await runPairwiseCommand(inputs, flags, context, self.getOptionValueSource('format') === 'cli');
  });
}

async function runPairwiseCommand(inputs: string[], flags: PairwiseFlags, context: CliContext, formatGiven: boolean): Promise<void> {
  const quiet = flags.quiet === true;
  const methods = flags.method;
  const journalPath = journalPathFrom(flags, 'pairs.ndjson');
  if (flags.meta !== undefined && flags.crossLayer) {
    throw new UsageError('--meta cannot be used with --cross-layer', { hint: '--meta correlates per-network values with network x network distances; drop --cross-layer' });
  }

  const discovery = await discoverActivationArrays(inputs, { groupBy: flags.groupBy });
  const plan = buildPairwisePlan(discovery, { crossLayer: flags.crossLayer, layers: flags.layers });
  const meta = flags.meta === undefined ? undefined : loadMeta(flags.meta, context, quiet, flags.color);
  const matrixFolder = prepareMatrixOutput(flags, plan, methods, journalPath);

  printWarnings([...discovery.warnings, ...plan.warnings], context, quiet, flags.color);
  if (!quiet) context.stderr.write(`pwcca: ${describeRun(discovery, plan)}\n`);

  const read = readOptionsFrom(flags, context.stdin);
  const compare = {
    variant: flags.variant,
    epsilon: flags.epsilon,
    svcca: methods.includes('svcca') ? svccaOptionsFrom(flags) : undefined,
  };
  let journal: Journal | undefined;
  let previous: PairwiseRecord[] = [];
  if (journalPath !== undefined) {
    const identity = buildPairwiseIdentity(plan, { read, compare });
    journal = openJournal(journalPath, { type: 'header', schemaVersion: SCHEMA_VERSION, command: 'pairwise', identity }, { resume: flags.resume === true });
    previous = fromJournalRecords(journal.previous, plan.scopeKind);
    if (!quiet) {
      const resumed = previous.length > 0 ? `; ${previous.length} pairs already done there` : '';
      context.stderr.write(`pwcca: writing each pair to ${journalPath} as it finishes${resumed} (if interrupted, run again with --resume)\n`);
    }
  }

  const progress = createProgress(context, { quiet, label: 'pairs' });
  let run;
  try {
    run = await runPairwise(plan, {
      ...read,
      compare,
      jobs: flags.jobs,
      maxMemoryBytes: flags.maxMemory,
      stream: flags.stream ?? 'auto',
      previous,
      onRecord: (record) => journal?.append(toJournalRecord(record, plan.scopeKind)),
      onProgress: (done, total) => progress.update(done, total),
      onRowsRead: (read, total) => progress.update(read, total, 'rows read'),
    });
  } finally {
    progress.stop();
    journal?.close();
  }

  const analysed = analysePairwise(buildDistanceMatrices(plan, run.records, methods), { clusters: flags.clusters, meta });
  const report: PairwiseReport = {
    schemaVersion: SCHEMA_VERSION,
    scopeKind: plan.scopeKind,
    methods,
    options: {
      methods,
      variant: flags.variant,
      epsilon: flags.epsilon ?? null,
      svdDims: flags.svdDims ?? null,
      svdVariance: flags.svdVariance,
      layout: flags.layout,
      conv: flags.conv,
      skipNonNumeric: flags.skipNonNumeric === true,
      crossLayer: flags.crossLayer === true,
      layers: flags.layers ?? null,
      groupBy: flags.groupBy?.source ?? null,
      clusters: flags.clusters ?? null,
      meta: flags.meta ?? null,
    },
    discovery: { mode: discovery.mode, root: discovery.root, files: discovery.files.map((file) => ({ ...file })) },
    matrices: analysed.matrices,
    records: run.records,
    warnings: [...discovery.warnings, ...plan.warnings, ...analysed.warnings],
  };
  printWarnings(analysed.warnings, context, quiet, flags.color);
  printPairWarnings(run.records, context, quiet, flags.color);

  if (matrixFolder !== undefined) {
    for (const matrix of report.matrices) {
      for (const method of methods) {
        await writeData(toMatrixCsv(matrix, method), join(matrixFolder, matrixCsvFileName(matrix.scope, method, methods.length > 1)), context);
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
  reportSummary(run.records, run.resumed, run.stats.streamed, journalPath, context, quiet, flags.color);
}

/** `80 files, 20 networks, 4 layers, 760 pairs` (and what the matrices are). */
export function describeRun(discovery: Discovery, plan: PairwisePlan): string {
  const networks = new Set(plan.matrices.flatMap((m) => (plan.scopeKind === 'layer' ? m.labels : [m.scope])));
  const layers = new Set(plan.matrices.flatMap((m) => (plan.scopeKind === 'layer' ? [m.scope] : m.labels)));
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const counts =
    discovery.mode === 'tree'
      ? `${plural(plan.files.length, 'file')}, ${plural(networks.size, 'network')}, ${plural(layers.size, 'layer')}, ${plural(plan.tasks.length, 'pair')}`
      : `${plural(plan.files.length, 'file')}, ${plural(plan.tasks.length, 'pair')}`;
  const matrices = plan.scopeKind === 'layer' ? plural(plan.matrices.length, 'matrix').replace('matrixs', 'matrices') : `${plan.matrices.length} layer x layer matrices`;
  return `${counts} (${matrices})`;
}

function loadMeta(path: string, context: CliContext, quiet: boolean, color: boolean | undefined): MetaTable {
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

/** Checks matrix-csv output before any work: one matrix to stdout, or a folder for several. */
function prepareMatrixOutput(flags: PairwiseFlags, plan: PairwisePlan, methods: readonly PairwiseMethod[], journalPath: string | undefined): string | undefined {
  if (flags.format !== 'matrix-csv') return undefined;
  if (journalPath !== undefined) {
    throw new UsageError('--format matrix-csv writes a folder, not an .ndjson journal', {
      hint: 'use --format matrix-csv --out DIR/, or --out pairs.ndjson with --format csv/json on stdout',
    });
  }
  if (flags.out === undefined || flags.out === '-') {
    if (plan.matrices.length * methods.length > 1) {
      throw new UsageError(`--format matrix-csv on stdout takes one matrix, but this run has ${plan.matrices.length * methods.length}`, {
        hint: 'pass --out DIR/ to write one <layer>.csv per layer, or pick one with --layers and one --method',
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

/** Warnings of individual pairs: the first few distinct ones, then a count (also used by timesteps). */
export function printPairWarnings(records: readonly PairwiseRecord[], context: CliContext, quiet: boolean, color: boolean | undefined): void {
  const distinct = [...new Set(records.flatMap((record) => (record.warnings ?? []).map((w) => `${record.scope}: ${record.a} vs ${record.b}: ${w}`)))];
  if (distinct.length === 0) return;
  const shown = distinct.slice(0, 5);
  if (distinct.length > shown.length) shown.push(`... and ${distinct.length - shown.length} more pair warnings (see the pairs' warnings in --format json)`);
  printWarnings(shown, context, quiet, color);
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
    context.stderr.write(`pwcca: ${records.length} pairs: ${records.length - failed.length} ok, ${failed.length} failed${resumedText}${streamedText}${where}\n`);
  }
  if (failed.length === 0) return;
  const lines = failed.map((record) => ({ label: `${record.scope}: ${record.a} vs ${record.b}`, error: record.error! }));
  printFailures(lines, 'failed pairs', context, color);
  const hint = failed[0].error!.hint;
  context.stderr.write(`${paint.hint('hint:')} ${hint ?? 'fix or remove the files named above'}; the other pairs are complete (exit code 5)\n`);
  context.exitCode = ExitCode.partial;
}
