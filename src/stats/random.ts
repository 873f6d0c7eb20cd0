/**
 * The seeded pseudo-random numbers of pwcca's resampling tests, so that a run
 * with the same seed repeats exactly on every machine.
 *
 * Generator: xoshiro128** 1.1 (Blackman and Vigna), 128 bits of state, whose
 * four 32-bit words are filled by SplitMix32 from the seed (low 32 bits first,
 * then the high bits of seeds up to 2^53). Integers below a bound use
 * rejection sampling (no modulo bias); permutations are Fisher-Yates shuffles
 * from the last index down.
 */
import { UsageError } from '../errors.js';

/** A stream of uniform 32-bit integers. */
export interface RandomSource {
  /** The next uniform integer in [0, 2^32). */
  nextUint32(): number;
}

/** Checks a seed: a whole number in [0, 2^53). */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`--seed must be a whole number from 0 to 2^53 - 1, got ${seed}`);
  }
}

/** xoshiro128** seeded from `seed` (see the module comment). */
export function seededRandom(seed: number): RandomSource {
  checkSeed(seed);
  let mix = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  // SplitMix32: a Weyl sequence through a 32-bit finaliser (murmur3-style).
  const splitMix = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = new Uint32Array(4);
  s[0] = splitMix();
  s[1] = splitMix();
  mix = (mix ^ high) >>> 0;
  s[2] = splitMix();
  s[3] = splitMix();
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point
  return xoshiro128StarStar(s);
}

/** The xoshiro128** generator on a given 4-word state (advanced in place). */
export function xoshiro128StarStar(s: Uint32Array): RandomSource {
  if (s.length !== 4) throw new RangeError(`xoshiro128** needs 4 state words, got ${s.length}`);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return {
    nextUint32(): number {
      const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
      const t = (s[1] << 9) >>> 0;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11);
      return result;
    },
  };
}

/** A uniform integer in [0, bound), bound in [1, 2^32], by rejection (Lemire's threshold). */
export function uniformInt(random: RandomSource, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
  // Accept only draws below the largest multiple of bound that fits in 2^32.
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const draw = random.nextUint32();
    if (draw < limit) return draw % bound;
  }
}

/** Shuffles `values` in place (Fisher-Yates, from the last index down). */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(values: T, random: RandomSource): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = uniformInt(random, i + 1);
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
  return values;
}

/** A uniformly random permutation of 0..n-1. */
export function randomPermutation(n: number, random: RandomSource): Int32Array {
  const permutation = new Int32Array(n);
  for (let i = 0; i < n; i++) permutation[i] = i;
  return shuffleInPlace(permutation, random);
}

/** n uniform draws from 0..n-1 with replacement (a bootstrap resample of row indices). */
export function resampleIndices(n: number, random: RandomSource): Int32Array {
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = uniformInt(random, n);
  return indices;
}
