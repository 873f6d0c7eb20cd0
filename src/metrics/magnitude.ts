/**
 * Power-of-two scaling of a side before any product is formed, so that every
 * finite float64 input works: activations of order 1e-300 would underflow to
 * zero in X^T X, activations of order 1e154 overflow it, and the
 * decompositions square the covariance's entries again.
 *
 * Multiplying by a power of two only changes the exponent of every value, so
 * it is exact (barring values that end up subnormal, which are below the
 * rounding floor of the side anyway), and every measure pwcca computes (CCA,
 * PWCCA, SVCCA, CKA) is invariant to scaling a side. Sides whose largest
 * magnitude is already moderate are left alone, so ordinary inputs give
 * bit-identical results with or without this step.
 */
import { columnSumsInto } from '../linalg/kernels.js';
import type { Matrix } from '../types.js';

/**
 * Largest magnitudes left unscaled: [2^-64, 2^64]. Inside this range the
 * covariance's entries and their squares (formed again inside the
 * eigendecomposition and the Frobenius norms of CKA) stay far from overflow
 * and from subnormals.
 */
export const UNSCALED_MAGNITUDE_EXPONENT = 64;

/**
 * Largest |value| of an array; NaN if any value is NaN (Infinity if any is
 * infinite). One rarely taken branch per value (NaN fails `a <= largest` as
 * a new maximum does), which runs about five times faster on random data
 * than testing for a new maximum and for NaN separately.
 */
export function maxAbs(values: Float64Array | Float32Array): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (!(a <= largest)) {
      if (a !== a) return Number.NaN;
      largest = a;
    }
  }
  return largest;
}

/**
 * The exponent e such that multiplying a side by 2^e brings its largest
 * magnitude `maxAbs` into [1, 2), or 0 when `maxAbs` already lies in
 * [2^-64, 2^64] (or is 0, NaN or infinite: those are reported elsewhere).
 * e is an integer in [-1023, 1074], so 2^e itself may not be representable:
 * apply it with {@link scaleByPowerOfTwo}.
 */
export function powerOfTwoScale(maxAbs: number): number {
  if (!(maxAbs > 0) || maxAbs === Infinity) return 0;
  const limit = 2 ** UNSCALED_MAGNITUDE_EXPONENT;
  if (maxAbs >= 1 / limit && maxAbs <= limit) return 0;
  // floor(log2) can be off by one next to a power of two: correct it exactly.
  let exponent = Math.floor(Math.log2(maxAbs));
  if (2 ** exponent > maxAbs) exponent--;
  else if (2 ** (exponent + 1) <= maxAbs) exponent++;
  return -exponent;
}

/**
 * values * 2^exponent, exactly, into `out` (a new array by default; may be
 * `values` itself). Exponents above 1000 are applied in two steps because
 * 2^1074 is not a float64; growing values never lose bits, so two steps are
 * as exact as one.
 */
export function scaleByPowerOfTwo(values: ArrayLike<number>, exponent: number, out: Float64Array = new Float64Array(values.length)): Float64Array {
  if (!Number.isInteger(exponent)) throw new RangeError(`power-of-two exponent must be an integer, got ${exponent}`);
  if (out.length !== values.length) throw new RangeError(`scaleByPowerOfTwo: ${out.length} outputs for ${values.length} values`);
  if (exponent > 1000) {
    const first = 2 ** (exponent - 1000);
    const second = 2 ** 1000;
    for (let i = 0; i < values.length; i++) out[i] = values[i] * first * second;
  } else {
    const factor = 2 ** exponent;
    for (let i = 0; i < values.length; i++) out[i] = values[i] * factor;
  }
  return out;
}

/** x scaled by 2^exponent (x itself when the exponent is 0). */
export function scaledMatrix(x: Matrix, exponent: number): Matrix {
  if (exponent === 0) return x;
  return { rows: x.rows, cols: x.cols, data: scaleByPowerOfTwo(x.data, exponent) };
}

/**
 * Column sums of a side read in row chunks, kept at the power-of-two scale
 * that {@link powerOfTwoScale} gives for the largest magnitude seen so far:
 * pass one of the streamed moments, where the side's scale is only known at
 * the end. When a chunk raises the largest magnitude, the sums so far are
 * rescaled by an exact power of two, which is the same as having summed the
 * scaled values from the start; so the final `sums` and `exponent` equal
 * those of the in-memory route ({@link powerOfTwoScale} of the whole side,
 * then column sums of the scaled side), to the same rounding.
 *
 * Pass two then multiplies every chunk by 2^exponent (while copying it into
 * its staging buffer: {@link scaleByPowerOfTwo} with `out`) before the
 * centred products, with the means `sums / n` of pass one.
 */
export class ScaledColumnSums {
  /** Column sums of the rows added so far, scaled by 2^exponent. */
  readonly sums: Float64Array;
  private largest = 0;
  private current = 0;
  private scratch: Float64Array | null = null;

  constructor(readonly cols: number) {
    this.sums = new Float64Array(cols);
  }

  /** The exponent applied to the sums (and to be applied to the rows in pass two). */
  get exponent(): number {
    return this.current;
  }

  /** Largest magnitude seen (NaN once a NaN was seen). */
  get maxAbs(): number {
    return this.largest;
  }

  /** Adds a chunk of `rows` rows (row-major, `cols` wide). */
  add(chunk: Float64Array, rows: number): void {
    const data = chunk.length === rows * this.cols ? chunk : chunk.subarray(0, rows * this.cols);
    const chunkMax = maxAbs(data);
    if (chunkMax !== chunkMax || this.largest !== this.largest) this.largest = Number.NaN;
    else if (chunkMax > this.largest) this.largest = chunkMax;
    const exponent = powerOfTwoScale(this.largest);
    if (exponent !== this.current) {
      scaleByPowerOfTwo(this.sums, exponent - this.current, this.sums);
      this.current = exponent;
    }
    if (exponent === 0) {
      columnSumsInto(data, rows, this.cols, this.sums);
      return;
    }
    if (this.scratch === null || this.scratch.length < data.length) this.scratch = new Float64Array(data.length);
    const scaled = this.scratch.subarray(0, data.length);
    scaleByPowerOfTwo(data, exponent, scaled);
    columnSumsInto(scaled, rows, this.cols, this.sums);
  }

  /** Column means of the scaled rows: sums / n. */
  means(n: number): Float64Array {
    return this.sums.map((sum) => sum / n);
  }
}
