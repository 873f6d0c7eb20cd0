/**
 * `--shard K/S` runs and `pwcca merge`, in process: the merged report equals
 * the report of one run to the bit, and every way a set of parts can be
 * wrong is named.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, runMain } from '../../helpers/cli.js';
import { npyBytes } from '../../helpers/npy-file.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const runs = join(repositoryRoot, 'fixtures/pairwise/runs');
const checkpoints = join(repositoryRoot, 'fixtures/convergence');

const pwcca = runMain;

/** Runs every shard of `count` into `folder`/part-K.ndjson; returns the part paths. */
async function runShards(command: string, input: string, count: number, folder: string, extra: readonly string[] = []): Promise<string[]> {
  const parts: string[] = [];
  for (let k = 1; k <= count; k++) {
    const part = join(folder, `part-${k}.ndjson`);
    const run = await pwcca([command, input, '--shard', `${k}/${count}`, '--out', part, '--jobs', '1', '--quiet', ...extra]);
    expect([0, 5], `shard ${k}/${count}: ${run.stderr}`).toContain(run.code);
    parts.push(part);
  }
  return parts;
}

describe('pwcca pairwise --shard and merge', () => {
  it.each([2, 3, 7])('%i shards merge into the report of one run: same pairs, distances to the bit, group statistics, clusters, metadata', async (count) => {
    const folder = temporaryFolder('pwcca-merge-');
    const report = ['--format', 'json', '--method', 'pwcca,cca', '--clusters', '2', '--meta', join(runs, 'meta.csv')];
    const single = await pwcca(['pairwise', runs, '--jobs', '1', '--quiet', ...report]);
    expect(single.code).toBe(0);
    const parts = await runShards('pairwise', runs, count, folder);
    const merged = await pwcca(['merge', ...parts, ...report, '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const [got, want] = [JSON.parse(merged.stdout), JSON.parse(single.stdout)];
    // JSON prints the shortest text that reads back as the same double: equal text is equal bits.
    expect(JSON.stringify(got.pairs)).toBe(JSON.stringify(want.pairs));
    expect(JSON.stringify(got.layers)).toBe(JSON.stringify(want.layers));
    expect(got.pairs).toHaveLength(30 * 2); // one entry per pair and method
    // The rest of the report too: options, discovered files, warnings.
    expect(got).toEqual(want);
  });

  it('the group test, --aggregate mean and --groups of the shards carry into the merge, and --plot draws the merged report', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const shardFlags = ['--permutations', '99', '--seed', '4', '--aggregate', 'mean', '--clusters', '2', '--groups', 'random,trained'];
    const single = await pwcca(['pairwise', runs, '--jobs', '1', '--quiet', '--format', 'json', ...shardFlags]);
    expect(single.code, single.stderr).toBe(0);
    const parts = await runShards('pairwise', runs, 3, folder, shardFlags);
    const plot = join(folder, 'merged.svg');
    const merged = await pwcca(['merge', ...parts, '--format', 'json', '--quiet', '--plot', plot]);
    expect(merged.code, merged.stderr).toBe(0);
    const [got, want] = [JSON.parse(merged.stdout), JSON.parse(single.stdout)];
    expect(got.layers[0].groupTest.pwcca[0]).toMatchObject({ groups: ['random', 'trained'], permutations: 99 });
    expect(JSON.stringify(got.layers)).toBe(JSON.stringify(want.layers));
    expect(JSON.stringify(got.aggregate)).toBe(JSON.stringify(want.aggregate));
    expect(readFileSync(plot, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('merges a run over multi-array files (.npz networks whose keys are layers), and pwcca plan reads them too', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const input = join(folder, 'npz');
    for (const [name, source] of [['a', 'layers_stored'], ['b', 'layers_deflated'], ['c', 'layers_stored']]) {
      cpSync(join(repositoryRoot, 'fixtures/formats', `${source}.npz`), join(input, `${name}.npz`));
    }
    const single = await pwcca(['pairwise', input, '--format', 'csv', '--jobs', '1', '--quiet']);
    expect(single.code, single.stderr).toBe(0);
    const merged = await pwcca(['merge', ...(await runShards('pairwise', input, 2, folder)), '--format', 'csv', '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(single.stdout);
    const plan = await pwcca(['plan', input, '--shards', '2', '--no-time']);
    expect(plan.stdout).toMatch(/6 pairs over 6 arrays in 3 files in 2 shards/);
  });

  it.each([
    ['--cross-layer', [runs], ['--cross-layer']],
    ['--layers and --group-by', [runs], ['--layers', 'fc2', '--group-by', '^(\\w+)/']],
    ['a list of files with --root', ['random/s1/fc1.npy', 'random/s2/fc1.npy', 'trained/s1/fc1.npy', 'trained/s3/fc1.npy'].map((file) => join(runs, file)), ['--root', runs]],
  ])('merges a run with %s into the report of one run', async (_, inputs, flags) => {
    const folder = temporaryFolder('pwcca-merge-');
    const single = await pwcca(['pairwise', ...inputs, '--jobs', '1', '--quiet', '--format', 'json', ...flags]);
    expect(single.code, single.stderr).toBe(0);
    const parts: string[] = [];
    for (let k = 1; k <= 3; k++) {
      parts.push(join(folder, `part-${k}.ndjson`));
      const run = await pwcca(['pairwise', ...inputs, '--shard', `${k}/3`, '--out', parts[k - 1], '--jobs', '1', '--quiet', ...flags]);
      expect(run.code, run.stderr).toBe(0);
    }
    const merged = await pwcca(['merge', ...parts, '--format', 'json', '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toEqual(JSON.parse(single.stdout));
  });

  it('gives each pair to exactly one shard, and every shard some pairs', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('pairwise', runs, 4, folder);
    const keys = parts.map((part) =>
      readFileSync(part, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => JSON.parse(line))
        .map((record) => `${record.layer} ${record.a} ${record.b}`),
    );
    expect(keys.every((list) => list.length > 0)).toBe(true);
    const all = keys.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(30);
  });

  it('names a missing shard (exit 2) and says how to rerun it', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('pairwise', runs, 3, folder);
    const merged = await pwcca(['merge', parts[0], parts[2]]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/^pwcca: shard 2\/3 missing$/m);
    expect(merged.stderr).toMatch(/hint: .*--array=2/);
  });

  it('accepts a shard given twice when both copies agree, and refuses two different copies', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('pairwise', runs, 2, folder);
    const copy = join(folder, 'copy-of-1.ndjson');
    cpSync(parts[0], copy);
    expect((await pwcca(['merge', ...parts, copy, '--quiet', '--format', 'csv'])).code).toBe(0);
    const lines = readFileSync(copy, 'utf8').trim().split('\n');
    const changed = JSON.parse(lines[1]);
    changed.values.pwcca.distance += 1e-9;
    writeFileSync(copy, [...lines.slice(0, 1), JSON.stringify(changed), ...lines.slice(2)].join('\n') + '\n');
    const merged = await pwcca(['merge', ...parts, copy]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/shard 1\/2 appears twice with different results: part-1\.ndjson and copy-of-1\.ndjson/);
  });

  it('refuses parts of different runs, naming what differs', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const [first] = await runShards('pairwise', runs, 2, folder);
    const other = join(folder, 'other-2.ndjson');
    const run = await pwcca(['pairwise', runs, '--shard', '2/2', '--out', other, '--jobs', '1', '--quiet', '--variant', 'svcca']);
    expect(run.code, run.stderr).toBe(0);
    const merged = await pwcca(['merge', first, other]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/not of the same run: their headers differ in compare/);
  });

  it('refuses parts of different splits and of different commands', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const [ofTwo] = await runShards('pairwise', runs, 2, temporaryFolder('pwcca-merge-'));
    const [ofThree] = await runShards('pairwise', runs, 3, folder);
    const splits = await pwcca(['merge', ofTwo, ofThree]);
    expect(splits.code).toBe(2);
    expect(splits.stderr).toMatch(/different splits: 2 shards in part-1\.ndjson, 3 in part-1\.ndjson/);
    const [convergence] = await runShards('convergence', checkpoints, 2, temporaryFolder('pwcca-merge-'));
    const commands = await pwcca(['merge', ofTwo, convergence]);
    expect(commands.code).toBe(2);
    expect(commands.stderr).toMatch(/different commands: pairwise in part-1\.ndjson, convergence in part-1\.ndjson/);
  });

  it('names an incomplete shard, and --resume completes it', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('pairwise', runs, 2, folder);
    const lines = readFileSync(parts[1], 'utf8').trim().split('\n');
    writeFileSync(parts[1], lines.slice(0, 4).join('\n') + '\n{"type":"pa'); // three pairs and a cut-off line, as after a kill
    const merged = await pwcca(['merge', ...parts]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(new RegExp(`shard 2/2 is incomplete: 3 of ${lines.length - 1} items done`));
    const resumed = await pwcca(['pairwise', runs, '--shard', '2/2', '--out', parts[1], '--resume', '--jobs', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${lines.length - 1} pairs: ${lines.length - 1} ok, 0 failed, 3 from the earlier run`));
    expect((await pwcca(['merge', ...parts, '--quiet', '--format', 'csv'])).code).toBe(0);
  });

  it('keeps failed pairs failed: listed at merge, exit 5, and in the report', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const input = join(folder, 'runs');
    cpSync(runs, input, { recursive: true });
    const broken = new Float64Array(40 * 5).fill(1);
    broken[7] = NaN;
    writeFileSync(join(input, 'trained/s2/fc1.npy'), npyBytes([40, 5], broken));
    const single = await pwcca(['pairwise', input, '--format', 'json', '--jobs', '1', '--quiet']);
    expect(single.code).toBe(5);
    const parts = await runShards('pairwise', input, 3, join(folder));
    const merged = await pwcca(['merge', ...parts, '--format', 'json']);
    expect(merged.code).toBe(5);
    expect(merged.stderr).toMatch(/failed: fc1: 5 pairs: NaN at row 1, column 2 \(.*trained\/s2\/fc1\.npy\)/);
    const [got, want] = [JSON.parse(merged.stdout), JSON.parse(single.stdout)];
    expect(JSON.stringify(got.pairs)).toBe(JSON.stringify(want.pairs));
    expect(got.pairs.filter((pair: { error?: unknown }) => pair.error).length).toBe(5);
  });

  it('--out all.ndjson writes one journal that a single run resumes without computing anything', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('pairwise', runs, 3, folder);
    const all = join(folder, 'all.ndjson');
    const merged = await pwcca(['merge', ...parts, '--out', all]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe('');
    const resumed = await pwcca(['pairwise', runs, '--out', all, '--resume', '--jobs', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/30 pairs: 30 ok, 0 failed, 30 from the earlier run/);
  });

  it('--shard needs an .ndjson journal', async () => {
    const run = await pwcca(['pairwise', runs, '--shard', '1/2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--shard needs --out FILE\.ndjson/);
    const convergence = await pwcca(['convergence', checkpoints, '--shard', '1/2', '--out', 'conv.json']);
    expect(convergence.code).toBe(2);
    expect(convergence.stderr).toMatch(/--shard needs --out FILE\.ndjson/);
    const bad = await pwcca(['pairwise', runs, '--shard', '3/2', '--out', 'x.ndjson']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard takes K\/S with 1 <= K <= S, got '3\/2'/);
  });
});

describe('pwcca convergence --shard and merge', () => {
  it.each([2, 4])('%i shards merge into the report of one run, to the bit', async (count) => {
    const folder = temporaryFolder('pwcca-merge-');
    const report = ['--format', 'json', '--method', 'pwcca,cca'];
    const single = await pwcca(['convergence', checkpoints, '--jobs', '1', '--quiet', ...report]);
    expect(single.code).toBe(0);
    const parts = await runShards('convergence', checkpoints, count, folder);
    const merged = await pwcca(['merge', ...parts, ...report, '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const [got, want] = [JSON.parse(merged.stdout), JSON.parse(single.stdout)];
    for (const field of ['cells', 'table', 'summary']) expect(JSON.stringify(got[field]), field).toBe(JSON.stringify(want[field]));
    expect(got).toEqual(want);
  });

  it('names a missing shard, and refuses a method the shards did not compute', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const parts = await runShards('convergence', checkpoints, 3, folder, ['--method', 'pwcca']);
    const missing = await pwcca(['merge', parts[1], parts[2]]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pwcca: shard 1\/3 missing$/m);
    const lacking = await pwcca(['merge', ...parts, '--method', 'cca']);
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toMatch(/the shards did not compute cca/);
  });

  it('refuses --directions with --shard', async () => {
    const run = await pwcca(['convergence', checkpoints, '--shard', '1/2', '--out', join(temporaryFolder('pwcca-merge-'), 'p.ndjson'), '--directions', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--directions cannot be used with --shard/);
  });
});

describe('pwcca merge input errors', () => {
  it('refuses a file that is not a pwcca journal, naming it', async () => {
    const folder = temporaryFolder('pwcca-merge-');
    const path = join(folder, 'notes.ndjson');
    writeFileSync(path, '{"hello": 1}\n');
    const run = await pwcca(['merge', path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not a pwcca journal.*notes\.ndjson/);
  });
});
