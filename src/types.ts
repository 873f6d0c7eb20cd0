/**
 * Core data types and names shared by the loaders, the engine, the studies and the reporters.
 */

/**
 * A dense activation matrix: `rows` datapoints (probe inputs) by `cols`
 * neurons, stored row-major in float64 (`data[r * cols + c]`).
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Builds a Matrix, checking that the buffer has the declared size. */
export function buildMatrix(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix shape must be non-negative integers, got ${rows} x ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data };
}

/** Version of the JSON documents pwcca writes; bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

/** The similarity measures, in report order; multi-pair commands tabulate any subset. */
export const METHOD_NAMES = ['pwcca', 'cca', 'svcca'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** How files are read: layout of the stored axes and the reduction of conv/sequence activations. */
export interface ReadOptions {
  readonly layout?: string;
  readonly conv?: 'flatten' | 'mean';
  readonly skipNonNumeric?: boolean;
  readonly stdin?: NodeJS.ReadableStream;
}

/**
 * The one key of a pair (or of any item of a run) in plans, records and
 * journals: its identifying parts, e.g. `[scope, labelA, labelB]` for a
 * pairwise pair or `[run, layer, step]` for a convergence comparison.
 */
export function pairKey(...parts: ReadonlyArray<string | number>): string {
  return JSON.stringify(parts);
}
