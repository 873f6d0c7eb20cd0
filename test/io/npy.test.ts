import { describe, expect, it } from 'vitest';
import { dump as npyjsDump, float16ToFloat32 } from 'npyjs';
import { decodeFloat16, float16Table } from '../../src/io/float16.js';
import { MAX_ELEMENTS } from '../../src/io/ndarray.js';
import { checkNpyHeader, decodeNpyData, parseNpy, parseNpyHeader } from '../../src/io/npy.js';
import { buildNpy, halfBits, iota, type NpyDtype } from './helpers.js';
import { inputErrorOf } from '../helpers/errors.js';


describe('parseNpy dtypes', () => {
  const cases: Array<[NpyDtype, string, number[]]> = [
    ['f4', 'float32', [1.5, -2.25, 3e38, 1e-45, 0, -0.125]],
    ['f8', 'float64', [Math.PI, -1e308, 5e-324, 0, 1 / 3, -7]],
    ['i1', 'int8', [-128, 127, 0, -1, 5, 6]],
    ['i2', 'int16', [-32768, 32767, 0, -1, 300, 6]],
    ['i4', 'int32', [-(2 ** 31), 2 ** 31 - 1, 0, -1, 70000, 6]],
    ['i8', 'int64', [-(2 ** 53), 2 ** 53, 0, -1, -(2 ** 40) - 3, 6]],
    ['u1', 'uint8', [0, 255, 1, 2, 3, 4]],
    ['u2', 'uint16', [0, 65535, 1, 2, 3, 4]],
    ['u4', 'uint32', [0, 2 ** 32 - 1, 1, 2, 3, 4]],
    ['u8', 'uint64', [0, 2 ** 53, 2 ** 32, 2 ** 32 - 1, 3, 4]],
    ['b1', 'bool', [1, 0, 0, 1, 1, 0]],
    ['f2', 'float16', [1, -2, 65504, 2 ** -24, 0.5, -0]],
  ];

  for (const [code, dtype, values] of cases) {
    it(`reads ${code} as ${dtype}, exactly, in both byte orders`, () => {
      for (const bigEndian of [false, true]) {
        const array = parseNpy(buildNpy([2, 3], code, values, { bigEndian }), 'a.npy');
        expect(array.dtype).toBe(dtype);
        expect(array.shape).toEqual([2, 3]);
        expect(Array.from(array.data)).toEqual(code === 'f4' ? values.map(Math.fround) : values);
      }
    });
  }

  it('decodes known float16 bit patterns (1.0, -2.0, 65504, 2^-24, inf)', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00];
    const table = float16Table();
    expect(bits.map((b) => table[b])).toEqual([1, -2, 65504, 2 ** -24, Infinity, -Infinity]);
    expect(Number.isNaN(table[0x7e00])).toBe(true);
    expect(bits.map((b) => halfBits(table[b]))).toEqual(bits);
    // Infinity parses (the file layer rejects it later as non-finite).
    const array = parseNpy(buildNpy([1, 2], 'f2', [Infinity, 1]), 'a.npy');
    expect(array.data[0]).toBe(Infinity);
  });

  it('agrees with npyjs on every float16 bit pattern', () => {
    const table = float16Table();
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const expected = float16ToFloat32(bits);
      const same = Number.isNaN(expected) ? Number.isNaN(table[bits]) : Object.is(table[bits], expected);
      if (!same || !(Object.is(table[bits], decodeFloat16(bits)) || Number.isNaN(expected))) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds 64-bit integers beyond 2^53 like numpy (to nearest)', () => {
    const bytes = buildNpy([1, 2], 'i8', [0, 0]);
    const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 16);
    view.setBigInt64(0, 2n ** 63n - 1n, true);
    view.setBigInt64(8, -(2n ** 62n) - 1n, true);
    expect(Array.from(parseNpy(bytes, 'a.npy').data)).toEqual([2 ** 63, -(2 ** 62)]);
  });

  it('matches files written by npyjs (an independent writer)', () => {
    const values = Float64Array.from(iota(12), (v) => v * 0.5 - 2);
    const bytes = new Uint8Array(npyjsDump(values, [3, 4]));
    const array = parseNpy(bytes, 'a.npy');
    expect(array.shape).toEqual([3, 4]);
    expect(Array.from(array.data)).toEqual(Array.from(values));
  });

  it('reads data that is not aligned in its buffer', () => {
    const bytes = buildNpy([2, 2], 'f8', [1, 2, 3, 4]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(parseNpy(shifted.subarray(1), 'a.npy').data)).toEqual([1, 2, 3, 4]);
  });
});

