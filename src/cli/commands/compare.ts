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
  checkSvccaFlags,
  outputFormatFrom,
  unusedReadFlagWarnings,
  parsePositiveInteger,
  readOptionsFrom,
  svccaOptionsFrom,
  type MetricFlags,
  type OutputFlags,
  type ReadFlags,
} from '../options.js';
import { buildPaint, printWarnings, shouldColor, writeData } from '../output.js';
import { createProgress } from '../progress.js';

const FORMATS = ['table', 'json', 'csv', 'ndjson', 'distance'] as const;

interface CompareFlags extends ReadFlags, MetricFlags, OutputFlags {
  method: CompareMethod;
  format: (typeof FORMATS)[number];
  details?: boolean;
  stream?: boolean;
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
      new Option('--method <method>', 'statistic to report first (all = PWCCA, CCA and SVCCA)').choices([...COMPARE_METHODS]).default('pwcca'),
    )
    .option('--details', 'table output: list the canonical correlations and PWCCA weights')
    .option('--stream', 'read 2-D .npy files in row chunks (memory independent of the number of datapoints); default: for files of 1 GiB or more')
    .option('--no-stream', 'always load both files into memory')
    .addOption(
      new Option('-j, --jobs <n>', 'threads for a large pair (prepares both sides and splits the products; at most 2 used)')
        .argParser(parsePositiveInteger('--jobs'))
        .default(defaultJobs(), 'the number of cores'),
    );
  addReadOptions(command);
  addMetricOptions(command);
  addOutputOptions(command, FORMATS, 'table');
  command.addHelpText('after', EXAMPLES).action(async (a: string, b: string, flags: CompareFlags, self: Command) => {
    const format = outputFormatFrom(flags, self.getOptionValueSource('format') === 'cli', FORMATS);
    checkSvccaFlags(flags.method === 'svcca' || flags.method === 'all', {
      svdDims: flags.svdDims !== undefined,
      svdVariance: self.getOptionValueSource('svdVariance') === 'cli',
    });
    if (flags.details && format !== 'table') {
      printWarnings([`--details lists coefficients in the table only; --format ${format} ${format === 'json' || format === 'ndjson' ? 'has them always' : 'does not show them'}`], context, flags.quiet === true, flags.color);
    }
    // Only streamed files report progress: a pair in memory takes seconds at most.
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
        jobs: flags.jobs,
        onRowsRead: (read, total) => progress.update(read, total),
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
  });
}

