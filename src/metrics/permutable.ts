/**
 * A pair prepared for recomputing its similarities under shuffles of the
 * datapoint pairing (the permutation null), without preparing either side
 * again.
 *
 * Permuting the rows of y leaves both sides' means, covariances,
 * eigendecompositions and whitenings unchanged; only the cross products
 * change. With the whitened variates Zx = Xc W_x (n x rx) and Zy = Yc W_y
 * formed once, a shuffle P gives the whitened cross-covariance
 * M = Zx^T P Zy / (n - 1): one n x rx x ry product, then a small SVD for the
 * canonical correlations, and the PWCCA weights from the fixed loadings
 * C_xx W_x times U (d x r x k). The other methods come from the same product:
 *
 * - SVCCA's truncated, ridged whitening has the columns of the rank
 *   whitening times sqrt(l / (l + ridge)), so its M is a scaled block of M.
 * - CKA's ||Xc^T P Yc||_F^2 = (n-1)^2 sum_ij lx_i ly_j M_ij^2 with l the
 *   covariance eigenvalues (Xc = Zx diag(lx^1/2) V_x^T, V_x orthonormal),
 *   exact up to the directions below the rank floor.
 *
 * Only the reference regularisation (`epsilon`) needs a second product, with
 * its own whitened variates.
 */
import { multiplyTransposeA, multiplyTransposeAGathered } from '../linalg/kernels.js';
import type { Matrix } from '../types.js';
import { ckaFromInputs, squaredFrobenius } from './cka.js';
import { meanCorrelation, solveWhitenedCca } from './cca.js';
import { directionalPwcca, pwccaRule, resolveEpsilon, whitenFor, type CompareOptions, type PairComparison } from './compare.js';
import { scaleByPowerOfTwo } from './magnitude.js';
import type { PreparedSide } from './side.js';
import type { Side } from './pwcca.js';
import { REFERENCE_EPSILON, svccaDims } from './svcca.js';
import { rankWhitening } from './whitening.js';

/** The similarities a resampling test can recompute. */
export type SimilarityMethod = 'pwcca' | 'cca' | 'svcca' | 'cka';

/** One similarity per requested method (linear CKA for `cka`). */
export type MethodValues = Partial<Record<SimilarityMethod, number>>;

/**
 * The similarities a comparison reports, per requested method (linear CKA for
 * `cka`): the observed values of a resampling test. The comparison must hold
 * every method (SVCCA and CKA computed through their options).
 */
export function observedValues(comparison: PairComparison, methods: readonly SimilarityMethod[]): MethodValues {
  const values: MethodValues = {};
  for (const method of methods) {
    const value =
      method === 'pwcca'
        ? comparison.pwcca.similarity
        : method === 'cca'
          ? comparison.cca.similarity
          : method === 'svcca'
            ? comparison.svcca?.similarity
            : comparison.cka?.similarity;
    if (value === undefined) throw new RangeError(`the comparison has no ${method} value: compute it first`);
    values[method] = value;
  }
  return values;
}

/** See the module comment. */
export interface PermutablePair {
  readonly n: number;
  readonly methods: readonly SimilarityMethod[];
  /**
   * The similarities with row i of x paired with row `permutation[i]` of y
   * (the identity gives the observed values, to rounding).
   */
  similarities(permutation: Int32Array): MethodValues;
}

/**
 * Everything a shuffle needs, as plain data: the prepared sides, the options
 * and the whitened variates (n x r per side), computed once per pair. It can
 * be sent to a worker thread (with the arrays in shared memory, nothing is
 * copied), which builds the {@link PermutablePair} with {@link permutablePair}.
 */
export interface PermutableInputs {
  /** Names this pair's inputs within the run: a thread keeps the pair it built for the last key. */
  readonly key: string;
  readonly n: number;
  readonly methods: readonly SimilarityMethod[];
  /** As for comparePrepared, without labels. */
  readonly options: CompareOptions;
  readonly px: PreparedSide;
  readonly py: PreparedSide;
  /** Xc W and Yc W with the rank whitening, when a method needs it (see {@link variateWhitenings}). */
  readonly rankVariates: SidePair<Float64Array> | null;
  /** The same with the reference regularisation (`epsilon`), when PWCCA or CCA use it. */
  readonly epsilonVariates: SidePair<Float64Array> | null;
}

