/**
 * Golden cases: numbers from google/svcca and an independent re-implementation
 * (see ../shared/oracle/README.md). Cases are read from ../shared/oracle when it
 * is there; the synthetic ones also ship in fixtures/oracle so a plain clone
 * tests them. The real-activation cases exist only in ../shared and are
 * skipped when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCompare, type CompareRunOptions } from '../src/studies/compare.js';
import { maxAbsDiff } from './metrics/helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedOracle = resolve(root, '../shared/oracle');
const bundledOracle = join(root, 'fixtures/oracle');

const SYNTHETIC = [
  'constant_neurons',
  'conv4d',
  'diff_neurons',
  'diff_neurons_reversed',
  'float32_relu',
  'identical',
  'independent',
  'linear_transform',
  'n_barely_above_d',
  'rank_deficient',
  'shared_signal_noise',
  'small_f64',
];
const REAL = ['mnist_lay04', 'svhn_lay06'];

/** The first of `bases` that holds the case, or undefined (the case is then skipped). */
function caseFolder(name: string, bases: string[]): string | undefined {
  return bases.map((base) => join(base, name)).find((folder) => existsSync(join(folder, 'expected.json')));
}

function describeCase(name: string, folder: string | undefined): void {
  // The body runs even when skipped, so it must not touch a missing folder.
  describe.skipIf(folder === undefined)(`oracle case ${name}`, () => {
    const expected: any = folder === undefined ? {} : JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8'));
    const a = join(folder ?? '', 'a.npy');
    const b = join(folder ?? '', 'b.npy');
    const isConv = expected.files?.a.shape.length === 4;
    const read: CompareRunOptions = isConv ? { layout: 'nhwc', conv: 'flatten' } : {};
    const paper = expected.pwcca?.paper;
    const epsilon: number = expected.params?.epsilon;

    it('default mode matches pwcca.paper (similarity, side, coefficients, mean)', async () => {
      const report = await runCompare(a, b, read);
      const c = report.comparison;
      expect(report.method).toBe('pwcca');
      expect(Math.abs(report.similarity - paper.similarity)).toBeLessThanOrEqual(paper.tolerance);
      expect(Math.abs(report.distance - paper.distance)).toBeLessThanOrEqual(paper.tolerance);
      expect(c.pwcca.side).toBe(paper.side);
      expect(report.inputs.a.rank).toBe(paper.rank_a);
      expect(report.inputs.b.rank).toBe(paper.rank_b);
      expect(c.cca.coefficients.length).toBe(paper.cca_coefficients.length);
      expect(maxAbsDiff(c.cca.coefficients, paper.cca_coefficients)).toBeLessThanOrEqual(1e-8);
      expect(Math.abs(c.cca.mean - paper.cca_mean)).toBeLessThanOrEqual(1e-8);
      if (paper.weights_unique && paper.weights.length > 0 && expected.pwcca.weights_reproducible) {
        expect(maxAbsDiff(c.pwcca.weights, paper.weights)).toBeLessThanOrEqual(1e-6);
      }
    });

    it('swapped arguments match pwcca.paper.reversed_similarity', async () => {
      const report = await runCompare(b, a, read);
      expect(Math.abs(report.similarity - paper.reversed_similarity)).toBeLessThanOrEqual(paper.tolerance);
    });

    // n_barely_above_d's value is only defined to about 1e-3; its own tolerance (0.01) says so.
    it('--variant svcca matches pwcca.centered', async () => {
      const report = await runCompare(a, b, { ...read, variant: 'svcca', epsilon });
      const tolerance = expected.suggested_tolerance.pwcca_centered;
      expect(Math.abs(report.similarity - expected.pwcca.centered.similarity)).toBeLessThanOrEqual(tolerance);
      expect(report.comparison.pwcca.side).toBe(expected.pwcca.side);
    });

    it('--epsilon follows the reference regularisation: cca.coefficients, kept neurons', async () => {
      const report = await runCompare(a, b, { ...read, epsilon, method: 'cca' });
      const c = report.comparison;
      const tolerance = expected.suggested_tolerance.cca_coefficients;
      expect(c.cca.coefficients.length).toBe(expected.cca.n_coefficients);
      expect(maxAbsDiff(c.cca.coefficients, expected.cca.coefficients)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(report.similarity - expected.cca.mean)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(c.cca.meanThresholded - expected.cca.mean_thresholded)).toBeLessThanOrEqual(tolerance);
      expect(report.inputs.a.droppedNeurons).toEqual(expected.cca.removed_a);
      expect(report.inputs.b.droppedNeurons).toEqual(expected.cca.removed_b);
    });

    it('--method svcca matches svcca.keep_99_variance', async () => {
      const report = await runCompare(a, b, { ...read, method: 'svcca' });
      const target = expected.svcca.keep_99_variance;
      expect(report.comparison.svcca!.dims).toEqual({ a: target.k_a, b: target.k_b });
      expect(Math.abs(report.similarity - target.similarity)).toBeLessThanOrEqual(1e-8);
    });

    it('--svd-dims 20 matches svcca.fixed_k', async () => {
      const report = await runCompare(a, b, { ...read, method: 'svcca', svcca: { dims: 20 } });
      const target = expected.svcca.fixed_k;
      expect(report.comparison.svcca!.dims).toEqual({ a: target.k_a, b: target.k_b });
      expect(Math.abs(report.similarity - target.similarity)).toBeLessThanOrEqual(1e-8);
    });

    if (!isConv) return;
    it('--conv mean matches conv_average_pool', async () => {
      const pooled = expected.conv_average_pool;
      const exact = await runCompare(a, b, { layout: 'nhwc', conv: 'mean', method: 'cca' });
      expect(Math.abs(exact.similarity - pooled.cca_mean)).toBeLessThanOrEqual(1e-8);
      const reference = await runCompare(a, b, { layout: 'nhwc', conv: 'mean', variant: 'svcca' });
      expect(Math.abs(reference.similarity - pooled.pwcca_centered)).toBeLessThanOrEqual(1e-8);
      expect(maxAbsDiff(reference.comparison.cca.coefficients, pooled.coefficients)).toBeLessThanOrEqual(1e-8);
    });
  });
}

for (const name of SYNTHETIC) describeCase(name, caseFolder(name, [sharedOracle, bundledOracle]));
// Real activations are never copied into the project: they are read from ../shared only.
for (const name of REAL) describeCase(name, caseFolder(name, [sharedOracle]));
