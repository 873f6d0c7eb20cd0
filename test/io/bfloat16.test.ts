import { describe, expect, it } from 'vitest';
import { convertBfloat16, decodeBfloat16 } from '../../src/io/bfloat16.js';
import { bfloat16Value } from './format-builders.js';

describe('bfloat16', () => {
  it('decodes all 65536 patterns exactly as the float32 with those upper bits (NaN, Inf, subnormals included)', () => {
    const patterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const out = new Float64Array(65536);
    convertBfloat16(patterns, out, 0);
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const want = bfloat16Value(bits);
      if (!Object.is(out[bits], want) || !Object.is(decodeBfloat16(bits), want)) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('writes at an offset and leaves the rest untouched', () => {
    const out = new Float64Array(4).fill(7);
    convertBfloat16(Uint16Array.of(0x3f80, 0xc000), out, 1);
    expect(Array.from(out)).toEqual([7, 1, -2, 7]);
  });
});
