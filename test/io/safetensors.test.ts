import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseArrays } from '../../src/io/open.js';
import { bfloat16Value, buildSafetensors, littleEndianBytes } from './format-builders.js';

async function readAll(bytes: Uint8Array) {
  const { format, entries } = await parseArrays(bytes, 'x.safetensors');
  expect(format).toBe('safetensors');
  return Promise.all(entries.map(async (entry) => ({ key: entry.key, dtype: entry.dtype, shape: entry.shape, data: Array.from((await entry.read()).data) })));
}

async function errorOf(bytes: Uint8Array): Promise<InputError> {
  const error = await readAll(bytes).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('safetensors reader', () => {
  it('reads every numeric dtype exactly, skipping __metadata__', async () => {
    const bf16 = [0x3f80, 0xc040, 0x3dcd, 0xff80];
    const file = buildSafetensors(
      {
        f64: { dtype: 'F64', shape: [2, 2], data: littleEndianBytes('f8', [0.1, -2, 1e-310, 1e300]) },
        f32: { dtype: 'F32', shape: [2, 2], data: littleEndianBytes('f4', [0.5, -2, 3, 4]) },
        f16: { dtype: 'F16', shape: [2, 2], data: littleEndianBytes('f2bits', [0x3c00, 0xc000, 0x7bff, 0x0001]) },
        bf16: { dtype: 'BF16', shape: [2, 2], data: littleEndianBytes('bf16bits', bf16) },
        i64: { dtype: 'I64', shape: [2, 2], data: littleEndianBytes('i8', [-(2 ** 53), 2 ** 53, -1, 0]) },
        i32: { dtype: 'I32', shape: [2, 2], data: littleEndianBytes('i4', [-(2 ** 31), 1, 2, 3]) },
        i16: { dtype: 'I16', shape: [2, 2], data: littleEndianBytes('i2', [-32768, 1, 2, 3]) },
        i8: { dtype: 'I8', shape: [2, 2], data: littleEndianBytes('i1', [-128, 127, 0, 1]) },
        u64: { dtype: 'U64', shape: [2, 2], data: littleEndianBytes('u8', [2 ** 53, 0, 1, 2]) },
        u32: { dtype: 'U32', shape: [2, 2], data: littleEndianBytes('u4', [2 ** 32 - 1, 0, 1, 2]) },
        u16: { dtype: 'U16', shape: [2, 2], data: littleEndianBytes('u2', [65535, 0, 1, 2]) },
        u8: { dtype: 'U8', shape: [2, 2], data: littleEndianBytes('u1', [255, 0, 1, 2]) },
        bool: { dtype: 'BOOL', shape: [2, 2], data: littleEndianBytes('b1', [1, 0, 0, 1]) },
      },
      { format: 'pt' },
    );
    const got = Object.fromEntries((await readAll(file)).map(({ key, dtype, data }) => [key, { dtype, data }]));
    expect(got).toEqual({
      f64: { dtype: 'float64', data: [0.1, -2, 1e-310, 1e300] },
      f32: { dtype: 'float32', data: [0.5, -2, 3, 4] },
      f16: { dtype: 'float16', data: [1, -2, 65504, 2 ** -24] },
      bf16: { dtype: 'bfloat16', data: bf16.map(bfloat16Value) },
      i64: { dtype: 'int64', data: [-(2 ** 53), 2 ** 53, -1, 0] },
      i32: { dtype: 'int32', data: [-(2 ** 31), 1, 2, 3] },
      i16: { dtype: 'int16', data: [-32768, 1, 2, 3] },
      i8: { dtype: 'int8', data: [-128, 127, 0, 1] },
      u64: { dtype: 'uint64', data: [2 ** 53, 0, 1, 2] },
      u32: { dtype: 'uint32', data: [2 ** 32 - 1, 0, 1, 2] },
      u16: { dtype: 'uint16', data: [65535, 0, 1, 2] },
      u8: { dtype: 'uint8', data: [255, 0, 1, 2] },
      bool: { dtype: 'bool', data: [1, 0, 0, 1] },
    });
  });

  it('refuses ranges outside the data, sizes that do not match the shape, and unknown dtypes', async () => {
    const data = littleEndianBytes('f4', [1, 2, 3, 4]);
    const good = buildSafetensors({ x: { dtype: 'F32', shape: [2, 2], data } });
    const header = (json: string) => {
      const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(padded.length));
      return Buffer.concat([length, Buffer.from(padded), data]);
    };
    expect((await errorOf(header('{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,32]}}'))).message).toMatch(/outside the 16-byte data section/);
    expect((await errorOf(header('{"x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}'))).message).toMatch(/needs 24 bytes, its range holds 16/);
    expect((await errorOf(header('{"x":{"dtype":"F8_E4M3","shape":[2,2],"data_offsets":[0,4]}}'))).message).toMatch(/unsupported safetensors dtype "F8_E4M3"/);
    expect((await errorOf(header('{"x":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}}'))).message).toMatch(/'shape' is not a list of non-negative integers/);
    expect((await errorOf(header('{"x": [1, 2'))).message).toMatch(/header is not valid JSON/);
    // A header length far beyond the file.
    const huge = new Uint8Array(good);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect((await errorOf(huge)).message).toMatch(/^damaged safetensors file \(x\.safetensors\): header length 1099511627776 does not fit in the \d+-byte file/);
  });
});
