import { Option, type Command } from 'commander';
import { InputError, UsageError } from '../../errors.js';
import { openJournal } from '../../engine/journal.js';
import { checkSameRun, collectShardRecords, factsFromIdentity, loadShardParts, type ShardPart } from '../../engine/shard-parts.js';
import { cellRecord, cellsFromRecords, runConvergence, type ConvergenceMethod } from '../../studies/convergence/run.js';
import { taskKey } from '../../studies/convergence/plan.js';
import { planConvergenceShards, replanConvergence, type ConvergenceShardContext } from '../../studies/convergence/shard.js';
import { fromJournalRecords, recordKey, toJournalRecord, type PairwiseMethod } from '../../studies/pairwise/run.js';
import { planPairwiseShards, replanPairwise, type PairwiseShardContext } from '../../studies/pairwise/shard.js';
import { pairKey, SCHEMA_VERSION, type MethodName } from '../../types.js';
import type { CliContext } from '../context.js';
import { addOutputOptions, parseMethodList, parseNumberInRange, parsePositiveInteger, parseSeed, type OutputFlags } from '../options.js';
import { addPlotOption, checkPlotFlag, type PlotFlag } from '../plot-option.js';
import { CONVERGENCE_FORMATS, writeConvergenceResult, type ConvergenceFlags } from './convergence.js';
import { loadMeta, PAIRWISE_FORMATS, prepareMatrixOutput, writePairwiseResult, type StoredPairwiseOptions } from './pairwise.js';
import type { PairwiseReportOptions } from '../../studies/pairwise/report.js';

const FORMATS = ['table', 'csv', 'matrix-csv', 'json'] as const;

interface MergeFlags extends OutputFlags, PlotFlag {
  format: (typeof FORMATS)[number];
  method?: MethodName[];
  clusters?: number;
  meta?: string;
  threshold?: number;
  permutations?: number;
  seed: number;
  aggregate?: 'mean';
}

const EXAMPLES = `
Examples:
  pwcca merge out/part-*.ndjson                           the report of the whole run, as a table
  pwcca merge out/part-*.ndjson --format json > all.json  or csv, matrix-csv (pairwise)
  pwcca merge out/part-*.ndjson --clusters 4 --meta runs/meta.csv
  pwcca merge out/part-*.ndjson --out all.ndjson          one journal, as one run would write it

The parts are the journals of pwcca pairwise|convergence ... --shard K/S --out part-K.ndjson.
Every shard K of S must be there once; a missing or incomplete one is named.
The files themselves are not read again.`;

/** `pwcca merge`: the parts of a sharded run back into the report one run would have made. */
export function registerMerge(program: Command, context: CliContext): void {
  const command = program
    .command('merge')
    .description('combine the journals of a run split with --shard K/S (e.g. a Slurm job array) into the result of one run')
    .argument('<parts...>', 'the .ndjson journals of every shard (e.g. out/part-*.ndjson)')
    .addOption(new Option('--method <list>', 'comma list of pwcca, cca, svcca, or all; default: as the shards ran').argParser(parseMethodList))
    .addOption(new Option('--clusters <k>', 'pairwise: average-linkage clustering of each matrix into k clusters').argParser(parsePositiveInteger('--clusters')))
    .option('--meta <file>', 'pairwise: CSV with a network column and numeric columns to correlate with the distances')
    .addOption(new Option('--threshold <distance>', 'convergence: the distance a layer must stay under to count as converged').argParser(parseNumberInRange('--threshold', 0, 1)))
    .addOption(
      new Option('--permutations <k>', "pairwise: group test with k shuffles of the networks' groups (default: as the shards ran)").argParser(parsePositiveInteger('--permutations')),
    )
    .addOption(new Option('--seed <s>', 'seed of --permutations').argParser(parseSeed).default(0))
    .addOption(new Option('--aggregate <how>', 'pairwise: also the matrix averaged over the layers (default: as the shards ran)').choices(['mean']));
  addOutputOptions(command, FORMATS, 'table');
  addPlotOption(command);
  command.addHelpText('after', EXAMPLES).action(async (paths: string[], flags: MergeFlags, self: Command) => {
    checkPlotFlag(flags);
    await runMergeCommand(paths, flags, context, self.getOptionValueSource('format') === 'cli');
  });
}

