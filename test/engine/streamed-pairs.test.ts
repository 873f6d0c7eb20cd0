/**
 * The engine's streamed route (`pairwise` and `convergence`
 * with --stream, or by default from a million values per file): every pair's products summed in
 * one pass over the files, the same values as the in-memory route, failures
 * recorded per pair, batches under a memory cap, and worker threads (needs
 * `npm run build`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverActivations } from '../../src/studies/pairwise/discover.js';
import { runPairwise, type PairwiseRecord } from '../../src/studies/pairwise/run.js';
import { buildPairwisePlan, type PairwisePlan } from '../../src/studies/pairwise/plan.js';
import type { PairTask } from '../../src/engine/run-pairs.js';
import { chunkRowsWithin, planBatches } from '../../src/engine/streamed-pairs.js';
import { WorkerExecutor } from '../../src/engine/executor.js';
import { runPairs } from '../../src/engine/run-pairs.js';
import type { Executor } from '../../src/engine/types.js';
import { streamableHeaders } from '../../src/engine/route.js';
import { npyBytes } from '../helpers/npy-file.js';
import { writeTree } from '../studies/pairwise/helpers.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { expectClose } from '../helpers/expect-close.js';

const temporaryFolder = useTemporaryFolders();

const networks = ['g1/s1', 'g1/s2', 'g1/s10', 'g2/s3', 'g2/s4'];
let root: string;
let plan: PairwisePlan;
let inMemory: readonly PairwiseRecord[];

beforeAll(async () => {
  root = temporaryFolder('pwcca-streamed-pairs-');
  // fc1: widths differ between networks; fc2: all the same width (side tie).
  writeTree(root, { networks, layers: { fc1: (n) => 5 + n, fc2: 6 }, rows: 700 });
  plan = buildPairwisePlan(discoverActivations([root]));
  inMemory = (await runPairwise(plan, { jobs: 1, stream: false, methods: ['pwcca', 'cca', 'svcca'], svcca: { dims: 3 } })).records;
});

function expectSameValues(records: readonly PairwiseRecord[], reference: readonly PairwiseRecord[]): void {
  // Everything but the values exactly, then the values within 1e-12.
  const shape = (r: PairwiseRecord) => ({ key: [r.scope, r.a, r.b], error: r.error, side: r.values?.pwcca.side, ranks: r.ranks, datapoints: r.datapoints });
  expect(records.map(shape)).toEqual(reference.map(shape));
  const numbers = (r: PairwiseRecord) => {
    const v = r.values!;
    return [v.pwcca.similarity, v.pwcca.directional.a, v.pwcca.directional.b, v.cca.similarity, v.svcca!.similarity];
  };
  expectClose(records.flatMap(numbers), reference.flatMap(numbers), 1e-12, 'pwcca, directional a and b, cca, svcca of each pair');
}

describe('the streamed route of runPairs', () => {
  it('gives the in-memory values to 1e-12, reading and preparing each file once', async () => {
    const rows: [number, number][] = [];
    const run = await runPairwise(plan, {
      jobs: 1,
      stream: true,
      methods: ['pwcca', 'cca', 'svcca'], svcca: { dims: 3 },
      onRowsRead: (read, total) => rows.push([read, total]),
    });
    // Each of the 10 files once for its means, then all 10 side by side (one batch, 700 datapoints each).
    expect(rows.at(-1)).toEqual([7700, 7700]);
    expectSameValues(run.records, inMemory);
    expect(run.stats.streamed).toBe(true);
    expect(run.stats.loads).toBe(10);
    expect(run.stats.prepares).toBe(10);
    expect(run.stats.inputs.get(plan.files[0].id)!.datapoints).toBe(700);
  });

  it('takes the pairs in batches under a memory cap, with the same values', async () => {
    const progress: number[] = [];
    // 1 KB holds one small pair's sums at a time: one pass per pair.
    const run = await runPairwise(plan, {
      jobs: 1,
      stream: true,
      maxMemoryBytes: 1024,
      methods: ['pwcca', 'cca', 'svcca'], svcca: { dims: 3 },
      onProgress: (done) => progress.push(done),
    });
    expectSameValues(run.records, inMemory);
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('gives the same values, bit for bit, on two worker threads', async () => {
    const one = await runPairwise(plan, { jobs: 1, stream: true });
    const two = await runPairwise(plan, { jobs: 2, stream: true });
    expect(two.records.map((r) => r.values)).toEqual(one.records.map((r) => r.values));
    expect(two.stats.prepares).toBe(10);
  });

  it('records a bad file in its pairs and finishes the rest', async () => {
    const bad = temporaryFolder('pwcca-streamed-bad-');
    writeTree(bad, { networks: ['s1', 's2', 's3', 's4'], layers: { fc1: 5 }, rows: 80 });
    // s2 has a NaN (found in the first pass), s4 fewer datapoints than the others.
    const values = Array.from({ length: 80 * 5 }, (_, i) => Math.sin(i));
    values[37 * 5 + 2] = Number.NaN;
    writeFileSync(join(bad, 's2', 'fc1.npy'), npyBytes([80, 5], values));
    writeFileSync(join(bad, 's4', 'fc1.npy'), npyBytes([70, 5], values.slice(0, 350).map((v) => (Number.isNaN(v) ? 0 : v))));
    const badPlan = buildPairwisePlan(discoverActivations([bad]));
    const run = await runPairwise(badPlan, { jobs: 1, stream: true });
    const outcome = Object.fromEntries(run.records.map((r) => [`${r.a}-${r.b}`, r.error?.message ?? 'ok']));
    expect(outcome['s1-s2']).toMatch(/NaN at row 37, column 2 of .*s2.fc1\.npy/);
    expect(outcome['s2-s3']).toMatch(/NaN at row 37/);
    expect(outcome['s1-s4']).toMatch(/different numbers of datapoints/);
    expect(outcome['s3-s4']).toMatch(/different numbers of datapoints/);
    expect(outcome['s1-s3']).toBe('ok');
    expect(run.records.find((r) => r.a === 's1' && r.b === 's2')!.error!.exitCode).toBe(3);
  });
});

describe('the streamed route on worker threads', () => {
  it('hands the summed covariances and cross-covariance to the workers in shared memory, uncopied', async () => {
    const pool = new WorkerExecutor(2);
    const seen: string[] = [];
    const kind = (values: Float64Array) => (values.buffer instanceof SharedArrayBuffer ? 'shared' : 'private');
    const executor: Executor = Object.assign(Object.create(pool) as Executor, {
      prepareMoments: (moments: Parameters<Executor['prepareMoments']>[0]) => {
        seen.push(`covariance ${kind(moments.covariance)}`);
        return pool.prepareMoments(moments);
      },
      compareMoments: (...args: Parameters<Executor['compareMoments']>) => {
        seen.push(`cross ${kind(args[2])}`);
        return pool.compareMoments(...args);
      },
    });
    try {
      const files = networks.slice(0, 2).map((network, k) => ({ id: String(k), path: join(root, network, 'fc2.npy') }));
      const { outcomes } = await runPairs(files, [{ key: '0-1', a: '0', b: '1' }], { stream: true, jobs: 2, executor });
      expect(outcomes[0].error).toBeUndefined();
      expect(seen.sort()).toEqual(['covariance shared', 'covariance shared', 'cross shared']);
    } finally {
      await pool.close();
    }
  });
});

describe('streamableHeaders', () => {
  it('streams on request, or from 1 GiB, and only 2-D C-ordered .npy files without a layout option', async () => {
    const files = plan.files.slice(0, 3);
    expect(await streamableHeaders(files, { stream: true })).not.toBeNull();
    expect(await streamableHeaders(files, {})).toBeNull(); // small files: in memory
    expect(await streamableHeaders(files, { stream: false })).toBeNull();
    expect(await streamableHeaders(files, { stream: true, layout: 'neurons-first' })).toBeNull();
    const folder = temporaryFolder('pwcca-streamable-');
    const cube = join(folder, 'conv.npy');
    writeFileSync(cube, npyBytes([4, 2, 2], Array.from({ length: 16 }, (_, i) => i)));
    const notNpy = join(folder, 'notes.npy');
    writeFileSync(notNpy, 'not an npy file');
    expect(await streamableHeaders([...files, { id: 'conv', path: cube }], { stream: true })).toBeNull();
    expect(await streamableHeaders([...files, { id: 'notes', path: notNpy }], { stream: true })).toBeNull();
  });
});

describe('planBatches', () => {
  const cols = (id: string) => ({ a: 10, b: 20, c: 30, d: 10 })[id]!;
  const tasks: PairTask[] = [
    { key: 'ab', a: 'a', b: 'b' },
    { key: 'ac', a: 'a', b: 'c' },
    { key: 'bc', a: 'b', b: 'c' },
    { key: 'cd', a: 'c', b: 'd' },
  ];
  const bytes = (batch: PairTask[]) => {
    const files = new Set(batch.flatMap((t) => [t.a, t.b]));
    return 8 * (batch.reduce((sum, t) => sum + cols(t.a) * cols(t.b), 0) + [...files].reduce((sum, id) => sum + cols(id) ** 2, 0));
  };

  it('keeps every batch within the budget, every pair once and in order', () => {
    for (const budget of [1, 10_000, 20_000, 40_000, Infinity]) {
      const batches = planBatches(tasks, cols, budget);
      expect(batches.flat()).toEqual(tasks);
      for (const batch of batches) if (batch.length > 1) expect(bytes(batch)).toBeLessThanOrEqual(budget);
    }
    expect(planBatches(tasks, cols, Infinity)).toHaveLength(1);
    expect(planBatches(tasks, cols, 1)).toHaveLength(4);
    // a-b (8 * (200 + 100 + 400) = 5600) and a-c (+ 8 * (300 + 900) = 9600 more) fit in 16000; b-c does not.
    expect(planBatches(tasks, cols, 16_000).map((batch) => batch.map((t) => t.key))).toEqual([['ab', 'ac'], ['bc'], ['cd']]);
  });
});

describe('chunkRowsWithin', () => {
  it('reads about 8 MiB per file, at least min(cols, 2048) rows for wide files, fewer within a tight budget', () => {
    const plenty = 2 ** 34;
    const rows = (budget: number, files: number, cols: number) => chunkRowsWithin(budget, files, cols);
    expect({
      narrow: rows(plenty, 2, 256),
      mid: rows(plenty, 2, 512),
      wide: rows(plenty, 2, 1024),
      wider: rows(plenty, 2, 2048),
      widest: rows(plenty, 2, 4096),
      // An eighth of 64 MiB over 2 files' four buffers: 1 MiB per file.
      tight: rows(64 * 2 ** 20, 2, 2048),
      tiny: rows(1, 2, 2048),
    }).toEqual({ narrow: 4096, mid: 2048, wide: 1024, wider: 2048, widest: 2048, tight: 256, tiny: 256 });
  });
});
