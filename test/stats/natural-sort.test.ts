import { describe, expect, it } from 'vitest';
import { compareNatural, sortNatural } from '../../src/stats/natural-sort.js';

describe('natural sort', () => {
  it('orders numbers by value: integers, decimals and exponents', () => {
    expect(sortNatural(['s10', 's2', 's1'])).toEqual(['s1', 's2', 's10']);
    expect(sortNatural(['lr-0.1', 'lr-0.01', 'lr-0.001', 'lr-1'])).toEqual(['lr-0.001', 'lr-0.01', 'lr-0.1', 'lr-1']);
    expect(sortNatural(['wd-1e-3', 'wd-1e-5', 'wd-1e-4'])).toEqual(['wd-1e-5', 'wd-1e-4', 'wd-1e-3']);
  });

  it('keeps interleaved group names apart: lr-0.01/s1 after lr-0.01/s0 and before lr-0.1/s0', () => {
    const labels = ['lr-0.01/s0', 'lr-0.1/s0', 'lr-0.01/s1', 'lr-0.1/s1'];
    expect(sortNatural(labels)).toEqual(['lr-0.01/s0', 'lr-0.01/s1', 'lr-0.1/s0', 'lr-0.1/s1']);
  });

  it('is a total order: equal values of different spelling sort the same way whatever the input order', () => {
    const labels = ['s01', 's1', 'S1', 'x0.10', 'x0.1'];
    const sorted = sortNatural(labels);
    expect(sortNatural([...labels].reverse())).toEqual(sorted);
    const asymmetric = labels.flatMap((a) => labels.filter((b) => Math.sign(compareNatural(a, b)) + Math.sign(compareNatural(b, a)) !== 0).map((b) => `${a} ${b}`));
    expect(asymmetric).toEqual([]);
  });
});
