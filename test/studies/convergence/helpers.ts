import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildMatrix, type Matrix } from '../../../src/types.js';
import { writeMatrixNpy } from '../../helpers/npy-file.js';
import { multiplyMatrices, randomMatrix } from '../../helpers/random.js';

/**
 * A synthetic training run: layer i (depth order l0, l1, ...) reaches its final
 * representation at step index i + 1 and stays there up to an invertible
 * linear map (distance ~0), so layer i converges at step index i + 1.
 * Before that it is a blend of the final state and fresh noise.
 */
export function layerAt(n: number, d: number, layer: number, stepIndex: number, seed: number): Matrix {
  const final = randomMatrix(n, d, seed * 1000 + layer);
  const settlesAt = layer + 1;
  const w = Math.min(1, stepIndex / settlesAt);
  const noise = randomMatrix(n, d, seed * 1000 + 100 + 10 * layer + stepIndex);
  const blend = buildMatrix(n, d, final.data.map((v, k) => w * v + (1 - w) * noise.data[k]));
  const mixing = randomMatrix(d, d, seed * 1000 + 500 + 10 * layer + stepIndex);
  for (let i = 0; i < d; i++) mixing.data[i * d + i] += 3; // well conditioned
  return multiplyMatrices(blend, mixing);
}

/** Writes ROOT/<stepName>/<layer>.npy for the given steps and layers; returns the root. */
export function writeRun(root: string, options: { steps: number[]; layers: number; n?: number; d?: number; seed?: number; stepName?: (step: number) => string }): string {
  const { steps, layers, n = 120, d = 6, seed = 1 } = options;
  const name = options.stepName ?? ((step: number) => `step_${String(step).padStart(5, '0')}`);
  steps.forEach((step, index) => {
    const folder = join(root, name(step));
    mkdirSync(folder, { recursive: true });
    for (let layer = 0; layer < layers; layer++) writeMatrixNpy(folder, `l${layer}.npy`, layerAt(n, d, layer, index, seed));
  });
  return root;
}