describe('parseNpy order and versions', () => {
  it('reorders Fortran-order data to C order (2-D and 4-D)', () => {
    for (const shape of [[3, 5], [2, 3, 4, 5]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const c = parseNpy(buildNpy(shape, 'f4', iota(count)), 'c.npy');
      const f = parseNpy(buildNpy(shape, 'f4', iota(count), { fortran: true }), 'f.npy');
      expect(f.fortranOrder).toBe(true);
      expect(c.fortranOrder).toBe(false);
      expect(Array.from(f.data)).toEqual(Array.from(c.data));
      expect(Array.from(c.data)).toEqual(iota(count));
    }
  });

  it('decodes chunk by chunk (as the file layer does) to the same array', () => {
    const shape = [4, 3, 5];
    for (const fortran of [false, true]) {
      const bytes = buildNpy(shape, 'i2', iota(60, -30), { fortran, bigEndian: true });
      const header = parseNpyHeader(bytes, 'a.npy');
      const out = new Float64Array(60);
      for (let element = 0; element < 60; element += 7) {
        const end = Math.min(element + 7, 60);
        decodeNpyData(header, bytes.subarray(header.dataOffset + element * 2, header.dataOffset + end * 2), element, out);
      }
      expect(Array.from(out)).toEqual(iota(60, -30));
    }
  });

  it('reads versions 1.0, 2.0 and 3.0', () => {
    for (const version of [1, 2, 3] as const) {
      const bytes = buildNpy([2, 2], 'f8', [1, 2, 3, 4], { version });
      const header = parseNpyHeader(bytes, 'a.npy');
      expect(header.version).toBe(version);
      expect(header.dataOffset % 64).toBe(0);
      expect(Array.from(parseNpy(bytes, 'a.npy').data)).toEqual([1, 2, 3, 4]);
    }
  });

  it('rejects other versions', () => {
    const bytes = buildNpy([2, 2], 'f8', [1, 2, 3, 4]);
    bytes[6] = 4;
    expect(inputErrorOf(() => parseNpy(bytes, 'a.npy')).message).toMatch(/unsupported \.npy format version 4\.0 \(a\.npy\)/);
    bytes[6] = 1;
    bytes[7] = 1;
    expect(inputErrorOf(() => parseNpy(bytes, 'a.npy')).message).toMatch(/version 1\.1/);
  });

  it('rejects bad magic', () => {
    const bytes = buildNpy([2, 2], 'f8', [1, 2, 3, 4]);
    bytes[1] = 0x6e;
    const error = inputErrorOf(() => parseNpy(bytes, 'a.npy'));
    expect(error.message).toMatch(/not a \.npy file \(a\.npy\)/);
    expect(error.where).toBe('a.npy');
    expect(error.hint).toMatch(/np\.save/);
  });
});

describe('parseNpyHeader literal', () => {
  const header = (text: string) => parseNpyHeader(buildNpy([1, 1], 'f8', [0], { header: text }), 'a.npy');

  it('accepts what numpy and older writers produce', () => {
    expect(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }").shape).toEqual([3, 4]);
    expect(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}").shape).toEqual([3, 4]);
    expect(header("{'shape':(3,4,),'fortran_order':True,'descr':'<f8'}   ").fortranOrder).toBe(true);
    expect(header('{"descr": "<f8", "fortran_order": False, "shape": (3L, 4L), }').shape).toEqual([3, 4]);
    expect(header("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }").shape).toEqual([5]);
    expect(header("{'descr': '<f8', 'fortran_order': False, 'shape': (), }").shape).toEqual([]);
  });

  it('reports a clear error for malformed headers', () => {
    const bad = [
      "{'descr': '<f8', 'fortran_order': False}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'extra': 1}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (5)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, -4)}",
      "{'descr': '<f8', 'fortran_order': 0, 'shape': (3, 4)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)",
      "{'descr': __import__('os').system('echo hi'), 'fortran_order': False, 'shape': (3, 4)}",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)} trailing",
      "[1, 2]",
      '(' .repeat(10000),
    ];
    for (const text of bad) {
      const error = inputErrorOf(() => header(text));
      expect(error.message).toMatch(/^malformed \.npy header \(a\.npy\): /);
      expect(error.message).not.toContain('\n');
      expect(error.hint).toMatch(/np\.save/);
    }
  });

  it('refuses a header length over the limit without reading it', () => {
    const bytes = buildNpy([1, 1], 'f8', [0], { version: 2 });
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, 2 ** 31, true);
    expect(inputErrorOf(() => parseNpyHeader(bytes, 'a.npy')).message).toMatch(/header length 2147483648 bytes is over/);
  });

  it('reports a truncated header', () => {
    const bytes = buildNpy([1, 1], 'f8', [0]);
    expect(inputErrorOf(() => parseNpyHeader(bytes.subarray(0, 40), 'a.npy')).message).toMatch(/truncated \.npy header \(a\.npy\)/);
  });
});

