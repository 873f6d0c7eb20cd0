import { describe, expect, it } from 'vitest';
import {
  Bool,
  Float16,
  Float64,
  Table,
  tableFromArrays,
  tableToIPC,
  Uint8,
  vectorFromArray,
} from 'apache-arrow';
import { parseArrow } from '../../src/io/arrow.js';
import { buildListTable, withMetadata } from './arrow-helpers.js';
import { expectClose } from '../helpers/expect-close.js';
import { inputErrorOf } from '../helpers/errors.js';


describe('parseArrow, one column per neuron', () => {
  it('reads numeric columns of every kind as (rows, columns), from file and stream bytes', () => {
    const table = new Table({
      f32: vectorFromArray(new Float32Array([1.5, -2, 3])),
      f64: vectorFromArray(new Float64Array([0.1, 1e300, -0])),
      f16: vectorFromArray([1, -2, 65504], new Float16()),
      i8: vectorFromArray(new Int8Array([-128, 0, 127])),
      u8: vectorFromArray([0, 255, 7], new Uint8()),
      i64: vectorFromArray(new BigInt64Array([-(2n ** 53n), 2n ** 53n, -1n])),
      bool: vectorFromArray([true, false, true], new Bool()),
    });
    for (const format of ['file', 'stream'] as const) {
      const array = parseArrow(tableToIPC(table, format), 't.arrow');
      expect(array.shape).toEqual([3, 7]);
      expect(array.fortranOrder).toBe(false);
      expect(array.dtype).toBe('mixed(float32,float64,float16,int8,uint8,int64,bool)');
      expect(Array.from(array.data)).toEqual([
        1.5, 0.1, 1, -128, 0, -(2 ** 53), 1,
        -2, 1e300, -2, 0, 255, 2 ** 53, 0,
        3, -0, 65504, 127, 7, -1, 1,
      ]);
    }
  });

  it('places every value of every column kind when batches span several blocks of rows (170 rows in batches of 100 and 70)', () => {
    const part = (from: number, rows: number) => {
      const r = Array.from({ length: rows }, (_, i) => from + i);
      return new Table({
        f32: vectorFromArray(Float32Array.from(r, (row) => row * 0.5 - 20)),
        f16: vectorFromArray(r.map((row) => row - 85), new Float16()),
        i64: vectorFromArray(BigInt64Array.from(r, (row) => BigInt(row * 1_000_000 - 50_000_000))),
        bool: vectorFromArray(r.map((row) => row % 3 === 0), new Bool()),
        u8: vectorFromArray(r.map((row) => row % 256), new Uint8()),
      });
    };
    const first = part(0, 100);
    const table = new Table([...first.batches, ...part(100, 70).batches]);
    expect(table.batches.map((batch) => batch.numRows)).toEqual([100, 70]);
    const expected = Array.from({ length: 170 }, (_, row) => [row * 0.5 - 20, row - 85, row * 1_000_000 - 50_000_000, row % 3 === 0 ? 1 : 0, row % 256]).flat();
    for (const format of ['file', 'stream'] as const) {
      const array = parseArrow(tableToIPC(table, format), 't.arrow');
      expect(array.shape).toEqual([170, 5]);
      expect(Array.from(array.data)).toEqual(expected);
    }
  });

  it('reports a single dtype when all columns share it', () => {
    const table = tableFromArrays({ a: new Float32Array([1, 2]), b: new Float32Array([3, 4]) });
    expect(parseArrow(tableToIPC(table), 't').dtype).toBe('float32');
  });

  it('refuses non-numeric columns by name, or skips them with skipNonNumeric', () => {
    const table = tableFromArrays({ label: ['cat', 'dog'], a: new Float64Array([1, 2]), b: new Float64Array([3, 4]) });
    const bytes = tableToIPC(table, 'file');
    const error = inputErrorOf(() => parseArrow(bytes, 't.arrow'));
    expect(error.message).toMatch(/^non-numeric column in t\.arrow: label \(Dictionary<Int32, Utf8>\)/);
    expect(error.hint).toMatch(/--skip-non-numeric/);
    const array = parseArrow(bytes, 't.arrow', { skipNonNumeric: true });
    expect(array.shape).toEqual([2, 2]);
    expect(Array.from(array.data)).toEqual([1, 3, 2, 4]);
    const onlyText = tableToIPC(tableFromArrays({ label: ['cat', 'dog'] }));
    expect(inputErrorOf(() => parseArrow(onlyText, 't', { skipNonNumeric: true })).message).toMatch(/no numeric columns in t \(skipped: label/);
  });

  it('names the column and the first null row, counting across record batches', () => {
    const first = new Table({ a: vectorFromArray([1, 2, 3], new Float64()), b: vectorFromArray([1, 2, 3], new Float64()) });
    const second = new Table({ a: vectorFromArray([4, 5], new Float64()), b: vectorFromArray([4, null], new Float64()) });
    const table = new Table([...first.batches, ...second.batches]);
    const error = inputErrorOf(() => parseArrow(tableToIPC(table), 't.arrow'));
    expect(error.message).toMatch(/^null value in column 'b' at row 4 \(t\.arrow\)/);
    expect(error.hint).toMatch(/drop_null/);
  });

  it('refuses an empty table', () => {
    const table = tableFromArrays({ a: new Float32Array(0) });
    expect(inputErrorOf(() => parseArrow(tableToIPC(table), 't')).message).toMatch(/empty Arrow table \(t\): 0 rows/);
  });
});

describe('parseArrow, one FixedSizeList column', () => {
  it('reads N x D across several record batches', () => {
    const values = Float32Array.from({ length: 7 * 3 }, (_, i) => i / 4);
    const array = parseArrow(tableToIPC(buildListTable(values, 3, { batches: 3 }), 'file'), 'l.arrow');
    expect(array.shape).toEqual([7, 3]);
    expect(array.dtype).toBe('float32');
    expect(Array.from(array.data)).toEqual(Array.from(values));
  });

  it('reads float64 and float16 children', () => {
    const f64 = Float64Array.from([1, 2, 3, 4]);
    expect(Array.from(parseArrow(tableToIPC(buildListTable(f64, 2, { childType: new Float64() })), 'l').data)).toEqual([1, 2, 3, 4]);
    const halves = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]);
    const array = parseArrow(tableToIPC(buildListTable(halves, 2, { childType: new Float16() })), 'l');
    expect(array.dtype).toBe('float16');
    expect(Array.from(array.data)).toEqual([1, -2, 65504, 2 ** -24]);
  });

  it('carries an N-D tensor with pwcca:shape and pwcca:layout metadata', () => {
    const values = Float32Array.from({ length: 4 * 2 * 2 * 3 }, (_, i) => i);
    const table = buildListTable(values, 12, { metadata: { 'pwcca:layout': 'nhwc', 'pwcca:shape': '[4, 2, 2, 3]' } });
    const array = parseArrow(tableToIPC(table, 'stream'), 'l.arrows');
    expect(array.shape).toEqual([4, 2, 2, 3]);
    expect(array.metadata.get('pwcca:layout')).toBe('nhwc');
    expect(Array.from(array.data)).toEqual(Array.from(values));
  });

  it('refuses pwcca:shape metadata that does not fit the table', () => {
    const table = buildListTable(new Float32Array(12), 3);
    for (const shape of ['[4, 2, 2]', '[3, 3]', 'nonsense', '[4]']) {
      const bytes = tableToIPC(withMetadata(table, { 'pwcca:shape': shape }));
      expect(inputErrorOf(() => parseArrow(bytes, 'l')).message).toMatch(/metadata pwcca:shape=.* does not fit the Arrow table \(l\): table is 4 rows of 3 values/);
    }
  });

  it('refuses a list column next to scalar columns', () => {
    const list = buildListTable(new Float32Array(6), 3);
    const table = list.assign(new Table({ extra: vectorFromArray(new Float32Array([1, 2])) }));
    expect(inputErrorOf(() => parseArrow(tableToIPC(table), 'l')).message).toMatch(/ambiguous Arrow table \(l\)/);
  });

  it('converts a 20k x 512 float32 list column in four record batches, value for value', () => {
    // Speed is measured by `npm run bench`, not here.
    const rows = 20_000;
    const values = new Float32Array(rows * 512);
    for (let i = 0; i < values.length; i += 997) values[i] = i;
    const bytes = tableToIPC(buildListTable(values, 512, { batches: 4 }), 'file');
    const array = parseArrow(bytes, 'big.arrow');
    expect(array.shape).toEqual([rows, 512]);
    expectClose(array.data, values, 0, 'big.arrow');
  });
});

describe('parseArrow, unreadable data', () => {
  it('maps garbage after an Arrow magic to an InputError', () => {
    const bytes = Uint8Array.from([...'ARROW1\0\0'].map((c) => c.charCodeAt(0)).concat(new Array(40).fill(7)));
    expect(inputErrorOf(() => parseArrow(bytes, 'g.arrow')).message).toMatch(/^invalid Arrow IPC data \(g\.arrow\): 48-byte file does not end with the ARROW1 magic/);
  });
});