interface SidePair<T> {
  readonly x: T;
  readonly y: T;
}

/**
 * The whitenings whose variates a permutation test of `methods` needs, by the
 * epsilon of {@link whitenFor} (undefined: the rank whitening): the rank one
 * for CKA, SVCCA and (without epsilon) PWCCA and CCA; the epsilon one for
 * PWCCA and CCA with epsilon.
 */
export function variateWhitenings(methods: readonly SimilarityMethod[], options: CompareOptions): { rank: boolean; epsilon: number | undefined } {
  const epsilon = resolveEpsilon(options);
  const needMain = methods.includes('pwcca') || methods.includes('cca');
  return {
    rank: methods.includes('cka') || methods.includes('svcca') || (needMain && epsilon === undefined),
    epsilon: needMain ? epsilon : undefined,
  };
}

/**
 * The whitened variates of one side, Xc W (n x r row-major), for the
 * whitening {@link whitenFor} gives with `epsilon`. x is the unscaled matrix
 * the side was prepared from (its power-of-two scaling and centring are
 * applied here).
 */
export function whitenedVariates(x: Matrix, side: PreparedSide, epsilon: number | undefined): Float64Array {
  const whitening = whitenFor(side, epsilon);
  return multiplyTransposeA(centredTransposed(x, side), x.cols, x.rows, whitening.basis, whitening.r);
}

/**
 * Prepares a pair for {@link PermutablePair.similarities} on this thread (the
 * engine computes the two sides' variates on two threads). x and y are the
 * unscaled matrices px and py were prepared from; `options` as for
 * comparePrepared (variant, epsilon, svcca dims). Memory: n x (rx + ry)
 * floats (twice with `epsilon`).
 */
export function preparePermutablePair(
  x: Matrix,
  px: PreparedSide,
  y: Matrix,
  py: PreparedSide,
  methods: readonly SimilarityMethod[],
  options: CompareOptions = {},
): PermutablePair {
  if (y.rows !== x.rows) throw new RangeError(`sides differ in rows: ${x.rows} and ${y.rows}`);
  const { rank, epsilon } = variateWhitenings(methods, options);
  const both = (whitening: number | undefined) => ({ x: whitenedVariates(x, px, whitening), y: whitenedVariates(y, py, whitening) });
  return permutablePair({
    key: 'local',
    n: x.rows,
    methods,
    options,
    px,
    py,
    rankVariates: rank ? both(undefined) : null,
    epsilonVariates: epsilon === undefined ? null : both(epsilon),
  });
}

