#!/usr/bin/env node
/**
 * Writes the example data of `pwcca pairwise` (deterministic, pure JS):
 *
 *   node scripts/make-pairwise-fixtures.mjs
 *     -> fixtures/pairwise/runs/<group>/<network>/<layer>.npy and runs/meta.csv:
 *        two groups (trained, random) of three networks, two layers (fc1: 300 x 8,
 *        fc2: 300 x 12), float32. The "trained" networks share most of their
 *        signal, the "random" ones little, so within-group distances differ.
 *
 *   node scripts/make-pairwise-fixtures.mjs --large DIR [--networks 20] [--layers 4] [--rows 2000] [--cols 128]
 *     -> DIR/<network>/<layer>.npy, float32: the benchmark folder of the README.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npyFloat32Bytes, seededNormal } from './fixture-data.mjs';

function normalMatrix(rows, cols, seed) {
  const normal = seededNormal(seed);
  return Float64Array.from({ length: rows * cols }, () => normal());
}

/**
 * Activations of one layer: shared latent signal (rows x k) mixed into
 * `cols` neurons with the network's own weights, plus `noise` of its own,
 * through a ReLU-like softplus so neurons are not Gaussian.
 */
function layerActivations({ latent, k, rows, cols, seed, noise }) {
  const mix = normalMatrix(k, cols, seed);
  const own = normalMatrix(rows, cols, seed + 1);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += latent[r * k + j] * mix[j * cols + c];
      const pre = sum / Math.sqrt(k) + noise * own[r * cols + c];
      out[r * cols + c] = Math.log1p(Math.exp(pre));
    }
  }
  return out;
}

function write(path, rows, cols, values) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, npyFloat32Bytes(rows, cols, values));
}

function makeExamples(root) {
  const rows = 300;
  const k = 6;
  const layers = [
    { name: 'fc1', cols: 8 },
    { name: 'fc2', cols: 12 },
  ];
  const groups = [
    { name: 'trained', noise: 0.3, accuracy: [0.91, 0.93, 0.9] },
    { name: 'random', noise: 1.5, accuracy: [0.12, 0.1, 0.11] },
  ];
  const meta = ['network,test_accuracy,train_loss'];
  layers.forEach((layer, l) => {
    const latent = normalMatrix(rows, k, 1000 + l);
    groups.forEach((group, g) => {
      for (let s = 1; s <= 3; s++) {
        const network = `${group.name}/s${s}`;
        const seed = 10_000 * (l + 1) + 100 * g + s * 7;
        const values = layerActivations({ latent, k, rows, cols: layer.cols, seed, noise: group.noise });
        write(join(root, 'runs', group.name, `s${s}`, `${layer.name}.npy`), rows, layer.cols, values);
        if (l === 0) meta.push(`${network},${group.accuracy[s - 1]},${(1 - group.accuracy[s - 1]).toFixed(2)}`);
      }
    });
  });
  writeFileSync(join(root, 'runs', 'meta.csv'), `${meta.join('\n')}\n`);
}

function makeLarge(root, { networks, layers, rows, cols }) {
  const k = 32;
  for (let l = 0; l < layers; l++) {
    const latent = normalMatrix(rows, k, 1000 + l);
    for (let n = 1; n <= networks; n++) {
      const values = layerActivations({ latent, k, rows, cols, seed: 100_000 * (l + 1) + 17 * n, noise: 0.5 + 0.05 * n });
      write(join(root, `s${n}`, `layer${l + 1}.npy`), rows, cols, values);
    }
  }
}

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
if (args.includes('--large')) {
  const root = option('--large');
  makeLarge(root, {
    networks: Number(option('--networks', 20)),
    layers: Number(option('--layers', 4)),
    rows: Number(option('--rows', 2000)),
    cols: Number(option('--cols', 128)),
  });
  console.error(`wrote ${root}`);
} else {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pairwise');
  makeExamples(root);
  console.error(`wrote ${root}`);
}
