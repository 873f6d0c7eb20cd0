import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { checkLayout, describeLayoutMismatch, keepsStorage, layoutForRank, reduceToMatrix, type ReduceOptions } from '../../src/io/layout.js';
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

  it('keeps a 2-D array as (datapoints, neurons) under an axis layout for other ranks', () => {
    const array = ndarray([4, 3]);
    for (const layout of ['nchw', 'ntc', 'nchw,ntc']) {
      const result = reduceToMatrix(array, { layout, conv: 'flatten', source: 'a.npy' });
      expect(result.matrix.data).toBe(array.data);
      expect(result).toMatchObject({ layout: 'auto', reduction: 'none', matrix: { rows: 4, cols: 3 } });
    }
    const transposed = reduceToMatrix(array, { layout: 'neurons-first,nchw', conv: 'flatten', source: 'a.npy' });
    expect(transposed).toMatchObject({ layout: 'neurons-first', matrix: { rows: 3, cols: 4 } });
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

  it('uses the file layout, which wins over the user\'s for its rank', () => {
    const result = reduceToMatrix(nhwc, { layout: 'auto', conv: 'flatten', source: 'a.arrow', fileLayout: 'nhwc' });
    expect(result.layout).toBe('nhwc');
    const declared = reduceToMatrix(nhwc, { layout: 'nchw', conv: 'flatten', source: 'a.arrow', fileLayout: 'nhwc' });
    expect(declared.layout).toBe('nhwc');
    expect(Array.from(declared.matrix.data)).toEqual(Array.from(result.matrix.data));
    expect(thrown(() => reduceToMatrix(nhwc, { layout: 'auto', conv: 'flatten', source: 'a.arrow', fileLayout: 'nxyz' }))).toBeInstanceOf(InputError);
    expect(thrown(() => reduceToMatrix(nhwc, { layout: 'auto', conv: 'flatten', source: 'a.arrow', fileLayout: 'ntc' }))).toBeInstanceOf(InputError);
  });

  it('takes the layout of each array\'s own rank from a comma list', () => {
    const ntc = ndarray([2, 7, 3], undefined, 3);
    const sequence = reduceToMatrix(ntc, { layout: 'nchw,ntc', conv: 'flatten', source: 'rnn.npy' });
    expect(sequence).toMatchObject({ layout: 'ntc', spatialShape: [7], matrix: { rows: 14, cols: 3 } });
    const conv = reduceToMatrix(nchw, { layout: 'nchw,ntc', conv: 'mean', source: 'conv.npy' });
    expect(Array.from(conv.matrix.data)).toEqual(Array.from(reduceToMatrix(nchw, { layout: 'nchw', conv: 'mean', source: 'c' }).matrix.data));
    expect(layoutForRank('nchw,ntc', 3)).toBe('ntc');
    expect(layoutForRank('nchw,ntc', 2)).toBe('auto');
    expect(layoutForRank('nchw', 3)).toBeUndefined();
  });

  it('asks for a layout when there is none', () => {
    const error = thrown(() => reduceToMatrix(ndarray([40, 6, 6, 12]), { layout: 'auto', conv: 'flatten', source: 'a.npy' })) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('conv/sequence activations need a layout (a.npy): shape [40, 6, 6, 12] has 4 axes and no --layout was given');
    expect(error.hint).toBe('pass --layout nchw (PyTorch: N,C,H,W) or --layout nhwc (TF/numpy: N,H,W,C), and --conv flatten|mean');
  });

  it('suggests sequence layouts for a 3-D array, added to the layouts already given', () => {
    const bare = thrown(() => reduceToMatrix(ndarray([2, 3, 4]), { layout: 'auto', conv: 'flatten', source: 'rnn.npy' })) as UsageError;
    expect(bare.hint).toMatch(/--layout ntc .*--layout nct/);
    expect(bare.hint).not.toMatch(/nchw/);
    const error = thrown(() => reduceToMatrix(ndarray([2, 3, 4]), { layout: 'nchw', conv: 'flatten', source: 'rnn.npy' })) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/rnn\.npy\): shape \[2, 3, 4\] has 3 axes and --layout nchw has no 3-letter layout/);
    expect(error.hint).toMatch(/--layout nchw,ntc \(or nct for the 3-D arrays\)/);
  });
});

