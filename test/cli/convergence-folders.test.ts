/**
 * `pwcca convergence` on real-looking checkpoint folders, through the CLI
 * in-process: a layer that fails at every step, a tree laid out by layer,
 * groups of runs, the directions' steps, and the warnings and failures a
 * user sees.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDense, writeJunk, writeNpy } from '../helpers/activation-trees.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { compareBothOrders, convergenceCellsAgainstCompare, type ConvergenceDoc } from '../helpers/in-process.js';
import { runMain } from '../helpers/cli.js';

const temporaryFolder = useTemporaryFolders();
const temporary = () => temporaryFolder('pwcca-convergence-folders-');
const TIMEOUT = 120_000;
const STEPS = [0, 100, 200, 300];

/**
 * ROOT/step_<s>/<layer>.npy for layer1 (settles at step 100), layer2
 * (settles at 200) and layer3, which is all zeros at every step (a
 * collapsed layer: every comparison fails). Files before a layer settles
 * have a few dead units, so no pair has tied ranks.
 */
function writeRunWithDeadLayer(root: string): string {
  STEPS.forEach((step, s) => {
    const folder = join(root, `step_${step}`);
    writeDense(join(folder, 'layer1.npy'), 60, 6, step >= 100 ? { layerSeed: 1, seed: 10, dead: 0 } : { layerSeed: 1, seed: 11 + s, dead: 1 });
    writeDense(join(folder, 'layer2.npy'), 60, 6, step >= 200 ? { layerSeed: 2, seed: 20, dead: 0 } : { layerSeed: 2, seed: 21 + s, dead: 1 + s });
    writeNpy(join(folder, 'layer3.npy'), [60, 5], new Float64Array(300));
  });
  return root;
}

async function convergenceJson(args: readonly string[]) {
  const run = await runMain(['convergence', ...args, '--format', 'json', '--jobs', '1']);
  return { ...run, doc: run.code === 0 || run.code === 5 ? (JSON.parse(run.stdout) as ConvergenceDoc & Record<string, any>) : undefined };
}

describe('a layer that failed at every step', () => {
  it('is not converged: null in JSON, - in the table, out of the bottom-up score, named in the summary', async () => {
    const root = writeRunWithDeadLayer(temporary());
    const { code, doc } = await convergenceJson([root, '--method', 'pwcca', '-q']);
    expect(code).toBe(5);
    const summary = doc!.summary;
    expect(summary.layers.find((l: { layer: string }) => l.layer === 'layer3')).toMatchObject({
      layer: 'layer3',
      convergenceStep: null,
      auc: null,
      aucNormalised: null,
    });
    expect(summary.layers.find((l: { layer: string }) => l.layer === 'layer1').convergenceStep).toBe(100);
    expect(summary.layers.find((l: { layer: string }) => l.layer === 'layer2').convergenceStep).toBe(200);
    expect(summary.bottomUp[0]).toMatchObject({ method: 'pwcca', layersConverged: 2, failedLayers: ['layer3'] });

    const table = await runMain(['convergence', root, '--method', 'pwcca', '--jobs', '1']);
    const row = table.stdout.split('\n').find((line) => line.startsWith('layer3'))!;
    // The last two columns: converged step and AUC/range.
    expect(row.trim().split(/\s+/).slice(-2)).toEqual(['-', '-']);
    expect(table.stdout).toMatch(/bottom-up: .*over 2 layers.*layer3.*(failed|left out)/);
    expect(table.stdout).not.toMatch(/^layer3 .*\b300\b/m);
  }, TIMEOUT);

  it('the other layers\' cells equal compare in both argument orders', async () => {
    const root = writeRunWithDeadLayer(temporary());
    const { doc } = await convergenceJson([root, '--layers', 'layer1,layer2', '-q']);
    const pathOf = (_run: string, layer: string, step: number) => join(root, `step_${step}`, `${layer}.npy`);
    expect(await convergenceCellsAgainstCompare(doc!, pathOf, 300)).toEqual([]);
  }, TIMEOUT);
});

