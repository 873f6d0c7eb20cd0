/**
 * Shared pieces of the fixture generators: a seeded PRNG, so every generated
 * byte is reproducible, and an .npy writer as numpy's np.save writes.
 */

/** mulberry32: a small seeded PRNG returning uniforms in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box-Muller from {@link seededRandom}. */
export function seededNormal(seed) {
  const uniform = seededRandom(seed);
  return () => {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Bytes of a version-1 .npy file of a C-order little-endian float32 matrix. */
export function npyFloat32Bytes(rows, cols, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(Float32Array.from(values).buffer)]);
}
