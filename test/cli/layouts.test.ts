/**
 * Layouts on real-looking folders, through the CLI in-process: a CNN's 4-D
 * conv maps next to its 2-D fc layers, an RNN's 3-D outputs next to 2-D
 * logits, and a file stored NHWC among NCHW files. Every cell must equal
 * `pwcca compare` on the same two files, in both argument orders.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConv, writeDense, writeSequence } from '../helpers/activation-trees.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { convergenceCellsAgainstCompare, pairwiseCellsAgainstCompare, type ConvergenceDoc, type PairwiseDoc } from '../helpers/in-process.js';
import { runMain } from '../helpers/cli.js';

const temporaryFolder = useTemporaryFolders();
const temporary = () => temporaryFolder('pwcca-layouts-');
const TIMEOUT = 120_000;

/** ROOT/s{i}/conv1.npy (N,C,H,W) and ROOT/s{i}/fc1.npy (N, D); network i has i dead units per layer. */
function writeCnnTree(root: string, networks = 3): string {
  for (let i = 0; i < networks; i++) {
    writeConv(join(root, `s${i}`, 'conv1.npy'), { n: 40, c: 6, h: 2, w: 2 }, 'nchw', { layerSeed: 11, seed: 100 + i, dead: i });
    writeDense(join(root, `s${i}`, 'fc1.npy'), 40, 7, { layerSeed: 12, seed: 200 + i, dead: i });
  }
  return root;
}

/** ROOT/s{i}/gru.npy (N,T,C) and ROOT/s{i}/logits.npy (N, K). */
function writeRnnTree(root: string, networks = 3): string {
  for (let i = 0; i < networks; i++) {
    writeSequence(join(root, `s${i}`, 'gru.npy'), { n: 40, t: 3, c: 5 }, 'ntc', { layerSeed: 21, seed: 300 + i, dead: i });
    writeDense(join(root, `s${i}`, 'logits.npy'), 40, 4, { layerSeed: 22, seed: 400 + i, dead: i });
  }
  return root;
}

async function pairwiseJson(args: readonly string[]): Promise<{ code: number | null; doc: PairwiseDoc; stderr: string }> {
  const run = await runMain(['pairwise', ...args, '--format', 'json', '--jobs', '1']);
  return { code: run.code, doc: run.stdout ? (JSON.parse(run.stdout) as PairwiseDoc) : ({} as PairwiseDoc), stderr: run.stderr };
}