describe('parseNpy rejections', () => {
  it('never loads object (pickled) arrays', () => {
    const error = inputErrorOf(() => parseNpy(buildNpy([2, 2], 'f8', [1, 2, 3, 4], { descr: '|O' }), 'a.npy'));
    expect(error.message).toMatch(/unsupported dtype '\|O' in a\.npy: the array holds Python objects/);
    expect(error.hint).toMatch(/never loaded/);
  });

  it('rejects structured, complex, string and datetime dtypes', () => {
    const structured = "{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (3,), }";
    expect(inputErrorOf(() => parseNpy(buildNpy([1, 1], 'f8', [0], { header: structured }), 'a.npy')).message).toMatch(/structured \(record\) dtype in a\.npy/);
    for (const [descr, what] of [['<c16', /complex/], ['<U5', /strings/], ['|S3', /byte strings/], ['<M8[ns]', /datetimes/], ['<m8[s]', /time deltas/], ['|V8', /record/], ['<f16', /unsupported dtype '<f16'/]] as const) {
      expect(inputErrorOf(() => parseNpy(buildNpy([1, 1], 'f8', [0], { descr }), 'a.npy')).message).toMatch(what);
    }
  });

  it('rejects 0-D and 1-D arrays with a reshape hint', () => {
    for (const [shape, values] of [[[5], iota(5)], [[], [1]]] as const) {
      const error = inputErrorOf(() => parseNpy(buildNpy(shape, 'f8', values), 'a.npy'));
      expect(error.message).toMatch(new RegExp(`^${shape.length}-D array in a\\.npy`));
      expect(error.hint).toMatch(/x\.reshape\(-1, 1\)/);
    }
  });

  it('rejects a zero dimension', () => {
    expect(inputErrorOf(() => parseNpy(buildNpy([0, 4], 'f8', []), 'a.npy')).message).toMatch(/empty array in a\.npy: shape \[0, 4\]/);
  });

  it('rejects truncated data, naming the declared and the present size', () => {
    const bytes = buildNpy([1000, 64], 'f4', new Array(64000).fill(0));
    const header = parseNpyHeader(bytes, 'a.npy');
    const cut = bytes.subarray(0, header.dataOffset + 1200);
    const error = inputErrorOf(() => parseNpy(cut, 'a.npy'));
    expect(error.message).toBe('truncated .npy data (a.npy): header says 1000x64 float32 = 256000 bytes, file has 1200');
  });

  it('rejects data longer than the header says', () => {
    const bytes = buildNpy([2, 2], 'f8', [1, 2, 3, 4, 5]);
    expect(inputErrorOf(() => parseNpy(bytes, 'a.npy')).message).toMatch(/longer than its header says.*= 32 bytes, file has 40/);
  });

  it('rejects a huge malicious shape before allocating', () => {
    const text = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }";
    const bytes = buildNpy([1, 1], 'f8', [0], { header: text });
    expect(inputErrorOf(() => parseNpy(bytes, 'a.npy')).message).toMatch(/header says 1000000000000x1000000000000 float64 = 8e\+24 bytes, file has 8/);
    // Even when the file size matches (as a huge sparse file could), the element limit refuses it.
    const header = parseNpyHeader(bytes, 'a.npy');
    const huge = { ...header, shape: [2 ** 20, 2 ** 12], byteLength: 2 ** 32 * 8 };
    const error = inputErrorOf(() => checkNpyHeader(huge, huge.dataOffset + huge.byteLength, 'a.npy'));
    expect(error.message).toMatch(new RegExp(`array too large \\(a\\.npy\\): .* the limit is ${MAX_ELEMENTS}`));
  });
});
