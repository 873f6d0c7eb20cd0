import { InputError, NumericError, UsageError } from '../errors.js';
import { ckaFromInputs, ckaInputsFromMoments, ckaRowSumsOf, type CkaResult, type CkaRowSums } from './cka.js';
import type { Matrix } from '../types.js';
import { meanCorrelation, solveCca, thresholdedMean, type CcaSolution } from './cca.js';
import { paperPwcca, referenceWeights, weightedSimilarity, type DirectionalPwcca, type Side } from './pwcca.js';
import type { PreparedSide } from './side.js';
import { computeSvcca, REFERENCE_EPSILON, type SvccaOptions, type SvccaResult } from './svcca.js';
import { rankWhitening, ridgeWhitening, type Whitening } from './whitening.js';

/** `paper`: the seed paper's PWCCA (default). `svcca`: google/svcca's compute_pwcca on centred inputs. */
export type PwccaVariant = 'paper' | 'svcca';

/** Canonical correlations closer than this count as tied (their weights are then arbitrary). */
const TIE_TOLERANCE = 1e-8;

export interface CompareOptions {
  readonly variant?: PwccaVariant;
  /**
   * Use the reference's regularisation (scaled covariance, variance cut,
   * ridge) instead of the rank-revealing default. The `svcca` variant
   * defaults to {@link REFERENCE_EPSILON}. Also the ridge of SVCCA's reduced sides when given.
   */
  readonly epsilon?: number;
  /** Fraction of the coefficient sum for `meanThresholded` (default 0.98, the reference's). */
  readonly threshold?: number;
  /** Compute SVCCA too, with these dims. */
  readonly svcca?: SvccaOptions;
  /**
   * Compute linear CKA too (from the moments and the cross-covariance), and
   * its debiased form when `rows` (the centred rows' squared norms, see
   * ./cka.ts) is given.
   */
  readonly cka?: { readonly rows?: CkaRowSums };
  /** Names of the two sides in messages (file names); default `a` and `b`. */
  readonly labels?: { readonly a: string; readonly b: string };
}

export interface SideSummary {
  readonly neurons: number;
  /** Effective rank of the covariance (eigenvalues above the rounding floor). */
  readonly rank: number;
  /** Neurons left out: constant ones, or those cut by the epsilon rule. */
  readonly droppedNeurons: readonly number[];
}

export interface CcaSummary {
  /** All canonical correlations, descending. */
  readonly coefficients: Float64Array;
  /** Mean CCA similarity: mean of the coefficients. */
  readonly mean: number;
  readonly similarity: number;
  readonly distance: number;
  /** The reference's thresholded mean (leading coefficients reaching `threshold` of the sum). */
  readonly meanThresholded: number;
  readonly threshold: number;
}

export interface PwccaSummary {
  readonly variant: PwccaVariant;
  /**
   * The PWCCA similarity pwcca reports. Variant `paper`: the directional value
   * of the side with fewer whitened dimensions, or on a tie the mean of both
   * directions, so it does not depend on argument order. Variant `svcca`: the
   * reference's rule, the directional value of `side` (a on a tie).
   */
  readonly similarity: number;
  readonly distance: number;
  /** The side whose canonical variates weight the coefficients: the one with fewer whitened dimensions (tie: a). */
  readonly side: Side;
  /** The weights of `side`, one per coefficient (on a tie: a's weights, also for the symmetric `paper` value). */
  readonly weights: Float64Array;
  /** The similarity with the weights taken from each side. */
  readonly directional: { readonly a: number; readonly b: number };
  /** Whether both sides have the same number of whitened dimensions, so the side was chosen by argument order. */
  readonly sideTie: boolean;
  /** Whether `similarity` is the mean of the two directional values (variant `paper` on a tie). */
  readonly symmetric: boolean;
  /** False when two coefficients tie: individual weights are then not unique. */
  readonly weightsUnique: boolean;
  /** False when tied coefficients differ from other coefficients: the similarity then depends on arbitrary weights. */
  readonly similarityUnique: boolean;
}

/** Everything pwcca computes for one pair of prepared sides. */
export interface PairComparison {
  readonly datapoints: number;
  readonly regularisation: { readonly mode: 'rank' } | { readonly mode: 'epsilon'; readonly epsilon: number };
  readonly sides: { readonly a: SideSummary; readonly b: SideSummary };
  readonly cca: CcaSummary;
  readonly pwcca: PwccaSummary;
  readonly svcca?: SvccaResult;
  /** Linear CKA and its debiased form, when asked for (`options.cka`). */
  readonly cka?: CkaResult;
  readonly warnings: readonly string[];
}

