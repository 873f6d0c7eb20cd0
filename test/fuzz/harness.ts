/**
 * Fuzz harness for pwcca's file readers.
 *
 * Plug a format in with one call in a test file:
 *
 * ```ts
 * fuzzFormat({
 *   name: 'npz',
 *   seeds: [{ name: 'two-members.npz', bytes }],      // valid files
 *   parse: (bytes, source) => parseNpz(bytes, source).data, // what pwcca does with the bytes
 *   reference: (bytes) => ...,                         // optional: independent decoding, or undefined
 * });
 * ```
 *
 * `fuzzFormat` registers one vitest test per format that mutates the seeds
 * (truncation, byte flips, corrupted 4- and 8-byte length fields, splices,
 * appended bytes; see ./mutate.ts) and runs `parse` on each input. It asserts,
 * per input:
 * - the outcome is either a value or a PwccaError with exit code 3 (InputError);
 *   any other exception fails, with the input's seed, index and mutation;
 * - a value is finite and, when `reference` decodes the same input, equal to it;
 * - memory is bounded by the input's size: the growth of
 *   process.memoryUsage().arrayBuffers and rss during the call stays under
 *   `memoryFactor` x size + 64 MiB (not exact, GC may run in between, but a
 *   declared size that allocates gigabytes shows up).
 * Time is not asserted: a hang shows up as the test's (generous) timeout.
 *
 * Inputs per format: `inputs`, else the PWCCA_FUZZ_INPUTS environment variable,
 * else 300. PWCCA_FUZZ_SEED changes the random seed (default 1).
 * PWCCA_FUZZ_REPORT names a JSON file the counts are appended to (one line
 * per format), which `npm run fuzz` collects.
 */
import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { PwccaError } from '../../src/errors.js';
import { createRandom, mutate } from './mutate.js';

export interface FuzzSeed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface FuzzFormat {
  /** Shown in the test name and the counts. */
  readonly name: string;
  /** Valid files the inputs are mutated from (each is also checked unmutated). */
  readonly seeds: readonly FuzzSeed[];
  /** Reads the bytes as pwcca would; returns the values (any order the reference uses) or throws. */
  readonly parse: (bytes: Uint8Array, source: string) => Float64Array | Promise<Float64Array>;
  /**
   * An independent decoding of the same bytes, or undefined when it cannot
   * decode them (then only finiteness is checked). Called only for inputs
   * `parse` accepted.
   */
  readonly reference?: (bytes: Uint8Array) => Float64Array | undefined;
  /** Mutated inputs per run (default: PWCCA_FUZZ_INPUTS or 300). */
  readonly inputs?: number;
  /** Allowed memory growth per input byte (default 80: a bool column as float64 is 64 x its bits). */
  readonly memoryFactor?: number;
}

/** Counts of one run, as written to PWCCA_FUZZ_REPORT. */
export interface FuzzCounts {
  format: string;
  seed: number;
  inputs: number;
  /** Inputs read as numbers (the mutation left a valid file). */
  read: number;
  /** Inputs refused with an InputError (exit 3). */
  refused: number;
  /** Inputs that broke an assertion (should be 0). */
  failed: number;
  /** Largest arrayBuffers growth seen, in bytes, and the slowest input, in ms (information only). */
  maxArrayBufferGrowth: number;
  slowestMs: number;
}

const MiB = 1024 * 1024;

/** Registers the fuzz test of one format. */
export function fuzzFormat(format: FuzzFormat): void {
  const inputs = format.inputs ?? Number(process.env.PWCCA_FUZZ_INPUTS ?? 300);
  const seed = Number(process.env.PWCCA_FUZZ_SEED ?? 1);
  it(`${format.name}: ${inputs} mutated inputs give a value or an InputError, in bounded memory`, async () => {
    const counts = await runFuzz(format, inputs, seed);
    if (process.env.PWCCA_FUZZ_REPORT) appendFileSync(process.env.PWCCA_FUZZ_REPORT, JSON.stringify(counts.counts) + '\n');
    expect(counts.failures, `${counts.failures.length} of ${inputs} inputs failed (seed ${seed})`).toEqual([]);
  }, 600_000);
}

/** Runs the campaign of one format; exported for scripts that want the counts without vitest's reporter. */
export async function runFuzz(format: FuzzFormat, inputs: number, seed: number): Promise<{ counts: FuzzCounts; failures: string[] }> {
  const random = createRandom(seed * 7919 + hash(format.name));
  const counts: FuzzCounts = { format: format.name, seed, inputs, read: 0, refused: 0, failed: 0, maxArrayBufferGrowth: 0, slowestMs: 0 };
  const failures: string[] = [];
  const all = format.seeds.map((s) => s.bytes);
  for (const seedFile of format.seeds) {
    const readBefore = counts.read;
    const problem = await check(format, seedFile.bytes, `${seedFile.name} (unmutated)`, counts);
    if (problem) failures.push(problem);
    else if (counts.read === readBefore) failures.push(`seed ${seedFile.name} must read as numbers, it was refused`);
  }
  counts.read = 0;
  counts.refused = 0;
  for (let index = 0; index < inputs; index++) {
    const seedFile = format.seeds[index % format.seeds.length];
    const mutation = mutate(seedFile.bytes, all, random);
    const problem = await check(format, mutation.bytes, `${seedFile.name} #${index} (${mutation.how})`, counts);
    if (problem) {
      counts.failed++;
      if (failures.length < 20) failures.push(problem);
    }
  }
  return { counts, failures };
}

async function check(format: FuzzFormat, bytes: Uint8Array, label: string, counts: FuzzCounts): Promise<string | undefined> {
  const before = process.memoryUsage();
  const started = performance.now();
  let values: Float64Array | undefined;
  try {
    values = await format.parse(bytes, 'fuzz-input');
  } catch (error) {
    if (!(error instanceof PwccaError) || error.exitCode !== 3) {
      return `${label}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
    if (error.message.includes('\n')) return `${label}: error message of several lines: ${error.message}`;
  }
  counts.slowestMs = Math.max(counts.slowestMs, performance.now() - started);
  const after = process.memoryUsage();
  const limit = (format.memoryFactor ?? 80) * bytes.length + 64 * MiB;
  const growth = after.arrayBuffers - before.arrayBuffers;
  counts.maxArrayBufferGrowth = Math.max(counts.maxArrayBufferGrowth, growth);
  if (growth > limit || after.rss - before.rss > limit + 192 * MiB) {
    return `${label}: memory grew by ${growth} bytes of buffers, ${after.rss - before.rss} of RSS for a ${bytes.length}-byte input`;
  }
  if (values === undefined) {
    counts.refused++;
    return undefined;
  }
  counts.read++;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return `${label}: value ${values[i]} at ${i} was returned`;
  }
  const expected = format.reference?.(bytes);
  if (expected !== undefined) {
    if (expected.length !== values.length) return `${label}: ${values.length} values, the reference decodes ${expected.length}`;
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(values[i], expected[i]) && values[i] !== expected[i]) return `${label}: value ${values[i]} at ${i}, the reference decodes ${expected[i]}`;
    }
  }
  return undefined;
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h >>> 0;
}
