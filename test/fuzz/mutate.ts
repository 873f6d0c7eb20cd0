/**
 * Seeded mutations of valid files, the kinds of damage real files suffer and
 * hostile files carry: truncation, byte flips, corrupted length fields,
 * splices of other bytes, and appended garbage.
 */
import { seededRandom } from '../helpers/random.js';

/** The seeded generator of the mutations, so every input can be regenerated from (seed, index). */
export const createRandom = seededRandom;

export interface Mutation {
  readonly bytes: Uint8Array;
  /** What was done, to reproduce and explain a failure. */
  readonly how: string;
}

/** Values that make length and offset fields interesting: zero, negative, huge, just off. */
function interestingValues(size: number, old: number): number[] {
  return [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 25, 2 ** 30, size, size * 2, size - 1, old + 1, old - 1, old + 8, old * 2, old * 4096, 0x7fff, 0xffff];
}

/**
 * One mutation of `bytes` (chosen with `random`); `others` are the other seeds,
 * a source of plausible bytes to splice in.
 */
export function mutate(bytes: Uint8Array, others: readonly Uint8Array[], random: () => number): Mutation {
  const pick = (n: number) => Math.floor(random() * n);
  const size = bytes.length;
  const kind = pick(6);
  const copy = Uint8Array.from(bytes);
  switch (kind) {
    case 0: {
      const length = pick(size);
      return { bytes: bytes.slice(0, length), how: `truncate to ${length}` };
    }
    case 1: {
      const count = 1 + pick(4);
      const at: number[] = [];
      for (let i = 0; i < count; i++) {
        const position = pick(size);
        copy[position] = random() < 0.5 ? copy[position] ^ (1 << pick(8)) : pick(256);
        at.push(position);
      }
      return { bytes: copy, how: `flip bytes at ${at.join(',')}` };
    }
    case 2:
    case 3: {
      // A 4- or 8-byte little-endian field, aligned as the formats align theirs.
      const width = kind === 2 ? 4 : 8;
      if (size < width) return { bytes: copy, how: 'unchanged (too short)' };
      const position = pick(Math.floor(size / width)) * width - (random() < 0.2 ? 2 : 0);
      const at = Math.max(0, Math.min(size - width, position));
      const view = new DataView(copy.buffer);
      const old = width === 4 ? view.getInt32(at, true) : Number(view.getBigInt64(at, true));
      const choices = interestingValues(size, old);
      const value = choices[pick(choices.length)];
      if (width === 4) view.setInt32(at, value | 0, true);
      else view.setBigInt64(at, BigInt(Math.trunc(value)), true);
      return { bytes: copy, how: `int${width * 8} at ${at}: ${old} -> ${value}` };
    }
    case 4: {
      // Splice: a range of this or another seed copied over a range of this one.
      const source = others.length > 0 && random() < 0.5 ? others[pick(others.length)] : bytes;
      const length = 1 + pick(Math.min(64, source.length));
      const from = pick(Math.max(1, source.length - length));
      const to = pick(Math.max(1, size - 1));
      const spliced = Buffer.concat([copy.subarray(0, to), source.subarray(from, from + length), copy.subarray(to + (random() < 0.5 ? length : 0))]);
      return { bytes: new Uint8Array(spliced), how: `splice ${length} bytes from ${from} at ${to}` };
    }
    default: {
      const extra = Uint8Array.from({ length: 1 + pick(64) }, () => pick(256));
      return { bytes: new Uint8Array(Buffer.concat([copy, extra])), how: `append ${extra.length} bytes` };
    }
  }
}

/** A mutated input and how it was made. */
export interface Mutant {
  readonly bytes: Uint8Array;
  readonly description: string;
}

/** `count` mutants of `original` (see {@link mutate}), reproducible from `seed`. */
export function mutants(original: Uint8Array, count: number, seed: number): Mutant[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const { bytes, how } = mutate(original, [], random);
    return { bytes, description: how };
  });
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