/**
 * Compares two prepared sides given their cross-covariance (dx x dy):
 * CCA, PWCCA (both directions) and optionally SVCCA, with the validity
 * checks of the spec. Pure: no I/O.
 */
export function comparePrepared(
  px: PreparedSide,
  py: PreparedSide,
  crossCovariance: Float64Array,
  options: CompareOptions = {},
): PairComparison {
  const labels = options.labels ?? { a: 'a', b: 'b' };
  const variant = options.variant ?? 'paper';
  const epsilon = resolveEpsilon(options);
  const threshold = options.threshold ?? 0.98;
  const warnings: string[] = [];
  checkComparable(px, py, labels, warnings);
  const wx = whitenFor(px, epsilon);
  const wy = whitenFor(py, epsilon);
  const cca = solveCca(wx, wy, crossCovariance);

  const directional = {
    a: directionalPwcca(variant, cca, px, wx, 'a'),
    b: directionalPwcca(variant, cca, py, wy, 'b'),
  };
  const side: Side = wx.r <= wy.r ? 'a' : 'b';
  const sideTie = wx.r === wy.r;
  const symmetric = sideTie && variant === 'paper';
  const ties = findTies(cca.rho);
  if (!ties.similarityUnique) {
    warnings.push(
      'tied canonical correlations: the PWCCA weights of the tied directions are arbitrary, so the PWCCA value is only approximate; use more datapoints or --method svcca',
    );
  }
  const mean = meanCorrelation(cca.rho);
  const chosen = directional[side];
  const pwccaSimilarity = pwccaRule(variant, sideTie, directional.a.similarity, directional.b.similarity, side);
  const result: PairComparison = {
    datapoints: px.n,
    regularisation: epsilon === undefined ? { mode: 'rank' } : { mode: 'epsilon', epsilon },
    sides: { a: summarise(px, wx), b: summarise(py, wy) },
    cca: {
      coefficients: cca.rho,
      mean,
      similarity: mean,
      distance: 1 - mean,
      meanThresholded: thresholdedMean(cca.rho, threshold),
      threshold,
    },
    pwcca: {
      variant,
      similarity: pwccaSimilarity,
      distance: 1 - pwccaSimilarity,
      side,
      weights: chosen.weights,
      directional: { a: directional.a.similarity, b: directional.b.similarity },
      sideTie,
      symmetric,
      ...ties,
    },
    svcca: options.svcca
      ? computeSvcca(px, py, crossCovariance, { ...options.svcca, epsilon: options.svcca.epsilon ?? options.epsilon })
      : undefined,
    cka: options.cka ? ckaFromInputs(ckaInputsFromMoments(px, py, crossCovariance, options.cka.rows)) : undefined,
    warnings,
  };
  checkFinite(result, labels);
  return result;
}

/**
 * The reported PWCCA similarity from the two directional values: variant
 * `paper` takes the side with fewer whitened dimensions and the mean of both
 * directions on a tie (order-free); variant `svcca` keeps the reference's
 * rule, the value of `side` (the first argument on a tie).
 */
export function pwccaRule(variant: PwccaVariant, sideTie: boolean, fromA: number, fromB: number, side: Side): number {
  if (sideTie && variant === 'paper') return (fromA + fromB) / 2;
  return side === 'a' ? fromA : fromB;
}

/**
 * The PWCCA similarity for a pair whose value must not depend on argument
 * order (pairwise matrices, convergence tables): the mean of both directions
 * when the sides tie, else the chosen side's value. For variant `paper` this
 * is exactly `pwcca.similarity` (computed from the directional values, never
 * from `similarity`, so nothing is averaged twice); for variant `svcca` it
 * differs from `pwcca.similarity` on a tie, where `compare` keeps the
 * reference's first-argument rule.
 */
export function symmetricPwcca(pwcca: PwccaSummary): number {
  return pwcca.sideTie ? (pwcca.directional.a + pwcca.directional.b) / 2 : pwcca.similarity;
}

/**
 * `options` with the debiased CKA's row sums filled in from the two
 * in-memory matrices when CKA is asked for without them (a streamed route,
 * which has no rows at hand, passes its own or gets linear CKA only).
 */
export function withCkaRows(x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, options: CompareOptions): CompareOptions {
  if (!options.cka || options.cka.rows) return options;
  return { ...options, cka: { rows: ckaRowSumsOf(x, px, y, py) } };
}

/**
 * The epsilon of the reference's regularisation that a comparison uses:
 * `options.epsilon`, else {@link REFERENCE_EPSILON} for variant `svcca`, else
 * undefined (rank-revealing whitening).
 */
