/**
 * Sequence activations for `timesteps` tests: an (N, T, C) array whose
 * timesteps share a slowly drifting signal, written as `ntc` and `nct` .npy
 * files and as one (N, C) .npy file per timestep.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { npyBytes } from '../../helpers/npy-file.js';
import { seededNormal } from '../../helpers/random.js';

export interface Sequence {
  readonly n: number;
  readonly t: number;
  readonly c: number;
  /** C-order (N, T, C) values. */
  readonly ntc: Float64Array;
}

/**
 * Timestep s mixes a latent signal (k dims per datapoint) that drifts with s
 * into c neurons, plus noise: neighbouring timesteps are close, far ones differ.
 */
export function makeSequence(n: number, t: number, c: number, seed: number): Sequence {
  const normal = seededNormal(seed);
  const k = 3;
  const latent = Float64Array.from({ length: n * k }, () => normal());
  const mix = Float64Array.from({ length: k * c }, () => normal());
  const ntc = new Float64Array(n * t * c);
  for (let s = 0; s < t; s++) {
    for (let i = 0; i < k; i++) latent[i] += 0.3 * normal(); // drift of the first datapoint's signal too
    for (let j = 0; j < latent.length; j++) latent[j] += 0.25 * normal();
    for (let r = 0; r < n; r++) {
      for (let col = 0; col < c; col++) {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += latent[r * k + j] * mix[j * c + col];
        ntc[(r * t + s) * c + col] = sum + 0.5 * normal();
      }
    }
  }
  return { n, t, c, ntc };
}

/** The (N, C, T) transpose. */
export function toNct(seq: Sequence): Float64Array {
  const out = new Float64Array(seq.ntc.length);
  for (let r = 0; r < seq.n; r++) {
    for (let s = 0; s < seq.t; s++) {
      for (let col = 0; col < seq.c; col++) out[(r * seq.c + col) * seq.t + s] = seq.ntc[(r * seq.t + s) * seq.c + col];
    }
  }
  return out;
}

/** Timestep s as an (N, C) array. */
export function sliceOf(seq: Sequence, s: number): Float64Array {
  const out = new Float64Array(seq.n * seq.c);
  for (let r = 0; r < seq.n; r++) out.set(seq.ntc.subarray((r * seq.t + s) * seq.c, (r * seq.t + s + 1) * seq.c), r * seq.c);
  return out;
}

/** Writes `<name>.npy` as (N, T, C) float64 into `folder` (created if needed); returns its path. */
export function writeNtc(folder: string, name: string, seq: Sequence): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.npy`);
  writeFileSync(path, npyBytes([seq.n, seq.t, seq.c], seq.ntc));
  return path;
}

/** Writes `<name>.npy` as (N, C, T) float64; returns its path. */
export function writeNct(folder: string, name: string, seq: Sequence): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.npy`);
  writeFileSync(path, npyBytes([seq.n, seq.c, seq.t], toNct(seq)));
  return path;
}

/** Writes every timestep as `<folder>/t<s>.npy` ((N, C) float64); returns the paths in time order. */
export function writeSlices(folder: string, seq: Sequence): string[] {
  mkdirSync(folder, { recursive: true });
  return Array.from({ length: seq.t }, (_, s) => {
    const path = join(folder, `t${s}.npy`);
    writeFileSync(path, npyBytes([seq.n, seq.c], sliceOf(seq, s)));
    return path;
  });
}
