import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../../src/studies/compare.js';
import { discoverActivationArrays, discoverActivations, selectLayerArrays } from '../../../src/studies/pairwise/discover.js';
import { buildPairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { runPairwise } from '../../../src/studies/pairwise/run.js';
import type { Matrix } from '../../../src/types.js';
import { npyBytes, writeMatrixNpy } from '../../helpers/npy-file.js';
import { randomMatrix } from '../../helpers/random.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { buildZip } from '../../io/format-builders.js';

const temporaryFolder = useTemporaryFolders();
const NETWORKS = ['netA', 'netB', 'netC'];
let base: string;

const layer = (network: number, name: 'fc1' | 'fc2'): Matrix => randomMatrix(60, name === 'fc1' ? 5 : 7, 100 * network + (name === 'fc1' ? 1 : 2));
const npy = (matrix: Matrix) => npyBytes([matrix.rows, matrix.cols], matrix.data);

beforeAll(() => {
  base = temporaryFolder('pwcca-discover-arrays-');
  NETWORKS.forEach((network, i) => {
    // The same activations as a tree of .npy files and as one .npz per network
    // (plus a 1-D member and one with another first axis, which are not layers).
    const folder = join(base, 'tree', network);
    mkdirSync(folder, { recursive: true });
    writeMatrixNpy(folder, 'fc1.npy', layer(i, 'fc1'));
    writeMatrixNpy(folder, 'fc2.npy', layer(i, 'fc2'));
    mkdirSync(join(base, 'flat'), { recursive: true });
    const members = {
      'fc1.npy': npy(layer(i, 'fc1')),
      'fc2.npy': npy(layer(i, 'fc2')),
      'bias.npy': npyBytes([5], [1, 2, 3, 4, 5]),
      'weights.npy': npyBytes([5, 7], randomMatrix(5, 7, 9).data),
    };
    writeFileSync(join(base, 'flat', `${network}.npz`), buildZip(members, i === 1));
    mkdirSync(join(base, 'nested', network), { recursive: true });
    writeFileSync(join(base, 'nested', network, 'acts.npz'), buildZip(members));
  });
});

describe('selectLayerArrays', () => {
  it('keeps arrays of 2-D or more sharing the most common first axis', () => {
    const arrays = [
      { key: 'a', shape: [10, 3], dtype: 'float32' },
      { key: 'b', shape: [4], dtype: 'float32' },
      { key: 'c', shape: [7, 2], dtype: 'float32' },
      { key: 'd', shape: [10, 2, 2], dtype: 'float32' },
      { key: 'e', shape: [10, 0], dtype: 'float32' },
    ];
    const { layers, rest } = selectLayerArrays(arrays);
    expect(layers.map((a) => a.key)).toEqual(['a', 'd']);
    expect(rest.map((a) => a.key)).toEqual(['b', 'c', 'e']);
  });
});

describe('discoverActivationArrays', () => {
  it('makes each .npz of a flat folder a network whose members are layers, skipping non-layers with one warning', async () => {
    const discovery = await discoverActivationArrays([join(base, 'flat')]);
    expect(discovery.networks).toEqual(NETWORKS);
    expect(discovery.layers).toEqual(['fc1', 'fc2']);
    expect(discovery.files.map((file) => [file.network, file.layer, file.path.endsWith(`${file.network}.npz#${file.layer}`)])).toEqual(
      NETWORKS.flatMap((network) => [[network, 'fc1', true], [network, 'fc2', true]]),
    );
    expect(discovery.warnings).toHaveLength(1);
    expect(discovery.warnings[0]).toMatch(/^skipped 6 array\(s\) that are not 2-D or more with their file's datapoints as first axis: .*netA\.npz#bias \(5\), .*netA\.npz#weights \(5x7\)/);
  });

  it('gives the same pairwise numbers as the tree of .npy files holding the same data', async () => {
    const fromArrays = await runPairwise(buildPairwisePlan(await discoverActivationArrays([join(base, 'flat')])), { jobs: 1 });
    const fromNpy = await runPairwise(buildPairwisePlan(discoverActivations([join(base, 'tree')])), { jobs: 1 });
    const values = (run: typeof fromNpy) => run.records.map((record) => [record.scope, record.a, record.b, record.values?.pwcca.similarity, record.values?.cca.similarity]);
    expect(fromArrays.records.every((record) => record.error === undefined)).toBe(true);
    expect(values(fromArrays)).toEqual(values(fromNpy));
  });

  it('uses the keys as layers for a tree network folder holding one multi-array file', async () => {
    const discovery = await discoverActivationArrays([join(base, 'nested')]);
    expect(discovery.mode).toBe('tree');
    expect(discovery.layers).toEqual(['fc1', 'fc2']);
  });

  it('takes FILE#KEY inputs as given, labelled by file and key', async () => {
    const inputs = NETWORKS.map((network) => join(base, 'flat', `${network}.npz#fc2`));
    const discovery = await discoverActivationArrays(inputs);
    expect(discovery.networks).toEqual(NETWORKS.map((network) => `${network}#fc2`));
    expect(discovery.files.map((file) => file.path)).toEqual(inputs);
    const run = await runPairwise(buildPairwisePlan(discovery), { jobs: 1 });
    expect(run.records.map((record) => record.error)).toEqual([undefined, undefined, undefined]);
  });
});

describe('compare with FILE#KEY', () => {
  it('equals the comparison of the same arrays saved as .npy', async () => {
    const viaKeys = await runCompare(join(base, 'flat', 'netA.npz#fc1'), join(base, 'flat', 'netB.npz#fc1'), { method: 'all' });
    const viaNpy = await runCompare(join(base, 'tree', 'netA', 'fc1.npy'), join(base, 'tree', 'netB', 'fc1.npy'), { method: 'all' });
    expect([viaKeys.similarity, viaKeys.comparison.cca.similarity, viaKeys.comparison.svcca?.similarity]).toEqual([
      viaNpy.similarity,
      viaNpy.comparison.cca.similarity,
      viaNpy.comparison.svcca?.similarity,
    ]);
    expect(viaKeys.inputs.a).toMatchObject({ format: 'npz', key: 'fc1', path: join(base, 'flat', 'netA.npz#fc1'), file: join(base, 'flat', 'netA.npz') });
  });
});

describe('streaming stored .npz members in place', () => {
  it('reads a stored member in row chunks like the .npy file, and refuses compressed ones', async () => {
    const { openNpyRows } = await import('../../../src/io/npy-stream.js');
    const collect = async (path: string) => {
      const reader = await openNpyRows(path);
      try {
        const rows: number[] = [];
        for await (const chunk of reader.chunks(7)) rows.push(...chunk.data);
        return { shape: reader.header.shape, rows };
      } finally {
        await reader.close();
      }
    };
    expect(await collect(join(base, 'flat', 'netA.npz#fc2'))).toEqual(await collect(join(base, 'tree', 'netA', 'fc2.npy')));
    // netB.npz was written compressed.
    await expect(openNpyRows(join(base, 'flat', 'netB.npz#fc2'))).rejects.toThrow(/cannot stream .*netB\.npz#fc2: only \.npy files and uncompressed \.npz members/);
  });

  it('gives the streamed .npy numbers when compare streams a member', async () => {
    const streamed = await runCompare(join(base, 'flat', 'netA.npz#fc1'), join(base, 'flat', 'netC.npz#fc1'), { stream: true });
    const npy = await runCompare(join(base, 'tree', 'netA', 'fc1.npy'), join(base, 'tree', 'netC', 'fc1.npy'), { stream: true });
    expect(streamed.similarity).toBe(npy.similarity);
    // The engine took the streamed route, and reports the .npz member it read.
    const { runPairs } = await import('../../../src/engine/run-pairs.js');
    const files = [{ id: 'a', path: join(base, 'flat', 'netA.npz#fc1') }, { id: 'c', path: join(base, 'flat', 'netC.npz#fc1') }];
    const { stats } = await runPairs(files, [{ key: 'a vs c', a: 'a', b: 'c' }], { stream: true });
    expect(stats.streamed).toBe(true);
    expect(stats.inputs.get('a')).toMatchObject({ format: 'npz', key: 'fc1', file: join(base, 'flat', 'netA.npz') });
  });
});
