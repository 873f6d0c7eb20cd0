/**
 * Core data types shared by the loaders, the engine and the reporters.
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
