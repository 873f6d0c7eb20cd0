import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, runMain } from '../../helpers/cli.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

const pwcca = runMain;

const runs = join(repositoryRoot, 'fixtures/pairwise/runs');
const checkpoints = join(repositoryRoot, 'fixtures/convergence');

describe('pwcca plan', () => {
  it('prints pairs, files and cost share per shard, and a time estimate from one timed pair', async () => {
    const run = await pwcca(['plan', runs, '--shards', '3']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/30 pairs over 12 files in 3 shards/);
    expect(run.stdout).toMatch(/^files per shard: \d+\.\.\d+ \(mean [\d.]+, of 12\)$/m);
    expect(run.stdout).toMatch(/estimated time on one core like this one: longest shard ~[\d.]+ (s|min|h), one unsharded run ~/);
    const rows = run.stdout.trim().split('\n').slice(-3);
    expect(rows.map((row) => row.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);
  });

  it('--format json: the pairs of the shards add up to the run, their cost shares to 1', async () => {
    const run = await pwcca(['plan', runs, '--shards', '4', '--format', 'json', '--no-time']);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ study: 'pairwise', shards: 4, pairs: 30, arrays: 12, files: 12, estimatedSeconds: null });
    expect(plan.perShard.reduce((sum: number, row: { pairs: number }) => sum + row.pairs, 0)).toBe(30);
    expect(plan.perShard.reduce((sum: number, row: { costShare: number }) => sum + row.costShare, 0)).toBeCloseTo(1, 12);
    expect(plan.overhead).toBeGreaterThanOrEqual(1);
  });

  it('plans convergence runs too', async () => {
    const run = await pwcca(['plan', checkpoints, '--study', 'convergence', '--shards', '2', '--format', 'json', '--no-time']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ study: 'convergence', shards: 2, pairs: 15 });
  });

  it('counts arrays and files apart when files hold several arrays', async () => {
    // Three networks, each one .npz with two layers: 6 arrays in 3 files.
    const folder = temporaryFolder('pwcca-plan-');
    for (const name of ['n1', 'n2', 'n3']) copyFileSync(join(repositoryRoot, 'fixtures/formats/layers_stored.npz'), join(folder, `${name}.npz`));
    const table = await pwcca(['plan', folder, '--shards', '2', '--no-time']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/6 pairs over 6 arrays in 3 files in 2 shards/);
    expect(table.stdout).toMatch(/^arrays per shard: 3\.\.3 \(mean 3\.0, of 6\)$/m);
    const json = JSON.parse((await pwcca(['plan', folder, '--shards', '2', '--no-time', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ pairs: 6, arrays: 6, files: 3, arraysPerShard: { min: 3, max: 3 }, filesPerShard: { min: 3, max: 3 } });
    expect(json.perShard.map((row: { arrays: number; files: number }) => [row.arrays, row.files])).toEqual([[3, 3], [3, 3]]);
  });

  it('needs --shards', async () => {
    const run = await pwcca(['plan', runs]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--shards/);
  });
});
