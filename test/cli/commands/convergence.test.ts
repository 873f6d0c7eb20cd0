/**
 * `pwcca convergence` run in process through main(argv, context): exit codes,
 * the discovery line and hints on stderr, stdout that parses.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectSameCsv, repositoryRoot, runMain } from '../../helpers/cli.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeMatrixNpy } from '../../helpers/npy-file.js';
import { randomMatrix } from '../../helpers/random.js';
import { writeRun } from '../../studies/convergence/helpers.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

const root = repositoryRoot;
const fixture = join(root, 'fixtures/convergence');


let folder: string;
beforeAll(() => {
  folder = temporaryFolder('pwcca-convergence-e2e-');
});

describe('pwcca convergence', () => {
  it('prints the grid and the summary for the bundled fixture, after saying what it found', async () => {
    const run = await runMain(['convergence', fixture, '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^pwcca: 1 run, 6 steps \(0\.\.5000\), 3 layers \(conv1, conv2, fc\), 15 comparisons; layout .*<step>\/<layer>, reference step 5000$/m);
    expect(run.stdout).toMatch(/^PWCCA distance to step 5000$/m);
    expect(run.stdout).toMatch(/^CCA distance to step 5000$/m);
    expect(run.stdout).toMatch(/^bottom-up: Spearman\(depth, convergence step\) 1\.000 over 3 layers/m);
  });

  it('--format json parses and carries the documented fields', async () => {
    const run = await runMain(['convergence', fixture, '--format', 'json', '--jobs', '1']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.steps).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(doc.layers).toEqual(['conv1', 'conv2', 'fc']);
    expect(doc.options).toMatchObject({ methods: ['pwcca', 'cca'], referenceStep: 5000, threshold: 0.05 });
    expect(doc.cells).toHaveLength(6 * 3 * 2);
    for (const key of ['run', 'layer', 'step', 'method', 'similarity', 'distance']) expect(doc.cells[0]).toHaveProperty(key);
    const steps = doc.summary.layers.filter((s: { method: string }) => s.method === 'pwcca').map((s: { convergenceStep: number }) => s.convergenceStep);
    expect(steps).toEqual([2000, 3000, 4000]);
    expect(doc.summary.bottomUp[0]).toMatchObject({ method: 'pwcca', spearman: 1 });
    expect(doc.warnings).toEqual([]);
  });

  it('--format csv has one row per run, layer, step and method; --jobs 2 gives the same numbers', async () => {
    const one = await runMain(['convergence', fixture, '--format', 'csv', '--jobs', '1', '--quiet']);
    const two = await runMain(['convergence', fixture, '--format', 'csv', '--jobs', '2', '--quiet']);
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('');
    const lines = one.stdout.trimEnd().split('\n');
    expect(lines[0].startsWith('run,layer,step,method,similarity,distance')).toBe(true);
    expect(lines).toHaveLength(1 + 36);
    expect(two.stdout).toBe(one.stdout);
  });

  it('--stream gives the same table as loading the checkpoints', async () => {
    const args = ['convergence', fixture, '--format', 'csv', '--jobs', '1'];
    const loaded = await runMain([...args, '--no-stream']);
    const streamed = await runMain([...args, '--stream']);
    expect(streamed.code).toBe(0);
    expect(loaded.stderr).toMatch(/15 comparisons: 15 ok, 0 failed\n/);
    expect(streamed.stderr).toMatch(/15 comparisons: 15 ok, 0 failed, files streamed in row chunks\n/);
    expectSameCsv(streamed.stdout, loaded.stdout, 1e-12);
  });

  it('reports a failed cell in the output, finishes the rest and exits 5', async () => {
    const ckpt = writeRun(join(folder, 'bad'), { steps: [1, 2, 3], layers: 2 });
    writeMatrixNpy(join(ckpt, 'step_00002'), 'l1.npy', randomMatrix(40, 6, 9));
    const run = await runMain(['convergence', ckpt, '--format', 'json', '--jobs', '1']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/pwcca: failed: bad \/ l1 \/ 2: \S*step_00002\/l1\.npy has 40 datapoints where the other 2 checkpoints of layer l1 have/);
    expect(run.stderr).toMatch(/^hint: /m);
    const doc = JSON.parse(run.stdout);
    expect(doc.cells.filter((c: { error?: unknown }) => c.error)).toHaveLength(2);
    expect(doc.stats.failed).toBe(1);
  });

  it('writes cells to an .ndjson journal and resumes from it', async () => {
    const out = join(folder, 'conv.ndjson');
    const first = await runMain(['convergence', fixture, '--out', out, '--jobs', '1']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ type: 'header', command: 'convergence' });
    expect(lines.slice(1)).toHaveLength(36);
    const again = await runMain(['convergence', fixture, '--out', out, '--resume', '--format', 'json', '--jobs', '1', '--threshold', '0.1']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/15 already done/);
    expect(again.stderr).toMatch(/15 from the earlier run/);
    expect(JSON.parse(again.stdout).options.threshold).toBe(0.1);
    const refused = await runMain(['convergence', fixture, '--out', out, '--jobs', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hint: pass --resume/);
  });

  it('tracks stable and unstable directions with --directions', async () => {
    const run = await runMain(['convergence', fixture, '--directions', '3', '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Stable vs unstable directions \(K = 3\): CCA between steps 0 and 3000/);
    const json = JSON.parse((await runMain(['convergence', fixture, '--directions', '3', '--format', 'json', '--jobs', '1'])).stdout);
    expect(json.directions.steps).toEqual([4000, 5000]);
    expect(json.directions.tracks).toHaveLength(3);
  });

  it('explains usage and input errors with a hint', async () => {
    const reference = await runMain(['convergence', fixture, '--reference', '1234']);
    expect(reference.code).toBe(2);
    expect(reference.stderr).toMatch(/no checkpoint has step 1234 \(steps found: 0, 1000, 2000, 3000, 4000, 5000\)/);
    expect(reference.stderr).toMatch(/^hint: /m);

    const named = join(folder, 'named');
    writeRun(named, { steps: [1, 2], layers: 1 });
    mkdirSync(join(named, 'final'));
    writeMatrixNpy(join(named, 'final'), 'l0.npy', randomMatrix(120, 6, 1));
    const noStep = await runMain(['convergence', named]);
    expect(noStep.code).toBe(3);
    expect(noStep.stderr).toMatch(/no step number in the checkpoint name 'final'/);

    const layers = await runMain(['convergence', fixture, '--layers', 'conv1,nope']);
    expect(layers.code).toBe(2);
    expect(layers.stderr).toMatch(/nope/);

    expect((await runMain(['convergence', join(folder, 'missing')])).code).toBe(2);
    expect((await runMain(['convergence', fixture, '--method', 'pwcca,foo'])).code).toBe(2);
    expect((await runMain(['convergence', fixture, '--resume'])).code).toBe(2);
  });
});