async function runMergeCommand(paths: string[], flags: MergeFlags, context: CliContext, formatGiven: boolean): Promise<void> {
  const parts = loadShardParts(paths);
  const run = checkSameRun(parts);
  const journalPath = flags.out !== undefined && flags.out.toLowerCase().endsWith('.ndjson') ? flags.out : undefined;
  if (run.schemaVersion !== SCHEMA_VERSION) {
    throw new UsageError(`the parts were written with journal schema ${run.schemaVersion}; this pwcca reads schema ${SCHEMA_VERSION}`, {
      hint: 'merge them with the pwcca version that wrote them, or run the shards again',
    });
  }
  if (flags.quiet !== true) {
    context.stderr.write(`pwcca: merging ${parts.length} part${parts.length === 1 ? '' : 's'} of a ${run.command} run split into ${run.count} shard${run.count === 1 ? '' : 's'}\n`);
  }
  if (run.command === 'pairwise') return mergePairwise(parts, run, { flags, journalPath, formatGiven }, context);
  if (run.command === 'convergence') return mergeConvergence(parts, run, { flags, journalPath, formatGiven }, context);
  throw new UsageError(`cannot merge journals of pwcca ${run.command}`, { hint: 'merge works on pwcca pairwise and convergence journals written with --shard K/S' });
}

interface MergeOutput {
  readonly flags: MergeFlags;
  readonly journalPath?: string;
  readonly formatGiven: boolean;
}

/** The header's context, checked enough that a file edited by hand fails with a message, not a crash. */
function contextOf<P, O>(part: ShardPart, fields: readonly string[], optionsField: string): { plan: P } & Record<string, O> {
  const context = part.header.context as Record<string, unknown> | undefined;
  const plan = context?.plan as Record<string, unknown> | undefined;
  if (!context || typeof plan !== 'object' || plan === null || typeof context[optionsField] !== 'object' || fields.some((field) => !(field in plan))) {
    throw new InputError('the header does not say how the run was planned (no context)', {
      where: part.path,
      hint: 'the parts were written by an older pwcca; run the shards again with this version',
    });
  }
  return context as { plan: P } & Record<string, O>;
}

function checkReplanned(same: boolean, part: ShardPart, what: string): void {
  if (!same) {
    throw new InputError(`the run planned again from the header does not match its identity (${what})`, {
      where: part.path,
      hint: 'the parts were written by another version of pwcca, or edited; run the shards again',
    });
  }
}

/** Methods for the report: the asked ones, which the journals must hold. */
function methodsFor(asked: readonly MethodName[] | undefined, ran: unknown, svccaComputed: boolean): MethodName[] {
  const methods = [...(asked ?? (Array.isArray(ran) ? (ran as MethodName[]) : ['pwcca' as const]))];
  if (methods.includes('svcca') && !svccaComputed) {
    throw new UsageError('--method svcca: the shards did not compute SVCCA', { hint: 'merge with --method pwcca,cca, or run the shards again with --method svcca' });
  }
  return methods;
}

