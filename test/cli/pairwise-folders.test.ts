/**
 * `pwcca pairwise` on real-looking folders, through the CLI in-process:
 * label order, warnings and failures a user sees, group selection, the
 * matrix averaged over layers, the dendrogram in JSON, and --meta.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDense, writeJunk } from '../helpers/activation-trees.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { pairwiseCellsAgainstCompare, type PairwiseDoc } from '../helpers/in-process.js';
import { runMain } from '../helpers/cli.js';

const temporaryFolder = useTemporaryFolders();
const temporary = () => temporaryFolder('pwcca-pairwise-folders-');
const TIMEOUT = 120_000;

/** ROOT/<network>/<layer>.npy, network i with 6 + i neurons, one of them dead (no two networks tie in rank). */
function writeNetworks(root: string, networks: readonly string[], layers: readonly string[] = ['fc1'], rows = 60): string {
  networks.forEach((network, n) =>
    layers.forEach((layer, l) => writeDense(join(root, network, `${layer}.npy`), rows, 6 + n, { layerSeed: 100 + l, seed: 1000 + 10 * n + l, dead: 1 })),
  );
  return root;
}

async function pairwiseJson(args: readonly string[]) {
  const run = await runMain(['pairwise', ...args, '--format', 'json', '--jobs', '1']);
  return { ...run, doc: run.code === 0 || run.code === 5 ? (JSON.parse(run.stdout) as PairwiseDoc & Record<string, any>) : undefined };
}

describe('label order', () => {
  it('interleaved group names: by group, then naturally, 0.01 before 0.1', async () => {
    const root = writeNetworks(temporary(), ['lr-0.01/s0', 'lr-0.1/s0', 'lr-0.01/s1', 'lr-0.1/s1', 'lr-0.001/s0', 'lr-0.01/s10', 'lr-0.01/s2']);
    const { code, doc } = await pairwiseJson([root, '-q']);
    expect(code).toBe(0);
    expect(doc!.layers[0].labels).toEqual(['lr-0.001/s0', 'lr-0.01/s0', 'lr-0.01/s1', 'lr-0.01/s2', 'lr-0.01/s10', 'lr-0.1/s0', 'lr-0.1/s1']);
    expect(doc!.layers[0].groups).toEqual(['lr-0.001', 'lr-0.01', 'lr-0.01', 'lr-0.01', 'lr-0.01', 'lr-0.1', 'lr-0.1']);
  }, TIMEOUT);

  it('--group-by: networks sort by group first', async () => {
    const root = writeNetworks(temporary(), ['s0_adam', 's1_sgd', 's2_adam', 's3_sgd']);
    const { code, doc } = await pairwiseJson([root, '--group-by', '_(\\w+)$', '-q']);
    expect(code).toBe(0);
    expect(doc!.layers[0].labels).toEqual(['s0_adam', 's2_adam', 's1_sgd', 's3_sgd']);
  }, TIMEOUT);

  it('a list of files keeps the order given', async () => {
    const root = writeNetworks(temporary(), ['c', 'a', 'b']);
    const files = ['c', 'a', 'b'].map((name) => join(root, name, 'fc1.npy'));
    const run = await runMain(['pairwise', ...files, '--format', 'json', '--jobs', '1', '-q']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.layers[0].labels.map((label: string) => label.split('/')[0])).toEqual(['c', 'a', 'b']);
  }, TIMEOUT);

  it('--cross-layer follows the order of --layers', async () => {
    const root = writeNetworks(temporary(), ['s0', 's1'], ['conv', 'fc1', 'fc2']);
    const { code, doc } = await pairwiseJson([root, '--cross-layer', '--layers', 'fc2,conv,fc1', '-q']);
    expect(code).toBe(0);
    expect(doc!.networks[0].labels).toEqual(['fc2', 'conv', 'fc1']);
  }, TIMEOUT);
});

