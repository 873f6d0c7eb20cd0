import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMatrix } from '../../src/io/load.js';
import { computeCka } from '../../src/metrics/cka.js';
import { crossCovariance, prepareSide } from '../../src/metrics/side.js';
import { buildMatrix, type Matrix } from '../../src/types.js';
import { NumpyRandomState } from '../helpers/numpy-random.js';
import { multiplyMatrices, randomMatrix } from '../helpers/random.js';
import { compareMatrices, correlatedPair, randomOrthogonal, scaleMatrix } from './helpers.js';

function cka(x: Matrix, y: Matrix) {
  const px = prepareSide(x);
  const py = prepareSide(y);
  return computeCka(x, px, y, py, crossCovariance(x, px, y, py));
}

/**
 * CKA from the N x N Gram matrices of the centred sides, one row at a time
 * (so large N needs no N x N storage): linear CKA = <K, L> / (|K| |L|), and
 * debiased CKA from Song et al.'s unbiased HSIC with the diagonals removed,
 * HSIC_u(K, L) = [tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)).
 */
function gramCka(x: Matrix, y: Matrix): { linear: number; debiased: number } {
  const n = x.rows;
  const xc = centre(x);
  const yc = centre(y);
  const dot = (m: Matrix, i: number, j: number) => {
    let sum = 0;
    for (let c = 0; c < m.cols; c++) sum += m.data[i * m.cols + c] * m.data[j * m.cols + c];
    return sum;
  };
  let kl = 0, kk = 0, ll = 0; // full Frobenius products
  let klOff = 0, kkOff = 0, llOff = 0; // off-diagonal parts
  let sumK = 0, sumL = 0;
  const rowK = new Float64Array(n);
  const rowL = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = dot(xc, i, j);
      const l = dot(yc, i, j);
      kl += k * l;
      kk += k * k;
      ll += l * l;
      if (i === j) continue;
      klOff += k * l;
      kkOff += k * k;
      llOff += l * l;
      sumK += k;
      sumL += l;
      rowK[i] += k;
      rowL[i] += l;
    }
  }
  let kRowsL = 0, kRowsK = 0, lRowsL = 0;
  for (let i = 0; i < n; i++) {
    kRowsL += rowK[i] * rowL[i];
    kRowsK += rowK[i] * rowK[i];
    lRowsL += rowL[i] * rowL[i];
  }
  const hsic = (trace: number, sa: number, sb: number, rows: number) =>
    (trace + (sa * sb) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * rows) / (n * (n - 3));
  const debiased = hsic(klOff, sumK, sumL, kRowsL) / Math.sqrt(hsic(kkOff, sumK, sumK, kRowsK) * hsic(llOff, sumL, sumL, lRowsL));
  return { linear: kl / Math.sqrt(kk * ll), debiased };
}

function centre(m: Matrix): Matrix {
  const mean = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) mean[c] += m.data[r * m.cols + c] / m.rows;
  return buildMatrix(m.rows, m.cols, m.data.map((v, i) => v - mean[i % m.cols]));
}

describe('CKA, published example (Kornblith et al.\'s demo)', () => {
  // X = np.random.RandomState(1337).randn(100, 10); Y = X + randn(100, 10).
  const random = new NumpyRandomState(1337);
  const x = buildMatrix(100, 10, random.randn(100, 10));
  const noise = random.randn(100, 10);
  const y = buildMatrix(100, 10, x.data.map((v, i) => v + noise[i]));

  it('reproduces numpy\'s inputs (checksums computed with numpy)', () => {
    const sum = x.data.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - -25.52402528467104)).toBeLessThan(1e-11);
    expect(x.data[57 * 10 + 3]).toBe(1.4078715109855668);
    expect(y.data[99 * 10 + 9]).toBe(-0.885086217722774);
  });

  it('gives linear 0.55761 and debiased 0.51346', () => {
    const result = cka(x, y);
    expect(Math.abs(result.similarity - 0.55761)).toBeLessThan(5e-6);
    expect(Math.abs(result.debiased! - 0.51346)).toBeLessThan(5e-6);
    expect(result.distance).toBe(1 - result.similarity);
  });
});