async function mergePairwise(parts: readonly ShardPart[], run: ReturnType<typeof checkSameRun>, output: MergeOutput, context: CliContext): Promise<void> {
  const { flags } = output;
  const stored = contextOf<PairwiseShardContext, StoredPairwiseOptions>(parts[0], ['mode', 'files', 'plan'], 'options');
  const { discovery, plan } = replanPairwise(stored.plan);
  const identity = run.identity as { scopeKind?: unknown; matrices?: unknown; files?: unknown; compare?: { svcca?: unknown } };
  checkReplanned(identity.scopeKind === plan.scopeKind, parts[0], 'matrix kind');
  checkReplanned(
    JSON.stringify(identity.matrices) === JSON.stringify(plan.matrices.map((matrix) => ({ scope: matrix.scope, labels: matrix.labels, groups: matrix.groups }))),
    parts[0],
    'matrices',
  );
  const shards = planPairwiseShards(plan, factsFromIdentity(plan.files, identity.files), run.count);
  const scopeKind = plan.scopeKind;
  const lines = collectShardRecords(parts, shards, (record) =>
    record.type === 'pair' && typeof record[scopeKind] === 'string' && typeof record.a === 'string' && typeof record.b === 'string'
      ? pairKey(record[scopeKind] as string, record.a, record.b)
      : null,
  );
  // A later line of a pair replaces an earlier one, as on resume.
  const byKey = new Map(fromJournalRecords(lines, scopeKind).map((record) => [recordKey(record), record]));
  const records = plan.tasks.map((task) => byKey.get(task.key)!);

  const ran = stored.options;
  const methods = methodsFor(flags.method, ran.methods, identity.compare?.svcca !== null && identity.compare?.svcca !== undefined) as PairwiseMethod[];
  if (flags.format === 'matrix-csv' && output.journalPath !== undefined) {
    throw new UsageError('--format matrix-csv writes a folder, not an .ndjson journal', { hint: 'merge twice: once with --out all.ndjson, once with --format matrix-csv --out DIR/' });
  }
  if (!(PAIRWISE_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format ${flags.format} is not a pairwise format`);
  const metaPath = flags.meta ?? ran.metaPath ?? undefined;
  if (metaPath !== undefined && stored.plan.plan.crossLayer) {
    throw new UsageError('--meta cannot be used with a --cross-layer run', { hint: 'drop --meta' });
  }
  const quiet = flags.quiet === true;
  const options: PairwiseReportOptions = {
    methods,
    variant: ran.variant ?? undefined,
    epsilon: ran.epsilon ?? undefined,
    svcca: ran.svcca ?? undefined,
    layout: ran.layout ?? undefined,
    conv: ran.conv ?? undefined,
    skipNonNumeric: ran.skipNonNumeric,
    crossLayer: stored.plan.plan.crossLayer,
    layers: stored.plan.plan.layers ?? undefined,
    groupBy: stored.plan.groupBy === null ? undefined : new RegExp(stored.plan.groupBy),
    clusters: flags.clusters ?? ran.clusters ?? undefined,
    meta: metaPath === undefined ? undefined : loadMeta(metaPath, context, quiet, flags.color),
    metaPath,
    groups: stored.plan.plan.groups ?? undefined,
    groupTest: flags.permutations !== undefined ? { permutations: flags.permutations, seed: flags.seed } : (ran.groupTest ?? undefined),
    aggregate: flags.aggregate ?? ran.aggregate ?? undefined,
  };
  const out = output.journalPath === undefined ? flags.out : undefined;
  const matrixFolder = prepareMatrixOutput({ format: flags.format, out }, plan, methods, output.journalPath);

  if (output.journalPath !== undefined) {
    writeMergedJournal(output.journalPath, 'pairwise', run.identity, parts[0].header.context, records.map((record) => toJournalRecord(record, scopeKind)));
  }
  await writePairwiseResult(
    { discovery, plan, records, resumed: 0, streamed: false, options, matrixFolder, journalPath: output.journalPath, formatGiven: output.formatGiven, printed: new Set() },
    { format: flags.format, out, quiet: flags.quiet, color: flags.color, plot: flags.plot },
    context,
  );
}

async function mergeConvergence(parts: readonly ShardPart[], run: ReturnType<typeof checkSameRun>, output: MergeOutput, context: CliContext): Promise<void> {
  const { flags } = output;
  const stored = contextOf<ConvergenceShardContext, Record<string, unknown>>(parts[0], ['root', 'rootName', 'files', 'byLayer', 'reference'], 'flags');
  const { set, plan } = replanConvergence(stored.plan);
  const identity = run.identity as { files?: unknown; runs?: unknown; layers?: unknown; referenceStep?: unknown };
  checkReplanned(JSON.stringify(identity.runs) === JSON.stringify(set.runs), parts[0], 'runs');
  checkReplanned(JSON.stringify(identity.layers) === JSON.stringify(set.layers), parts[0], 'layers');
  checkReplanned(identity.referenceStep === plan.referenceStep, parts[0], 'reference step');
  const shards = planConvergenceShards(plan, factsFromIdentity(plan.files, identity.files), run.count);
  const lines = collectShardRecords(parts, shards, (record) =>
    record.type === 'cell' && record.reference !== true && typeof record.run === 'string' && typeof record.layer === 'string' && typeof record.step === 'number'
      ? taskKey(record.run, record.layer, record.step)
      : null,
  );
  if (flags.format === 'matrix-csv') throw new UsageError('--format matrix-csv is for pairwise runs', { hint: 'use --format table, csv or json' });
  if (!(CONVERGENCE_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format ${flags.format} is not a convergence format`);
  if (flags.clusters !== undefined || flags.meta !== undefined) {
    throw new UsageError('--clusters and --meta are for pairwise runs', { hint: 'drop them when merging a convergence run' });
  }

  const ran = stored.flags;
  const computed = new Set(cellsFromRecords(lines).map((cell) => cell.method));
  const methods = (flags.method ?? (ran.method as ConvergenceMethod[])).filter((method) => method !== undefined);
  const lacking = methods.filter((method) => !computed.has(method));
  if (lacking.length > 0) {
    throw new UsageError(`--method ${lacking.join(',')}: the shards did not compute ${lacking.join(', ')}`, {
      hint: `merge with --method ${[...computed].join(',')}, or run the shards again with the methods wanted`,
    });
  }
  // Every comparison is in the parts, so this runs none: it only summarises (no file is read).
  const report = await runConvergence(
    set,
    {
      root: stored.plan.root,
      methods,
      variant: ran.variant as ConvergenceFlags['variant'],
      epsilon: (ran.epsilon as number | null) ?? undefined,
      svcca: ran.svdDims !== null && ran.svdDims !== undefined ? { dims: ran.svdDims as number } : { varianceFraction: ran.svdVariance as number },
      layout: ran.layout as string,
      conv: ran.conv as ConvergenceFlags['conv'],
      skipNonNumeric: ran.skipNonNumeric === true,
      reference: stored.plan.reference,
      threshold: flags.threshold ?? (ran.threshold as number),
      stream: false,
      jobs: 1,
      previous: lines,
    },
    plan,
  );
  if (output.journalPath !== undefined) {
    writeMergedJournal(output.journalPath, 'convergence', run.identity, parts[0].header.context, report.cells.map(cellRecord));
  }
  await writeConvergenceResult(
    { ...report, stats: { ...report.stats, resumed: 0 } },
    { journalPath: output.journalPath, formatGiven: output.formatGiven, printed: new Set() },
    { format: flags.format as ConvergenceFlags['format'], out: output.journalPath === undefined ? flags.out : undefined, quiet: flags.quiet, color: flags.color, plot: flags.plot },
    context,
  );
}

/** Writes the merged run as one journal (--out FILE.ndjson): the run's header, then every record. */
function writeMergedJournal(
  path: string,
  command: 'pairwise' | 'convergence',
  identity: Record<string, unknown>,
  shardContext: unknown,
  records: readonly Record<string, unknown>[],
): void {
  const journal = openJournal(path, { type: 'header', schemaVersion: SCHEMA_VERSION, command, identity, context: shardContext }, { resume: false });
  try {
    for (const record of records) journal.append(record);
  } finally {
    journal.close();
  }
}
