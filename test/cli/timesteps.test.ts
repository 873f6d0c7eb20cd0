/**
 * `pwcca timesteps` in process through `main(argv, context)`: it equals
 * `pwcca pairwise` over the timesteps saved as separate files, does not
 * depend on the axis order, runs per file over folders and multi-array
 * files, honours --timesteps, and refuses what it cannot compare with a
 * usage error.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/expect-close.js';
import { npyBytes } from '../helpers/npy-file.js';
import { runMain } from '../helpers/cli.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { buildSafetensors, buildZip, littleEndianBytes } from '../io/format-builders.js';
import { makeSequence, sliceOf, writeNct, writeNtc, writeSlices, type Sequence } from '../studies/timesteps/helpers.js';

const temporaryFolder = useTemporaryFolders();

interface Doc {
  command: string;
  scope: string;
  layers: Array<{ layer: string; labels: string[]; methods: Record<string, { distance: Array<Array<number | null>> }>; clusters?: Record<string, { k: number; assignments: number[] }> }>;
  pairs: Array<{ layer: string; a: string; b: string; method: string; similarity: number; distance: number; directional: { a: number; b: number } | null; side?: string; datapoints: number; ranks: { a: number; b: number } }>;
  warnings: string[];
}

async function json(args: readonly string[]): Promise<Doc> {
  const run = await runMain([...args, '--format', 'json', '--jobs', '1', '--quiet']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Doc;
}

/** Every number of the pairs and matrices, in order: one comparison for all cells. */
function numbersOf(doc: Doc): number[] {
  const cells = doc.layers.flatMap((matrix) => Object.values(matrix.methods).flatMap((m) => m.distance.flat().map((v) => v ?? Number.NaN)));
  const pairs = doc.pairs.flatMap((p) => [p.similarity, p.distance, p.directional?.a ?? -1, p.directional?.b ?? -1, p.datapoints, p.ranks.a, p.ranks.b]);
  return [...cells, ...pairs];
}

const METHODS = ['--method', 'all', '--svd-dims', '3'];

let folder: string;
let seq: Sequence;
let ntcPath: string;
let nctPath: string;
let slicePaths: string[];

beforeAll(() => {
  folder = temporaryFolder('pwcca-timesteps-');
  // 11 timesteps: labels t0..t10 must sort in time order (t2 before t10), as pairwise sorts them.
  seq = makeSequence(90, 11, 6, 7);
  ntcPath = writeNtc(folder, 'gru', seq);
  nctPath = writeNct(join(folder, 'nct'), 'gru', seq);
  slicePaths = writeSlices(join(folder, 'slices'), seq);
});

