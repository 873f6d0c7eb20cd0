import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { symmetricPwcca } from '../../../src/metrics/compare.js';
import { runCompare } from '../../../src/studies/compare.js';
import { cellRecord, runConvergence, type ConvergenceCell } from '../../../src/studies/convergence/run.js';
import { runDirections } from '../../../src/studies/convergence/directions.js';
import { planConvergence } from '../../../src/studies/convergence/plan.js';
import { discoverCheckpoints } from '../../../src/studies/convergence/discover.js';
import { writeMatrixNpy } from '../../helpers/npy-file.js';
import { randomMatrix } from '../../helpers/random.js';
import { writeRun } from './helpers.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { expectClose } from '../../helpers/expect-close.js';

const temporaryFolder = useTemporaryFolders();

const STEPS = [0, 100, 200, 300, 400, 500];
const LAYERS = 4;
let single: string;
let multi: string;

beforeAll(() => {
  const base = temporaryFolder('pwcca-convergence-');
  single = writeRun(join(base, 'ckpt'), { steps: STEPS, layers: LAYERS });
  multi = join(base, 'runs');
  writeRun(join(multi, 'seed1'), { steps: STEPS, layers: 2, seed: 1 });
  writeRun(join(multi, 'seed2'), { steps: STEPS, layers: 2, seed: 2 });
  // seed3 lacks step 200.
  writeRun(join(multi, 'seed3'), { steps: STEPS.filter((s) => s !== 200), layers: 2, seed: 3 });
});

const nonReference = (cells: readonly ConvergenceCell[]) => cells.filter((cell) => !cell.reference);

describe('runConvergence (one run)', () => {
  it('reads and prepares every file once: the reference side once per layer', async () => {
    const set = discoverCheckpoints(single);
    const report = await runConvergence(set, { jobs: 1 });
    const files = STEPS.length * LAYERS;
    expect(report.stats.comparisons).toBe((STEPS.length - 1) * LAYERS);
    expect(report.stats.loads).toBe(files);
    expect(report.stats.prepares).toBe(files);
    expect(report.stats.evictions).toBe(0);
    expect(report.cells).toHaveLength(files * 2);
  });

  it('gives each cell the value pwcca compare gives for the same pair', async () => {
    const set = discoverCheckpoints(single);
    const report = await runConvergence(set, { jobs: 1, methods: ['pwcca', 'cca', 'svcca'], svcca: { dims: 4 } });
    const byKey = new Map(report.cells.map((cell) => [`${cell.layer}@${cell.step}:${cell.method}`, cell]));
    for (const task of planConvergence(set).tasks) {
      const compared = await runCompare(task.a, task.b, { method: 'all', svcca: { dims: 4 } });
      const c = compared.comparison;
      expect(byKey.get(`${task.layer}@${task.step}:cca`)!.similarity).toBeCloseTo(c.cca.mean, 12);
      expect(byKey.get(`${task.layer}@${task.step}:svcca`)!.similarity).toBeCloseTo(c.svcca!.similarity, 12);
      const pwcca = byKey.get(`${task.layer}@${task.step}:pwcca`)!;
      expect(pwcca.similarity).toBeCloseTo(symmetricPwcca(c.pwcca), 12);
      expect(pwcca.distance).toBeCloseTo(1 - symmetricPwcca(c.pwcca), 12);
      expect(pwcca.directional).toEqual({ step: c.pwcca.directional.a, reference: c.pwcca.directional.b, sideTie: c.pwcca.sideTie });
    }
  });

  it('sets the reference cell to exactly 0 and finds bottom-up convergence', async () => {
    const report = await runConvergence(discoverCheckpoints(single), { jobs: 1 });
    for (const cell of report.cells.filter((c) => c.step === 500)) expect(cell).toMatchObject({ reference: true, distance: 0, similarity: 1 });
    const pwcca = report.summary.layers.filter((s) => s.method === 'pwcca');
    // Layer i settles at step index i + 1.
    expect(pwcca.map((s) => s.convergenceStep)).toEqual([100, 200, 300, 400]);
    const score = report.summary.bottomUp.find((b) => b.method === 'pwcca')!;
    expect(score.spearman).toBeCloseTo(1, 12);
    expect(score.orderedFraction).toBe(1);
    expect(report.summary.bottomUp.find((b) => b.method === 'cca')!.spearman).toBeCloseTo(1, 12);
  });

  it('compares with the first step when asked', async () => {
    const report = await runConvergence(discoverCheckpoints(single), { jobs: 1, reference: 'first' });
    expect(report.referenceStep).toBe(0);
    expect(report.cells.filter((c) => c.reference).every((c) => c.step === 0)).toBe(true);
    // Every layer ends far from its initial state: never converges to it.
    expect(report.summary.layers.every((s) => s.convergenceStep === null)).toBe(true);
  });

  it('resumes from the cells of an earlier run without comparing again', async () => {
    const set = discoverCheckpoints(single);
    const records: Record<string, unknown>[] = [];
    const first = await runConvergence(set, { jobs: 1, onCells: (cells) => records.push(...cells.map(cellRecord)) });
    const again = await runConvergence(set, { jobs: 1, previous: JSON.parse(JSON.stringify(records)) });
    expect(again.stats.resumed).toBe(first.stats.comparisons);
    expect(again.stats.loads).toBe(0);
    expect(again.cells).toEqual(JSON.parse(JSON.stringify(first.cells)));
    // Half a journal: only the missing comparisons run.
    const half = records.filter((r) => r.reference || (r.step as number) < 300);
    const partial = await runConvergence(set, { jobs: 1, previous: half });
    expect(partial.stats.resumed).toBe(3 * LAYERS);
    expect(partial.stats.loads).toBe(3 * LAYERS);
  });
});

