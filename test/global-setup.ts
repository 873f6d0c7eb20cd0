/**
 * Runs once around the whole suite.
 *
 * Before: builds dist/ (TypeScript and the wasm kernels) unless it was built
 * from the current sources, so end-to-end tests and worker threads never run
 * an old build; then points TMPDIR at a private folder, which every test
 * process and every spawned pwcca inherits.
 *
 * After: fails the run, naming them, when tests left files in that folder
 * (every test must remove what it creates), and removes the folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBuildCurrent } from '../scripts/build-stamp.mjs';
import { repositoryRoot } from './helpers/cli.js';

export default function setup(): () => void {
  if (!isBuildCurrent()) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build'], { cwd: repositoryRoot, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status}): the suite needs a current dist/`);
  }
  const previous = process.env.TMPDIR;
  const folder = mkdtempSync(join(tmpdir(), 'vitest-pwcca-'));
  process.env.TMPDIR = folder;
  return () => {
    const left = readdirSync(folder);
    rmSync(folder, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (left.length > 0) {
      // An error thrown here is printed but does not change vitest's exit code: set it too.
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} temporary entr${left.length === 1 ? 'y' : 'ies'} behind: ${left.join(', ')} (remove them in afterEach/afterAll)`);
    }
  };
}
