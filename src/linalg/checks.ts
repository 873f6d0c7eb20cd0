/** Argument checks shared by the linear algebra modules. */

/** Checks that `a` is a Float64Array holding a rows x cols matrix. */
export function checkBuffer(name: string, a: Float64Array, rows: number, cols: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${name}: expected a Float64Array`);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`${name}: shape must be non-negative integers, got ${rows} x ${cols}`);
  }
  if (a.length !== rows * cols) {
    throw new RangeError(`${name}: buffer has ${a.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
}
