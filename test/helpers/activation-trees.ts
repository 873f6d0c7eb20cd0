/**
 * Real-looking activation dumps for folder-level tests, written as .npy files
 * in temporary folders: 2-D (datapoints, neurons), conv maps stored NCHW or
 * NHWC, sequence outputs stored NTC or NCT, with dead (constant) neurons.
 * Files of one layer share a latent signal, so their similarities are
 * meaningful numbers rather than noise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { npyBytes } from './npy-file.js';
import { seededNormal } from './random.js';

/** Writes a C-ordered float64 .npy file (creating its folders) and returns its path. */
export function writeNpy(path: string, shape: readonly number[], data: ArrayLike<number>): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, npyBytes(shape, data));
  return path;
}

export interface SignalOptions {
  /** Seed of the latent signal shared by every file of one layer. */
  readonly layerSeed: number;
  /** Seed of this file's mixing weights and noise. */
  readonly seed: number;
  /** Noise added to every neuron (the latent has unit variance). */
  readonly noise?: number;
  /** Neurons (columns, from the last) that are constant 0: dead ReLUs. */
  readonly dead?: number;
}

/**
 * `rows x cols` activations: a 3-dimensional latent shared by the layer,
 * mixed into the neurons with per-file weights, plus per-file noise; the last
 * `dead` neurons are 0 everywhere.
 */
export function signal(rows: number, cols: number, options: SignalOptions): Float64Array {
  const k = 3;
  const shared = seededNormal(options.layerSeed);
  const latent = Float64Array.from({ length: rows * k }, () => shared());
  const own = seededNormal(options.seed);
  const mix = Float64Array.from({ length: k * cols }, () => own());
  const noise = options.noise ?? 0.7;
  const dead = options.dead ?? 0;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let value = noise * own();
      for (let j = 0; j < k; j++) value += latent[r * k + j] * mix[j * cols + c];
      out[r * cols + c] = c >= cols - dead ? 0 : value;
    }
  }
  return out;
}

/** A 2-D (datapoints, neurons) dump. */
export function writeDense(path: string, rows: number, cols: number, options: SignalOptions): string {
  return writeNpy(path, [rows, cols], signal(rows, cols, options));
}

/**
 * A conv map of `n` inputs, `c` channels and `h x w` positions, stored in
 * `order` (`nchw`, PyTorch; `nhwc`, TensorFlow). The same options give the
 * same activations in either order.
 */
export function writeConv(path: string, size: { n: number; c: number; h: number; w: number }, order: 'nchw' | 'nhwc', options: SignalOptions): string {
  const { n, c, h, w } = size;
  // Rows (n, h, w), columns c: the flattened matrix pwcca builds from either order.
  const flat = signal(n * h * w, c, options);
  const out = new Float64Array(flat.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const value = flat[((i * h + y) * w + x) * c + ch];
          const at = order === 'nhwc' ? ((i * h + y) * w + x) * c + ch : ((i * c + ch) * h + y) * w + x;
          out[at] = value;
        }
      }
    }
  }
  return writeNpy(path, order === 'nhwc' ? [n, h, w, c] : [n, c, h, w], out);
}

/** A sequence output of `n` inputs, `t` time steps and `c` units, stored `ntc` (batch-first RNN) or `nct`. */
export function writeSequence(path: string, size: { n: number; t: number; c: number }, order: 'ntc' | 'nct', options: SignalOptions): string {
  const { n, t, c } = size;
  const flat = signal(n * t, c, options);
  const out = new Float64Array(flat.length);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < t; s++) {
      for (let ch = 0; ch < c; ch++) out[order === 'ntc' ? (i * t + s) * c + ch : (i * c + ch) * t + s] = flat[(i * t + s) * c + ch];
    }
  }
  return writeNpy(path, order === 'ntc' ? [n, t, c] : [n, c, t], out);
}

/** Writes junk bytes under a name (a file pwcca cannot read). */
export function writeJunk(path: string, bytes = 64): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 37 + 11) % 256)));
  return path;
}
