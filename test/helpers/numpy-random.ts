/**
 * numpy's legacy `np.random.RandomState(seed)`, reproduced exactly for the
 * two draws published test values use: `random_sample` and `randn`.
 *
 * - Generator: MT19937 seeded by `init_genrand(seed)` (what RandomState does
 *   for an integer seed).
 * - random_sample: a 53-bit double from two 32-bit outputs,
 *   ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53.
 * - randn: numpy's `legacy_gauss`, the polar Box-Muller method; each accepted
 *   pair gives two values, the second cached for the next call.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;
  private cachedGauss: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be a 32-bit unsigned integer, got ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const previous = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * previous + i, modulo 2^32.
      this.mt[i] = (Math.imul(1812433253, previous) + i) >>> 0;
    }
  }

  /** The next 32-bit output of MT19937 (genrand_int32). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_sample(): uniform on [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** numpy's legacy standard normal (legacy_gauss). */
  gauss(): number {
    if (this.cachedGauss !== null) {
      const value = this.cachedGauss;
      this.cachedGauss = null;
      return value;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.cachedGauss = f * x1;
    return f * x2;
  }

  /** randn(rows, cols), row-major. */
  randn(rows: number, cols: number): Float64Array {
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < out.length; i++) out[i] = this.gauss();
    return out;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}
