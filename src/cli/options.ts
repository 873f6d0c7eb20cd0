import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { checkLayout } from '../io/layout.js';
import type { PwccaVariant } from '../metrics/compare.js';
import { METHOD_NAMES, type MethodName, type ReadOptions } from '../types.js';
import { defaultJobs } from '../engine/executor.js';
import { parseShardSpec, type ShardSpec } from '../engine/shards.js';

/** Flags shared by every command that reads activation files. */
export interface ReadFlags {
  layout: string;
  conv: 'flatten' | 'mean';
  skipNonNumeric?: boolean;
  dtype?: 'bfloat16';
}

/** Values of `--dtype`: element types a file cannot name itself. */
export const DTYPE_CHOICES = ['bfloat16'] as const;

/** Flags shared by every command that computes similarities. */
export interface MetricFlags {
  variant: PwccaVariant;
  epsilon?: number;
  svdDims?: number;
  svdVariance: number;
}

/** Flags shared by every command's output. */
export interface OutputFlags {
  out?: string;
  quiet?: boolean;
  color?: boolean;
}

export function parsePositiveInteger(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} takes a positive whole number, got '${text}'`);
    return value;
  };
}

export function parseNumberInRange(flag: string, low: number, high: number, lowOpen = false) {
  return (text: string): number => {
    const value = Number(text);
    const aboveLow = lowOpen ? value > low : value >= low;
    if (text.trim() === '' || !Number.isFinite(value) || !aboveLow || value > high) {
      throw new UsageError(`${flag} takes a number in ${lowOpen ? '(' : '['}${low}, ${high}], got '${text}'`);
    }
    return value;
  };
}

export function addReadOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--layout <layout>',
        'axis order of the stored arrays, per rank: 2-D arrays are (datapoints, neurons), or (neurons, datapoints) with neurons-first; conv/sequence arrays one letter per axis, e.g. nchw, nhwc, ntc, nct; a comma list gives one per rank, e.g. nchw,ntc',
      )
        .default('auto')
        // A misspelt layout fails before any file is read, not once per pair.
        .argParser((text: string) => {
          checkLayout(text);
          return text;
        }),
    )
    .addOption(
      new Option('--conv <reduction>', 'conv/sequence reduction: flatten = every position is a datapoint; mean = average over positions')
        .choices(['flatten', 'mean'])
        .default('flatten'),
    )
    .option('--skip-non-numeric', 'Arrow input: skip non-numeric columns instead of stopping')
    .addOption(
      new Option('--dtype <type>', ".npy files of raw 2-byte items (|V2): read them as this type (bfloat16, as numpy saves ml_dtypes' bfloat16)").choices([
        ...DTYPE_CHOICES,
      ]),
    );
}

export function addMetricOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--variant <variant>', "PWCCA variant: paper = the seed paper's definition; svcca = google/svcca's compute_pwcca on centred inputs")
        .choices(['paper', 'svcca'])
        .default('paper'),
    )
    .addOption(
      new Option(
        '--epsilon <e>',
        "use google/svcca's regularisation (scaled covariance, variance cut, ridge e) instead of the exact rank-revealing CCA; svcca variant default 1e-10",
      ).argParser(parseNumberInRange('--epsilon', 0, 1)),
    )
    .addOption(new Option('--svd-dims <k>', 'SVCCA: keep k singular directions per side').argParser(parsePositiveInteger('--svd-dims')))
    .addOption(
      new Option('--svd-variance <fraction>', 'SVCCA: keep the fewest directions that explain this fraction of the variance')
        .argParser(parseNumberInRange('--svd-variance', 0, 1, true))
        .default(0.99),
    );
}

export function addOutputOptions(command: Command, formats: readonly string[], defaultFormat: string): Command {
  return command
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, .csv/.json/.ndjson, else table)').choices([...formats]).default(defaultFormat))
    .option('-o, --out <file>', 'write the data to a file instead of stdout; its extension picks the format unless --format is given')
    .option('-q, --quiet', 'no progress, no warnings on stderr (the data written does not change)')
    .option('--color', 'colour the table even when not on a terminal')
    .option('--no-color', 'never colour');
}

export function readOptionsFrom(flags: ReadFlags, stdin: NodeJS.ReadableStream): ReadOptions {
  return { layout: flags.layout, conv: flags.conv, skipNonNumeric: flags.skipNonNumeric === true, stdin, ...(flags.dtype && { dtype: flags.dtype }) };
}

export function svccaOptionsFrom(flags: MetricFlags) {
  return flags.svdDims !== undefined ? { dims: flags.svdDims } : { varianceFraction: flags.svdVariance };
}

/** Parses `--seed`: a whole number from 0 to 2^53 - 1. */
export function parseSeed(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`--seed takes a whole number from 0 to 2^53 - 1, got '${text}'`);
  }
  return value;
}

/** Parses `--confidence`: a level strictly between 0 and 1. */
export function parseConfidence(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value < 1)) {
    throw new UsageError(`--confidence takes a number between 0 and 1 (exclusive), got '${text}'`, { hint: 'for example --confidence 0.9' });
  }
  return value;
}

/** Parses `--method`: a comma list of pwcca, cca, svcca, cka, or `all`, returned in report order. */
export function parseMethodList(text: string): MethodName[] {
  const names = parseList(text).map((name) => name.toLowerCase());
  if (names.includes('all')) return [...METHOD_NAMES];
  const unknown = names.filter((name) => !(METHOD_NAMES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--method takes a comma list of ${METHOD_NAMES.join(', ')} (or all), got '${text}'`);
  }
  return METHOD_NAMES.filter((method) => names.includes(method));
}

