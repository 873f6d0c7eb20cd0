import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverCheckpointArrays, discoverCheckpoints } from '../../../src/studies/convergence/discover.js';
import { runConvergence } from '../../../src/studies/convergence/run.js';
import { npyBytes } from '../../helpers/npy-file.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { buildSafetensors, buildZip } from '../../io/format-builders.js';
import { layerAt, writeRun } from './helpers.js';

const temporaryFolder = useTemporaryFolders();
const STEPS = [0, 100, 200, 300];
const LAYERS = 3;
let npyRoot: string;
let arrayRoot: string;

beforeAll(() => {
  const base = temporaryFolder('pwcca-convergence-arrays-');
  npyRoot = writeRun(join(base, 'npy'), { steps: STEPS, layers: LAYERS });
  // The same activations as one multi-array file per step: .npz for most steps, safetensors for one,
  // each with a scalar entry that is not a layer.
  arrayRoot = join(base, 'arrays');
  mkdirSync(arrayRoot);
  STEPS.forEach((step, index) => {
    const name = `step_${String(step).padStart(5, '0')}`;
    const layers = Array.from({ length: LAYERS }, (_, layer) => layerAt(120, 6, layer, index, 1));
    if (index === 2) {
      const tensors = Object.fromEntries(
        layers.map((matrix, layer) => [`l${layer}`, { dtype: 'F64', shape: [matrix.rows, matrix.cols], data: new Uint8Array(matrix.data.buffer) }]),
      );
      writeFileSync(join(arrayRoot, `${name}.safetensors`), buildSafetensors({ ...tensors, lr: { dtype: 'F64', shape: [1], data: new Uint8Array(8) } }));
    } else {
      const members = Object.fromEntries(layers.map((matrix, layer) => [`l${layer}.npy`, npyBytes([matrix.rows, matrix.cols], matrix.data)]));
      writeFileSync(join(arrayRoot, `${name}.npz`), buildZip({ ...members, 'lr.npy': npyBytes([1], [0.1]) }));
    }
  });
});

describe('discoverCheckpointArrays', () => {
  it('reads ROOT/<step>.npz with one key per layer as the <step>/<layer> tree', async () => {
    const set = await discoverCheckpointArrays(arrayRoot);
    const reference = discoverCheckpoints(npyRoot);
    expect({ levels: set.levels, steps: set.steps, layers: set.layers }).toEqual({ levels: reference.levels, steps: reference.steps, layers: reference.layers });
    expect(set.warnings).toEqual([expect.stringMatching(/^skipped 4 array\(s\) that are not 2-D or more/)]);
    expect(set.files[0].path).toMatch(/step_00000\.npz#l0$/);
  });

  it('gives the numbers of the .npy tree holding the same data', async () => {
    const fromArrays = await runConvergence(await discoverCheckpointArrays(arrayRoot), { jobs: 1 });
    const fromNpy = await runConvergence(discoverCheckpoints(npyRoot), { jobs: 1 });
    const cells = (report: typeof fromNpy) => report.cells.map((cell) => [cell.layer, cell.step, cell.method, cell.similarity, cell.error]);
    expect(fromArrays.stats.failed).toBe(0);
    expect(fromNpy.cells.filter((cell) => !cell.reference && typeof cell.similarity === 'number')).toHaveLength((STEPS.length - 1) * LAYERS * 2);
    expect(cells(fromArrays)).toEqual(cells(fromNpy));
  });
});
