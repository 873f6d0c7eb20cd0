import { describe, expect, it } from 'vitest';
import { aggregateRuns, areaUnderCurve, bottomUpScore, convergenceStep, type CurvePoint } from '../../../src/studies/convergence/summary.js';

const curve = (steps: number[], distances: Array<number | null>): CurvePoint[] => steps.map((step, i) => ({ step, distance: distances[i] }));

describe('convergenceStep', () => {
  const steps = [0, 10, 20, 30, 40];
  it('is the first step from which the distance stays at or below the threshold', () => {
    expect(convergenceStep(curve(steps, [0.9, 0.5, 0.04, 0.01, 0]), 0.05)).toBe(20);
    // Dipping below and coming back up does not count.
    expect(convergenceStep(curve(steps, [0.9, 0.03, 0.2, 0.01, 0]), 0.05)).toBe(30);
    // At the threshold counts as converged.
    expect(convergenceStep(curve(steps, [0.9, 0.05, 0.05, 0.05, 0]), 0.05)).toBe(10);
    expect(convergenceStep(curve(steps, [0.01, 0.02, 0.0, 0.01, 0]), 0.05)).toBe(0);
    // Only the reference step itself.
    expect(convergenceStep(curve(steps, [0.9, 0.8, 0.7, 0.6, 0]), 0.05)).toBe(40);
  });

  it('is null when the curve ends above the threshold (reference not last)', () => {
    expect(convergenceStep(curve(steps, [0, 0.1, 0.2, 0.3, 0.4]), 0.05)).toBeNull();
    expect(convergenceStep(curve(steps, [0, 0.01, 0.02, 0.03, 0.04]), 0.05)).toBe(0);
  });

  it('skips missing points', () => {
    expect(convergenceStep(curve(steps, [0.9, 0.04, null, 0.01, 0]), 0.05)).toBe(10);
    expect(convergenceStep(curve(steps, [null, null, null, null, null]), 0.05)).toBeNull();
  });
});

describe('areaUnderCurve', () => {
  it('integrates by trapezoids over the step values and normalises by the range', () => {
    const result = areaUnderCurve(curve([0, 10, 30], [1, 0.5, 0]));
    expect(result.auc).toBeCloseTo(10 * 0.75 + 20 * 0.25, 12);
    expect(result.aucNormalised).toBeCloseTo(12.5 / 30, 12);
  });

  it('is invariant to the step scale once normalised', () => {
    const a = areaUnderCurve(curve([0, 1, 2, 3], [0.8, 0.4, 0.1, 0]));
    const b = areaUnderCurve(curve([0, 1000, 2000, 3000], [0.8, 0.4, 0.1, 0]));
    expect(b.aucNormalised).toBeCloseTo(a.aucNormalised!, 12);
    expect(b.auc).toBeCloseTo(1000 * a.auc!, 9);
  });

  it('handles one point and missing points', () => {
    expect(areaUnderCurve(curve([5], [0]))).toEqual({ auc: 0, aucNormalised: null });
    expect(areaUnderCurve(curve([0, 1, 2], [1, null, 0])).auc).toBeCloseTo(1, 12);
  });
});

describe('bottomUpScore', () => {
  // Layer i (depth i) converges at step i: its distance is positive before step i and 0 from it on.
  const L = 5;
  const steps = [0, 1, 2, 3, 4, 5, 6];
  const distances = Array.from({ length: L }, (_, layer) => steps.map((t) => (t < layer + 1 ? 0.5 * (layer + 1 - t) : 0)));
  const converged = distances.map((row) => convergenceStep(curve(steps, row), 0.05));

  it('finds the convergence steps of the synthetic table', () => {
    expect(converged).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives Spearman 1 and a fully ordered fraction when layer i converges at step i', () => {
    const score = bottomUpScore(steps, distances, converged, 6);
    expect(score.spearman).toBeCloseTo(1, 12);
    expect(score.pValue).toBe(0);
    expect(score.layersConverged).toBe(L);
    expect(score.orderedFraction).toBe(1);
    expect(score.orderedSteps).toBe(5); // steps 1..5: not the first, not the last (the reference)
  });

  it('gives Spearman -1 and a low ordered fraction when layers settle top-down', () => {
    const reversed = [...distances].reverse();
    const score = bottomUpScore(steps, reversed, [...converged].reverse(), 6);
    expect(score.spearman).toBeCloseTo(-1, 12);
    // Steps 1-4 are out of order; at step 5 every layer is at 0, a tie, which counts as ordered.
    expect(score.orderedFraction).toBeCloseTo(1 / 5, 12);
  });

  it('treats rounding-level differences as ties', () => {
    const settled = [
      [0.5, 3e-16, 0],
      [0.6, 1e-16, 0],
    ];
    expect(bottomUpScore([0, 1, 2], settled, [1, 1], 2).orderedFraction).toBe(1);
    expect(bottomUpScore([0, 1, 2], [[0.5, 0.2, 0], [0.6, 0.1, 0]], [2, 2], 2).orderedFraction).toBe(0);
  });

  it('is null when fewer than two layers converge or all converge together', () => {
    expect(bottomUpScore(steps, distances, [1, null, null, null, null], 6).spearman).toBeNull();
    expect(bottomUpScore(steps, distances, [3, 3, 3, 3, 3], 6).spearman).toBeNull();
    expect(bottomUpScore(steps, [distances[0]], [1], 6).orderedFraction).toBeNull();
  });

  it('leaves out the reference step and steps with a missing layer', () => {
    const withGap = distances.map((row, i) => row.map((d, t) => (i === 2 && t === 3 ? null : d)));
    const score = bottomUpScore(steps, withGap, converged, 2);
    expect(score.orderedSteps).toBe(3); // 1, 4, 5 (2 is the reference, 3 has a gap)
  });
});

describe('aggregateRuns', () => {
  it('gives the mean and the population std over the runs that have a value', () => {
    expect(aggregateRuns([0.1, 0.3, null])).toEqual({ mean: 0.2, std: expect.closeTo(0.1, 12), runs: 2 });
    expect(aggregateRuns([0.4])).toEqual({ mean: 0.4, std: 0, runs: 1 });
    expect(aggregateRuns([null, null])).toEqual({ mean: null, std: null, runs: 0 });
  });
});