/** Parses a comma list, dropping empty items. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses a memory size such as `512M`, `2G`, `1.5GiB` or a byte count. */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 } as const;
  if (!match || Number(match[1]) <= 0) {
    throw new UsageError(`--max-memory takes a size like 512M or 2G, got '${text}'`);
  }
  return Math.round(Number(match[1]) * scale[match[2].toLowerCase() as keyof typeof scale]);
}

/** Flags of the commands that run many comparisons. */
export interface RunFlags {
  jobs: number;
  maxMemory?: number;
  resume?: boolean;
  stream?: boolean;
}

/** --max-memory: what decides between the in-memory and the streamed route, and bounds the streamed route's sums. */
export function maxMemoryOption(): Option {
  return new Option('--max-memory <size>', 'cap on memory held by loaded and prepared files (streamed: by one pass\'s sums), e.g. 512M, 2G; default: half the machine\'s memory').argParser(parseByteSize);
}

/** --jobs, --max-memory, --stream and --resume; `items` names what the journal holds (pairs, comparisons). */
export function addRunOptions(command: Command, items: string): Command {
  return command
    .addOption(new Option('-j, --jobs <n>', 'worker threads').argParser(parsePositiveInteger('--jobs')).default(defaultJobs(), 'the number of cores'))
    .addOption(maxMemoryOption())
    .option('--stream', 'read 2-D .npy files in row chunks, all pairs\' products in one pass (memory independent of the number of datapoints); default: when a file holds a million values or more, or a pair would not fit in --max-memory')
    .option('--no-stream', 'always load the files into memory')
    .option('--resume', `with --out FILE.ndjson: skip the ${items} already in FILE (same inputs and options only)`);
}

/**
 * The NDJSON journal path when --out names an .ndjson file; checks that
 * --resume and --shard (whose result is a journal for pwcca merge) come
 * with one.
 */
export function journalPathFrom(flags: OutputFlags & RunFlags & Pick<ShardFlags, 'shard'>, example: string): string | undefined {
  const journalPath = flags.out !== undefined && flags.out.toLowerCase().endsWith('.ndjson') ? flags.out : undefined;
  if (flags.resume && journalPath === undefined) {
    throw new UsageError('--resume needs --out FILE.ndjson', { hint: `pass the journal of the interrupted run: --out ${example} --resume` });
  }
  if (flags.shard !== undefined && journalPath === undefined) {
    throw new UsageError('--shard needs --out FILE.ndjson: a shard\'s result is a journal for pwcca merge', {
      hint: `e.g. --shard ${flags.shard.index}/${flags.shard.count} --out part-${flags.shard.index}.ndjson`,
    });
  }
  return journalPath;
}

