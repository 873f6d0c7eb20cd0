/**
 * `--dtype bfloat16` in process: `.npy` files saved through ml_dtypes store
 * bfloat16 as raw 2-byte items (`|V2`); with the flag every command reads
 * them as the float32 values they stand for, without it they are refused
 * with a hint naming the flag.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { npyBytes } from '../helpers/npy-file.js';
import { seededNormal } from '../helpers/random.js';
import { runMain } from '../helpers/cli.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

/** bfloat16 bit patterns of seeded normal values (the upper half of their float32 bits) and the values they stand for. */
function bfloat16Values(count: number, seed: number): { bits: Uint16Array; values: Float64Array } {
  const normal = seededNormal(seed);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const bits = new Uint16Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    f32[0] = normal();
    bits[i] = u32[0] >>> 16;
    u32[0] = bits[i] << 16;
    values[i] = f32[0];
  }
  return { bits, values };
}

/** A .npy file as numpy writes an ml_dtypes bfloat16 array: descr '|V2', the raw little-endian bits. */
function bfloat16Npy(shape: readonly number[], bits: Uint16Array): Uint8Array {
  let header = `{'descr': '|V2', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = new Uint8Array(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(prefix.buffer).setUint16(8, header.length, true);
  const data = new Uint8Array(bits.length * 2);
  bits.forEach((b, i) => new DataView(data.buffer).setUint16(2 * i, b, true));
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

/** The same array twice: as bfloat16 `|V2` (`<name>.bf16.npy` under `bf16/`) and as the float32 values it holds (under `f32/`). */
function writeBoth(folder: string, sub: string, name: string, shape: readonly number[], seed: number): void {
  const count = shape.reduce((p, q) => p * q, 1);
  const { bits, values } = bfloat16Values(count, seed);
  for (const kind of ['bf16', 'f32']) mkdirSync(join(folder, kind, sub), { recursive: true });
  writeFileSync(join(folder, 'bf16', sub, `${name}.npy`), bfloat16Npy(shape, bits));
  writeFileSync(join(folder, 'f32', sub, `${name}.npy`), npyBytes(shape, values, '<f4'));
}

let folder: string;
beforeAll(() => {
  folder = temporaryFolder('pwcca-dtype-');
  writeBoth(folder, 'pair', 'a', [50, 4], 1);
  writeBoth(folder, 'pair', 'b', [50, 5], 2);
  writeBoth(folder, 'pair', 'c', [50, 3], 3);
  writeBoth(folder, '', 'seq', [50, 3, 4], 4);
  for (const [step, seed] of [['step_1', 5], ['step_2', 6]] as const) writeBoth(folder, join('ckpt', step), 'fc', [50, 4], seed);
});

const at = (kind: string, ...parts: string[]) => join(folder, kind, ...parts);

describe('--dtype bfloat16', () => {
  it('compare, pairwise, timesteps and convergence read |V2 .npy files as the float32 values they hold', async () => {
    const commands: Array<(kind: string) => string[]> = [
      (kind) => ['compare', at(kind, 'pair', 'a.npy'), at(kind, 'pair', 'b.npy'), '--format', 'csv'],
      (kind) => ['pairwise', at(kind, 'pair'), '--format', 'csv', '--jobs', '1'],
      (kind) => ['timesteps', at(kind, 'seq.npy'), '--layout', 'ntc', '--format', 'csv', '--jobs', '1'],
      (kind) => ['convergence', at(kind, 'ckpt'), '--format', 'csv', '--jobs', '1'],
    ];
    for (const command of commands) {
      const bf16 = await runMain([...command('bf16'), '--dtype', 'bfloat16', '--quiet']);
      const f32 = await runMain([...command('f32'), '--quiet']);
      expect(bf16.stderr, command('bf16').join(' ')).toBe('');
      expect(bf16.code).toBe(0);
      // Only the paths differ: the values are bit for bit the same.
      expect(bf16.stdout.replaceAll(join(folder, 'bf16'), '')).toBe(f32.stdout.replaceAll(join(folder, 'f32'), ''));
      expect(bf16.stdout).toMatch(/0\.\d{6}/);
    }
  });

  it('without the flag a |V2 file is an input error whose hint names it; an unknown dtype is a usage error', async () => {
    const refused = await runMain(['compare', at('bf16', 'pair', 'a.npy'), at('bf16', 'pair', 'b.npy')]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/raw 2-byte items/);
    expect(refused.stderr).toMatch(/^hint: .*--dtype bfloat16/m);
    for (const command of ['compare', 'pairwise', 'convergence', 'timesteps']) {
      const unknown = await runMain([command, at('bf16', 'pair', 'a.npy'), at('bf16', 'pair', 'b.npy'), '--dtype', 'bf16']);
      expect(unknown.code, command).toBe(2);
      expect(unknown.stderr).toMatch(/--dtype <type>' argument 'bf16' is invalid\. Allowed choices are bfloat16/);
    }
  });
});
