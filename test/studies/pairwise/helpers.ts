/**
 * Test inputs for `pairwise`: .npy bytes (version 1 header, little-endian
 * float64/float32, C order) and folder trees of correlated activations.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { npyBytes } from '../../helpers/npy-file.js';
import { seededNormal } from '../../helpers/random.js';

/**
 * Activations sharing a latent signal: `latent` (rows x k) mixed into `cols`
 * neurons with seeded weights, plus seeded noise of size `noise`.
 */
export function sharedSignal(latent: Float64Array, k: number, rows: number, cols: number, seed: number, noise: number): Float64Array {
  const normal = seededNormal(seed);
  const mix = Float64Array.from({ length: k * cols }, () => normal());
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += latent[r * k + j] * mix[j * cols + c];
      out[r * cols + c] = sum + noise * normal();
    }
  }
  return out;
}

export interface TreeSpec {
  readonly networks: readonly string[];
  /** Layer name -> neurons, or a function of the network's index for different widths. */
  readonly layers: Readonly<Record<string, number | ((network: number) => number)>>;
  readonly rows: number;
  readonly dtype?: '<f8' | '<f4';
  readonly seed?: number;
}

/** Writes ROOT/<network>/<layer>.npy for every network and layer; returns the root. */
export function writeTree(root: string, spec: TreeSpec): string {
  const k = 4;
  Object.entries(spec.layers).forEach(([layer, width], l) => {
    const normal = seededNormal((spec.seed ?? 1) * 1000 + l);
    const latent = Float64Array.from({ length: spec.rows * k }, () => normal());
    spec.networks.forEach((network, n) => {
      const cols = typeof width === 'number' ? width : width(n);
      const values = sharedSignal(latent, k, spec.rows, cols, (spec.seed ?? 1) * 7919 + l * 101 + n, 0.5 + 0.3 * n);
      const path = join(root, network, `${layer}.npy`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, npyBytes([spec.rows, cols], values, spec.dtype));
    });
  });
  return root;
}