describe.each([2, 13, 77])('CKA invariances, seed %i', (seed) => {
  const { x, y } = correlatedPair(300, 12, 9, seed);
  const base = cka(x, y);

  it('matches the Gram-matrix route', () => {
    const gram = gramCka(x, y);
    expect(Math.abs(base.similarity - gram.linear)).toBeLessThan(1e-12);
    expect(Math.abs(base.debiased! - gram.debiased)).toBeLessThan(1e-12);
  });

  it('is 1 for identical sides, symmetric, and in [0, 1]', () => {
    const same = cka(x, x);
    expect(Math.abs(same.similarity - 1)).toBeLessThan(1e-13);
    expect(Math.abs(same.debiased! - 1)).toBeLessThan(1e-13);
    const swapped = cka(y, x);
    expect(Math.abs(swapped.similarity - base.similarity)).toBeLessThan(1e-14);
    expect(Math.abs(swapped.debiased! - base.debiased!)).toBeLessThan(1e-14);
    expect(base.similarity).toBeGreaterThan(0);
    expect(base.similarity).toBeLessThan(1);
  });

  it('is invariant to rotations, isotropic scaling and offsets, but not to a general linear map', () => {
    const moved = multiplyMatrices(scaleMatrix(x, 1e-3), randomOrthogonal(12, seed + 1));
    const rotated = cka(buildMatrix(moved.rows, moved.cols, moved.data.map((v) => v + 50)), y);
    expect(Math.abs(rotated.similarity - base.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(rotated.debiased! - base.debiased!)).toBeLessThan(1e-12);
    const mixed = cka(multiplyMatrices(x, randomMatrix(12, 12, seed + 2)), y);
    expect(Math.abs(mixed.similarity - base.similarity)).toBeGreaterThan(1e-3);
  });

  it('is the same at extreme magnitudes', () => {
    for (const factor of [1e-300, 1e-100, 1e100, 1e154, 1e300]) {
      const scaled = cka(scaleMatrix(x, factor), scaleMatrix(y, 1 / factor > 1e300 ? 1 : factor));
      expect(Math.abs(scaled.similarity - base.similarity), `factor ${factor}`).toBeLessThan(1e-12);
      expect(Math.abs(scaled.debiased! - base.debiased!), `factor ${factor}`).toBeLessThan(1e-12);
    }
  });

  it('is what comparePrepared reports with options.cka', () => {
    const c = compareMatrices(x, y, { cka: {} });
    expect(c.cka!.similarity).toBe(base.similarity);
    expect(c.cka!.debiased).toBeNull(); // no row sums given
  });
});

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ORACLE = ['../shared/oracle', 'fixtures/oracle'].map((base) => resolve(root, base));
const CASES = [
  'constant_neurons', 'conv4d', 'diff_neurons', 'diff_neurons_reversed', 'float32_relu', 'identical', 'independent',
  'linear_transform', 'n_barely_above_d', 'rank_deficient', 'shared_signal_noise', 'small_f64', 'mnist_lay04', 'svhn_lay06',
];

describe.each(CASES)('CKA on oracle case %s against the Gram-matrix route', (name) => {
  const folder = ORACLE.map((base) => join(base, name)).find((f) => existsSync(join(f, 'expected.json')));
  it.skipIf(folder === undefined)('agrees to 1e-9 (linear and debiased)', async () => {
    const expected = JSON.parse(readFileSync(join(folder!, 'expected.json'), 'utf8'));
    const options = expected.files.a.shape.length === 4 ? { layout: 'nhwc' as const, conv: 'flatten' as const } : {};
    const x = (await loadMatrix(join(folder!, 'a.npy'), options)).matrix;
    const y = (await loadMatrix(join(folder!, 'b.npy'), options)).matrix;
    const feature = cka(x, y);
    const gram = gramCka(x, y);
    const errors = { linear: Math.abs(feature.similarity - gram.linear), debiased: Math.abs(feature.debiased! - gram.debiased) };
    expect(Math.max(errors.linear, errors.debiased), JSON.stringify({ ...errors, feature, gram })).toBeLessThanOrEqual(1e-9);
  }, 120_000);
});
