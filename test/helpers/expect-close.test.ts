import { describe, expect, it } from 'vitest';
import { expectClose } from './expect-close.js';

describe('expectClose', () => {
  it('passes within the tolerance, NaN matching NaN', () => {
    expectClose([1, 2, Number.NaN, Infinity], new Float64Array([1 + 1e-13, 2, Number.NaN, Infinity]), 1e-12);
    expectClose(0.5, 0.5, 0);
  });

  it('fails naming the first index outside the tolerance and the largest difference', () => {
    expect(() => expectClose([1, 2, 3], [1, 2.5, 4], 0.1, 'cells')).toThrow(/cells: index 1 is 2, expected 2\.5 \(largest difference 1, tolerance 0\.1\)/);
    expect(() => expectClose([1, Number.NaN], [1, 1], 1)).toThrow(/index 1 is NaN/);
    expect(() => expectClose([1, 2], [1], 1, 'rows')).toThrow(/rows: length/);
  });
});
