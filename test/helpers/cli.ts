import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
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
  expect(gotRows).toHaveLength(wantRows.length);
  gotRows.forEach((row, i) =>
    row.forEach((cell, j) => {
      const expected = wantRows[i][j];
      if (/^-?\d/.test(cell) && !Number.isInteger(Number(cell))) expect(Math.abs(Number(cell) - Number(expected))).toBeLessThan(tolerance);
      else expect(cell).toBe(expected);
    }),
  );
}