/** Flags of the commands that can run one shard of a run split across machines. */
export interface ShardFlags {
  shard?: ShardSpec;
  root?: string;
}

/** --shard K/S and --root; `items` names what is split (pairs, comparisons). */
export function addShardOptions(command: Command, items: string): Command {
  return command
    .addOption(
      new Option('--shard <K/S>', `run only shard K of S (1-based) of the ${items}, e.g. in a Slurm array task; needs --out FILE.ndjson; combine the parts with pwcca merge`).argParser(
        parseShardSpec,
      ),
    )
    .option('--root <dir>', 'record input paths relative to this folder in the journal (default: the input folder), so shards on machines that mount the data elsewhere still match');
}

/** Formats an --out file's extension asks for, when --format is not given. */
const FORMAT_BY_EXTENSION: Readonly<Record<string, string>> = { '.csv': 'csv', '.json': 'json', '.ndjson': 'ndjson', '.svg': 'svg', '.html': 'html' };

/** Figures: an extension that asks for one must not get a text table written into it. */
const FIGURE_FORMATS = new Set(['svg', 'html']);

/**
 * The output format of a run: `--format` when given on the command line,
 * else the one the `--out` file's extension names (`.csv`, `.json`,
 * `.ndjson`, `.svg`, `.html`) when the command has it, else the default.
 *
 * @throws UsageError when the extension asks for a figure the command does not draw.
 */
export function outputFormatFrom<F extends string>(flags: { format: F; out?: string }, formatGiven: boolean, formats: readonly F[]): F {
  if (formatGiven || flags.out === undefined) return flags.format;
  const dot = flags.out.lastIndexOf('.');
  const extension = dot > flags.out.lastIndexOf('/') ? flags.out.slice(dot).toLowerCase() : '';
  const inferred = FORMAT_BY_EXTENSION[extension];
  if (inferred !== undefined && (formats as readonly string[]).includes(inferred)) return inferred as F;
  if (inferred !== undefined && FIGURE_FORMATS.has(inferred)) {
    throw new UsageError(`--out ${flags.out} asks for a ${extension} figure, which this command does not draw`, {
      hint: `write the data with --out FILE.csv or FILE.json (or --format ${formats.join('|')}), and draw the figure with --plot ${flags.out}`,
    });
  }
  return flags.format;
}

/**
 * Refuses SVCCA's flags in a run that computes no SVCCA: they would change
 * nothing, and a user who passed them expects SVCCA numbers.
 *
 * @param given whether each flag was given on the command line.
 */
export function checkSvccaFlags(computesSvcca: boolean, given: { svdDims: boolean; svdVariance: boolean }): void {
  if (computesSvcca) return;
  const flag = given.svdDims ? '--svd-dims' : given.svdVariance ? '--svd-variance' : undefined;
  if (flag === undefined) return;
  throw new UsageError(`${flag} sets SVCCA's dimensions, but this run computes no SVCCA`, {
    hint: `add --method svcca (or all) to compute SVCCA, or leave out ${flag}`,
  });
}

/**
 * Warnings for read flags given on the command line that changed nothing in
 * this run: `--conv` or an axis `--layout` when every input was 2-D and read
 * as (datapoints, neurons).
 */
export function unusedReadFlagWarnings(
  inputs: ReadonlyArray<{ readonly reduction: string; readonly layout: string }>,
  flags: ReadFlags,
  given: { layout: boolean; conv: boolean },
): string[] {
  if (inputs.length === 0 || inputs.some((input) => input.reduction !== 'none')) return [];
  const warnings: string[] = [];
  if (given.conv) warnings.push(`--conv ${flags.conv} changed nothing: every input is 2-D (datapoints, neurons)`);
  if (given.layout && flags.layout !== 'auto' && inputs.every((input) => input.layout === 'auto')) {
    warnings.push(`--layout ${flags.layout} changed nothing: every input is 2-D and read as (datapoints, neurons)`);
  }
  return warnings;
}
