import { expect } from 'vitest';

/**
 * Expects two arrays of numbers (or two numbers) to agree within `tolerance`
 * (absolute; 0 for exact), in one assertion whose message names the first
 * index that does not, both values, the largest difference and `label`.
 * Lengths must match. NaN equals only NaN. Linear in the length, so it suits
 * arrays of millions of values, where a deep `toEqual` is slow.
 */
export function expectClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  tolerance: number,
  label = 'values',
): void {
  const got = typeof actual === 'number' ? [actual] : actual;
  const want = typeof expected === 'number' ? [expected] : expected;
  expect(got.length, `${label}: length`).toBe(want.length);
  let worst = 0;
  let first = -1;
  for (let i = 0; i < got.length; i++) {
    const [p, q] = [got[i], want[i]];
    const bad = Number.isNaN(p) || Number.isNaN(q) ? !(Number.isNaN(p) && Number.isNaN(q)) : !(Math.abs(p - q) <= tolerance || p === q);
    if (bad && first < 0) first = i;
    const diff = Math.abs(p - q);
    if (Number.isFinite(diff) && diff > worst) worst = diff;
  }
  const message =
    first < 0 ? '' : `${label}: index ${first} is ${got[first]}, expected ${want[first]} (largest difference ${worst}, tolerance ${tolerance})`;
  expect(message, message).toBe('');
}

/**
 * Expects a square matrix (rows of numbers or nulls) to equal its transpose
 * exactly and to have an exact 0 diagonal, in one assertion each.
 */
export function expectSymmetricZeroDiagonal(matrix: ReadonlyArray<ReadonlyArray<number | null>>, label = 'matrix'): void {
  const transpose = matrix.map((row, i) => row.map((_, j) => matrix[j][i]));
  expect(matrix, `${label}: not symmetric`).toEqual(transpose);
  expect(matrix.map((row, i) => Object.is(row[i], 0)), `${label}: diagonal not exactly 0`).toEqual(matrix.map(() => true));
}