describe('pwcca timesteps', () => {
  it('equals pwcca pairwise over the timesteps written as separate .npy files (every cell, PWCCA, CCA, SVCCA and CKA)', async () => {
    const timesteps = await json(['timesteps', ntcPath, '--layout', 'ntc', ...METHODS]);
    const pairwise = await json(['pairwise', ...slicePaths, ...METHODS]);
    expect(timesteps).toMatchObject({ command: 'timesteps', scope: 'timestep' });
    expect(timesteps.layers.map((m) => m.layer)).toEqual(['gru']);
    expect(timesteps.layers[0].labels).toEqual(Array.from({ length: 11 }, (_, t) => `t${t}`));
    expect(timesteps.layers[0].labels).toEqual(pairwise.layers[0].labels);
    expect(timesteps.pairs.map((p) => [p.a, p.b, p.method])).toEqual(pairwise.pairs.map((p) => [p.a, p.b, p.method]));
    expect(timesteps.pairs).toHaveLength(55 * 4); // pwcca, cca, svcca, cka
    // SVCCA on 3 of 6 directions differs from CCA, so all three methods are really checked.
    const svcca = timesteps.layers[0].methods.svcca.distance[0][1]!;
    expect(Math.abs(svcca - timesteps.layers[0].methods.cca.distance[0][1]!)).toBeGreaterThan(1e-3);
    expectClose(numbersOf(timesteps), numbersOf(pairwise), 1e-12, 'timesteps vs pairwise over the slices');
  });

  it('gives identical results for the same data stored as ntc and as nct', async () => {
    const ntc = await json(['timesteps', ntcPath, '--layout', 'ntc', ...METHODS]);
    const nct = await json(['timesteps', nctPath, '--layout', 'nct', ...METHODS]);
    expect(nct.layers).toEqual(ntc.layers);
    expect(nct.pairs).toEqual(ntc.pairs);
  });

  it('--timesteps limits the matrix to the chosen timesteps, with the same values', async () => {
    const all = await json(['timesteps', ntcPath, '--layout', 'ntc']);
    const some = await json(['timesteps', ntcPath, '--layout', 'ntc', '--timesteps', '10,0,5']);
    expect(some.layers[0].labels).toEqual(['t0', 't5', 't10']);
    const full = all.layers[0].methods.pwcca.distance;
    const picked = [0, 5, 10].flatMap((i) => [0, 5, 10].map((j) => full[i][j]!));
    expectClose(some.layers[0].methods.pwcca.distance.flat() as number[], picked, 0, 'sub-matrix');
  });

  it('prints a T x T table, matrix-csv and csv in the pairwise formats', async () => {
    const table = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--jobs', '1', '--timesteps', '0,1,2', '--clusters', '2']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^layer gru: PWCCA distance \(3 timesteps\)$/m);
    expect(table.stdout).toMatch(/^clusters \(average linkage, k = 2\)$/m);
    expect(table.stderr).toMatch(/^pwcca: 1 sequence array \(shape 90x11x6\), 3 timesteps each, 3 pairs$/m);
    const matrix = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--jobs', '1', '--timesteps', '0,1,2', '--format', 'matrix-csv']);
    expect(matrix.stdout.split('\n')[0]).toBe(',t0,t1,t2');
    const csv = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--jobs', '1', '--timesteps', '0,1', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('layer,a,b,group_a,group_b,method,similarity,distance,directional_a,directional_b,pwcca_side,datapoints,rank_a,rank_b,error_kind,error,p_value,null_mean,excess');
    expect(csv.stdout.split('\n')[1]).toMatch(/^gru,t0,t1,,,pwcca,0\.\d+,/);
  });

  it('--clusters cuts each matrix as pairwise does', async () => {
    const doc = await json(['timesteps', ntcPath, '--layout', 'ntc', '--clusters', '3']);
    const clusters = doc.layers[0].clusters!.pwcca;
    expect(clusters.k).toBe(3);
    expect(clusters.assignments).toHaveLength(11);
    expect(new Set(clusters.assignments)).toEqual(new Set([1, 2, 3]));
  });

  it('runs per file in a folder (one matrix per network and layer), skipping 2-D files with one warning naming them', async () => {
    const root = join(folder, 'rnn_runs');
    const other = makeSequence(90, 4, 5, 8);
    writeNtc(join(root, 'net_a'), 'gru', seq);
    writeNtc(join(root, 'net_b'), 'gru', other);
    for (const net of ['net_a', 'net_b']) writeFileSync(join(root, net, 'fc.npy'), npyBytes([90, 4], sliceOf(other, 0).subarray(0, 360)));
    const run = await runMain(['timesteps', root, '--layout', 'ntc', '--jobs', '1', '--format', 'json']);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipped 2 input\(s\) without a t axis.*net_a[\\/]fc\.npy \(90x4\).*net_b[\\/]fc\.npy \(90x4\)/);
    expect(run.stderr).toMatch(/pwcca: 2 sequence arrays, 4\.\.11 timesteps each, 61 pairs/);
    const doc = JSON.parse(run.stdout) as Doc;
    expect(doc.layers.map((m) => [m.layer, m.labels.length])).toEqual([['net_a/gru', 11], ['net_b/gru', 4]]);
    const single = await json(['timesteps', ntcPath, '--layout', 'ntc']);
    expect(doc.layers[0].methods).toEqual(single.layers[0].methods);

    // A damaged file: the other arrays are compared, the file is listed as failed, exit code 5.
    const damaged = join(folder, 'rnn_damaged');
    writeNtc(join(damaged, 'net_a'), 'gru', other);
    writeNtc(join(damaged, 'net_b'), 'gru', other);
    writeFileSync(join(damaged, 'net_b', 'gru.npy'), readFileSync(join(damaged, 'net_a', 'gru.npy')).subarray(0, 60));
    const partial = await runMain(['timesteps', damaged, '--layout', 'ntc', '--jobs', '1', '--format', 'csv']);
    expect(partial.code).toBe(5);
    expect(partial.stdout.split('\n').filter((line) => line.startsWith('net_a/gru,'))).toHaveLength(6);
    expect(partial.stderr).toMatch(/^pwcca: failed: .*net_b[\\/]gru\.npy: /m);
    expect(partial.stderr).toMatch(/the other arrays are complete \(exit code 5\)/);

    const out = join(folder, 'matrices');
    const files = await runMain(['timesteps', root, '--layout', 'ntc', '--jobs', '1', '--format', 'matrix-csv', '--out', out, '--quiet']);
    expect(files.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['net_a%2Fgru.csv', 'net_b%2Fgru.csv']);
    expect(readFileSync(join(out, 'net_b%2Fgru.csv'), 'utf8').split('\n')[0]).toBe(',t0,t1,t2,t3');
  });

  it('reads FILE#KEY (an array inside an .npz or safetensors file), and every sequence array of a multi-array file given alone', async () => {
    const npz = join(folder, 'hooks.npz');
    writeFileSync(
      npz,
      buildZip({
        'rnn.npy': npyBytes([seq.n, seq.t, seq.c], seq.ntc),
        'head.npy': npyBytes([seq.n, seq.c], sliceOf(seq, 0)),
      }),
    );
    const single = await json(['timesteps', ntcPath, '--layout', 'ntc']);
    const keyed = await json(['timesteps', `${npz}#rnn`, '--layout', 'ntc']);
    expect(keyed.layers.map((m) => m.layer)).toEqual(['hooks#rnn']);
    expect(keyed.layers[0].methods).toEqual(single.layers[0].methods);
    expect(keyed.pairs.map((p) => p.similarity)).toEqual(single.pairs.map((p) => p.similarity));

    const safetensors = join(folder, 'acts.safetensors');
    writeFileSync(safetensors, buildSafetensors({ 'encoder.rnn': { dtype: 'F64', shape: [seq.n, seq.t, seq.c], data: littleEndianBytes('f8', Array.from(seq.ntc)) } }));
    const fromSafetensors = await json(['timesteps', `${safetensors}#encoder.rnn`, '--layout', 'ntc']);
    expect(fromSafetensors.layers[0].methods).toEqual(single.layers[0].methods);

    const whole = await runMain(['timesteps', npz, '--layout', 'ntc', '--jobs', '1', '--format', 'json']);
    expect(whole.code).toBe(0);
    expect(whole.stderr).toMatch(/warning: skipped 1 input\(s\) without a t axis.*hooks\.npz#head \(90x6\)/);
    expect((JSON.parse(whole.stdout) as Doc).layers.map((m) => m.layer)).toEqual(['hooks/rnn']);
  });

  it('--out FILE.ndjson journals every pair, and --resume gives the same result without running them again', async () => {
    const journal = join(folder, 'timesteps.ndjson');
    const args = ['timesteps', ntcPath, '--layout', 'ntc', '--jobs', '1', '--timesteps', '0,1,2,3', '--out', journal];
    const first = await runMain(args);
    expect(first.code).toBe(0);
    const lines = readFileSync(journal, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ type: 'header', command: 'timesteps' });
    expect(lines.slice(1).map((line) => [line.layer, line.a, line.b])).toEqual([
      ['gru', 't0', 't1'], ['gru', 't0', 't2'], ['gru', 't0', 't3'], ['gru', 't1', 't2'], ['gru', 't1', 't3'], ['gru', 't2', 't3'],
    ]);
    const resumed = await runMain([...args, '--resume', '--format', 'json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/6 pairs: 6 ok, 0 failed, 6 from the earlier run/);
    const fresh = await json(['timesteps', ntcPath, '--layout', 'ntc', '--timesteps', '0,1,2,3']);
    expect((JSON.parse(resumed.stdout) as Doc).layers).toEqual(fresh.layers);
  });

  it('prepares each timestep once for all its pairs and reads the array once', async () => {
    const { discoverSequences } = await import('../../src/studies/timesteps/discover.js');
    const { buildTimestepsPlan } = await import('../../src/studies/timesteps/plan.js');
    const { runTimesteps } = await import('../../src/studies/timesteps/run.js');
    const discovery = await discoverSequences([ntcPath], { layout: 'ntc' });
    const plan = buildTimestepsPlan(discovery.sequences);
    const run = await runTimesteps(plan, { layout: 'ntc', jobs: 1 });
    expect(run.stats).toMatchObject({ loads: 11, prepares: 11, evictions: 0, streamed: false });
    expect(run.records.every((record) => record.values !== undefined)).toBe(true);
  });
});

describe('pwcca timesteps: errors', () => {
  it('a NaN fails the pairs of its timestep only (exit 5), naming the timestep, row and column', async () => {
    const bad = { ...seq, ntc: seq.ntc.slice() };
    bad.ntc[(4 * seq.t + 2) * seq.c + 5] = Number.POSITIVE_INFINITY; // datapoint 4, timestep 2, neuron 5
    const path = writeNtc(join(folder, 'bad'), 'gru', bad);
    const run = await runMain(['timesteps', path, '--layout', 'ntc', '--jobs', '1', '--timesteps', '0,1,2,3', '--format', 'csv']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/pwcca: 6 pairs: 3 ok, 3 failed/);
    expect(run.stderr).toMatch(/failed: gru: 3 pairs: Infinity at row 4, column 5 \(.*gru\.npy#t=2\)/);
    const failed = run.stdout.trim().split('\n').slice(1).filter((line) => line.includes('#t=2)'));
    expect(failed.map((line) => line.split(',').slice(1, 3).join('-'))).toEqual(['t0-t2', 't1-t2', 't2-t3']);
  });


  it('a 2-D array is a usage error that names the file and its shape', async () => {
    const flat = join(folder, 'flat.npy');
    writeFileSync(flat, npyBytes([20, 3], new Float64Array(60).map((_, i) => Math.sin(i))));
    const run = await runMain(['timesteps', flat, '--layout', 'ntc']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^pwcca: .*flat\.npy is not a sequence array: shape 20x3, but --layout ntc needs 3 axes/m);
    expect(run.stderr).toMatch(/^hint: /m);
  });

  it('without --layout (or with a layout that has no t axis) it stops before reading', async () => {
    const missing = await runMain(['timesteps', ntcPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pwcca: timesteps needs the axis order of the sequence arrays: --layout ntc or --layout nct$/m);
    const wrong = await runMain(['timesteps', ntcPath, '--layout', 'nchw']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--layout nchw is not a sequence layout/);
  });

  it('a timestep out of range is a usage error listing the valid range', async () => {
    const run = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--timesteps', '0,5,11,12']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^pwcca: --timesteps 11,12 out of range for .*gru\.npy: it has 11 timesteps, valid timesteps are 0\.\.10$/m);
    const bad = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--timesteps', '0,x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timesteps takes a comma list of whole numbers/);
    const one = await runMain(['timesteps', ntcPath, '--layout', 'ntc', '--timesteps', '3']);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/nothing to compare/);
  });

  it('a FILE#t=K input and a folder without sequence arrays are usage errors', async () => {
    const picked = await runMain(['timesteps', `${ntcPath}#t=3`, '--layout', 'ntc']);
    expect(picked.code).toBe(2);
    expect(picked.stderr).toMatch(/selects one timestep/);
    const empty = join(folder, 'only2d');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'a.npy'), npyBytes([10, 2], new Float64Array(20)));
    writeFileSync(join(empty, 'b.npy'), npyBytes([10, 2], new Float64Array(20)));
    const none = await runMain(['timesteps', empty, '--layout', 'ntc']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no sequence arrays \(3-D, layout ntc\)/);
  });
});
