/**
 * Seeded mutations of valid files for fuzz tests: truncations, bit flips and
 * overwritten length fields, biased towards the first and last bytes where
 * headers and directories live.
 */
import { seededRandom } from '../helpers/random.js';

export type Mutation = 'truncate' | 'flip' | 'length';

export interface Mutant {
  readonly bytes: Uint8Array;
  /** What was done, to reproduce a failure. */
  readonly description: string;
}

/** Values that break length fields: zero, all ones, sign boundaries, just past the end. */
function hostileValues(size: number): bigint[] {
  return [0n, 1n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0xffffffffffffffffn, 0x7fffffffffffffffn, BigInt(size + 1), BigInt(size * 2), 2n ** 40n];
}

/** A position, half the time within 512 bytes of either end of the file. */
function position(random: () => number, size: number): number {
  const roll = random();
  if (roll < 0.25) return Math.floor(random() * Math.min(512, size));
  if (roll < 0.5) return Math.max(0, size - 1 - Math.floor(random() * Math.min(512, size)));
  return Math.floor(random() * size);
}

/** One mutant of `original` of the given kind (the original is not modified). */
export function mutate(original: Uint8Array, kind: Mutation, random: () => number): Mutant {
  const bytes = new Uint8Array(original);
  const size = bytes.length;
  switch (kind) {
    case 'truncate': {
      const length = Math.floor(random() * size);
      return { bytes: bytes.subarray(0, length), description: `truncated to ${length}` };
    }
    case 'flip': {
      const flips = 1 + Math.floor(random() * 3);
      const done: string[] = [];
      for (let i = 0; i < flips; i++) {
        const at = position(random, size);
        const bit = Math.floor(random() * 8);
        bytes[at] ^= 1 << bit;
        done.push(`${at}:${bit}`);
      }
      return { bytes, description: `flipped bits ${done.join(',')}` };
    }
    case 'length': {
      const width = [2, 4, 8][Math.floor(random() * 3)];
      const at = Math.min(position(random, size), Math.max(0, size - width));
      const values = hostileValues(size);
      const value = values[Math.floor(random() * values.length)];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (width === 2 && at + 2 <= size) view.setUint16(at, Number(value & 0xffffn), true);
      if (width === 4 && at + 4 <= size) view.setUint32(at, Number(value & 0xffffffffn), true);
      if (width === 8 && at + 8 <= size) view.setBigUint64(at, value & 0xffffffffffffffffn, true);
      return { bytes, description: `wrote ${value} as ${width} bytes at ${at}` };
    }
  }
}

/** `count` mutants of `original`, cycling through the kinds, reproducible from `seed`. */
export function mutants(original: Uint8Array, count: number, seed: number): Mutant[] {
  const random = seededRandom(seed);
  const kinds: Mutation[] = ['truncate', 'flip', 'length'];
  return Array.from({ length: count }, (_, i) => mutate(original, kinds[i % kinds.length], random));
}

/**
 * Runs `body` while recording the largest typed array or ArrayBuffer that
 * code allocates through the global constructors (ours: every buffer sized
 * from a declared length). Returns the largest size in bytes.
 */
export async function largestAllocation(body: () => Promise<void>): Promise<number> {
  const names = ['Float64Array', 'Float32Array', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'Int32Array', 'ArrayBuffer'] as const;
  const originals = names.map((name) => globalThis[name]);
  let largest = 0;
  const global = globalThis as unknown as Record<string, unknown>;
  names.forEach((name, i) => {
    const Original = originals[i] as unknown as new (...args: unknown[]) => object;
    const bytesPer = name === 'ArrayBuffer' ? 1 : (Original as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    global[name] = new Proxy(Original, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') largest = Math.max(largest, args[0] * bytesPer);
        return Reflect.construct(target, args, newTarget === global[name] ? target : newTarget);
      },
    });
  });
  try {
    await body();
  } finally {
    names.forEach((name, i) => {
      global[name] = originals[i];
    });
  }
  return largest;
}
