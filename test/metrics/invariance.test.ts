import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { randomMatrix } from '../helpers/random.js';
import { multiplyMatrices } from '../helpers/random.js';
import {
  compareMatrices,
  correlatedPair,
  maxAbsDiff,
  offsetMatrix,
  randomOrthogonal,
  scaleMatrix,
  withDuplicatedColumns,
} from './helpers.js';
import type { Matrix } from '../../src/types.js';

const SEEDS = [1, 7, 42, 1234];

describe.each(SEEDS)('invariances, seed %i', (seed) => {
  const { x, y } = correlatedPair(300, 12, 9, seed);
  const base = compareMatrices(x, y, { svcca: {} });

  it('gives distance 0 for identical inputs', () => {
    const same = compareMatrices(x, x, { svcca: {} });
    expect(same.cca.distance).toBeLessThan(1e-12);
    expect(Math.abs(same.pwcca.distance)).toBeLessThan(1e-12);
    expect(same.svcca!.distance).toBeLessThan(1e-8); // the reference's 1e-10 ridge
    expect(Math.min(...same.cca.coefficients)).toBeGreaterThan(1 - 1e-12);
  });

  it('gives CCA and PWCCA distance 0 for an invertible linear map of the same matrix', () => {
    const mixed = multiplyMatrices(x, randomMatrix(12, 12, seed + 100));
    const result = compareMatrices(x, mixed);
    expect(result.cca.distance).toBeLessThan(1e-10);
    expect(Math.abs(result.pwcca.distance)).toBeLessThan(1e-10);
  });

  it('is unchanged by a rotation of either side', () => {
    const rotated = compareMatrices(multiplyMatrices(x, randomOrthogonal(12, seed + 5)), y);
    expect(maxAbsDiff(rotated.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    // PWCCA weights use individual neurons, so they are not rotation invariant; CCA and SVCCA are.
  });

  it('is unchanged by a +1000 offset on every neuron', () => {
    const shifted = compareMatrices(offsetMatrix(x, 1000), offsetMatrix(y, 1000), { svcca: {} });
    expect(maxAbsDiff(shifted.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-9);
    expect(Math.abs(shifted.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-9);
    expect(Math.abs(shifted.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-9);
  });

  it('is unchanged by scaling either side', () => {
    const scaled = compareMatrices(scaleMatrix(x, 1e3), scaleMatrix(y, 1e-3), { svcca: {} });
    expect(maxAbsDiff(scaled.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    expect(Math.abs(scaled.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(scaled.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-12);
  });

  it('gives the same coefficients and a consistent side when the arguments are swapped', () => {
    const swapped = compareMatrices(y, x, { svcca: {} });
    expect(maxAbsDiff(swapped.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-12);
    // y has the smaller rank: it gives the weights in both orders.
    expect(base.pwcca.side).toBe('b');
    expect(swapped.pwcca.side).toBe('a');
    expect(Math.abs(swapped.pwcca.similarity - base.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(swapped.pwcca.directional.b - base.pwcca.directional.a)).toBeLessThan(1e-12);
    expect(Math.abs(swapped.svcca!.similarity - base.svcca!.similarity)).toBeLessThan(1e-12);
  });

  it('keeps the directional values on a rank tie and picks the first argument', () => {
    const tie = correlatedPair(300, 10, 10, seed + 9);
    const ab = compareMatrices(tie.x, tie.y);
    const ba = compareMatrices(tie.y, tie.x);
    expect(ab.pwcca.sideTie).toBe(true);
    expect(ab.pwcca.side).toBe('a');
    expect(ba.pwcca.side).toBe('a');
    expect(Math.abs(ab.pwcca.directional.a - ba.pwcca.directional.b)).toBeLessThan(1e-12);
    expect(Math.abs(ab.pwcca.directional.b - ba.pwcca.directional.a)).toBeLessThan(1e-12);
  });

  it('lies in [0, 1] with weights summing to 1', () => {
    for (const value of [base.cca.mean, base.cca.meanThresholded, base.pwcca.similarity, base.svcca!.similarity]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(base.pwcca.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    const sorted = [...base.cca.coefficients].sort((p, q) => q - p);
    expect(maxAbsDiff(sorted, base.cca.coefficients)).toBe(0);
  });

  it('ignores duplicated neurons in the canonical correlations', () => {
    const duplicated = compareMatrices(withDuplicatedColumns(x, [0, 5, 5]), y);
    expect(duplicated.sides.a.rank).toBe(12);
    expect(maxAbsDiff(duplicated.cca.coefficients, base.cca.coefficients)).toBeLessThan(1e-9);
  });

  it('agrees with PWCCA computed over the datapoints by an independent QR/SVD route', () => {
    const direct = directPaperPwcca(x, y);
    expect(maxAbsDiff(base.cca.coefficients, direct.rho)).toBeLessThan(1e-10);
    expect(Math.abs(base.pwcca.directional.a - direct.fromA)).toBeLessThan(1e-10);
    expect(Math.abs(base.pwcca.directional.b - direct.fromB)).toBeLessThan(1e-10);
  });
});

/**
 * The paper's formula taken literally, in N-space with ml-matrix: orthonormal
 * bases of the centred activations by QR, canonical variates from the SVD of
 * Qx^T Qy, weights sum_j |<h_i, z_j>| over the centred neurons.
 */
function directPaperPwcca(x: Matrix, y: Matrix): { rho: number[]; fromA: number; fromB: number } {
  const centred = (m: Matrix) => {
    const mat = new MlMatrix(m.rows, m.cols);
    for (let c = 0; c < m.cols; c++) {
      let mean = 0;
      for (let r = 0; r < m.rows; r++) mean += m.data[r * m.cols + c];
      mean /= m.rows;
      for (let r = 0; r < m.rows; r++) mat.set(r, c, m.data[r * m.cols + c] - mean);
    }
    return mat;
  };
  const xc = centred(x);
  const yc = centred(y);
  const qx = new QrDecomposition(xc).orthogonalMatrix.subMatrix(0, x.rows - 1, 0, x.cols - 1);
  const qy = new QrDecomposition(yc).orthogonalMatrix.subMatrix(0, y.rows - 1, 0, y.cols - 1);
  const decomposition = new SingularValueDecomposition(qx.transpose().mmul(qy), { autoTranspose: true });
  const k = Math.min(x.cols, y.cols);
  const rho = decomposition.diagonal.slice(0, k);
  const weighted = (q: MlMatrix, directions: MlMatrix, acts: MlMatrix) => {
    const variates = q.mmul(directions.subMatrix(0, directions.rows - 1, 0, k - 1));
    const projections = variates.transpose().mmul(acts); // k x d
    const weights = projections.abs().sum('row');
    const total = weights.reduce((s, w) => s + w, 0);
    return weights.reduce((s, w, i) => s + (w / total) * rho[i], 0);
  };
  return {
    rho,
    fromA: weighted(qx, decomposition.leftSingularVectors, xc),
    fromB: weighted(qy, decomposition.rightSingularVectors, yc),
  };
}
