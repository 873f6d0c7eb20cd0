/**
 * The CLI with the formats researchers save: FILE#KEY inputs, a malicious
 * pickle refused with exit 3 and nothing run, a folder of .npz networks.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, runMain } from '../../helpers/cli.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const formats = join(repositoryRoot, 'fixtures/formats');
const at = (name: string) => join(formats, name);

describe('pwcca with multi-array files', () => {
  it('compares arrays inside .npz, torch.save, HDF5 and safetensors files like the .npy files', async () => {
    const want = await runMain(['compare', at('fc1.npy'), at('fc2.npy'), '--format', 'csv']);
    expect(want.code).toBe(0);
    const value = (stdout: string) => stdout.trim().split('\n')[1].split(',').slice(2, 9).join(',');
    for (const [a, b] of [
      ['layers_stored.npz#fc1', 'layers_deflated.npz#fc2'],
      ['nested_dict.pt#features.fc1', 'list.pt#1'],
      ['nested.h5#/block1/fc1', 'layers.safetensors#fc2'],
      ['tensor.pt', 'nested.h5#fc2'],
    ]) {
      const run = await runMain(['compare', at(a), at(b), '--format', 'csv']);
      expect(run.code, `${a} ${b}: ${run.stderr}`).toBe(0);
      expect(value(run.stdout)).toBe(value(want.stdout));
    }
  });

  it('lists the keys when a multi-array file is given without one (exit 3)', async () => {
    const run = await runMain(['compare', at('nested_dict.pt'), at('fc1.npy')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/holds 2 arrays; choose one with FILE#KEY: features\/fc1 \(200x12 float32\), features\/fc2 \(200x12 float32\)/);
    expect(run.stderr).toMatch(/^hint: /m);
  });

  it('refuses malicious.pt with exit 3, and nothing runs', async () => {
    const cwd = temporaryFolder('pwcca-malicious-');
    const run = await runMain(['compare', at('malicious.pt#fc1'), at('fc1.npy')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^pwcca: refused to load posix\.system from a pickle/);
    for (const dir of [cwd, process.cwd(), tmpdir(), '/tmp', formats]) expect(existsSync(join(dir, 'pwned-by-pickle')), dir).toBe(false);
  });

  it('runs pairwise over a folder of .npz files, one network each', async () => {
    const runs = join(temporaryFolder('pwcca-npz-runs-'), 'runs');
    mkdirSync(runs);
    copyFileSync(at('layers_stored.npz'), join(runs, 'net1.npz'));
    copyFileSync(at('layers_deflated.npz'), join(runs, 'net2.npz'));
    const run = await runMain(['pairwise', runs, '--format', 'csv']);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 3).join(','));
    expect(rows).toEqual(['fc1,net1,net2', 'fc2,net1,net2']);
  });
});