describe('runConvergence (several runs)', () => {
  it('gives mean and std over the runs that have each step', async () => {
    const set = discoverCheckpoints(multi);
    expect(set.levels).toBe(3);
    expect(set.runs).toEqual(['seed1', 'seed2', 'seed3']);
    expect(set.warnings.join('\n')).toMatch(/run seed3 has no checkpoint for 1 step/);
    const report = await runConvergence(set, { jobs: 1 });
    const at = (step: number) => report.points.find((p) => p.layer === 'l1' && p.step === step && p.method === 'pwcca')!;
    expect(at(200).runs).toBe(2);
    expect(at(100).runs).toBe(3);
    const values = report.cells.filter((c) => c.layer === 'l1' && c.step === 100 && c.method === 'pwcca').map((c) => c.distance!);
    const mean = values.reduce((s, v) => s + v, 0) / 3;
    expect(at(100).mean).toBeCloseTo(mean, 14);
    expect(at(100).std).toBeCloseTo(Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / 3), 14);
    expect(report.summary.layers[0].perRun).toHaveLength(3);
  });
});

describe('runConvergence (failures)', () => {
  it('records a failed comparison in its cells and finishes the others', async () => {
    const root = writeRun(join(temporaryFolder('pwcca-convergence-bad-'), 'ckpt'), { steps: [1, 2, 3], layers: 2 });
    writeMatrixNpy(join(root, 'step_00002'), 'l0.npy', randomMatrix(50, 6, 5)); // wrong number of datapoints
    const report = await runConvergence(discoverCheckpoints(root), { jobs: 1 });
    const bad = report.cells.filter((c) => c.error);
    expect(bad.map((c) => `${c.layer}@${c.step}:${c.method}`)).toEqual(['l0@2:pwcca', 'l0@2:cca']);
    expect(bad[0].error!.exitCode).toBe(3);
    expect(report.stats.failed).toBe(1);
    expect(nonReference(report.cells).filter((c) => c.distance !== null)).toHaveLength(3 * 2);
  });
});

describe('runConvergence --directions', () => {
  it('tracks stable and unstable directions from the middle step on', async () => {
    const report = await runConvergence(discoverCheckpoints(single), { jobs: 1, directions: 2 });
    const directions = report.directions!;
    expect(directions.earlyStep).toBe(0);
    expect(directions.middleStep).toBe(300);
    expect(directions.steps).toEqual([400, 500]);
    expect(directions.tracks).toHaveLength(LAYERS);
    expect(directions.tracks.map((track) => ({ error: track.error, count: track.count }))).toEqual(directions.tracks.map(() => ({ error: undefined, count: 2 })));
    expect(directions.tracks.every((track) => track.stableCoefficients[0] >= track.unstableCoefficients[0])).toBe(true);
    const stable = directions.tracks.flatMap((track) => track.points.map((point) => point.stable));
    expect([Math.min(...stable) >= 0, Math.max(...stable) <= 1], 'stable values in [0, 1]').toEqual([true, true]);
    // l0..l2 have settled by step 300: their middle-step directions are all still there at 400 and 500.
    const l0 = directions.tracks.find((t) => t.layer === 'l0')!;
    const settled = l0.points.flatMap((point) => [point.stable, point.unstable]);
    expectClose(settled, settled.map(() => 1), 1e-8, 'l0 stable and unstable at 400 and 500');
  });

  it('goes through the engine: streamed on two threads, the same directions as loaded on one', async () => {
    const set = discoverCheckpoints(single);
    const loaded = await runDirections(set, { count: 2, jobs: 1, stream: false });
    const rows: number[] = [];
    const streamed = await runDirections(set, { count: 2, jobs: 2, stream: true, onRowsRead: (read) => rows.push(read) });
    // The streamed route did read the checkpoints in row chunks (it reports the rows it reads).
    expect(rows.length).toBeGreaterThan(0);
    const shape = (d: typeof loaded) => d.tracks.map((t) => ({ run: t.run, layer: t.layer, count: t.count, steps: t.points.map((p) => p.step), error: t.error }));
    expect(shape(streamed)).toEqual(shape(loaded));
    const numbers = (d: typeof loaded) =>
      d.tracks.flatMap((t) => [...t.stableCoefficients, ...t.unstableCoefficients, ...t.points.flatMap((p) => [...p.stableEach, ...p.unstableEach])]);
    expectClose(numbers(streamed), numbers(loaded), 1e-10, 'canonical correlations and direction values');
  });
});