describe('reduceToMatrix into allocated memory', () => {
  const cases: Array<[number[], Pick<ReduceOptions, 'layout' | 'conv' | 'fileLayout'>]> = [
    [[6, 4], { layout: 'auto', conv: 'flatten' }],
    [[6, 4], { layout: 'neurons-first', conv: 'flatten' }],
    [[6, 4], { layout: 'nchw,neurons-first', conv: 'mean' }],
    [[6, 4], { layout: 'auto', conv: 'flatten', fileLayout: 'cn' }],
    [[6, 4], { layout: 'neurons-first', conv: 'flatten', fileLayout: 'nc' }],
    [[3, 2, 2, 4], { layout: 'nhwc', conv: 'flatten' }],
    [[3, 2, 2, 4], { layout: 'nhwc', conv: 'mean' }],
    [[3, 4, 2, 2], { layout: 'nchw', conv: 'flatten' }],
    [[3, 4, 2, 2], { layout: 'nchw', conv: 'mean' }],
    [[3, 5, 4], { layout: 'nchw,ntc', conv: 'flatten' }],
    [[3, 4, 5], { layout: 'nct', conv: 'flatten' }],
    [[3, 2, 2, 4], { layout: 'auto', conv: 'flatten', fileLayout: 'nhwc' }],
    [[3, 2, 2, 4], { layout: 'nhwc', conv: 'flatten', fileLayout: 'nchw' }],
    [[2, 3, 2, 2, 4], { layout: 'ndhwc', conv: 'flatten' }],
  ];

  it.each(cases)('%j %j: keepsStorage says whether the stored data is the matrix; a new matrix is allocated once', (shape, options) => {
    const array = ndarray(shape);
    const lengths: number[] = [];
    // Memory that is not zeroed: a reduction must write every element.
    const allocate = (length: number) => (lengths.push(length), new Float64Array(length).fill(12345));
    const plain = reduceToMatrix(array, { ...options, source: 'a' });
    const allocated = reduceToMatrix(array, { ...options, source: 'a', allocate });
    const kept = allocated.matrix.data === array.data;
    expect(keepsStorage(shape, options), 'keepsStorage').toBe(kept);
    expect(lengths).toEqual(kept ? [] : [allocated.matrix.rows * allocated.matrix.cols]);
    expect(Array.from(allocated.matrix.data)).toEqual(Array.from(plain.matrix.data));
  });

  it('keepsStorage is false where no layout fits (the reduction reports why)', () => {
    expect(keepsStorage([3, 4, 5], { layout: 'auto', conv: 'flatten' })).toBe(false);
    expect(keepsStorage([3, 4, 5, 6], { layout: 'auto', conv: 'flatten', fileLayout: 'ntc' })).toBe(false);
  });
});

describe('describeLayoutMismatch', () => {
  it('names the layout each file looks like when one is stored NHWC among NCHW', () => {
    const text = describeLayoutMismatch({ source: 'a.npy', shape: [20, 5, 5, 8] }, { source: 'b.npy', shape: [20, 8, 5, 5] }, 'nchw');
    expect(text).toBe('a.npy has shape [20, 5, 5, 8] (looks like nhwc), b.npy has shape [20, 8, 5, 5] (looks like nchw)');
    const swapped = describeLayoutMismatch({ source: 'a.npy', shape: [20, 8, 5, 5] }, { source: 'b.npy', shape: [20, 5, 5, 8] }, 'nchw');
    expect(swapped).toBe('a.npy has shape [20, 8, 5, 5] (looks like nchw), b.npy has shape [20, 5, 5, 8] (looks like nhwc)');
    const sequences = describeLayoutMismatch({ source: 'a', shape: [9, 4, 6] }, { source: 'b', shape: [9, 6, 4] }, 'nchw,ntc');
    expect(sequences).toBe('a has shape [9, 4, 6] (looks like nct), b has shape [9, 6, 4] (looks like ntc)');
  });

  it('says nothing when the shapes agree or differ in size rather than order', () => {
    expect(describeLayoutMismatch({ source: 'a', shape: [20, 8, 5, 5] }, { source: 'b', shape: [30, 8, 5, 5] }, 'nchw')).toBeUndefined();
    expect(describeLayoutMismatch({ source: 'a', shape: [20, 8, 5, 5] }, { source: 'b', shape: [20, 8, 3, 3] }, 'nchw')).toBeUndefined();
    expect(describeLayoutMismatch({ source: 'a', shape: [20, 8] }, { source: 'b', shape: [20, 5] }, 'nchw')).toBeUndefined();
  });
});

describe('checkLayout', () => {
  it('accepts auto, neurons-first and axis letters', () => {
    for (const layout of ['auto', 'neurons-first', 'nchw', 'nhwc', 'ntc', 'nct', 'ncdhw', 'nsc', 'nchw,ntc', 'neurons-first,nhwc']) expect(() => checkLayout(layout)).not.toThrow();
  });

  it('refuses repeated, unknown or missing axes', () => {
    for (const [layout, pattern] of [['nhhc', /twice/], ['nxyc', /unknown axis 'x'/], ['nhw', /one 'n'.*one 'c'/], ['NCHW', /not auto/], ['', /not auto/], ['nchw,nhwc', /4-D arrays two layouts \(nchw and nhwc\)/], ['auto,nchw', /auto cannot be part of a list/]] as const) {
      const error = thrown(() => checkLayout(layout));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toMatch(pattern);
    }
  });
});
