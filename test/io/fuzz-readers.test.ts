/**
 * Seeded fuzzing of the container readers: a few hundred truncated,
 * bit-flipped and length-corrupted variants of valid files per format. Each
 * must either read or fail with an InputError (never another exception), and
 * no buffer may be sized past a small multiple of the file from a declared
 * length.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { listArrays, loadMatrix } from '../../src/io/load.js';
import { parseArrays } from '../../src/io/open.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { largestAllocation, mutants, type Mutant } from '../fuzz/mutate.js';
import { buildSafetensors, buildTorchFile, buildZip, littleEndianBytes, PickleWriter, writeTensor } from './format-builders.js';
import { buildNpy, iota } from './helpers.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/formats');
const VARIANTS = 300;
const temporaryFolder = useTemporaryFolders();

/** Allowed allocation: a fixed 16 MiB (deflate may expand 1032:1) plus 64 times the file. */
const allowance = (size: number) => 16 * 1024 * 1024 + 64 * size;

interface Outcome {
  readonly description: string;
  readonly problem?: string;
}

/** Messages are one line of text: no control characters. */
function hasControlCharacters(message: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(message);
}

/** Reads every array of a mutant; returns a problem description when the reader misbehaved. */
async function tryMutant(mutant: Mutant, name: string): Promise<Outcome> {
  let thrown: unknown;
  const largest = await largestAllocation(async () => {
    try {
      const { entries } = await parseArrays(mutant.bytes, name);
      for (const entry of entries) {
        entry.check?.();
        await entry.read();
      }
    } catch (error) {
      thrown = error;
    }
  });
  if (thrown !== undefined && !(thrown instanceof InputError)) {
    return { description: mutant.description, problem: `${(thrown as Error)?.name}: ${(thrown as Error)?.message}` };
  }
  if (thrown instanceof InputError && hasControlCharacters(thrown.message)) return { description: mutant.description, problem: `control characters in the message: ${JSON.stringify(thrown.message)}` };
  if (largest > allowance(mutant.bytes.length)) return { description: mutant.description, problem: `allocated ${largest} bytes for a ${mutant.bytes.length}-byte file` };
  return { description: mutant.description };
}

async function fuzz(original: Uint8Array, name: string, seed: number, variants = VARIANTS): Promise<void> {
  const problems: Outcome[] = [];
  for (const mutant of mutants(original, variants, seed)) {
    const outcome = await tryMutant(mutant, name);
    if (outcome.problem) problems.push(outcome);
  }
  // One comparison: the list of misbehaving variants (with how to rebuild them) must be empty.
  expect(problems.slice(0, 5)).toEqual([]);
}

const small = {
  a: buildNpy([3, 4], 'f8', iota(12, 0.5)),
  b: buildNpy([2, 5], 'f4', iota(10)),
};

function smallTorch(): { pickle: Uint8Array; file: Uint8Array } {
  const w = new PickleWriter().emptyDict().mark().str('fc1');
  writeTensor(w, { key: '0', storageType: 'FloatStorage', numel: 12, size: [3, 4], stride: [4, 1] });
  w.str('fc2');
  writeTensor(w, { key: '1', storageType: 'DoubleStorage', numel: 12, offset: 1, size: [2, 5], stride: [5, 1] });
  w.setItems();
  const pickle = w.stop();
  return { pickle, file: buildTorchFile(pickle, { '0': littleEndianBytes('f4', iota(12)), '1': littleEndianBytes('f8', iota(12)) }) };
}

describe('fuzzed readers: only InputErrors, bounded allocations', () => {
  it('the allocation tracker sees what a reader allocates', async () => {
    const largest = await largestAllocation(async () => {
      const { entries } = await parseArrays(buildZip({ 'a.npy': buildNpy([100, 100], 'f4', iota(10000)) }), 'x.npz');
      await entries[0].read();
    });
    expect(largest).toBeGreaterThanOrEqual(100 * 100 * 8);
  });

  it('.npz, stored', async () => {
    await fuzz(buildZip({ 'a.npy': small.a, 'b.npy': small.b }), 'x.npz', 1);
  }, 120_000);

  it('.npz, deflated', async () => {
    await fuzz(buildZip({ 'a.npy': small.a, 'b.npy': small.b }, true), 'x.npz', 2);
  }, 120_000);

  it('.npz written by numpy (stored and deflated)', async () => {
    await fuzz(readFileSync(join(fixtures, 'layers_stored.npz')), 'layers_stored.npz', 3, 150);
    await fuzz(readFileSync(join(fixtures, 'layers_deflated.npz')), 'layers_deflated.npz', 4, 150);
  }, 120_000);

  it('.npz members with a mutated .npy inside a valid zip', async () => {
    const problems: Outcome[] = [];
    for (const mutant of mutants(small.a, VARIANTS, 5)) {
      const outcome = await tryMutant({ bytes: buildZip({ 'a.npy': mutant.bytes }), description: mutant.description }, 'x.npz');
      if (outcome.problem) problems.push(outcome);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  }, 120_000);

  it('torch.save archives', async () => {
    await fuzz(smallTorch().file, 'x.pt', 6);
    await fuzz(readFileSync(join(fixtures, 'nested_dict.pt')), 'nested_dict.pt', 7, 150);
  }, 120_000);

  it('torch.save pickles, mutated inside a valid zip (the interpreter itself)', async () => {
    const { pickle } = smallTorch();
    const storages = { '0': littleEndianBytes('f4', iota(12)), '1': littleEndianBytes('f8', iota(12)) };
    const problems: Outcome[] = [];
    for (const mutant of mutants(pickle, VARIANTS, 8)) {
      const outcome = await tryMutant({ bytes: buildTorchFile(mutant.bytes, storages), description: mutant.description }, 'x.pt');
      if (outcome.problem) problems.push(outcome);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  }, 120_000);

  it('HDF5 (through files: h5wasm reads paths)', async () => {
    const folder = temporaryFolder('pwcca-fuzz-h5-');
    {
      const path = join(folder, 'x.h5');
      const problems: string[] = [];
      for (const mutant of mutants(readFileSync(join(fixtures, 'nested.h5')), 150, 12)) {
        writeFileSync(path, mutant.bytes);
        try {
          for (const array of await listArrays(path)) await loadMatrix(`${path}#${array.key}`).catch((error: unknown) => {
            if (!(error instanceof InputError)) throw error;
          });
        } catch (error) {
          if (!(error instanceof InputError) || hasControlCharacters(error.message)) problems.push(`${mutant.description}: ${(error as Error).message}`);
        }
      }
      expect(problems.slice(0, 5)).toEqual([]);
    }
  }, 120_000);

  it('safetensors', async () => {
    const file = buildSafetensors({
      fc1: { dtype: 'F32', shape: [3, 4], data: littleEndianBytes('f4', iota(12)) },
      fc2: { dtype: 'BF16', shape: [2, 5], data: littleEndianBytes('bf16bits', iota(10, 0x3f80)) },
    });
    await fuzz(file, 'x.safetensors', 9);
    await fuzz(readFileSync(join(fixtures, 'layers.safetensors')), 'layers.safetensors', 10, 150);
  }, 120_000);
});
