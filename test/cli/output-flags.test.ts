/**
 * What every command writes, through the CLI in-process: --out infers the
 * format from the file's extension, --quiet never changes the data, colour
 * follows FORCE_COLOR, counts are singular when they are one, and flags that
 * would do nothing are refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDense } from '../helpers/activation-trees.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { runMain } from '../helpers/cli.js';

const temporaryFolder = useTemporaryFolders();
const temporary = () => temporaryFolder('pwcca-output-flags-');
const TIMEOUT = 120_000;

function writeTwoNetworks(root: string, layers: readonly string[] = ['fc1']): string {
  ['s0', 's1'].forEach((network, n) => layers.forEach((layer, l) => writeDense(join(root, network, `${layer}.npy`), 60, 6, { layerSeed: l, seed: 10 * n + l, dead: n })));
  return root;
}

function writeCheckpoints(root: string, layers: readonly string[] = ['fc1']): string {
  [0, 1, 2].forEach((step) => layers.forEach((layer, l) => writeDense(join(root, `step_${step}`, `${layer}.npy`), 60, 6, { layerSeed: l, seed: step === 2 ? 99 : step, dead: step })));
  return root;
}

describe('--out infers the format from the extension', () => {
  it('compare: .json, .csv and .ndjson files hold that format, with or without --quiet', async () => {
    const root = writeTwoNetworks(temporary());
    const [a, b] = [join(root, 's0', 'fc1.npy'), join(root, 's1', 'fc1.npy')];
    const out = temporary();
    expect((await runMain(['compare', a, b, '--out', join(out, 'c.json'), '-q'])).code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'c.json'), 'utf8'));
    expect(doc).toMatchObject({ command: 'compare', method: 'pwcca' });
    expect((await runMain(['compare', a, b, '--out', join(out, 'c.csv')])).code).toBe(0);
    expect(readFileSync(join(out, 'c.csv'), 'utf8')).toMatch(/^a,b,method,variant,similarity,distance,/);
    expect((await runMain(['compare', a, b, '--out', join(out, 'c.ndjson')])).code).toBe(0);
    const lines = readFileSync(join(out, 'c.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).distance).toBe(doc.distance);
    // A figure extension is never filled with a text table.
    const figure = await runMain(['compare', a, b, '--out', join(out, 'c.svg')]);
    expect(figure.code).toBe(2);
    expect(figure.stderr).toMatch(/\.svg/);
    // An explicit --format wins over the extension.
    expect((await runMain(['compare', a, b, '--out', join(out, 'd.json'), '--format', 'csv'])).code).toBe(0);
    expect(readFileSync(join(out, 'd.json'), 'utf8')).toMatch(/^a,b,method/);
  }, TIMEOUT);

  it('pairwise and convergence: --out r.csv writes CSV, --out r.json writes JSON', async () => {
    const tree = writeTwoNetworks(temporary());
    const checkpoints = writeCheckpoints(temporary());
    const out = temporary();
    expect((await runMain(['pairwise', tree, '--out', join(out, 'p.csv'), '--jobs', '1'])).code).toBe(0);
    expect(readFileSync(join(out, 'p.csv'), 'utf8')).toMatch(/^layer,a,b,group_a,group_b,method,/);
    expect((await runMain(['pairwise', tree, '--out', join(out, 'p.json'), '--jobs', '1'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'p.json'), 'utf8')).command).toBe('pairwise');
    expect((await runMain(['convergence', checkpoints, '--out', join(out, 'c.csv'), '--jobs', '1'])).code).toBe(0);
    expect(readFileSync(join(out, 'c.csv'), 'utf8')).toMatch(/^run,layer,step,method,/);
    expect((await runMain(['convergence', checkpoints, '--out', join(out, 'c.json'), '--jobs', '1'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'c.json'), 'utf8')).command).toBe('convergence');
  }, TIMEOUT);
});

describe('--quiet silences stderr and never changes the data', () => {
  it('the same stdout with and without --quiet, for every command and format', async () => {
    const tree = writeTwoNetworks(temporary());
    const checkpoints = writeCheckpoints(temporary());
    const [a, b] = [join(tree, 's0', 'fc1.npy'), join(tree, 's1', 'fc1.npy')];
    const commands = [
      ...['table', 'csv', 'json'].map((format) => ['compare', a, b, '--format', format]),
      ...['table', 'csv', 'json'].map((format) => ['pairwise', tree, '--format', format, '--jobs', '1']),
      ...['table', 'csv', 'json'].map((format) => ['convergence', checkpoints, '--format', format, '--jobs', '1']),
    ];
    for (const args of commands) {
      const loud = await runMain(args);
      const quiet = await runMain([...args, '--quiet']);
      expect(quiet.stdout, args.join(' ')).toBe(loud.stdout);
      expect(quiet.stderr, args.join(' ')).toBe('');
    }
  }, TIMEOUT);
});

describe('colour', () => {
  it('FORCE_COLOR=0 turns colour off even on a terminal', async () => {
    const root = writeTwoNetworks(temporary());
    const [a, b] = [join(root, 's0', 'fc1.npy'), join(root, 's1', 'fc1.npy')];
    const run = await runMain(['compare', a, b], undefined, { NO_COLOR: undefined, FORCE_COLOR: '0' }, { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/\u001b\[/);
    const coloured = await runMain(['compare', a, b], undefined, { NO_COLOR: undefined, FORCE_COLOR: undefined }, { tty: true });
    expect(coloured.stdout).toMatch(/\u001b\[/);
  }, TIMEOUT);
});

describe('counts of one are singular', () => {
  it('pairwise: "1 layer", "1 pair"', async () => {
    const root = writeTwoNetworks(temporary());
    const run = await runMain(['pairwise', root, '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/1 layer, 1 pair \(1 matrix\)/);
    expect(run.stderr).toMatch(/pwcca: 1 pair: 1 ok, 0 failed/);
    expect(run.stderr + run.stdout).not.toMatch(/\b1 (layers|pairs|networks|comparisons|runs|steps)\b/);
  }, TIMEOUT);

  it('convergence: "1 layer", "1 comparison"', async () => {
    const root = temporary();
    [0, 1].forEach((step) => writeDense(join(root, `step_${step}`, 'fc1.npy'), 60, 6, { layerSeed: 1, seed: step, dead: step }));
    const run = await runMain(['convergence', root, '--method', 'pwcca', '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/\b1 (layers|pairs|comparisons|runs|steps)\b/);
    expect(run.stdout).toMatch(/1 layer\b/);
    expect(run.stderr).toMatch(/1 comparison\b/);
  }, TIMEOUT);
});

describe('flags that would do nothing', () => {
  it('--svd-dims without SVCCA is a usage error', async () => {
    const tree = writeTwoNetworks(temporary());
    const [a, b] = [join(tree, 's0', 'fc1.npy'), join(tree, 's1', 'fc1.npy')];
    for (const args of [
      ['compare', a, b, '--svd-dims', '3'],
      ['pairwise', tree, '--svd-dims', '3', '--jobs', '1'],
      ['convergence', writeCheckpoints(temporary()), '--svd-dims', '3', '--jobs', '1'],
    ]) {
      const run = await runMain(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/--svd-dims/);
      expect(run.stderr).toMatch(/hint: .*--method/);
    }
    expect((await runMain(['compare', a, b, '--svd-dims', '3', '--method', 'svcca'])).code).toBe(0);
    expect((await runMain(['pairwise', tree, '--svd-dims', '3', '--method', 'pwcca,svcca', '--jobs', '1'])).code).toBe(0);
  }, TIMEOUT);
});

describe('read flags that change nothing', () => {
  it('--conv and an axis --layout on 2-D files get a warning, the numbers stay', async () => {
    const tree = writeTwoNetworks(temporary());
    const [a, b] = [join(tree, 's0', 'fc1.npy'), join(tree, 's1', 'fc1.npy')];
    const plain = await runMain(['compare', a, b, '--format', 'json']);
    const flagged = await runMain(['compare', a, b, '--format', 'json', '--conv', 'mean', '--layout', 'nchw']);
    expect(flagged.code).toBe(0);
    expect(flagged.stderr).toMatch(/warning: --conv mean changed nothing/);
    expect(flagged.stderr).toMatch(/warning: --layout nchw changed nothing/);
    expect(JSON.parse(flagged.stdout).similarity).toBe(JSON.parse(plain.stdout).similarity);
    const pairwise = await runMain(['pairwise', tree, '--conv', 'mean', '--jobs', '1']);
    expect(pairwise.stderr).toMatch(/warning: --conv mean changed nothing/);
  }, TIMEOUT);
});

describe('standard deviations', () => {
  it('are population standard deviations (ddof 0) wherever they are reported, as the README says', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const mentions = readme.split('\n').filter((line) => /standard deviation|\bstd\b/i.test(line) && !/^\s*[{"]/.test(line.trim()));
    expect(mentions.length).toBeGreaterThan(0);
    expect(readme).toMatch(/every standard deviation[^.]*population/i);
    expect(readme).not.toMatch(/sample standard deviation|ddof ?= ?1/);
  });
});