describe('one --layout for a tree of mixed ranks', () => {
  it('pairwise: a CNN folder runs in one go with --layout nchw, fc layers read as (datapoints, neurons)', async () => {
    const root = writeCnnTree(temporary());
    const { code, doc, stderr } = await pairwiseJson([root, '--layout', 'nchw', '--method', 'pwcca,cca']);
    expect(stderr).not.toMatch(/failed:/);
    expect(code).toBe(0);
    expect(doc.pairs.filter((pair) => pair.similarity === null)).toEqual([]);
    expect(await pairwiseCellsAgainstCompare(doc, ['--layout', 'nchw'])).toEqual([]);
  }, TIMEOUT);

  it('pairwise: an RNN folder (ntc outputs next to 2-D logits) runs with --layout ntc', async () => {
    const root = writeRnnTree(temporary());
    const { code, doc } = await pairwiseJson([root, '--layout', 'ntc', '--method', 'pwcca,cca', '-q']);
    expect(code).toBe(0);
    expect(await pairwiseCellsAgainstCompare(doc, ['--layout', 'ntc'])).toEqual([]);
  }, TIMEOUT);

  it('pairwise: one layout per rank, --layout nchw,ntc, for conv, sequence and fc files in one tree', async () => {
    const root = temporary();
    writeCnnTree(root, 2);
    writeRnnTree(root, 2);
    const { code, doc } = await pairwiseJson([root, '--layout', 'nchw,ntc', '-q']);
    expect(code).toBe(0);
    expect(doc.pairs).toHaveLength(4);
    expect(await pairwiseCellsAgainstCompare(doc, ['--layout', 'nchw,ntc'])).toEqual([]);
  }, TIMEOUT);

  it('pairwise --cross-layer: conv and fc layers of one network compare with --layout nchw --conv mean', async () => {
    const root = writeCnnTree(temporary(), 2);
    const { code, doc } = await pairwiseJson([root, '--cross-layer', '--layout', 'nchw', '--conv', 'mean', '--method', 'pwcca,cca', '-q']);
    expect(code).toBe(0);
    expect(doc.scope).toBe('network');
    expect(await pairwiseCellsAgainstCompare(doc, ['--layout', 'nchw', '--conv', 'mean'])).toEqual([]);
  }, TIMEOUT);

  it('--cross-layer without --conv mean: the conv/fc pairs fail with a hint to average over positions', async () => {
    const root = writeCnnTree(temporary(), 1);
    const run = await runMain(['pairwise', root, '--cross-layer', '--layout', 'nchw', '--jobs', '1']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/hint: --conv flatten makes each of the 4 positions a datapoint; pass --conv mean/);
  }, TIMEOUT);

  it('convergence: checkpoints of a CNN (conv and fc) run with --layout nchw', async () => {
    const root = temporary();
    const steps = [0, 100, 200];
    steps.forEach((step, s) => {
      writeConv(join(root, `step_${step}`, 'conv1.npy'), { n: 40, c: 6, h: 2, w: 2 }, 'nchw', { layerSeed: 31, seed: 500 + s, dead: s });
      writeDense(join(root, `step_${step}`, 'fc1.npy'), 40, 7, { layerSeed: 32, seed: 600 + s, dead: 2 - s });
    });
    const run = await runMain(['convergence', root, '--layout', 'nchw', '--format', 'json', '--jobs', '1', '-q']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as ConvergenceDoc;
    const pathOf = (_run: string, layer: string, step: number) => join(root, `step_${step}`, `${layer}.npy`);
    expect(await convergenceCellsAgainstCompare(doc, pathOf, 200, ['--layout', 'nchw'])).toEqual([]);
  }, TIMEOUT);

  it('2-D files still stream under a layout for other ranks, with the same cells', async () => {
    const root = temporary();
    for (let i = 0; i < 3; i++) writeDense(join(root, `s${i}`, 'fc1.npy'), 40, 7, { layerSeed: 12, seed: 200 + i, dead: i });
    const streamed = await runMain(['pairwise', root, '--layout', 'nchw', '--stream', '--format', 'csv', '--jobs', '1']);
    const loaded = await runMain(['pairwise', root, '--layout', 'nchw', '--no-stream', '--format', 'csv', '--jobs', '1']);
    expect(streamed.code).toBe(0);
    expect(streamed.stderr).toMatch(/files streamed in row chunks/);
    const numbers = (csv: string) => csv.split(/[,\n]/).filter((cell) => /^0\.\d+$/.test(cell)).map(Number);
    const [a, b] = [numbers(streamed.stdout), numbers(loaded.stdout)];
    expect(a).toHaveLength(b.length);
    expect(a.map((value, i) => Math.abs(value - b[i]) < 1e-12)).not.toContain(false);
  }, TIMEOUT);

  it('compare: a 2-D pair under --layout nchw is compared as (datapoints, neurons)', async () => {
    const root = writeCnnTree(temporary(), 2);
    const [a, b] = [join(root, 's0', 'fc1.npy'), join(root, 's1', 'fc1.npy')];
    const withLayout = await runMain(['compare', a, b, '--layout', 'nchw', '--format', 'json']);
    const without = await runMain(['compare', a, b, '--format', 'json']);
    expect(withLayout.code).toBe(0);
    expect(JSON.parse(withLayout.stdout).similarity).toBe(JSON.parse(without.stdout).similarity);
  }, TIMEOUT);
});

describe('hints about layouts', () => {
  it('an NHWC file compared with an NCHW file under --layout nchw: each shape and the layout it looks like, no --conv mean', async () => {
    const root = temporary();
    const a = writeConv(join(root, 'a.npy'), { n: 20, c: 8, h: 5, w: 5 }, 'nhwc', { layerSeed: 41, seed: 1 });
    const b = writeConv(join(root, 'b.npy'), { n: 20, c: 8, h: 5, w: 5 }, 'nchw', { layerSeed: 41, seed: 2 });
    const run = await runMain(['compare', a, b, '--layout', 'nchw']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${a} has shape [20, 5, 5, 8] (looks like nhwc)`);
    expect(run.stderr).toContain(`${b} has shape [20, 8, 5, 5] (looks like nchw)`);
    expect(run.stderr).not.toMatch(/--conv mean/);
    // Averaging over positions would compare heights with channels: still an error, not a number.
    const averaged = await runMain(['compare', a, b, '--layout', 'nchw', '--conv', 'mean']);
    expect(averaged.code).toBe(3);
    expect(averaged.stdout).toBe('');
    expect(averaged.stderr).toContain('(looks like nhwc)');
  }, TIMEOUT);

  it('the same pair in a pairwise folder fails with the same explanation, never a hint to average it away', async () => {
    const root = temporary();
    writeConv(join(root, 'tf', 'conv.npy'), { n: 20, c: 8, h: 5, w: 5 }, 'nhwc', { layerSeed: 41, seed: 1 });
    writeConv(join(root, 'torch', 'conv.npy'), { n: 20, c: 8, h: 5, w: 5 }, 'nchw', { layerSeed: 41, seed: 2 });
    const run = await runMain(['pairwise', root, '--layout', 'nchw', '--jobs', '1']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/looks like nhwc/);
    expect(run.stderr).not.toMatch(/--conv mean/);
  }, TIMEOUT);

  it('a misspelt or clashing --layout is one usage error before any file is read', async () => {
    const root = writeCnnTree(temporary(), 2);
    const run = await runMain(['pairwise', root, '--layout', 'nchw,nhwc', '--jobs', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/4-D arrays two layouts \(nchw and nhwc\)/);
    expect(run.stderr).not.toMatch(/failed:/);
  }, TIMEOUT);

  it('a 3-D array without a layout suggests ntc / nct, not nchw', async () => {
    const root = writeRnnTree(temporary(), 2);
    const run = await runMain(['compare', join(root, 's0', 'gru.npy'), join(root, 's1', 'gru.npy')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/hint: .*--layout ntc.*--layout nct/);
    expect(run.stderr).not.toMatch(/nchw/);
  }, TIMEOUT);
});
