import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../helpers/cli.js';
import { localSlurmUnavailable, useLocalSlurm } from '../helpers/slurm.js';

const scripts = {
  pairwise: join(repositoryRoot, 'scripts/slurm/pwcca-pairwise.sbatch'),
  convergence: join(repositoryRoot, 'scripts/slurm/pwcca-convergence.sbatch'),
};

let work: string;

/** A stand-in for pwcca that records its arguments, one per line, in ARGS_DIR/<task>.args. */
function fakePwcca(folder: string): string {
  const path = join(folder, 'fake-pwcca');
  writeFileSync(path, '#!/bin/bash\nprintf \'%s\\n\' "$@" > "$ARGS_DIR/${SLURM_ARRAY_TASK_ID}.args"\n');
  chmodSync(path, 0o755);
  return path;
}

function recordedArgs(task: number): string[] {
  const path = join(work, `${task}.args`);
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n') : [];
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pwcca-sbatch-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the shipped sbatch scripts, run as one array task would run them', () => {
  /** Runs a script with bash as Slurm would for one task of an array. */
  function runTask(script: string, args: string[], env: Record<string, string>) {
    const result = spawnSync('bash', [script, ...args], { env: { PATH: process.env.PATH ?? '', ARGS_DIR: work, PWCCA_BIN: fakePwcca(work), ...env }, encoding: 'utf8' });
    return { code: result.status, stderr: result.stderr };
  }
  const task = (id: number, count: number, min = 1, max = count) => ({
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_COUNT: String(count),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
  });

  it.each(Object.entries(scripts))('%s: runs shard ID/COUNT into OUT/part-ID.ndjson with --resume and the extra flags', (command, script) => {
    const out = join(work, `out-${command}`);
    const run = runTask(script, ['data/', out, '--method', 'pwcca'], task(2, 3));
    expect(run.code, run.stderr).toBe(0);
    expect(recordedArgs(2)).toEqual([command, 'data/', '--shard', '2/3', '--out', `${out}/part-2.ndjson`, '--resume', '--method', 'pwcca']);
    expect(existsSync(out)).toBe(true);
  });

  it('reruns some tasks of an S-shard plan with PWCCA_SHARDS=S', () => {
    const run = runTask(scripts.pairwise, ['data/', join(work, 'out')], { ...task(7, 2, 3, 7), PWCCA_SHARDS: '16' });
    expect(run.code, run.stderr).toBe(0);
    expect(recordedArgs(7).slice(2, 4)).toEqual(['--shard', '7/16']);
  });

  it('refuses an array that is not 1-S without PWCCA_SHARDS, saying what to do', () => {
    const run = runTask(scripts.pairwise, ['data/', join(work, 'out')], task(7, 2, 3, 7));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not 1-S.*PWCCA_SHARDS=S/);
  });

  it('refuses to run outside a job array, and without its two arguments', () => {
    const outside = runTask(scripts.convergence, ['data/', join(work, 'out')], {});
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not a job array task.*usage: sbatch --array=1-S/);
    const noArgs = runTask(scripts.convergence, ['data/'], task(1, 1));
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/^usage: /);
  });

  it('says where to find pwcca when it is neither in PWCCA_BIN nor on PATH', () => {
    const result = spawnSync('bash', [scripts.pairwise, 'data/', join(work, 'out')], { env: { PATH: '/usr/bin:/bin', ...task(1, 1) }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/pwcca not found.*PWCCA_BIN/);
  });
});

const unavailable = localSlurmUnavailable();
if (unavailable) console.warn(`skipping the sbatch test on a local Slurm: ${unavailable}`);

describe.skipIf(unavailable !== null)('the shipped pairwise script submitted to a local Slurm', () => {
  const cluster = useLocalSlurm();

  it('runs shards 1/3, 2/3 and 3/3 as the three tasks of --array=1-3', async () => {
    const out = join(work, 'slurm-out');
    const submitted = await cluster().run('sbatch', ['--array=1-3', '--wait', `--output=${join(work, 'slurm-%A_%a.out')}`, scripts.pairwise, 'runs/', out], {
      cwd: work,
      timeoutMs: 180_000,
      env: { ARGS_DIR: work, PWCCA_BIN: fakePwcca(work) },
    });
    expect(submitted.code, `sbatch failed: ${submitted.stderr}\n${cluster().logs()}`).toBe(0);
    expect([1, 2, 3].map((id) => recordedArgs(id).slice(0, 7).join(' '))).toEqual(
      [1, 2, 3].map((id) => `pairwise runs/ --shard ${id}/3 --out ${out}/part-${id}.ndjson --resume`),
    );
  }, 240_000);
});
