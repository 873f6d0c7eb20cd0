import { Option, type Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { defaultJobs } from '../../engine/executor.js';
import { buildPairwiseIdentity, toJournalRecord, type PairwiseMethod } from '../../studies/pairwise/run.js';
import { checkSequenceLayout, discoverSequences, type SequenceDiscovery } from '../../studies/timesteps/discover.js';
import { buildTimestepsPlan, parseTimesteps, type TimestepsPlan } from '../../studies/timesteps/plan.js';
import { buildTimestepsReport, runTimesteps } from '../../studies/timesteps/run.js';
import { SCHEMA_VERSION } from '../../types.js';
import type { CliContext } from '../context.js';
import {
  addMetricOptions,
  addOutputOptions,
  DTYPE_CHOICES,
  journalPathFrom,
  parseByteSize,
  parseMethodList,
  parsePositiveInteger,
  svccaOptionsFrom,
  type MetricFlags,
  type OutputFlags,
} from '../options.js';
import { buildMessagePaint, printFailures, printWarnings } from '../output.js';
import { createProgress } from '../progress.js';
import { openPairJournal, prepareMatrixOutput, printPairWarnings, reportSummary, writePairwiseData } from './pairwise.js';

const FORMATS = ['table', 'csv', 'matrix-csv', 'json'] as const;

interface TimestepsFlags extends MetricFlags, OutputFlags {
  layout?: string;
  timesteps?: number[];
  method: PairwiseMethod[];
  clusters?: number;
  dtype?: (typeof DTYPE_CHOICES)[number];
  skipNonNumeric?: boolean;
  jobs: number;
  maxMemory?: number;
  resume?: boolean;
  format: (typeof FORMATS)[number];
}

const EXAMPLES = `
Inputs:
  FILE                          one (N, T, C) array (--layout ntc) or (N, C, T) (--layout nct): one T x T matrix
  FILE#KEY                      an array inside .npz, torch.save, safetensors or HDF5
  ROOT/<network>/<layer>.npy    a folder (as for pairwise): one matrix per network and layer file;
                                arrays that are not 3-D are skipped with a warning
  Labels are t0..t{T-1}; each matrix is named <network>/<layer> (a file's stem for one file).

Examples:
  pwcca timesteps gru_out.npy --layout ntc                  T x T PWCCA distances
  pwcca timesteps gru_out.npy --layout ntc --timesteps 0,5,10,20
  pwcca timesteps hooks.pt#rnn.out --layout ntc --method pwcca,cca --format json
  pwcca timesteps rnn_runs/ --layout ntc --format matrix-csv --out matrices/
  pwcca timesteps gru_out.npy --layout nct --clusters 3`;

export function registerTimesteps(program: Command, context: CliContext): void {
  const command = program
    .command('timesteps')
    .description('distance matrices between the timesteps of sequence activations (one T x T matrix per array)')
    .argument('<inputs...>', 'a sequence array file (FILE or FILE#KEY), several files, or a folder of them')
    .option('--layout <layout>', 'axis order of the sequence arrays (required): ntc = (datapoints, timesteps, features), nct = (datapoints, features, timesteps)')
    .addOption(new Option('--timesteps <list>', 'only these timesteps (comma list, e.g. 0,5,10)').argParser(parseTimesteps))
    .addOption(
      new Option('--method <list>', 'comma list of pwcca, cca, svcca, or all; one matrix per method').argParser(parseMethodList).default(['pwcca'], 'pwcca'),
    )
    .addOption(new Option('--clusters <k>', 'average-linkage hierarchical clustering of each matrix into k clusters').argParser(parsePositiveInteger('--clusters')))
    .addOption(new Option('--dtype <type>', ".npy files of raw 2-byte items (|V2): read them as this type (ml_dtypes' bfloat16)").choices([...DTYPE_CHOICES]))
    .option('--skip-non-numeric', 'Arrow input: skip non-numeric columns instead of stopping')
    .addOption(new Option('-j, --jobs <n>', 'worker threads').argParser(parsePositiveInteger('--jobs')).default(defaultJobs(), 'the number of cores'))
    .addOption(new Option('--max-memory <size>', 'cap on memory held by prepared timesteps, e.g. 512M, 2G').argParser(parseByteSize))
    .option('--resume', 'with --out FILE.ndjson: skip the pairs already in FILE (same inputs and options only)');
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  command.addHelpText('after', EXAMPLES).action(async (inputs: string[], flags: TimestepsFlags, self: Command) => {
    await runTimestepsCommand(inputs, flags, context, self.getOptionValueSource('format') === 'cli');
  });
}

async function runTimestepsCommand(inputs: string[], flags: TimestepsFlags, context: CliContext, formatGiven: boolean): Promise<void> {
  const quiet = flags.quiet === true;
  const methods = flags.method;
  const layout = checkSequenceLayout(flags.layout);
  const journalPath = journalPathFrom(flags, 'timesteps.ndjson');

  const discovery = await discoverSequences(inputs, { layout, dtype: flags.dtype, skipNonNumeric: flags.skipNonNumeric });
  const plan = buildTimestepsPlan(discovery.sequences, { timesteps: flags.timesteps });
  const matrixFolder = prepareMatrixOutput(flags, plan, methods, journalPath);
  printWarnings(discovery.warnings, context, quiet, flags.color);
  if (!quiet) context.stderr.write(`pwcca: ${describeTimestepsRun(discovery, plan)}\n`);

  // What makes the numbers: the read options and the comparison's.
  const settings = {
    layout,
    skipNonNumeric: flags.skipNonNumeric === true,
    stdin: context.stdin,
    ...(flags.dtype && { dtype: flags.dtype }),
    methods,
    variant: flags.variant,
    epsilon: flags.epsilon,
    svcca: svccaOptionsFrom(flags),
  };
  const { journal, previous } = openPairJournal(
    journalPath,
    { type: 'header', schemaVersion: SCHEMA_VERSION, command: 'timesteps', identity: buildPairwiseIdentity(plan, settings) },
    plan.scopeKind,
    flags,
    context,
  );

  const progress = createProgress(context, { quiet, label: 'pairs' });
  let run;
  try {
    run = await runTimesteps(plan, {
      ...settings,
      jobs: flags.jobs,
      maxMemoryBytes: flags.maxMemory,
      previous,
      onRecord: (record) => journal?.append(toJournalRecord(record, plan.scopeKind)),
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    journal?.close();
  }

  const report = buildTimestepsReport(discovery, plan, run, {
    methods,
    clusters: flags.clusters,
    recorded: {
      methods,
      variant: flags.variant,
      epsilon: flags.epsilon ?? null,
      svdDims: flags.svdDims ?? null,
      svdVariance: flags.svdVariance,
      layout,
      timesteps: flags.timesteps ?? null,
      dtype: flags.dtype ?? null,
      skipNonNumeric: flags.skipNonNumeric === true,
      clusters: flags.clusters ?? null,
    },
  });
  const known = new Set(discovery.warnings);
  printWarnings(report.warnings.filter((warning) => !known.has(warning)), context, quiet, flags.color);
  printPairWarnings(plan, run.records, context, quiet, flags.color);

  await writePairwiseData(report, methods, { matrixFolder, journalPath, formatGiven }, flags, context);
  reportSummary(run.records, run.resumed, false, journalPath, context, quiet, flags.color);
  reportUnreadable(discovery, context, flags.color);
}

/** Files of a folder that could not be read: listed like failed pairs, and exit code 5 (the other arrays are complete). */
function reportUnreadable(discovery: SequenceDiscovery, context: CliContext, color: boolean | undefined): void {
  if (discovery.unreadable.length === 0) return;
  printFailures(discovery.unreadable.map(({ path, error }) => ({ label: path, error })), 'unreadable files', context, color);
  const hint = discovery.unreadable[0].error.hint ?? 'fix or remove the files named above';
  context.stderr.write(`${buildMessagePaint(context, color).hint('hint:')} ${hint}; the other arrays are complete (exit code 5)\n`);
  context.exitCode = ExitCode.partial;
}

/** `1 sequence array, 10 timesteps, 45 pairs` (or the counts over several arrays). */
export function describeTimestepsRun(discovery: SequenceDiscovery, plan: TimestepsPlan): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const steps = [...new Set(plan.timesteps.map((list) => list.length))];
  const perArray = steps.length === 1 ? plural(steps[0], 'timestep') : `${Math.min(...steps)}..${Math.max(...steps)} timesteps`;
  const shapes = discovery.sequences.length === 1 ? ` (shape ${discovery.sequences[0].shape.join('x')})` : '';
  return `${plural(plan.matrices.length, 'sequence array')}${shapes}, ${perArray} each, ${plural(plan.tasks.length, 'pair')}`;
}

