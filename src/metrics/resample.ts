/**
 * A pair's similarities on a bootstrap resample of its datapoints: the
 * statistic of the bootstrap (../stats/bootstrap.ts) for a compared pair.
 * Each resample changes both sides' covariances, so it is compared from
 * scratch.
 */
import type { Matrix } from '../types.js';
import { comparePrepared, type CompareOptions } from './compare.js';
import { observedValues, type MethodValues, type SimilarityMethod } from './permutable.js';
import { crossCovariance, prepareSide } from './side.js';

/** The rows `rows` of x (with repeats), as a new matrix. */
export function selectRows(x: Matrix, rows: Int32Array): Matrix {
  const data = new Float64Array(rows.length * x.cols);
  for (let i = 0; i < rows.length; i++) data.set(x.data.subarray(rows[i] * x.cols, (rows[i] + 1) * x.cols), i * x.cols);
  return { rows: rows.length, cols: x.cols, data };
}

/**
 * The requested similarities (linear CKA for `cka`) of rows `rows` of x and
 * the same rows of y, compared with `options` (variant, epsilon, svcca dims).
 * Throws NumericError when the resample is degenerate (e.g. its rank is too
 * high for its distinct rows); the bootstrap counts those as failed.
 */
export function resampledSimilarities(
  x: Matrix,
  y: Matrix,
  rows: Int32Array,
  methods: readonly SimilarityMethod[],
  options: CompareOptions = {},
): MethodValues {
  if (x.rows !== y.rows) throw new RangeError(`sides differ in rows: ${x.rows} and ${y.rows}`);
  const compare: CompareOptions = {
    ...options,
    svcca: methods.includes('svcca') ? (options.svcca ?? {}) : undefined,
    cka: methods.includes('cka') ? {} : undefined,
  };
  const xb = selectRows(x, rows);
  const yb = selectRows(y, rows);
  const px = prepareSide(xb);
  const py = prepareSide(yb);
  return observedValues(comparePrepared(px, py, crossCovariance(xb, px, yb, py), compare), methods);
}
