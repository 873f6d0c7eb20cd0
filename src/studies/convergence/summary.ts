/**
 * Summaries of convergence curves (distance to the reference step against
 * the step): when a layer settles, the area under its curve, and whether
 * layers settle bottom-up. Pure functions of numbers; no I/O.
 */
import { spearman } from '../../stats/correlation.js';

/** One point of a layer's curve; `distance` is null where the cell is missing or failed. */
export interface CurvePoint {
  readonly step: number;
  readonly distance: number | null;
}

/** Mean and spread of one cell over runs. */
export interface RunAggregate {
  readonly mean: number | null;
  /** Population standard deviation over the runs that have the cell (ddof 0, numpy's default); 0 for one run. */
  readonly std: number | null;
  /** Runs that have a value. */
  readonly runs: number;
}

/** Mean and population standard deviation of the non-null values. */
export function aggregateRuns(values: ReadonlyArray<number | null>): RunAggregate {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return { mean: null, std: null, runs: 0 };
  const mean = present.reduce((sum, v) => sum + v, 0) / present.length;
  const variance = present.reduce((sum, v) => sum + (v - mean) ** 2, 0) / present.length;
  return { mean, std: Math.sqrt(variance), runs: present.length };
}

/**
 * The convergence step: the first step s such that distance(t) <= threshold
 * for every step t >= s (points without a value are skipped). Null when the
 * curve ends above the threshold (possible only when the reference is not
 * the last step) or has no values.
 *
 * @param curve points in ascending step order.
 */
export function convergenceStep(curve: readonly CurvePoint[], threshold: number): number | null {
  let found: number | null = null;
  for (let i = curve.length - 1; i >= 0; i--) {
    const { step, distance } = curve[i];
    if (distance === null) continue;
    if (distance > threshold) break;
    found = step;
  }
  return found;
}

/**
 * Area under the distance curve by the trapezoid rule with the step integers
 * as x (points without a value are skipped), and the same divided by the step
 * range (the first to the last point with a value): the curve's mean height,
 * comparable between runs saved at different step scales. Null when fewer
 * than two points have a value (normalised) or none does (area).
 */
export function areaUnderCurve(curve: readonly CurvePoint[]): { auc: number | null; aucNormalised: number | null } {
  const points = curve.filter((p): p is { step: number; distance: number } => p.distance !== null);
  if (points.length === 0) return { auc: null, aucNormalised: null };
  let auc = 0;
  for (let i = 1; i < points.length; i++) {
    auc += ((points[i].step - points[i - 1].step) * (points[i].distance + points[i - 1].distance)) / 2;
  }
  const range = points[points.length - 1].step - points[0].step;
  return { auc, aucNormalised: range > 0 ? auc / range : null };
}

/**
 * Distances closer than this count as tied when checking the depth order:
 * layers that have settled sit at 0 up to rounding (~1e-15), and that noise
 * must not decide their order.
 */
export const ORDER_TOLERANCE = 1e-9;

/** Whether layers settle in depth order. */
export interface BottomUpScore {
  /**
   * Spearman correlation between layer depth (0 = first layer) and
   * convergence step over the layers that converge: positive when earlier
   * layers settle first. Null when fewer than two layers converge or all
   * converge at the same step.
   */
  readonly spearman: number | null;
  /** Two-sided p-value of `spearman` (t approximation, as scipy.stats.spearmanr). */
  readonly pValue: number | null;
  /** Layers that converge (entered the Spearman correlation). */
  readonly layersConverged: number;
  /**
   * Share of the intermediate steps at which the distances are ordered by
   * depth, d_1 <= d_2 <= ... <= d_L (earlier layers closer to their
   * reference; differences below {@link ORDER_TOLERANCE} count as ties). Intermediate steps: strictly between the first and the last
   * step, other than the reference step, with a value for every layer.
   * Null when there are no such steps or fewer than two layers.
   */
  readonly orderedFraction: number | null;
  /** Intermediate steps that entered `orderedFraction`. */
  readonly orderedSteps: number;
}

/**
 * The bottom-up score of a set of layers.
 *
 * @param steps all steps, ascending.
 * @param distances per layer in depth order, one value per step (null where missing).
 * @param convergenceSteps per layer in depth order (null where the layer does not converge).
 */
export function bottomUpScore(
  steps: readonly number[],
  distances: ReadonlyArray<ReadonlyArray<number | null>>,
  convergenceSteps: ReadonlyArray<number | null>,
  referenceStep: number,
): BottomUpScore {
  const depths: number[] = [];
  const converged: number[] = [];
  convergenceSteps.forEach((step, depth) => {
    if (step !== null) {
      depths.push(depth);
      converged.push(step);
    }
  });
  const correlation = converged.length >= 2 ? spearman(depths, converged) : null;
  const r = correlation && Number.isFinite(correlation.r) ? correlation.r : null;
  const p = r !== null && Number.isFinite(correlation!.p) ? correlation!.p : null;

  let ordered = 0;
  let counted = 0;
  if (distances.length >= 2) {
    for (let t = 1; t < steps.length - 1; t++) {
      if (steps[t] === referenceStep) continue;
      const column = distances.map((row) => row[t]);
      if (column.some((d) => d === null)) continue;
      counted++;
      let inOrder = true;
      for (let i = 1; i < column.length; i++) if (column[i - 1]! > column[i]! + ORDER_TOLERANCE) inOrder = false;
      if (inOrder) ordered++;
    }
  }
  return {
    spearman: r,
    pValue: p,
    layersConverged: converged.length,
    orderedFraction: counted > 0 ? ordered / counted : null,
    orderedSteps: counted,
  };
}
