import { Chalk } from 'chalk';
import { writeFile } from 'node:fs/promises';
import { outputWriteError } from '../errors.js';
import { locationSuffix } from '../report/location.js';
import { plainPaint, type Paint } from '../report/table.js';
import type { CliContext } from './context.js';

/**
 * Whether to colour output, decided once per run: an explicit --color or
 * --no-color wins, then NO_COLOR / FORCE_COLOR (`FORCE_COLOR=0` turns it
 * off), then whether the stream is a terminal. Files written with --out are never coloured.
 */
export function shouldColor(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  // FORCE_COLOR as chalk and Node read it: 0 or false turns colour off, any other value on.
  const force = env.FORCE_COLOR?.trim().toLowerCase();
  if (force === '0' || force === 'false') return false;
  if (force !== undefined) return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Terminal styling for tables: distances shade from green (close) to red (far). */
export function buildPaint(color: boolean): Paint {
  if (!color) return plainPaint;
  const chalk = new Chalk({ level: 1 });
  return {
    bold: (text) => chalk.bold(text),
    dim: (text) => chalk.dim(text),
    distance: (text, distance) => (distance < 0.2 ? chalk.green(text) : distance < 0.5 ? chalk.yellow(text) : chalk.red(text)),
  };
}

/** Styling for messages on stderr. */
export function buildMessagePaint(context: CliContext, flag?: boolean): { error: (t: string) => string; warn: (t: string) => string; hint: (t: string) => string } {
  const color = shouldColor(flag, context.stderr, context.env);
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return { error: (t) => chalk.red(t), warn: (t) => chalk.yellow(t), hint: (t) => chalk.dim(t) };
}

/** Writes a command's data to --out FILE, or to stdout. */
export async function writeData(text: string, out: string | undefined, context: CliContext): Promise<void> {
  if (out === undefined || out === '-') {
    context.stdout.write(text);
    return;
  }
  try {
    await writeFile(out, text);
  } catch (error) {
    throw outputWriteError(error, out);
  }
}

/** Prints warnings on stderr unless --quiet. */
export function printWarnings(warnings: readonly string[], context: CliContext, quiet: boolean, color?: boolean): void {
  if (quiet) return;
  const paint = buildMessagePaint(context, color);
  for (const warning of warnings) context.stderr.write(`${paint.warn('pwcca: warning:')} ${warning}\n`);
}

/** A failed pair or comparison as listed on stderr. */
export interface FailureLine {
  readonly label: string;
  readonly error: { readonly message: string; readonly where?: string };
}

/**
 * Lists failures on stderr, ten at most and then how many more: one line
 * each, naming the file (`where`) only when the message does not already.
 */
export function printFailures(failures: readonly FailureLine[], more: string, context: CliContext, color?: boolean): void {
  const paint = buildMessagePaint(context, color);
  for (const { label, error } of failures.slice(0, 10)) {
    context.stderr.write(`${paint.error('pwcca: failed:')} ${label}: ${error.message}${locationSuffix(error.message, error.where)}\n`);
  }
  if (failures.length > 10) context.stderr.write(`pwcca: ... and ${failures.length - 10} more ${more}\n`);
}
