/**
 * `compare` and `pairwise` with permutation tests, bootstrap intervals, group
 * tests and CKA, through main(argv, context).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMatrix, type Matrix } from '../../../src/types.js';
import { repositoryRoot, runMain } from '../../helpers/cli.js';
import { writeMatrixNpy } from '../../helpers/npy-file.js';
import { multiplyMatrices, randomMatrix } from '../../helpers/random.js';
import { useTemporaryFolders } from '../../helpers/temp.js';
import { mkdirSync } from 'node:fs';

const temporaryFolder = useTemporaryFolders();
const example = join(repositoryRoot, 'fixtures/oracle/small_f64');
const a = join(example, 'a.npy');
const b = join(example, 'b.npy');

async function json(args: string[]) {
  const run = await runMain(args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('compare --permutations / --bootstrap / --method cka', () => {
  it('reports the permutation test per method, repeatably, and the symmetric PWCCA in both orders', async () => {
    const doc = await json(['compare', a, b, '--permutations', '99', '--seed', '7', '--format', 'json', '-q']);
    expect(doc.significance).toMatchObject({ test: 'permutation', permutations: 99, seed: 7 });
    for (const method of ['pwcca', 'cca']) {
      const test = doc.significance[method];
      expect(Object.keys(test).sort()).toEqual(['excess', 'nullMean', 'nullStd', 'nullValues', 'observed', 'pValue'].sort());
      expect(test.pValue).toBe(1 / 100); // related data: no shuffle reaches the observed value
      expect(test.nullValues).toHaveLength(99);
      expect(test.observed).toBe(doc[method].similarity);
    }
    expect((await json(['compare', a, b, '--permutations', '99', '--seed', '7', '--format', 'json', '-q'])).significance).toEqual(doc.significance);
    const swapped = await json(['compare', b, a, '--format', 'json']);
    expect(Math.abs(swapped.similarity - doc.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(doc.similarity - 0.8749676569877186)).toBeLessThan(1e-8); // the oracle's symmetric_similarity
  }, 120_000);

  it('reports bootstrap intervals that contain the observed values, and CKA', async () => {
    const doc = await json(['compare', a, b, '--bootstrap', '40', '--method', 'all', '--format', 'json']);
    expect(doc.confidence).toMatchObject({ level: 0.95, resamples: 40, seed: 0 });
    for (const method of ['pwcca', 'cca', 'svcca', 'cka']) {
      const interval = doc.confidence[method];
      const observed = doc[method].similarity;
      expect(interval.low <= observed && observed <= interval.high, `${method}: ${observed} in [${interval.low}, ${interval.high}]`).toBe(true);
    }
    const cka = await json(['compare', a, b, '--method', 'cka', '--format', 'json']);
    expect(cka.similarity).toBe(cka.cka.similarity);
    expect(Object.keys(cka.cka)).toEqual(['similarity', 'distance', 'debiased']);
  }, 120_000);

  it('writes the test columns to CSV in the documented order', async () => {
    const run = await runMain(['compare', a, b, '--permutations', '19', '--bootstrap', '10', '--confidence', '0.9', '--format', 'csv', '-q']);
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n').map((line) => line.split(','));
    expect(header.slice(-14)).toEqual([
      'rank_a', 'rank_b', 'cka_similarity', 'cka_debiased', 'permutations', 'seed', 'p_value', 'null_mean', 'null_std', 'excess',
      'confidence_level', 'resamples', 'low', 'high',
    ]);
    const cell = (name: string) => row[header.indexOf(name)];
    expect(cell('permutations')).toBe('19');
    expect(Number(cell('p_value'))).toBe(1 / 20);
    expect(cell('confidence_level')).toBe('0.9');
  }, 120_000);

  it.each([
    [['--permutations', '0'], /--permutations takes a positive whole number/],
    [['--permutations', '-3'], /--permutations/],
    [['--permutations', '2.5'], /--permutations takes a positive whole number/],
    [['--bootstrap', 'many'], /--bootstrap takes a positive whole number/],
    [['--bootstrap', '10', '--confidence', '1.5'], /--confidence takes a number between 0 and 1/],
    [['--seed', '3'], /--seed does nothing without --permutations or --bootstrap/],
    [['--permutations', '5', '--confidence', '0.9'], /--confidence sets the level of the --bootstrap intervals/],
    [['--permutations', '5', '--stream'], /need the files in memory/],
  ])('%j is a usage error (exit 2, one line and a hint)', async (flags, message) => {
    const run = await runMain(['compare', a, b, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('pairwise --permutations (group test) and --cells', () => {
  let root: string;
  beforeAll(() => {
    // Generalizing networks share one signal (different mixings); memorizing ones each have their own.
    root = temporaryFolder();
    const shared = randomMatrix(300, 4, 100);
    for (let k = 0; k < 12; k++) {
      const group = k < 6 ? 'generalizing' : 'memorizing';
      const signal = k < 6 ? shared : randomMatrix(300, 4, 200 + k);
      const mixed = multiplyMatrices(signal, randomMatrix(4, 8, 300 + k));
      const noise = randomMatrix(300, 8, 400 + k);
      const x: Matrix = buildMatrix(300, 8, mixed.data.map((v, i) => v + 0.5 * noise.data[i]));
      const folder = join(root, group, `net${k}`);
      mkdirSync(folder, { recursive: true });
      writeMatrixNpy(folder, 'fc.npy', x);
    }
  });

  it('finds the groups different at p <= 0.01, per method, in layers[i].groupTest', async () => {
    const doc = await json(['pairwise', root, '--permutations', '999', '--seed', '1', '--method', 'pwcca,cka', '--format', 'json', '-q']);
    for (const method of ['pwcca', 'cka']) {
      const [entry] = doc.layers[0].groupTest[method];
      expect(entry).toMatchObject({ groups: ['generalizing', 'memorizing'], statistic: 'between-within', permutations: 999 });
      expect(entry.observed).toBeGreaterThan(0);
      expect(entry.pValue).toBeLessThanOrEqual(0.01);
      expect(typeof entry.nullMean).toBe('number');
      expect(typeof entry.nullStd).toBe('number');
    }
  }, 120_000);

  it('--cells gives a p-value per pair and a Benjamini-Hochberg count', async () => {
    const doc = await json(['pairwise', root, '--permutations', '30', '--cells', '--method', 'cca', '--format', 'json', '-q']);
    expect(doc.pairs.every((pair: { pValue: number }) => pair.pValue >= 1 / 31 && pair.pValue <= 1)).toBe(true);
    expect(doc.layers[0].cells.cca).toMatchObject({ correction: 'benjamini-hochberg', alpha: 0.05, tests: 66 });
  }, 120_000);

  it('explains that the group test needs groups', async () => {
    const run = await runMain(['pairwise', join(root, 'generalizing'), '--permutations', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs groups/);
    expect(run.stderr).toMatch(/hint:/);
  });
});
