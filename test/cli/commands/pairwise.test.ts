/**
 * `pwcca pairwise` run in process through main(argv, context): exit codes,
 * stderr summaries and hints, stdout that parses; and, with the built binary,
 * a run that is killed and resumed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSameCsv, pwccaBin, repositoryRoot, runMain } from '../../helpers/cli.js';
import { writeTree } from '../../studies/pairwise/helpers.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { expectClose } from '../../helpers/expect-close.js';

const temporaryFolder = useTemporaryFolders();

const root = repositoryRoot;
const bin = pwccaBin;
const runs = join(root, 'fixtures/pairwise/runs');


function temporary(): string {
  return temporaryFolder('pwcca-pairwise-e2e-');
}

describe('pwcca pairwise', () => {
  it('prints matrices as tables and says what it found on stderr', async () => {
    const run = await runMain(['pairwise', runs, '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^pwcca: 12 files, 6 networks, 2 layers, 30 pairs/m);
    expect(run.stderr).toMatch(/pwcca: 30 pairs: 30 ok, 0 failed/);
    expect(run.stdout).toMatch(/^layer fc1: PWCCA distance \(6 networks\)/m);
    expect(run.stdout).toMatch(/within {2}random: mean/);
  });

  it('--format csv: one row per pair and method, with the documented columns', async () => {
    const run = await runMain(['pairwise', runs, '--format', 'csv', '--method', 'pwcca,cca', '--quiet', '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('layer,a,b,group_a,group_b,method,similarity,distance,directional_a,directional_b,pwcca_side,datapoints,rank_a,rank_b,error_kind,error,p_value,null_mean,excess');
    expect(lines).toHaveLength(1 + 30 * 2);
    expect(lines[1]).toMatch(/^fc1,random\/s1,random\/s2,random,random,pwcca,0\.\d+,0\.\d+,/);
  });

  it('--stream sums every pair in one pass over the files and prints the same matrices', async () => {
    const args = ['pairwise', runs, '--format', 'csv', '--method', 'pwcca,cca'];
    const loaded = await runMain([...args, '--no-stream', '--jobs', '1']);
    const streamed = await runMain([...args, '--stream', '--jobs', '2']);
    expect(streamed.code).toBe(0);
    expect(loaded.stderr).toMatch(/30 pairs: 30 ok, 0 failed\n/);
    expect(streamed.stderr).toMatch(/30 pairs: 30 ok, 0 failed, files streamed in row chunks\n/);
    expectSameCsv(streamed.stdout, loaded.stdout, 1e-12);
  });

  it('--format json with clusters and metadata parses and carries the documented fields', async () => {
    const run = await runMain(['pairwise', runs, '--format', 'json', '--clusters', '2', '--meta', join(runs, 'meta.csv'), '--jobs', '2']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'pairwise', scope: 'layer', methods: ['pwcca'] });
    expect(doc.layers.map((l: { layer: string }) => l.layer)).toEqual(['fc1', 'fc2']);
    const fc1 = doc.layers[0];
    expect(fc1.labels).toEqual(['random/s1', 'random/s2', 'random/s3', 'trained/s1', 'trained/s2', 'trained/s3']);
    expect(fc1.groups).toEqual(['random', 'random', 'random', 'trained', 'trained', 'trained']);
    expect(fc1.methods.pwcca.distance).toHaveLength(6);
    expect(fc1.groupStats.pwcca.within).toHaveLength(2);
    expect(fc1.groupStats.pwcca.between[0]).toMatchObject({ groupA: 'random', groupB: 'trained', count: 9 });
    // The trained networks share their signal: closer to each other than the random ones.
    expect(fc1.groupStats.pwcca.within[1].mean).toBeLessThan(fc1.groupStats.pwcca.within[0].mean);
    expect(fc1.clusters.pwcca.k).toBe(2);
    expect(fc1.clusters.pwcca.order).toHaveLength(6);
    expect(fc1.meta.pwcca.map((m: { column: string }) => m.column)).toEqual(['test_accuracy', 'train_loss']);
    expect(fc1.meta.pwcca[0].n).toBe(6);
    expect(doc.pairs).toHaveLength(30);
    expect(Object.keys(doc.pairs[0])).toEqual(expect.arrayContaining(['layer', 'a', 'b', 'method', 'similarity', 'distance', 'directional']));
    expect(doc.warnings).toEqual(expect.any(Array));
  });

  it('--format matrix-csv --out DIR writes one CSV per layer; on stdout it needs a single matrix', async () => {
    const out = join(temporary(), 'matrices');
    const run = await runMain(['pairwise', runs, '--format', 'matrix-csv', '--out', out, '--jobs', '1', '-q']);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['fc1.csv', 'fc2.csv']);
    const lines = readFileSync(join(out, 'fc1.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(',random/s1,random/s2,random/s3,trained/s1,trained/s2,trained/s3');
    expect(lines[1]).toMatch(/^random\/s1,0,0\.\d+/);
    const refused = await runMain(['pairwise', runs, '--format', 'matrix-csv']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hint: pass --out DIR\//);
    const one = await runMain(['pairwise', runs, '--format', 'matrix-csv', '--layers', 'fc2', '-q', '--jobs', '1']);
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(7);
  });

  it('a bad file: its pairs fail, the rest finishes, exit code 5', async () => {
    const folder = temporary();
    writeTree(folder, { networks: ['s1', 's2', 's3'], layers: { fc1: 4, fc2: 4 }, rows: 60 });
    writeFileSync(join(folder, 's2', 'fc2.npy'), 'garbage');
    const run = await runMain(['pairwise', folder, '--format', 'json', '--jobs', '1']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/pwcca: 6 pairs: 4 ok, 2 failed/);
    // The bad file fails both its pairs with one error: one line, naming the file once.
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('pwcca: failed:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pwcca: failed: fc2: 2 pairs: /);
    expect(lines[0].split(join('s2', 'fc2.npy')).length - 1).toBe(1);
    expect(run.stderr).toMatch(/^hint: /m);
    const doc = JSON.parse(run.stdout);
    expect(doc.layers[1].methods.pwcca.distance[1]).toEqual([null, 0, null]);
    const failed = doc.pairs.filter((p: { error?: unknown }) => p.error);
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ similarity: null, distance: null, error: { kind: 'input', exitCode: 3 } });
  });

  it('usage errors exit 2 with a hint', async () => {
    const run = await runMain(['pairwise', runs, '--layers', 'fc9']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown layer\(s\) in --layers: fc9/);
    expect(run.stderr).toMatch(/hint: the layers found are: fc1, fc2/);
    expect((await runMain(['pairwise', runs, '--resume'])).code).toBe(2);
    expect((await runMain(['pairwise', runs, '--method', 'foo'])).code).toBe(2);
  });

  it('--resume stops at a damaged journal line, naming its number', async () => {
    const folder = temporary();
    const journal = join(folder, 'pairs.ndjson');
    expect((await runMain(['pairwise', runs, '--out', journal, '-q'])).code).toBe(0);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[3] = lines[3].replace(/"similarity":[-0-9.e]+/, '"similarity":"x"');
    writeFileSync(journal, lines.join('\n'));
    const run = await runMain(['pairwise', runs, '--out', journal, '--resume']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^pwcca: cannot resume: line 4 of the file is not a valid pairwise record: "values\.pwcca" lacks a numeric similarity and distance/m);
    expect(run.stderr).toMatch(/hint: .*delete line 4/);
  });

  it('keeps every finished pair when killed, and --resume finishes with the same result', async () => {
    const folder = temporary();
    const names = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
    writeTree(folder, { networks: names, layers: { conv: 48 }, rows: 3000, dtype: '<f4' });
    const journal = join(folder, 'pairs.ndjson');
    const child = spawn(process.execPath, [bin, 'pairwise', folder, '--out', journal, '--jobs', '1', '-q'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let killed = false;
    for (let wait = 0; wait < 20_000; wait += 5) {
      const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
      if (lines >= 4) {
        killed = child.kill('SIGKILL');
        break;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await exited;
    const kept = readFileSync(journal, 'utf8').split('\n').filter((line) => line.trim() !== '').length - 1;
    expect(killed).toBe(true);
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(66);

    const other = await runMain(['pairwise', folder, '--out', journal, '--resume', '--variant', 'svcca']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cannot resume: the file was written for other inputs or options/);

    const resumed = await runMain(['pairwise', folder, '--out', journal, '--resume', '--format', 'json', '--jobs', '2']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/66 pairs: 66 ok, 0 failed, \d+ from the earlier run/);
    const full = await runMain(['pairwise', folder, '--format', 'json', '--jobs', '1', '-q']);
    const [a, b] = [JSON.parse(resumed.stdout), JSON.parse(full.stdout)];
    expect(a.layers[0].labels).toEqual(b.layers[0].labels);
    expectClose(a.layers[0].methods.pwcca.distance.flat(), b.layers[0].methods.pwcca.distance.flat(), 1e-12, 'resumed vs full pwcca matrix');
    // Every pair holds PWCCA and CCA, so --method may change on resume; a finished journal runs nothing.
    const cca = await runMain(['pairwise', folder, '--out', journal, '--resume', '--method', 'cca', '--format', 'csv']);
    expect(cca.code).toBe(0);
    expect(cca.stderr).toMatch(/66 from the earlier run/);
    expect(cca.stdout.trim().split('\n')).toHaveLength(67);
    const lines = readFileSync(journal, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0].type).toBe('header');
    expect(lines.slice(1)).toHaveLength(66);
    expect(new Set(lines.slice(1).map((l) => `${l.a}|${l.b}`)).size).toBe(66);
  }, 60_000);
});
