import { describe, expect, it } from 'vitest';
import { bidiagonalSvdDC } from '../../src/linalg/bidiagonal-dc.js';
import { randomMatrix } from '../helpers/random.js';

/** Why (values, u, v) fails to be the SVD of the bidiagonal (d, e): residual, orthonormality, order. */
function bidiagonalDefects(d: Float64Array, e: Float64Array, n: number, leaf: number): string[] {
  const { values, u, v } = bidiagonalSvdDC(d, e, n, leaf);
  const out: string[] = [];
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  scale = Math.max(scale, Number.MIN_VALUE);
  for (let j = 1; j < n; j++) if (!(values[j] <= values[j - 1])) out.push(`values not descending at ${j}`);
  if (values.some((x) => !(x >= 0))) out.push('negative or NaN value');
  // B v_j = s_j u_j and B^T u_j = s_j v_j.
  let res = 0;
  for (let j = 0; j < n; j++) {
    const vj = v.subarray(j * n, (j + 1) * n);
    const uj = u.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) {
      const bv = d[i] * vj[i] + (i < n - 1 ? e[i] * vj[i + 1] : 0);
      const btu = d[i] * uj[i] + (i > 0 ? e[i - 1] * uj[i - 1] : 0);
      res = Math.max(res, Math.abs(bv - values[j] * uj[i]), Math.abs(btu - values[j] * vj[i]));
    }
  }
  if (!(res <= 1e-13 * scale * Math.sqrt(n))) out.push(`residual ${(res / scale).toExponential(2)}`);
  for (const [name, q] of [['U', u], ['V', v]] as const) {
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += q[i * n + r] * q[j * n + r];
        orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    if (!(orth <= 1e-13 * Math.sqrt(n))) out.push(`${name} orthonormality ${orth.toExponential(2)}`);
  }
  return out;
}

describe('bidiagonalSvdDC', () => {
  it('solves bidiagonals through many merges (leaves of 2 and 5) with deflation of every kind', () => {
    const failures: string[] = [];
    for (const n of [1, 2, 3, 4, 5, 7, 16, 33, 100]) {
      const g = randomMatrix(2, n, 40 + n).data;
      const dRand = g.subarray(0, n);
      const eRand = g.subarray(n, 2 * n - 1);
      const m1 = Math.max(n - 1, 0);
      const inputs: [string, Float64Array, Float64Array][] = [
        ['random', Float64Array.from(dRand), Float64Array.from(eRand)],
        ['ones', new Float64Array(n).fill(1), new Float64Array(m1).fill(1)],
        ['split (zero super-diagonal entries)', Float64Array.from({ length: n }, (_, i) => 1 + (i % 3)), Float64Array.from({ length: m1 }, (_, i) => (i % 4 === 1 ? 0 : 1e-3))],
        ['zero diagonal entries', Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : dRand[i])), Float64Array.from(eRand)],
        ['tiny super-diagonal', Float64Array.from({ length: n }, (_, i) => i % 2), new Float64Array(m1).fill(1e-17)],
        ['repeated values', Float64Array.from({ length: n }, (_, i) => 1 + (i % 2)), new Float64Array(m1)],
        ['graded', Float64Array.from({ length: n }, (_, i) => 10 ** -i), Float64Array.from({ length: m1 }, (_, i) => 10 ** -(i + 0.5))],
        ['graded 1e-12 .. 1', Float64Array.from({ length: n }, (_, i) => 10 ** (-12 * i / Math.max(1, n - 1))), Float64Array.from(eRand, (x) => x * 1e-6)],
        ['random times 2^1000', Float64Array.from(dRand, (x) => x * 2 ** 1000), Float64Array.from(eRand, (x) => x * 2 ** 1000)],
        ['random times 2^-1000', Float64Array.from(dRand, (x) => x * 2 ** -1000), Float64Array.from(eRand, (x) => x * 2 ** -1000)],
        ['zero', new Float64Array(n), new Float64Array(m1)],
      ];
      for (const leaf of [2, 5, 32]) {
        for (const [name, d, e] of inputs) {
          const dc = Float64Array.from(d);
          const ec = Float64Array.from(e);
          for (const f of bidiagonalDefects(d, e, n, leaf)) failures.push(`${name} n=${n} leaf=${leaf}: ${f}`);
          if (!d.every((x, i) => x === dc[i]) || !e.every((x, i) => x === ec[i])) failures.push(`${name}: input mutated`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
