import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { PwccaVariant } from '../metrics/compare.js';
import type { ReadOptions } from '../run/compare.js';

/** Flags shared by every command that reads activation files. */
export interface ReadFlags {
  layout: string;
  conv: 'flatten' | 'mean';
  skipNonNumeric?: boolean;
}

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
        'axis order of the stored arrays: auto = (datapoints, neurons); neurons-first = (neurons, datapoints); for conv/sequence arrays one letter per axis, e.g. nchw, nhwc, ntc, nct',
      ).default('auto'),
    )
    .addOption(
      new Option('--conv <reduction>', 'conv/sequence reduction: flatten = every position is a datapoint; mean = average over positions')
        .choices(['flatten', 'mean'])
        .default('flatten'),
    )
    .option('--skip-non-numeric', 'Arrow input: skip non-numeric columns instead of stopping');
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
    .addOption(new Option('--format <format>', 'output format').choices([...formats]).default(defaultFormat))
    .option('-o, --out <file>', 'write the data to a file instead of stdout')
    .option('-q, --quiet', 'no progress, no warnings')
    .option('--color', 'colour the table even when not on a terminal')
    .option('--no-color', 'never colour');
}

export function readOptionsFrom(flags: ReadFlags, stdin: NodeJS.ReadableStream): ReadOptions {
  return { layout: flags.layout, conv: flags.conv, skipNonNumeric: flags.skipNonNumeric === true, stdin };
}

export function svccaOptionsFrom(flags: MetricFlags) {
  return flags.svdDims !== undefined ? { dims: flags.svdDims } : { varianceFraction: flags.svdVariance };
}
