import { Option, type Command } from 'commander';
import { toCompareCsv } from '../../report/csv.js';
import { buildCompareJson, toCompareJson } from '../../report/json.js';
import { toCompareTable } from '../../report/table.js';
import { COMPARE_METHODS, runCompare, type CompareMethod } from '../../studies/compare.js';
import { defaultJobs } from '../../engine/executor.js';
import type { CliContext } from '../context.js';
import {
  addMetricOptions,
  addOutputOptions,
  addReadOptions,
  maxMemoryOption,
  parseConfidence,
  checkSvccaFlags,
  outputFormatFrom,
  unusedReadFlagWarnings,
  parsePositiveInteger,
  parseSeed,
  readOptionsFrom,
  svccaOptionsFrom,
  type MetricFlags,
  type OutputFlags,
  type ReadFlags,
} from '../options.js';
import { buildPaint, printWarnings, shouldColor, writeData } from '../output.js';
import { addPlotOption, checkPlotFlag, writeReportPlot, type PlotFlag } from '../plot-option.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../../errors.js';

/** What the resampling will cost, said before it starts. */
function describeResampling(flags: CompareFlags): string {
  const parts: string[] = [];
  if (flags.permutations !== undefined) {
    parts.push(`${flags.permutations} permutations (each one cross product of the whitened sides and a small SVD, no re-preparation)`);
  }
  if (flags.bootstrap !== undefined) parts.push(`${flags.bootstrap} bootstrap resamples (each a full comparison)`);
  return `${parts.join(' and ')}, seed ${flags.seed}`;
}

const FORMATS = ['table', 'json', 'csv', 'ndjson', 'distance'] as const;

interface CompareFlags extends ReadFlags, MetricFlags, OutputFlags, PlotFlag {
  method: CompareMethod;
  permutations?: number;
  bootstrap?: number;
  seed: number;
  confidence: number;
  format: (typeof FORMATS)[number];
  details?: boolean;
  stream?: boolean;
  maxMemory?: number;
  jobs: number;
}

const EXAMPLES = `
Examples:
  pwcca compare a.npy b.npy                       PWCCA distance, human-readable
  pwcca compare a.npy b.arrow --format json       everything, machine-readable
  pwcca compare a.npy b.npy --method all --details
  pwcca compare a.npy b.npy --variant svcca       google/svcca-compatible PWCCA
  pwcca compare conv1.npy conv1b.npy --layout nchw --conv mean
  pwcca compare acts_T.npy b_T.npy --layout neurons-first
  pwcca compare run1.npz#fc1 run2.pt#features.fc1 one array of multi-array files
  pwcca compare acts.h5#/block4/out b.safetensors#out
  pwcca compare a.npy#t=3 b.npy#t=3 --layout ntc  timestep 3 of (N, T, D) arrays
  pwcca compare a.npy b.npy --permutations 1000 --seed 7   p-value against shuffled pairings
  pwcca compare a.npy b.npy --bootstrap 500        95% interval over datapoints
  pwcca compare a.npy b.npy --method cka           linear CKA (and its debiased form)
  d=$(pwcca compare a.npy b.npy --format distance) just the distance, for scripts
  pwcca compare a.npy b.npy --out ab.json          the format follows the extension (.csv, .json, .ndjson)
  cat a.npy | pwcca compare - b.npy`;

