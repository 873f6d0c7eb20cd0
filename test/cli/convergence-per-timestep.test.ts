/**
 * `pwcca convergence --per-timestep` in process: each timestep of a
 * sequence layer is a layer `<layer>@t<K>`, with exactly the numbers of a
 * plain convergence run over the timesteps saved as their own layer files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameCsv, runMain } from '../helpers/cli.js';
import { npyBytes } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { makeSequence, sliceOf, writeNtc, type Sequence } from '../studies/timesteps/helpers.js';

const temporaryFolder = useTemporaryFolders();
const STEPS = [0, 100, 200, 300];

let sequences: string;
let separate: string;

beforeAll(() => {
  const folder = temporaryFolder('pwcca-per-timestep-');
  // Both roots are called ckpt: the single run is named after its folder.
  sequences = join(folder, 'a', 'ckpt');
  separate = join(folder, 'b', 'ckpt');
  const final = makeSequence(60, 3, 4, 1);
  STEPS.forEach((step, index) => {
    const noise = makeSequence(60, 3, 4, 20 + index);
    const w = index / (STEPS.length - 1);
    const at: Sequence = { ...final, ntc: final.ntc.map((v, k) => w * v + (1 - w) * noise.ntc[k]) };
    const stepFolder = join(sequences, `step_${step}`);
    writeNtc(stepFolder, 'gru', at);
    writeFileSync(join(stepFolder, 'fc.npy'), npyBytes([60, 4], sliceOf(noise, 0)));
    const separateFolder = join(separate, `step_${step}`);
    mkdirSync(separateFolder, { recursive: true });
    for (let t = 0; t < 3; t++) writeFileSync(join(separateFolder, `gru@t${t}.npy`), npyBytes([60, 4], sliceOf(at, t)));
  });
});

describe('pwcca convergence --per-timestep', () => {
  it('gives one curve per timestep, equal to convergence over the timesteps saved as layers', async () => {
    const perTimestep = await runMain(['convergence', sequences, '--layout', 'ntc', '--per-timestep', '--format', 'csv', '--jobs', '1', '--method', 'all']);
    const plain = await runMain(['convergence', separate, '--format', 'csv', '--jobs', '1', '--quiet', '--method', 'all']);
    expect(perTimestep.code).toBe(0);
    expect(plain.code).toBe(0);
    const warnings = perTimestep.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings).toEqual([expect.stringMatching(/--per-timestep: left out 1 layer\(s\) that are not 3-D sequence arrays \(layout ntc\): fc \(.*fc\.npy: 60x4\)/)]);
    expect(perTimestep.stderr).toMatch(/3 layers \(gru@t0, gru@t1, gru@t2\), 9 comparisons/);
    expectSameCsv(perTimestep.stdout, plain.stdout, 1e-12);
    expect(perTimestep.stdout.split('\n').filter((line) => line.includes('gru@t2,100,'))).toHaveLength(4); // pwcca, cca, svcca, cka
  });

  it('keeps the layers in time order in the JSON summary', async () => {
    const run = await runMain(['convergence', sequences, '--layout', 'ntc', '--per-timestep', '--format', 'json', '--jobs', '1', '--quiet']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { layers: string[]; summary: { layers: Array<{ layer: string; depth: number; method: string }> } };
    expect(doc.layers).toEqual(['gru@t0', 'gru@t1', 'gru@t2']);
    expect(doc.summary.layers.filter((s) => s.method === 'pwcca').map((s) => [s.layer, s.depth])).toEqual([['gru@t0', 0], ['gru@t1', 1], ['gru@t2', 2]]);
  });

  it('needs a sequence layout', async () => {
    const run = await runMain(['convergence', sequences, '--per-timestep']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--layout ntc or --layout nct/);
  });
});
