/**
 * The run layer of `pwcca pairwise` on real files: each file prepared once,
 * values equal to `pwcca compare`, order independence, failures recorded per
 * pair, resume, memory cap, and worker threads (needs `npm run build`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { symmetricPwcca } from '../../../src/metrics/compare.js';
import { runCompare } from '../../../src/studies/compare.js';
import { discoverActivations } from '../../../src/studies/pairwise/discover.js';
import { runPairwise, type PairwiseRecord } from '../../../src/studies/pairwise/run.js';
import { buildPairwisePlan, type PairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { buildDistanceMatrices } from '../../../src/studies/pairwise/report.js';
import { writeTree } from './helpers.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { expectClose, expectSymmetricZeroDiagonal } from '../../helpers/expect-close.js';

const temporaryFolder = useTemporaryFolders();

const networks = ['g1/s1', 'g1/s2', 'g1/s10', 'g2/s3', 'g2/s4'];
let root: string;
let plan: PairwisePlan;
let baseline: readonly PairwiseRecord[];

beforeAll(async () => {
  root = temporaryFolder('pwcca-pairwise-run-');
  // fc1: widths differ between networks (the smaller side weights PWCCA); fc2: all the same width (side tie).
  writeTree(root, { networks, layers: { fc1: (n) => 5 + n, fc2: 6 }, rows: 120 });
  plan = buildPairwisePlan(discoverActivations([root]));
  baseline = (await runPairwise(plan, { jobs: 1 })).records;
});

const valueOf = (records: readonly PairwiseRecord[], scope: string, a: string, b: string) =>
  records.find((r) => r.scope === scope && r.a === a && r.b === b)!;

describe('runPairwise', () => {
  it('loads and prepares each file once for all its pairs', async () => {
    const run = await runPairwise(plan, { jobs: 1 });
    expect(plan.files).toHaveLength(10);
    expect(plan.tasks).toHaveLength(20);
    expect(run.stats.loads).toBe(10);
    expect(run.stats.prepares).toBe(10);
    expect(run.records.every((r) => r.error === undefined)).toBe(true);
    expect(run.records.map((r) => [r.scope, r.a, r.b]).slice(0, 4)).toEqual([
      ['fc1', 'g1/s1', 'g1/s2'],
      ['fc1', 'g1/s1', 'g1/s10'],
      ['fc1', 'g1/s1', 'g2/s3'],
      ['fc1', 'g1/s1', 'g2/s4'],
    ]);
  });

  it('equals pwcca compare on the same pair (mean of the directions on a side tie)', async () => {
    for (const [scope, a, b] of [
      ['fc1', 'g1/s2', 'g2/s4'],
      ['fc2', 'g1/s10', 'g2/s3'],
    ]) {
      const record = valueOf(baseline, scope, a, b);
      const report = await runCompare(join(root, a, `${scope}.npy`), join(root, b, `${scope}.npy`), { method: 'all' });
      const c = report.comparison;
      expect(record.values!.pwcca.similarity).toBeCloseTo(symmetricPwcca(c.pwcca), 12);
      expect(record.values!.pwcca.directional.a).toBeCloseTo(c.pwcca.directional.a, 12);
      expect(record.values!.pwcca.directional.b).toBeCloseTo(c.pwcca.directional.b, 12);
      expect(record.values!.cca.distance).toBeCloseTo(c.cca.distance, 12);
      if (scope === 'fc1') {
        expect(record.values!.pwcca.side).toBe('a'); // g1/s2 has 6 neurons, g2/s4 has 9
        expect(record.values!.pwcca.distance).toBeCloseTo(report.distance, 12);
      } else {
        expect(record.values!.pwcca.side).toBe('tie');
        expect(record.values!.pwcca.similarity).toBeCloseTo((c.pwcca.directional.a + c.pwcca.directional.b) / 2, 12);
        // Swapping the files gives the same matrix value.
        const swapped = await runCompare(join(root, b, `${scope}.npy`), join(root, a, `${scope}.npy`));
        expect(symmetricPwcca(swapped.comparison.pwcca)).toBeCloseTo(record.values!.pwcca.similarity, 12);
      }
    }
  });

  it('gives a symmetric matrix with an exact 0 diagonal', () => {
    const matrices = buildDistanceMatrices(plan, baseline, ['pwcca', 'cca']);
    for (const matrix of matrices) {
      for (const method of ['pwcca', 'cca'] as const) {
        const d = matrix.methods[method]!.distance;
        expectSymmetricZeroDiagonal(d, `${matrix.scope} ${method}`);
        const offDiagonal = d.flatMap((row, i) => row.filter((_, j) => j !== i));
        expect(offDiagonal.every((value) => value !== null && value > 0), `${matrix.scope} ${method}: a distance is not positive`).toBe(true);
      }
    }
  });

  it('records a bad file in its pairs and finishes the rest', async () => {
    const bad = temporaryFolder('pwcca-pairwise-bad-');
    writeTree(bad, { networks: ['s1', 's2', 's3', 's4'], layers: { fc1: 5, fc2: 5 }, rows: 80 });
    writeFileSync(join(bad, 's2', 'fc1.npy'), 'this is not an npy file');
    const badPlan = buildPairwisePlan(discoverActivations([bad]));
    const run = await runPairwise(badPlan, { jobs: 1 });
    const failed = run.records.filter((r) => r.error);
    expect(failed.map((r) => `${r.scope}:${r.a}-${r.b}`)).toEqual(['fc1:s1-s2', 'fc1:s2-s3', 'fc1:s2-s4']);
    expect(failed[0].error!.exitCode).toBe(3);
    expect(failed[0].error!.where ?? failed[0].error!.message).toMatch(/s2/);
    expect(run.records.filter((r) => r.values)).toHaveLength(12 - 3);
    const [fc1] = buildDistanceMatrices(badPlan, run.records, ['pwcca']);
    expect(fc1.methods.pwcca!.distance[1]).toEqual([null, 0, null, null]);
  });

  it('resumes: pairs already recorded are not run again, and the result is the same', async () => {
    const previous = baseline.slice(0, 7);
    const seen: PairwiseRecord[] = [];
    const progress: number[] = [];
    const run = await runPairwise(plan, { jobs: 1, previous, onRecord: (r) => seen.push(r), onProgress: (done) => progress.push(done) });
    expect(run.resumed).toBe(7);
    expect(seen).toHaveLength(13);
    expect(progress[0]).toBe(8);
    expect(progress.at(-1)).toBe(20);
    expect(run.records.map((r) => r.values!.pwcca.distance)).toEqual(baseline.map((r) => r.values!.pwcca.distance));
  });

  it('under a memory cap evicts and prepares again in memory, with the same values', async () => {
    const run = await runPairwise(plan, { jobs: 1, maxMemoryBytes: 1, stream: false });
    expect(run.stats.evictions).toBeGreaterThan(0);
    expect(run.records.map((r) => r.values!.pwcca.distance)).toEqual(baseline.map((r) => r.values!.pwcca.distance));
  });

  it('streams under a memory cap no pair fits in, with the same values', async () => {
    const run = await runPairwise(plan, { jobs: 1, maxMemoryBytes: 1 });
    expect(run.stats.streamed).toBe(true);
    const distances = (records: readonly PairwiseRecord[]) => records.flatMap((r) => [r.values!.pwcca.distance, r.values!.cca.distance]);
    expectClose(distances(run.records), distances(baseline), 1e-12, 'pwcca and cca distance of each pair');
  });

  it('gives the same values on two worker threads, each file still prepared once', async () => {
    const run = await runPairwise(plan, { jobs: 2 });
    expect(run.stats.prepares).toBe(10);
    const distances = (records: readonly PairwiseRecord[]) => records.flatMap((r) => [r.values!.pwcca.distance, r.values!.cca.distance]);
    expectClose(distances(run.records), distances(baseline), 1e-12, 'pwcca and cca distance of each pair');
  });

  it('computes SVCCA only when asked', async () => {
    expect(baseline[0].values!.svcca).toBeUndefined();
    const run = await runPairwise(plan, { jobs: 1, methods: ['pwcca', 'cca', 'svcca'], svcca: { dims: 3 } });
    expect(run.records[0].values!.svcca!.dims).toEqual({ a: 3, b: 3 });
  });
});
