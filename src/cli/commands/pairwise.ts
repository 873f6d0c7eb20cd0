import { Option, type Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, ExitCode, InputError } from '../../errors.js';
import { matrixCsvFileName, toMatrixCsv, toPairwiseCsv } from '../../report/pairwise-csv.js';
import { toPairwiseJson } from '../../report/pairwise-json.js';
import { toPairwiseTable } from '../../report/pairwise-table.js';
import { SCHEMA_VERSION } from '../../types.js';
import { discoverActivations, type Discovery } from '../../studies/pairwise/discover.js';
import { openJournal, type Journal } from '../../engine/journal.js';
import {
  buildPairwiseIdentity,
  checkJournalRecord,
  fromJournalRecords,
  runPairwise,
  toJournalRecord,
  type PairwiseMethod,
  type PairwiseRecord,
} from '../../studies/pairwise/run.js';
import { buildPairwisePlan, type PairwisePlan } from '../../studies/pairwise/plan.js';
import { buildPairwiseReport, type PairwiseReportOptions } from '../../studies/pairwise/report.js';
import { parseMetaCsv, type MetaTable } from '../../stats/meta-correlation.js';
import type { CliContext } from '../context.js';
import {
  addMetricOptions,
  addOutputOptions,
  addReadOptions,
  addRunOptions,
  checkSvccaFlags,
  outputFormatFrom,
  unusedReadFlagWarnings,
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
  groups?: string[];
  aggregate?: 'mean';
}

const EXAMPLES = `
Inputs:
  ROOT/<network>/<layer>.npy          one network x network matrix per layer (layer = file stem)
  ROOT/<group>/<network>/<layer>.npy  the same; the first folder is the network's group
  ROOT/<file>.npy, or a list of files one matrix over all files (layer "all")
  Files: .npy, .arrow, .feather, .arrows. Networks sort by group, then naturally
  (s2 before s10, lr-0.01 before lr-0.1); a list of files keeps its order.

Examples:
  pwcca pairwise runs/                                 matrices as tables
  pwcca pairwise runs/ --format csv > long.csv         one row per pair
  pwcca pairwise runs/ --format matrix-csv --out matrices/
  pwcca pairwise runs/ --format json > pairwise.json
  pwcca pairwise a.npy b.npy c.npy
  pwcca pairwise runs/ --cross-layer                   layer x layer within each network
  pwcca pairwise runs/ --layers fc1,fc2 --method pwcca,cca --jobs 2
  pwcca pairwise runs/ --clusters 5 --meta runs/meta.csv
  pwcca pairwise runs/ --groups mlp,cnn --aggregate mean   two groups, and the matrix averaged over layers
  pwcca pairwise cnn/ --layout nchw                    4-D conv maps NCHW, 2-D fc layers as they are
  pwcca pairwise runs/ --out pairs.csv                 the format follows the extension (.csv, .json)
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
    .option('--meta <file>', 'CSV with a network column and numeric columns: correlate each network\'s mean within-group distance with them')
    .addOption(new Option('--groups <list>', 'only the networks of these groups (comma list)').argParser(parseList))
    .addOption(new Option('--aggregate <how>', 'also the matrix averaged over the selected layers, with its own group statistics and clusters').choices(['mean']));
  addRunOptions(command, 'pairs');
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  command.addHelpText('after', EXAMPLES).action(async (inputs: string[], flags: PairwiseFlags, self: Command) => {
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
  const journalPath = journalPathFrom(flags, 'pairs.ndjson');
  if (flags.meta !== undefined && flags.crossLayer) {
    throw new UsageError('--meta cannot be used with --cross-layer', { hint: '--meta correlates per-network values with network x network distances; drop --cross-layer' });
  }
  if (flags.aggregate !== undefined && flags.crossLayer) {
    throw new UsageError('--aggregate cannot be used with --cross-layer', { hint: '--aggregate mean averages network x network matrices over layers; drop --cross-layer' });
  }

  const discovery = discoverActivations(inputs, { groupBy: flags.groupBy });
  const plan = buildPairwisePlan(discovery, { crossLayer: flags.crossLayer, layers: flags.layers, groups: flags.groups });
  const meta = flags.meta === undefined ? undefined : loadMeta(flags.meta, context, quiet, flags.color);
  const matrixFolder = prepareMatrixOutput(flags, plan, methods, journalPath);

  // Layer x layer matrices have no groups: --group-by would only select nothing.
  const unusedGroupBy = flags.crossLayer && flags.groupBy !== undefined && flags.groups === undefined ? ['--group-by changes nothing with --cross-layer (the labels are layers); use --groups to pick networks by group'] : [];
  printWarnings([...unusedGroupBy, ...discovery.warnings, ...plan.warnings], context, quiet, flags.color);
  if (!quiet) context.stderr.write(`pwcca: ${describeRun(discovery, plan)}\n`);

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
    groups: flags.groups,
    aggregate: flags.aggregate,
  };
  let journal: Journal | undefined;
  let previous: PairwiseRecord[] = [];
  if (journalPath !== undefined) {
    const identity = buildPairwiseIdentity(plan, options);
    journal = openJournal(journalPath, { type: 'header', schemaVersion: SCHEMA_VERSION, command: 'pairwise', identity }, {
      resume: flags.resume === true,
      validate: (line) => checkJournalRecord(line, plan.scopeKind),
    });
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

  const report = buildPairwiseReport(discovery, plan, run, options);
  // Discovery and plan warnings were printed before the run.
  const known = new Set([...discovery.warnings, ...plan.warnings]);
  const unused = unusedReadFlagWarnings([...run.stats.inputs.values()], flags, readFlagsGiven);
  printWarnings([...unused, ...report.warnings.filter((warning) => !known.has(warning))], context, quiet, flags.color);
  printPairWarnings(plan, run.records, context, quiet, flags.color);

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
  reportSummary(run.records, run.resumed, run.stats.streamed, journalPath, context, quiet, flags.color);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
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

/**
 * Warnings of individual pairs. A warning about one file (constant neurons)
 * comes once per file, however many pairs it is in; a warning about a pair
 * comes with the pair's name, the first few distinct ones and then a count.
 */
function printPairWarnings(plan: PairwisePlan, records: readonly PairwiseRecord[], context: CliContext, quiet: boolean, color: boolean | undefined): void {
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
function reportSummary(
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