export function registerCompare(program: Command, context: CliContext): void {
  const command = program
    .command('compare')
    .description('similarity of two activation files (rows = the same datapoints, columns = neurons)')
    .argument('<a>', 'first activation file (.npy, .arrow, .feather, .arrows), or - for stdin')
    .argument('<b>', 'second activation file')
    .addOption(
      new Option('--method <method>', 'statistic to report first (all = PWCCA, CCA, SVCCA and CKA)').choices([...COMPARE_METHODS]).default('pwcca'),
    )
    .addOption(
      new Option('--permutations <k>', 'permutation test: recompute the similarities for k shuffles of the datapoint pairing (p-value, null mean and std)').argParser(
        parsePositiveInteger('--permutations'),
      ),
    )
    .addOption(new Option('--bootstrap <b>', 'bootstrap: b resamples of the datapoints, percentile interval per similarity (each costs a comparison)').argParser(parsePositiveInteger('--bootstrap')))
    .addOption(new Option('--confidence <level>', 'level of the --bootstrap intervals').argParser(parseConfidence).default(0.95))
    .addOption(new Option('--seed <s>', 'seed of --permutations and --bootstrap (runs repeat exactly)').argParser(parseSeed).default(0))
    .option('--details', 'table output: list the canonical correlations and PWCCA weights')
    .option('--stream', 'read 2-D .npy files in row chunks (memory independent of the number of datapoints); default: when a file holds a million values or more, or the pair would not fit in --max-memory')
    .option('--no-stream', 'always load both files into memory')
    .addOption(maxMemoryOption())
    .addOption(
      new Option('-j, --jobs <n>', 'threads for a large pair (prepares both sides and splits the products; at most 2 used)')
        .argParser(parsePositiveInteger('--jobs'))
        .default(defaultJobs(), 'the number of cores'),
    );
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  addPlotOption(command);
  command.addHelpText('after', EXAMPLES).action(async (a: string, b: string, flags: CompareFlags, self: Command) => {
    checkPlotFlag(flags);
    const format = outputFormatFrom(flags, self.getOptionValueSource('format') === 'cli', FORMATS);
    checkSvccaFlags(flags.method === 'svcca' || flags.method === 'all', {
      svdDims: flags.svdDims !== undefined,
      svdVariance: self.getOptionValueSource('svdVariance') === 'cli',
    });
    if (flags.details && format !== 'table') {
      printWarnings([`--details lists coefficients in the table only; --format ${format} ${format === 'json' || format === 'ndjson' ? 'has them always' : 'does not show them'}`], context, flags.quiet === true, flags.color);
    }
    const resampling = flags.permutations !== undefined || flags.bootstrap !== undefined;
    for (const flag of ['seed', 'confidence'] as const) {
      if (self.getOptionValueSource(flag) === 'cli' && !resampling) {
        throw new UsageError(`--${flag} does nothing without --permutations or --bootstrap`, { hint: 'add --permutations K or --bootstrap B' });
      }
    }
    if (self.getOptionValueSource('confidence') === 'cli' && flags.bootstrap === undefined) {
      throw new UsageError('--confidence sets the level of the --bootstrap intervals', { hint: 'add --bootstrap B' });
    }
    if (resampling && !flags.quiet) context.stderr.write(`pwcca: ${describeResampling(flags)}\n`);
    // Streamed files report rows read, resampling its resamples; a pair in memory takes seconds at most.
    const progress = createProgress(context, { quiet: flags.quiet, label: 'rows read' });
    let report;
    try {
      report = await runCompare(a, b, {
        ...readOptionsFrom(flags, context.stdin),
        method: flags.method,
        variant: flags.variant,
        epsilon: flags.epsilon,
        svcca: svccaOptionsFrom(flags),
        stream: flags.stream ?? 'auto',
        maxMemoryBytes: flags.maxMemory,
        jobs: flags.jobs,
        onRowsRead: (read, total) => progress.update(read, total),
        permutations: flags.permutations,
        bootstrap: flags.bootstrap,
        seed: flags.seed,
        confidence: flags.confidence,
        onResample: (done, total) => progress.update(done, total, 'resamples'),
      });
    } finally {
      progress.stop();
    }
    const unused = unusedReadFlagWarnings([report.inputs.a, report.inputs.b], flags, {
      layout: self.getOptionValueSource('layout') === 'cli',
      conv: self.getOptionValueSource('conv') === 'cli',
    });
    printWarnings([...unused, ...report.comparison.warnings], context, flags.quiet === true, flags.color);
    // --quiet silences stderr only: the data written is the same either way.
    let text: string;
    if (format === 'json') text = toCompareJson(report);
    else if (format === 'ndjson') text = `${JSON.stringify(buildCompareJson(report))}\n`;
    else if (format === 'csv') text = toCompareCsv(report);
    else if (format === 'distance') text = `${report.distance}\n`;
    else {
      const color = flags.out === undefined && shouldColor(flags.color, context.stdout, context.env);
      text = toCompareTable(report, { paint: buildPaint(color), details: flags.details });
    }
    await writeData(text, flags.out, context);
    await writeReportPlot(flags, () => toCompareJson(report));
  });
}

