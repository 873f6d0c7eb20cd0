import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { checkLayout, reduceToMatrix } from '../../src/io/layout.js';
import type { NdArray } from '../../src/io/ndarray.js';
import { seededNormal } from '../helpers/random.js';
import { expectClose } from '../helpers/expect-close.js';

function ndarray(shape: number[], values?: ArrayLike<number>, seed = 1): NdArray {
  const count = shape.reduce((a, b) => a * b, 1);
  const normal = seededNormal(seed);
  const data = values ? Float64Array.from(values) : Float64Array.from({ length: count }, () => normal());
  return { shape, dtype: 'float64', data, fortranOrder: false };
}

/** Element of a C-ordered array at a multi-index. */
function at(array: NdArray, index: number[]): number {
  let offset = 0;
  for (let axis = 0; axis < index.length; axis++) offset = offset * array.shape[axis] + index[axis];
  return array.data[offset];
}

/** Permutes the axes of a C-ordered array: result axis k is input axis perm[k]. */
function permute(array: NdArray, perm: number[]): NdArray {
  const shape = perm.map((axis) => array.shape[axis]);
  const out = new Float64Array(array.data.length);
  const index = shape.map(() => 0);
  for (let i = 0; i < out.length; i++) {
    const source = new Array<number>(shape.length);
    perm.forEach((axis, k) => (source[axis] = index[k]));
    out[i] = at(array, source);
    for (let k = shape.length - 1; k >= 0 && ++index[k] === shape[k]; k--) index[k] = 0;
  }
  return { ...array, shape, data: out };
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('reduceToMatrix, 2-D', () => {
  it('keeps (N, D) as is, without a copy', () => {
    const array = ndarray([4, 3]);
    const result = reduceToMatrix(array, { layout: 'auto', conv: 'flatten', source: 'a.npy' });
    expect(result.matrix).toMatchObject({ rows: 4, cols: 3 });
    expect(result.matrix.data).toBe(array.data);
    expect(result).toMatchObject({ layout: 'auto', reduction: 'none', spatialShape: [] });
  });

  it('transposes neurons-first', () => {
    const array = ndarray([70, 130]); // bigger than one 64 x 64 tile
    const { matrix } = reduceToMatrix(array, { layout: 'neurons-first', conv: 'flatten', source: 'a.npy' });
    expect(matrix).toMatchObject({ rows: 130, cols: 70 });
    for (const [r, c] of [[0, 0], [129, 69], [64, 3], [5, 65]]) expect(matrix.data[r * 70 + c]).toBe(at(array, [c, r]));
  });

  it('refuses an axis layout on a 2-D array', () => {
    const error = thrown(() => reduceToMatrix(ndarray([4, 3]), { layout: 'nchw', conv: 'flatten', source: 'a.npy' }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/layout nchw is for conv\/sequence arrays, but a\.npy is 2-D: shape \[4, 3\]/);
  });
});

describe('reduceToMatrix, conv and sequence arrays', () => {
  const nhwc = ndarray([3, 4, 5, 6], undefined, 7);
  const nchw = permute(nhwc, [0, 3, 1, 2]);

  it('flattens nhwc and nchw storage of the same activations to the same matrix', () => {
    const a = reduceToMatrix(nhwc, { layout: 'nhwc', conv: 'flatten', source: 'a.npy' });
    const b = reduceToMatrix(nchw, { layout: 'nchw', conv: 'flatten', source: 'b.npy' });
    expect(a.matrix).toMatchObject({ rows: 3 * 4 * 5, cols: 6 });
    expect(Array.from(b.matrix.data)).toEqual(Array.from(a.matrix.data));
    expect(a).toMatchObject({ layout: 'nhwc', reduction: 'flatten', spatialShape: [4, 5] });
    expect(b.spatialShape).toEqual([4, 5]);
    // Row (n*H + h)*W + w, column c.
    const [n, h, w, c] = [2, 1, 3, 4];
    expect(a.matrix.data[((n * 4 + h) * 5 + w) * 6 + c]).toBe(at(nhwc, [n, h, w, c]));
    // nhwc is already in row order: reshaped without a copy.
    expect(a.matrix.data).toBe(nhwc.data);
  });

  it('averages over space with mean', () => {
    const a = reduceToMatrix(nhwc, { layout: 'nhwc', conv: 'mean', source: 'a.npy' });
    const b = reduceToMatrix(nchw, { layout: 'nchw', conv: 'mean', source: 'b.npy' });
    expect(a.matrix).toMatchObject({ rows: 3, cols: 6 });
    let sum = 0;
    for (let h = 0; h < 4; h++) for (let w = 0; w < 5; w++) sum += at(nhwc, [1, h, w, 2]);
    expect(a.matrix.data[1 * 6 + 2]).toBeCloseTo(sum / 20, 14);
    expectClose(b.matrix.data, a.matrix.data, 1e-14, 'nchw vs nhwc means');
  });

  it('handles sequences (ntc vs nct) and datapoints not first (cn... layouts)', () => {
    const ntc = ndarray([2, 7, 3], undefined, 3);
    const a = reduceToMatrix(ntc, { layout: 'ntc', conv: 'flatten', source: 'a' });
    const b = reduceToMatrix(permute(ntc, [0, 2, 1]), { layout: 'nct', conv: 'flatten', source: 'b' });
    const c = reduceToMatrix(permute(ntc, [2, 1, 0]), { layout: 'ctn', conv: 'flatten', source: 'c' });
    expect(Array.from(b.matrix.data)).toEqual(Array.from(a.matrix.data));
    expect(Array.from(c.matrix.data)).toEqual(Array.from(a.matrix.data));
  });

  it('uses the file layout when the user gave none', () => {
    const result = reduceToMatrix(nhwc, { layout: 'auto', conv: 'flatten', source: 'a.arrow', fileLayout: 'nhwc' });
    expect(result.layout).toBe('nhwc');
    const override = reduceToMatrix(nchw, { layout: 'nchw', conv: 'flatten', source: 'a.arrow', fileLayout: 'nhwc' });
    expect(override.layout).toBe('nchw');
    expect(thrown(() => reduceToMatrix(nhwc, { layout: 'auto', conv: 'flatten', source: 'a.arrow', fileLayout: 'nxyz' }))).toBeInstanceOf(InputError);
  });

  it('asks for a layout when there is none', () => {
    const error = thrown(() => reduceToMatrix(ndarray([40, 6, 6, 12]), { layout: 'auto', conv: 'flatten', source: 'a.npy' })) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('conv/sequence activations need a layout (a.npy): shape [40, 6, 6, 12] has 4 axes');
    expect(error.hint).toBe('pass --layout nchw (PyTorch: N,C,H,W) or --layout nhwc (TF/numpy: N,H,W,C), and --conv flatten|mean');
  });

  it('refuses a layout of the wrong length, showing shape and layout', () => {
    const error = thrown(() => reduceToMatrix(ndarray([2, 3, 4]), { layout: 'nchw', conv: 'flatten', source: 'a.npy' }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/layout nchw does not fit a\.npy: shape \[2, 3, 4\] has 3 axes, the layout names 4/);
    expect(thrown(() => reduceToMatrix(ndarray([2, 3, 4]), { layout: 'neurons-first', conv: 'flatten', source: 'a.npy' }))).toBeInstanceOf(UsageError);
  });
});

describe('checkLayout', () => {
  it('accepts auto, neurons-first and axis letters', () => {
    for (const layout of ['auto', 'neurons-first', 'nchw', 'nhwc', 'ntc', 'nct', 'ncdhw', 'nsc']) expect(() => checkLayout(layout)).not.toThrow();
  });

  it('refuses repeated, unknown or missing axes', () => {
    for (const [layout, pattern] of [['nhhc', /twice/], ['nxyc', /unknown axis 'x'/], ['nhw', /one 'n'.*one 'c'/], ['NCHW', /not auto/], ['', /not auto/]] as const) {
      const error = thrown(() => checkLayout(layout));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(pattern);
    }
  });
});
