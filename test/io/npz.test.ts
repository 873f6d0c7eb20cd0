import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseArrays } from '../../src/io/open.js';
import { parseNpy } from '../../src/io/npy.js';
import { buildZip, buildZip64 } from './format-builders.js';
import { buildNpy, iota } from './helpers.js';

const a = buildNpy([3, 4], 'f8', iota(12, 0.5));
const b = buildNpy([2, 5], 'i2', iota(10, -5));
const c = buildNpy([2, 3], 'f4', iota(6), { fortran: true });

async function readAll(bytes: Uint8Array) {
  const { format, entries } = await parseArrays(bytes, 'x.npz');
  expect(format).toBe('npz');
  return Promise.all(entries.map(async (entry) => ({ key: entry.key, shape: entry.shape, dtype: entry.dtype, data: Array.from((await entry.read()).data) })));
}

const want = [
  { key: 'a', shape: [3, 4], dtype: 'float64', data: iota(12, 0.5) },
  { key: 'b', shape: [2, 5], dtype: 'int16', data: iota(10, -5) },
  { key: 'c', shape: [2, 3], dtype: 'float32', data: iota(6) },
];

describe('.npz reader', () => {
  it.each([
    ['stored (np.savez)', () => buildZip({ 'a.npy': a, 'b.npy': b, 'c.npy': c })],
    ['deflated (np.savez_compressed)', () => buildZip({ 'a.npy': a, 'b.npy': b, 'c.npy': c }, true)],
    ['zip64', () => buildZip64({ 'a.npy': a, 'b.npy': b, 'c.npy': c })],
  ])('reads %s members like the .npy parser', async (_, build) => {
    expect(await readAll(build())).toEqual(want);
  });

  it('gives the offset of stored members, where the .npy bytes start, for streaming in place', async () => {
    for (const archive of [buildZip({ 'a.npy': a, 'b.npy': b }), buildZip64({ 'a.npy': a, 'b.npy': b })]) {
      const { entries } = await parseArrays(archive, 'x.npz');
      for (const [entry, npy] of [[entries[0], a], [entries[1], b]] as const) {
        expect(entry.npyOffset).toBeDefined();
        expect(Buffer.from(archive.subarray(entry.npyOffset!, entry.npyOffset! + npy.length)).equals(Buffer.from(npy))).toBe(true);
      }
    }
    const { entries } = await parseArrays(buildZip({ 'a.npy': a }, true), 'x.npz');
    expect(entries[0].npyOffset).toBeUndefined();
  });

  it('reads bfloat16 members (|V2) when asked', async () => {
    // bfloat16 patterns of 1, -2, 0.5, 3: the upper halves of their float32 bits.
    const raw = Uint8Array.from([0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3f, 0x40, 0x40]);
    const npy = buildNpy([2, 2], 'u2', [0, 0, 0, 0], { descr: '<V2' });
    const bf16 = new Uint8Array(npy.length);
    bf16.set(npy.subarray(0, npy.length - 8));
    bf16.set(raw, npy.length - 8);
    const archive = buildZip({ 'h.npy': bf16 });
    const plain = await parseArrays(archive, 'x.npz').catch((error: unknown) => error);
    expect((plain as InputError).message).toMatch(/unsupported dtype '<V2'/);
    expect((plain as InputError).hint).toMatch(/--dtype bfloat16/);
    const { entries } = await parseArrays(archive, 'x.npz', { dtype: 'bfloat16' });
    expect(Array.from((await entries[0].read()).data)).toEqual([1, -2, 0.5, 3]);
    expect(Array.from(parseNpy(bf16, 'h.npy', { dtype: 'bfloat16' }).data)).toEqual([1, -2, 0.5, 3]);
  });

  it('detects a flipped byte in a member through its CRC-32 (stored and deflated)', async () => {
    for (const compress of [false, true]) {
      const archive = buildZip({ 'a.npy': a }, compress);
      const { entries } = await parseArrays(archive, 'x.npz');
      // Flip the last byte of the member's data (just before the central directory).
      const damaged = archive.slice();
      const dataEnd = compress ? archive.indexOf(0x50, archive.length - 100) : entries[0].npyOffset! + a.length;
      damaged[dataEnd - 1] ^= 0x01;
      const error = await readAll(damaged).catch((caught: unknown) => caught);
      expect(error, `compress=${compress}`).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(/CRC-32|deflate/);
    }
  });

  it('refuses a member whose header declares more data than it holds', async () => {
    const lying = buildNpy([3, 4], 'f8', iota(12)).subarray(0, a.length - 8);
    const error = await readAll(buildZip({ 'a.npy': lying })).catch((caught: unknown) => caught);
    expect((error as InputError).message).toMatch(/damaged \.npz member \(x\.npz#a\): its header declares 96 bytes of data, the member holds 88/);
  });

  it('refuses a zip that is neither .npz nor torch.save, naming a member', async () => {
    const error = await parseArrays(buildZip({ 'notes.txt': Buffer.from('hi') }), 'x.zip').catch((caught: unknown) => caught);
    expect((error as InputError).message).toMatch(/neither \.npz nor torch\.save \(x\.zip\): it holds 'notes\.txt'/);
  });

  it('refuses a truncated archive and a deflated member claiming more than deflate can produce', async () => {
    const archive = buildZip({ 'a.npy': a }, true);
    const truncated = await parseArrays(archive.subarray(0, archive.length - 30), 'x.npz').catch((caught: unknown) => caught);
    expect((truncated as InputError).message).toMatch(/damaged zip archive/);
    // Central directory uncompressed size field: 1 GiB from a few hundred bytes.
    const bomb = archive.slice();
    const central = Buffer.from(bomb).lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    new DataView(bomb.buffer).setUint32(central + 24, 2 ** 30, true);
    const error = await parseArrays(bomb, 'x.npz').catch((caught: unknown) => caught);
    expect((error as InputError).message).toMatch(/more than deflate can produce/);
  });
});