describe('orientation of a two-level tree', () => {
  /** ROOT/<layer>/step_<s>.npy: folders are layers, files are steps. */
  function writeByLayer(root: string, layers: readonly string[]): string {
    layers.forEach((layer, l) =>
      [0, 1000, 2000].forEach((step, s) =>
        writeDense(join(root, layer, `step_${String(step).padStart(4, '0')}.npy`), 50, 5, { layerSeed: 50 + l, seed: s === 2 ? 7 : 60 + s, dead: s === 2 ? 0 : 1 + s }),
      ),
    );
    return root;
  }

  it('ROOT/fc1/step_0000.npy without --by-layer never takes steps from layer names', async () => {
    const root = writeByLayer(temporary(), ['fc1', 'fc2']);
    const run = await runMain(['convergence', root, '--format', 'json', '--jobs', '1']);
    if (run.code === 0) {
      const doc = JSON.parse(run.stdout);
      expect(doc.layers).toEqual(['fc1', 'fc2']);
      expect(doc.steps).toEqual([0, 1000, 2000]);
    } else {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/hint: .*--by-layer/);
    }
  }, TIMEOUT);

  it('detects folders as layers when only the file names have integers', async () => {
    const root = writeByLayer(temporary(), ['conv', 'fc']);
    const { code, doc } = await convergenceJson([root, '-q']);
    expect(code).toBe(0);
    expect(doc!.layers).toEqual(['conv', 'fc']);
    expect(doc!.steps).toEqual([0, 1000, 2000]);
    const explicit = await convergenceJson([root, '--by-layer', '-q']);
    expect(explicit.doc!.cells).toEqual(doc!.cells);
  }, TIMEOUT);

  it('keeps ROOT/step_0/layer1.npy the usual way round', async () => {
    const root = temporary();
    [0, 1, 2].forEach((step) => ['layer1', 'layer2'].forEach((layer, l) => writeDense(join(root, `step_${step}`, `${layer}.npy`), 50, 5, { layerSeed: l, seed: step, dead: step })));
    const { code, doc } = await convergenceJson([root, '-q']);
    expect(code).toBe(0);
    expect(doc!.layers).toEqual(['layer1', 'layer2']);
    expect(doc!.steps).toEqual([0, 1, 2]);
  }, TIMEOUT);
});

describe('convergence inputs and hints', () => {
  it('convergence - is a usage error, not a missing folder named -', async () => {
    const run = await runMain(['convergence', '-']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/ENOENT|scandir/);
    expect(run.stderr).toMatch(/standard input/);
    expect(run.stderr).toMatch(/hint:/);
  });

  it('a folder of files pwcca cannot read says what it found and what to do', async () => {
    const root = temporary();
    for (const step of [0, 1, 2]) writeJunk(join(root, `step_${step}`, 'fc1.pkl'));
    for (const step of [0, 1]) writeJunk(join(root, `step_${step}`, 'fc1.mat'));
    const run = await runMain(['convergence', root]);
    expect([2, 3]).toContain(run.code);
    expect(run.stderr).toMatch(/3 \.pkl files, 2 \.mat files/);
    expect(run.stderr).toMatch(/hint: .*(np\.save|\.npy)/);
  });
});

describe('failures', () => {
  it('a checkpoint with a different number of datapoints: each failure line names each file once', async () => {
    const root = temporary();
    STEPS.forEach((step, s) => writeDense(join(root, `step_${step}`, 'fc1.npy'), s === 1 ? 50 : 60, 6, { layerSeed: 5, seed: 50 + s, dead: s }));
    const run = await runMain(['convergence', root, '--jobs', '1']);
    expect(run.code).toBe(5);
    const lines = [...run.stderr.split('\n'), ...run.stdout.split('\n')].filter((line) => line.includes('datapoints'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      for (const step of STEPS) {
        const path = join(root, `step_${step}`, 'fc1.npy');
        expect(line.split(path).length - 1, line).toBeLessThanOrEqual(1);
      }
    }
  }, TIMEOUT);
});

describe('a reference checkpoint with a different number of datapoints', () => {
  it('is named once, as the file that disagrees, not once per step', async () => {
    const root = temporary();
    STEPS.forEach((step, s) => writeDense(join(root, `step_${step}`, 'fc1.npy'), step === 300 ? 50 : 60, 6, { layerSeed: 5, seed: 50 + s, dead: s }));
    const run = await runMain(['convergence', root, '--jobs', '1']);
    expect(run.code).toBe(5);
    const odd = join(root, 'step_300', 'fc1.npy');
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('pwcca: failed:'));
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/fc1 \/ 3 steps: /);
    expect(lines[0]).toContain(`${odd} has 50 datapoints where the other 3 checkpoints of layer fc1 have 60`);
    for (const step of [0, 100, 200]) expect(lines[0]).not.toContain(join(root, `step_${step}`, 'fc1.npy'));
  }, TIMEOUT);
});

describe('warnings', () => {
  it('dead neurons in every file: one warning per file, none for layers left out by --layers', async () => {
    const root = temporary();
    STEPS.forEach((step, s) => {
      writeDense(join(root, `step_${step}`, 'fc1.npy'), 60, 6, { layerSeed: 3, seed: 30 + s, dead: 1 + (s % 2) });
      writeDense(join(root, `step_${step}`, 'fc2.npy'), 60, 6, { layerSeed: 4, seed: 40 + s, dead: 1 + (s % 2) });
    });
    const run = await runMain(['convergence', root, '--layers', 'fc1', '--jobs', '1']);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning'));
    for (const step of STEPS) {
      const path = join(root, `step_${step}`, 'fc1.npy');
      expect(warnings.filter((line) => line.includes(path)), path).toHaveLength(1);
    }
    expect(run.stderr).not.toMatch(/fc2/);
  }, TIMEOUT);
});

