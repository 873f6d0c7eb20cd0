import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { expectClose } from './expect-close.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built binary (`npm test` builds first). */
export const pwccaBin = join(repositoryRoot, 'bin/pwcca.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A writable stream that keeps what is written, as text. */
class Capture extends Writable {
  text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Runs the CLI in this process through `main(argv, context)`: stdout and
 * stderr captured, standard input fed from `input`, no colours (NO_COLOR;
 * `env` may unset it), streams that are not terminals (so no progress bars)
 * unless `options.tty`. The exit code is what `main` returns. Fast, and it
 * runs the current sources.
 */
export async function runMain(args: readonly string[], input?: Uint8Array, env: NodeJS.ProcessEnv = {}, options: { tty?: boolean } = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  if (options.tty) {
    (stdout as Capture & { isTTY?: boolean }).isTTY = true;
    (stderr as Capture & { isTTY?: boolean }).isTTY = true;
  }
  const context: CliContext = {
    stdout,
    stderr,
    stdin: Object.assign(Readable.from(input === undefined ? [] : [Buffer.from(input)]), options.tty ? { isTTY: true } : {}),
    env: { ...process.env, NO_COLOR: '1', ...env },
  };
  const code = await main(args, context);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs the built pwcca binary without colours, optionally feeding standard input. */
export function runPwcca(args: readonly string[], input?: Uint8Array): CliRun {
  const result = spawnSync(process.execPath, [pwccaBin, ...args], { input, env: { ...process.env, NO_COLOR: '1' }, encoding: 'buffer' });
  return { code: result.status, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
}

/**
 * Expects two CSV outputs to hold the same rows: non-integer numbers within
 * `tolerance` of each other (two routes to the same value may differ in the
 * last digits), every other cell equal.
 */
export function expectSameCsv(got: string, want: string, tolerance: number): void {
  const rows = (text: string) => text.trimEnd().split('\n').map((line) => line.split(','));
  const [gotRows, wantRows] = [rows(got), rows(want)];
  const isFraction = (cell: string) => /^-?\d/.test(cell) && !Number.isInteger(Number(cell));
  // Every cell that is not a fraction exactly, in one comparison; then the fractions within the tolerance.
  const mask = (table: string[][]) => table.map((row) => row.map((cell) => (isFraction(cell) ? '<number>' : cell)));
  expect(mask(gotRows)).toEqual(mask(wantRows));
  const fractions = (table: string[][]) => table.flatMap((row) => row.filter(isFraction).map(Number));
  expectClose(fractions(gotRows), fractions(wantRows), tolerance, 'numbers in the CSV');
}
