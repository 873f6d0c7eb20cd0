/**
 * bfloat16 decoding. A bfloat16 is the upper half of a float32 (same sign and
 * exponent, 7 fraction bits), so shifting its 16 bits left by 16 gives the
 * float32 with exactly the same value: the conversion is exact, NaN and Inf
 * included.
 */

/** The float64 value of one bfloat16 bit pattern (exact). */
export function decodeBfloat16(bits: number): number {
  scratchWord[0] = (bits & 0xffff) << 16;
  return scratchFloat[0];
}

const scratchWord = new Uint32Array(1);
const scratchFloat = new Float32Array(scratchWord.buffer);

/**
 * Writes the values of `bits` (bfloat16 patterns in host order) as float64
 * into `out` from `offset`. Works a block at a time through a float32 view,
 * so each value costs one shift and one exact widening.
 */
export function convertBfloat16(bits: Uint16Array, out: Float64Array, offset: number): void {
  const block = 4096;
  const words = new Uint32Array(Math.min(block, bits.length));
  const floats = new Float32Array(words.buffer);
  for (let start = 0; start < bits.length; start += block) {
    const count = Math.min(block, bits.length - start);
    for (let i = 0; i < count; i++) words[i] = bits[start + i] << 16;
    out.set(count === floats.length ? floats : floats.subarray(0, count), offset + start);
  }
}