/** The pair of {@link PermutableInputs}: per shuffle, one n x rx x ry product and a small SVD. */
export function permutablePair(inputs: PermutableInputs): PermutablePair {
  const { n, px, py, options } = inputs;
  const variant = options.variant ?? 'paper';
  const epsilon = resolveEpsilon(options);
  const wants = new Set(inputs.methods);
  const needMain = wants.has('pwcca') || wants.has('cca');
  const rank = inputs.rankVariates ? { x: rankWhitening(px), y: rankWhitening(py) } : null;
  const main = needMain ? (epsilon === undefined ? rank : { x: whitenFor(px, epsilon), y: whitenFor(py, epsilon) }) : null;
  const mainVariates = epsilon === undefined ? inputs.rankVariates : inputs.epsilonVariates;
  if (needMain && (main === null || mainVariates === null)) throw new RangeError('the permutable inputs lack the variates of PWCCA and CCA');
  if ((wants.has('cka') || wants.has('svcca')) && rank === null) throw new RangeError('the permutable inputs lack the rank-whitened variates');

  const svcca = wants.has('svcca') ? svccaScales(px, py, options) : null;
  const cka = wants.has('cka')
    ? { xSquaredNorm: squaredFrobenius(px.covariance), ySquaredNorm: squaredFrobenius(py.covariance) }
    : null;
  // Which directions PWCCA needs: both on a tie of the paper variant, else the rule's side only.
  const tie = main !== null && main.x.r === main.y.r;
  const pwccaSide: Side = main !== null && main.x.r <= main.y.r ? 'a' : 'b';
  const needA = tie && variant === 'paper' ? true : pwccaSide === 'a';
  const needB = tie && variant === 'paper' ? true : pwccaSide === 'b';

  const whitenedCross = (vx: Float64Array, rx: number, vy: Float64Array, ry: number, permutation: Int32Array) => {
    const product = multiplyTransposeAGathered(vx, n, rx, vy, ry, permutation);
    const scale = 1 / (n - 1);
    for (let i = 0; i < product.length; i++) product[i] *= scale;
    return product;
  };

  return {
    n,
    methods: [...wants],
    similarities(permutation: Int32Array): MethodValues {
      if (permutation.length !== n) throw new RangeError(`permutation of ${permutation.length} rows for ${n}`);
      const values: MethodValues = {};
      const rankCross = rank ? whitenedCross(inputs.rankVariates!.x, rank.x.r, inputs.rankVariates!.y, rank.y.r, permutation) : null;
      if (main) {
        const cross = epsilon === undefined ? rankCross! : whitenedCross(mainVariates!.x, main.x.r, mainVariates!.y, main.y.r, permutation);
        const solution = solveWhitenedCca(cross, main.x.r, main.y.r);
        if (wants.has('cca')) values.cca = meanCorrelation(solution.rho);
        if (wants.has('pwcca')) {
          const fromA = needA ? directionalPwcca(variant, solution, px, main.x, 'a').similarity : Number.NaN;
          const fromB = needB ? directionalPwcca(variant, solution, py, main.y, 'b').similarity : Number.NaN;
          values.pwcca = pwccaRule(variant, tie, fromA, fromB, pwccaSide);
        }
      }
      if (svcca) values.svcca = svccaFromRankCross(rankCross!, rank!.y.r, svcca);
      if (cka) {
        // ||Xc^T P Yc||^2 / (n-1)^2 = sum_ij lx_i ly_j M_ij^2; the (n-1)^2 factors cancel in linear CKA.
        const rx = rank!.x.r;
        const ry = rank!.y.r;
        let crossSquaredNorm = 0;
        for (let i = 0; i < rx; i++) {
          let row = 0;
          for (let j = 0; j < ry; j++) row += py.eigenvalues[j] * rankCross![i * ry + j] ** 2;
          crossSquaredNorm += px.eigenvalues[i] * row;
        }
        values.cka = ckaFromInputs({ n, crossSquaredNorm, ...cka }).similarity;
      }
      return values;
    },
  };
}

/** Centred (and power-of-two scaled) side, transposed: d x n row-major. */
function centredTransposed(x: Matrix, side: PreparedSide): Float64Array {
  const { rows, cols } = x;
  const data = side.scaleExponent ? scaleByPowerOfTwo(x.data, side.scaleExponent) : x.data;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] - side.mean[c];
  }
  return out;
}

interface SvccaScales {
  readonly kx: number;
  readonly ky: number;
  /** Per kept direction: sqrt(l / (l + ridge)), turning rank-whitened coordinates into SVCCA's. */
  readonly cx: Float64Array;
  readonly cy: Float64Array;
}

/** SVCCA's kept directions and their scales relative to the rank whitening (as computeSvcca whitens). */
function svccaScales(px: PreparedSide, py: PreparedSide, options: CompareOptions): SvccaScales {
  const svccaOptions = options.svcca ?? {};
  const epsilon = svccaOptions.epsilon ?? options.epsilon ?? REFERENCE_EPSILON;
  const scales = (side: PreparedSide) => {
    const whitening = rankWhitening(side, { dims: svccaDims(side, svccaOptions), epsilon });
    const ridge = epsilon * Math.max(side.eigenvalues[0] ?? 0, 0);
    return Float64Array.from({ length: whitening.r }, (_, k) => Math.sqrt(side.eigenvalues[k] / (side.eigenvalues[k] + ridge)));
  };
  const cx = scales(px);
  const cy = scales(py);
  return { kx: cx.length, ky: cy.length, cx, cy };
}

function svccaFromRankCross(rankCross: Float64Array, ry: number, scales: SvccaScales): number {
  const { kx, ky, cx, cy } = scales;
  const block = new Float64Array(kx * ky);
  for (let i = 0; i < kx; i++) for (let j = 0; j < ky; j++) block[i * ky + j] = rankCross[i * ry + j] * cx[i] * cy[j];
  return meanCorrelation(solveWhitenedCca(block, kx, ky).rho);
}
