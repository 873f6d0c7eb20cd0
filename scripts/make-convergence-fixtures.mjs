#!/usr/bin/env node
/**
 * Writes fixtures/convergence/: a small synthetic training run for
 * `pwcca convergence`, deterministically (pure JS, seeded PRNG; no numpy).
 *
 *   fixtures/convergence/step_0000/{conv1,conv2,fc}.npy  ...  step_5000/...
 *
 * 6 steps x 3 layers, each 300 datapoints x 16 neurons, float32. Each layer has
 * a final representation F (a random nonlinear feature map of shared inputs).
 * At step index i the layer holds (w F + (1 - w) N_i) M_i with fresh noise N_i,
 * a fresh random invertible mixing M_i (CCA ignores it), and a progress w that
 * rises from 0.2 at the first step to 1 at step index 2 for conv1, 3 for conv2
 * and 4 for fc: earlier layers settle earlier (bottom-up), and once w = 1 the
 * layer is a linear map of its final state, so its distance to the last step
 * is ~0. Until then the fresh noise is the part that keeps changing, so
 * `--directions` separates stable from unstable directions in fc.
 *
 * Usage: node scripts/make-convergence-fixtures.mjs [outDir]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npyFloat32Bytes, seededNormal } from './fixture-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, '..', 'fixtures', 'convergence'));
const N = 300;
const D = 16;
const STEPS = [0, 1000, 2000, 3000, 4000, 5000];
const LAYERS = [
  { name: 'conv1', settlesAt: 2 },
  { name: 'conv2', settlesAt: 3 },
  { name: 'fc', settlesAt: 4 },
];

function randomMatrix(rows, cols, seed) {
  const normal = seededNormal(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => normal()) };
}

function multiply(a, b) {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}


rmSync(outDir, { recursive: true, force: true });
const inputs = randomMatrix(N, 8, 1);
LAYERS.forEach((layer, depth) => {
  // Final representation: a random nonlinear feature map of the shared inputs.
  const projection = randomMatrix(8, D, 100 + depth);
  const linear = multiply(inputs, projection);
  const final = { rows: N, cols: D, data: linear.data.map((v) => Math.tanh(0.5 * v) + 0.1 * v) };
  STEPS.forEach((step, index) => {
    const w = 0.2 + 0.8 * Math.min(1, index / layer.settlesAt);
    const noise = randomMatrix(N, D, 1000 + 37 * depth + index);
    const mixed = { rows: N, cols: D, data: final.data.map((v, k) => w * v + (1 - w) * noise.data[k]) };
    const mixing = randomMatrix(D, D, 5000 + 37 * depth + index);
    // A well-conditioned mixing: identity plus a small random part.
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) mixing.data[i * D + j] = (i === j ? 1 : 0) + 0.2 * mixing.data[i * D + j];
    }
    const activations = multiply(mixed, mixing);
    const folder = join(outDir, `step_${String(step).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${layer.name}.npy`), npyFloat32Bytes(N, D, activations.data));
  });
});
console.log(`wrote ${STEPS.length} steps x ${LAYERS.length} layers (${N} x ${D} float32) to ${outDir}`);
