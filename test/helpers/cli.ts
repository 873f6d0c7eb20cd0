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