describe('warnings and failures', () => {
  it('dead neurons in every file: one warning per file, not per pair, and none for layers not selected', async () => {
    const root = writeNetworks(temporary(), ['s0', 's1', 's2', 's3'], ['fc1', 'fc2']);
    const run = await runMain(['pairwise', root, '--layers', 'fc1', '--jobs', '1']);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning'));
    for (const network of ['s0', 's1', 's2', 's3']) {
      const path = join(root, network, 'fc1.npy');
      expect(warnings.filter((line) => line.includes(path)), path).toHaveLength(1);
    }
    expect(run.stderr).not.toMatch(/fc2/);
  }, TIMEOUT);

  it('no warning about a layer the user did not select', async () => {
    const root = writeNetworks(temporary(), ['s0', 's1', 's2'], ['fc1']);
    writeNetworks(root, ['s0', 's1'], ['fc3']);
    const run = await runMain(['pairwise', root, '--layers', 'fc1', '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/fc3/);
  }, TIMEOUT);

  it('a file with a different number of datapoints is named once, the others not at all', async () => {
    const root = writeNetworks(temporary(), ['s0', 's1', 's3']);
    writeDense(join(root, 's2', 'fc1.npy'), 50, 7, { layerSeed: 100, seed: 5 });
    const run = await runMain(['pairwise', root, '--jobs', '1']);
    expect(run.code).toBe(5);
    const odd = join(root, 's2', 'fc1.npy');
    const failures = run.stderr.split('\n').filter((line) => !line.includes('warning:')).join('\n');
    expect(failures.split(odd).length - 1, run.stderr).toBe(1);
    for (const network of ['s0', 's1', 's3']) expect(failures).not.toContain(join(root, network, 'fc1.npy'));
    expect(run.stderr).toMatch(/50 datapoints/);
    expect(run.stderr).toMatch(/60/);
  }, TIMEOUT);

  it('failure lines name each file once, and a bad file once in all', async () => {
    const root = writeNetworks(temporary(), ['s0', 's1', 's3']);
    writeDense(join(root, 's2', 'fc1.npy'), 60, 4, { layerSeed: 100, seed: 3, dead: 4 });
    const run = await runMain(['pairwise', root, '--jobs', '1']);
    expect(run.code).toBe(5);
    const lines = run.stderr.split('\n').filter((line) => line.includes('failed:'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      for (const network of ['s0', 's1', 's2', 's3']) {
        const path = join(root, network, 'fc1.npy');
        expect(line.split(path).length - 1, line).toBeLessThanOrEqual(1);
      }
    }
    const bad = join(root, 's2', 'fc1.npy');
    expect(lines.join('\n').split(bad).length - 1, lines.join('\n')).toBe(1);
  }, TIMEOUT);

  it('a folder of files pwcca cannot read says what it found and what to do', async () => {
    const root = temporary();
    for (const name of ['a', 'b', 'c']) writeJunk(join(root, `${name}.pkl`));
    for (const name of ['d', 'e']) writeJunk(join(root, `${name}.mat`));
    const run = await runMain(['pairwise', root]);
    expect([2, 3]).toContain(run.code);
    expect(run.stderr).toMatch(/3 \.pkl files, 2 \.mat files/);
    expect(run.stderr).toMatch(/hint: .*(np\.save|\.npy)/);
  });
});

describe('groups, the mean over layers and the dendrogram', () => {
  function writeGroups(root: string): string {
    return writeNetworks(root, ['a/s0', 'a/s1', 'b/s0', 'b/s1', 'c/s0', 'c/s1'], ['fc1', 'fc2']);
  }

  it('--groups a,c selects groups of a tree', async () => {
    const root = writeGroups(temporary());
    const { code, doc } = await pairwiseJson([root, '--groups', 'a,c', '-q']);
    expect(code).toBe(0);
    expect(doc!.layers[0].labels).toEqual(['a/s0', 'a/s1', 'c/s0', 'c/s1']);
    expect(doc!.pairs).toHaveLength(2 * 6);
    expect(await pairwiseCellsAgainstCompare(doc!)).toEqual([]);
    const unknown = await runMain(['pairwise', root, '--groups', 'a,z']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/z/);
  }, TIMEOUT);

  it('--aggregate mean: the matrix averaged over the selected layers, with group stats and clusters', async () => {
    const root = writeGroups(temporary());
    const { code, doc } = await pairwiseJson([root, '--aggregate', 'mean', '--clusters', '2', '--method', 'pwcca,cca', '-q']);
    expect(code).toBe(0);
    const aggregate = doc!.aggregate;
    expect(aggregate).toMatchObject({ aggregate: 'mean', layers: ['fc1', 'fc2'], labels: doc!.layers[0].labels });
    for (const method of ['pwcca', 'cca']) {
      const [fc1, fc2]: number[][][] = doc!.layers.map((layer: any) => layer.methods[method].distance);
      const want = fc1.map((row, i) => row.map((value, j) => (value + fc2[i][j]) / 2));
      const got = aggregate.methods[method].distance as number[][];
      expect(got.flat().map((value, k) => Math.abs(value - want.flat()[k]) < 1e-15)).not.toContain(false);
      expect(aggregate.groupStats[method].within.map((w: { group: string }) => w.group)).toEqual(['a', 'b', 'c']);
      expect(aggregate.clusters[method].assignments).toHaveLength(6);
    }
    const table = await runMain(['pairwise', root, '--aggregate', 'mean', '--jobs', '1', '-q']);
    expect(table.stdout).toMatch(/mean over 2 layers/);
    const folder = join(temporary(), 'matrices');
    expect((await runMain(['pairwise', root, '--aggregate', 'mean', '--format', 'matrix-csv', '--out', folder, '--jobs', '1', '-q'])).code).toBe(0);
    expect(readdirSync(folder).sort()).toEqual(['_mean.csv', 'fc1.csv', 'fc2.csv']);
  }, TIMEOUT);

  it('clusters carry the dendrogram as a scipy-style linkage matrix', async () => {
    const root = writeGroups(temporary());
    const { doc } = await pairwiseJson([root, '--clusters', '2', '-q']);
    const layer = doc!.layers[0];
    const distance = layer.methods.pwcca.distance as number[][];
    const linkage = layer.clusters.pwcca.linkage as number[][];
    expect(linkage).toEqual(averageLinkage(distance).map((row) => [row[0], row[1], expect.closeTo(row[2], 12), row[3]]));
  }, TIMEOUT);
});

/**
 * UPGMA by brute force, rows as scipy.cluster.hierarchy.linkage(method='average')
 * gives them: [smaller id, larger id, height, size], ids < n leaves, n + k the
 * cluster of row k.
 */
function averageLinkage(distance: number[][]): number[][] {
  const n = distance.length;
  let clusters = distance.map((_, i) => ({ id: i, leaves: [i] }));
  const rows: number[][] = [];
  const between = (p: number[], q: number[]) => p.reduce((sum, i) => sum + q.reduce((s, j) => s + distance[i][j], 0), 0) / (p.length * q.length);
  while (clusters.length > 1) {
    let best = { p: 0, q: 1, d: Infinity };
    for (let p = 0; p < clusters.length; p++) {
      for (let q = p + 1; q < clusters.length; q++) {
        const d = between(clusters[p].leaves, clusters[q].leaves);
        if (d < best.d) best = { p, q, d };
      }
    }
    const [left, right] = [clusters[best.p], clusters[best.q]];
    rows.push([Math.min(left.id, right.id), Math.max(left.id, right.id), best.d, left.leaves.length + right.leaves.length]);
    clusters = clusters.filter((_, k) => k !== best.p && k !== best.q);
    clusters.push({ id: n + rows.length - 1, leaves: [...left.leaves, ...right.leaves] });
  }
  return rows;
}

describe('--meta', () => {
  function writeMeta(path: string, rows: Array<[string, number, number]>): string {
    writeFileSync(path, ['network,accuracy,epochs', ...rows.map((row) => row.join(','))].join('\n'));
    return path;
  }

  it('matches rows by their last path components when unambiguous; a constant column gives null', async () => {
    const root = writeNetworks(temporary(), ['mlp/seed0', 'mlp/seed1', 'mlp/seed2', 'cnn/seed0', 'cnn/seed1', 'cnn/seed2']);
    const meta = writeMeta(join(root, 'meta.csv'), [
      ['runs/mlp/seed0', 0.91, 0.9], ['runs/mlp/seed1', 0.93, 0.9], ['runs/mlp/seed2', 0.95, 0.9],
      ['runs/cnn/seed0', 0.81, 0.9], ['runs/cnn/seed1', 0.85, 0.9], ['runs/cnn/seed2', 0.82, 0.9],
    ]);
    const { code, doc, stderr } = await pairwiseJson([root, '--meta', meta]);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/no --meta row/);
    const [accuracy, epochs] = doc!.layers[0].meta.pwcca;
    expect(accuracy).toMatchObject({ column: 'accuracy', n: 6 });
    expect(epochs).toEqual({ column: 'epochs', n: 6, pearson: { r: null, p: null }, spearman: { rho: null, p: null } });
  }, TIMEOUT);

  it('matches a label mlp/seed0 to a row seed0, and says "mean distance to the other networks" without groups', async () => {
    const root = writeNetworks(temporary(), ['seed0', 'seed1', 'seed2', 'seed3']);
    const meta = join(root, 'meta.csv');
    writeMeta(meta, [['seed0', 0.9, 1], ['seed1', 0.8, 2], ['seed2', 0.85, 3], ['seed3', 0.7, 4]]);
    const run = await runMain(['pairwise', root, '--meta', meta, '--jobs', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/mean distance to the other networks vs --meta/);
    expect(run.stdout).not.toMatch(/within-group/);
    const grouped = writeNetworks(temporary(), ['mlp/seed0', 'mlp/seed1', 'mlp/seed2']);
    const groupedMeta = join(grouped, 'meta.csv');
    writeMeta(groupedMeta, [['seed0', 0.9, 1], ['seed1', 0.8, 2], ['seed2', 0.85, 3]]);
    const { doc } = await pairwiseJson([grouped, '--meta', groupedMeta, '-q']);
    expect(doc!.layers[0].meta.pwcca[0].n).toBe(3);
  }, TIMEOUT);
});