describe('groups of runs: ROOT/<group>/<run>/<step>/<layer>', () => {
  function writeGroups(root: string): string {
    const runs = ['cnn/s0', 'cnn/s1', 'cnn/s2', 'mlp/s0', 'mlp/s1'];
    runs.forEach((run, r) =>
      [0, 10, 20].forEach((step, s) =>
        ['fc1', 'fc2'].forEach((layer, l) =>
          writeDense(join(root, run, `step_${step}`, `${layer}.npy`), 60, 6, {
            layerSeed: 70 + l + 10 * r,
            seed: s === 2 ? 900 + r : 800 + r * 10 + s,
            dead: s === 2 ? 0 : 1 + s,
          }),
        ),
      ),
    );
    return root;
  }

  it('per-group curves: mean and population std over the group\'s runs, and per-group summaries', async () => {
    const root = writeGroups(temporary());
    const { code, doc } = await convergenceJson([root, '--method', 'pwcca', '-q']);
    expect(code).toBe(0);
    expect(doc!.groups).toEqual(['cnn', 'mlp']);
    const pathOf = (run: string, layer: string, step: number) => join(root, run, `step_${step}`, `${layer}.npy`);
    expect(await convergenceCellsAgainstCompare(doc!, pathOf, 20)).toEqual([]);

    const expected: string[] = [];
    const got: string[] = [];
    for (const [group, runs] of [['cnn', ['cnn/s0', 'cnn/s1', 'cnn/s2']], ['mlp', ['mlp/s0', 'mlp/s1']]] as const) {
      for (const layer of ['fc1', 'fc2']) {
        const distances = await Promise.all(runs.map(async (run) => 1 - (await compareBothOrders(pathOf(run, layer, 0), pathOf(run, layer, 20))).ab.pwcca.similarity));
        const mean = distances.reduce((sum, d) => sum + d, 0) / distances.length;
        const std = Math.sqrt(distances.reduce((sum, d) => sum + (d - mean) ** 2, 0) / distances.length);
        expected.push(`${group} ${layer}: ${mean.toFixed(12)} ± ${std.toFixed(12)} over ${runs.length}`);
        const point = doc!.table.find((p: any) => p.group === group && p.layer === layer && p.step === 0 && p.method === 'pwcca');
        got.push(`${group} ${layer}: ${point?.mean?.toFixed(12)} ± ${point?.std?.toFixed(12)} over ${point?.runs}`);
      }
    }
    expect(got).toEqual(expected);
    const summaryGroups = new Set(doc!.summary.layers.map((l: { group: string }) => l.group));
    expect([...summaryGroups].sort()).toEqual(['cnn', 'mlp']);
    expect(doc!.summary.bottomUp.map((b: { group: string }) => b.group).sort()).toEqual(['cnn', 'mlp']);

    const table = await runMain(['convergence', root, '--method', 'pwcca', '--jobs', '1', '-q']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/cnn.*mean ± std over 3 runs/);
    expect(table.stdout).toMatch(/mlp.*mean ± std over 2 runs/);
  }, TIMEOUT);

  it('--directions with groups: the means are per group', async () => {
    const root = writeGroups(temporary());
    const { code, doc } = await convergenceJson([root, '--method', 'pwcca', '--directions', '1', '-q']);
    expect(code).toBe(0);
    const mean = doc!.directions.mean as Array<{ group: string; layer: string; stable: { runs: number } }>;
    expect(mean.map((p) => `${p.group} ${p.layer} ${p.stable.runs}`)).toEqual(['cnn fc1 3', 'cnn fc2 3', 'mlp fc1 2', 'mlp fc2 2']);
  }, TIMEOUT);
});

describe('--directions-steps', () => {
  function writeFiveSteps(root: string): string {
    [0, 1, 2, 3, 4].forEach((step) => writeDense(join(root, `step_${step}`, 'fc.npy'), 80, 6, { layerSeed: 90, seed: 91 + step, dead: step % 2 }));
    return root;
  }

  it('takes the early and late steps from --directions-steps (default: first and middle)', async () => {
    const root = writeFiveSteps(temporary());
    const chosen = await convergenceJson([root, '--directions', '1', '--directions-steps', '1,3', '-q']);
    expect(chosen.code).toBe(0);
    expect(chosen.doc!.directions).toMatchObject({ earlyStep: 1, middleStep: 3, steps: [4] });
    const fallback = await convergenceJson([root, '--directions', '1', '-q']);
    expect(fallback.doc!.directions).toMatchObject({ earlyStep: 0, middleStep: 2, steps: [3, 4] });
  }, TIMEOUT);

  it('is a usage error without --directions, or with steps that do not exist or are out of order', async () => {
    const root = writeFiveSteps(temporary());
    for (const args of [['--directions-steps', '1,3'], ['--directions', '1', '--directions-steps', '1,7'], ['--directions', '1', '--directions-steps', '3,1']]) {
      const run = await runMain(['convergence', root, '--jobs', '1', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/--directions/);
    }
  }, TIMEOUT);
});