export function resolveEpsilon(options: CompareOptions): number | undefined {
  const epsilon = options.epsilon ?? (options.variant === 'svcca' ? REFERENCE_EPSILON : undefined);
  if (epsilon !== undefined && !(epsilon >= 0 && Number.isFinite(epsilon))) {
    throw new UsageError(`--epsilon must be a non-negative number, got ${epsilon}`);
  }
  return epsilon;
}

/** The whitening a comparison uses for CCA and PWCCA: rank-revealing, or the reference's with `epsilon`. */
export function whitenFor(side: PreparedSide, epsilon: number | undefined): Whitening {
  return epsilon === undefined ? rankWhitening(side) : ridgeWhitening(side, epsilon);
}

/** PWCCA with the weights from one side, for a variant: the paper's weights or the reference's. */
export function directionalPwcca(variant: PwccaVariant, cca: CcaSolution, side: PreparedSide, whitening: Whitening, which: Side): DirectionalPwcca {
  if (variant === 'paper') return paperPwcca(cca, whitening, which);
  const weights = referenceWeights(side, whitening, which === 'a' ? cca.u : cca.v, cca.k);
  return { similarity: weightedSimilarity(weights, cca.rho), weights };
}

function summarise(side: PreparedSide, whitening: Whitening): SideSummary {
  return { neurons: side.d, rank: side.rank, droppedNeurons: whitening.droppedNeurons };
}

function findTies(rho: Float64Array): { weightsUnique: boolean; similarityUnique: boolean } {
  let tied = false;
  for (let i = 1; i < rho.length; i++) if (rho[i - 1] - rho[i] < TIE_TOLERANCE) tied = true;
  // When every coefficient is the same, any weights give the same similarity.
  const allEqual = rho.length === 0 || rho[0] - rho[rho.length - 1] < TIE_TOLERANCE;
  return { weightsUnique: !tied, similarityUnique: !tied || allEqual };
}

/** The spec's validity checks: errors for undefined comparisons, warnings for unreliable ones. */
function checkComparable(px: PreparedSide, py: PreparedSide, labels: { a: string; b: string }, warnings: string[]): void {
  if (px.n !== py.n) {
    throw new InputError(`different numbers of datapoints: ${labels.a} has ${px.n}, ${labels.b} has ${py.n}`, {
      hint: 'both files must hold activations for the same probe inputs, in the same order',
    });
  }
  for (const [side, label] of [
    [px, labels.a],
    [py, labels.b],
  ] as const) {
    if (side.rank === 0) {
      throw new NumericError(`every neuron is constant in ${label} (${side.d} neurons, effective rank 0)`, {
        where: label,
        hint: 'check that the file holds the activations you meant to compare',
      });
    }
  }
  const n = px.n;
  const maxRank = Math.max(px.rank, py.rank);
  if (n <= maxRank + 1) {
    throw new NumericError(
      `too few datapoints for CCA: ${n} datapoints for effective ranks ${px.rank} (${labels.a}) and ${py.rank} (${labels.b}); need more than ${maxRank + 1}`,
      { hint: 'save activations for more probe inputs, or reduce dimensions first with --method svcca --svd-dims K' },
    );
  }
  const trivial = px.rank + py.rank - n + 1;
  if (trivial > 0) {
    warnings.push(
      `at least ${trivial} canonical correlations are 1 by construction: effective ranks ${px.rank} + ${py.rank} >= ${n} datapoints; use --method svcca or more datapoints`,
    );
  }
  if (n < 5 * maxRank) {
    warnings.push(
      `only ${n} datapoints for effective rank ${maxRank} (fewer than 5 per dimension): canonical correlations are biased upwards; use more datapoints or --method svcca`,
    );
  }
  for (const [side, label] of [
    [px, labels.a],
    [py, labels.b],
  ] as const) {
    if (side.deadNeurons.length > 0) {
      warnings.push(`${side.deadNeurons.length} of ${side.d} neurons in ${label} are constant and carry no signal`);
    }
  }
}

function checkFinite(result: PairComparison, labels: { a: string; b: string }): void {
  const values = [
    result.cca.mean,
    result.cca.meanThresholded,
    result.pwcca.similarity,
    result.pwcca.directional.a,
    result.pwcca.directional.b,
    ...(result.svcca ? [result.svcca.similarity] : []),
    ...(result.cka ? [result.cka.similarity] : []),
  ];
  if (values.some((value) => !Number.isFinite(value))) {
    throw new NumericError(`the comparison of ${labels.a} and ${labels.b} produced a non-finite value`, {
      hint: 'the inputs are numerically degenerate; try --method svcca or the default rank-revealing mode (no --epsilon)',
    });
  }
}
