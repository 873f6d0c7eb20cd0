import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverCheckpoints } from '../../src/studies/convergence/discover.js';
import { discoverActivations, listActivationFiles } from '../../src/studies/pairwise/discover.js';
import { npyBytes } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

/** `base/runs/{a,b}/fc.npy` under a fresh temporary folder; returns `base/runs`. */
function twoNetworks(): string {
  const base = temporaryFolder('pwcca-links-');
  const root = join(base, 'runs');
  for (const network of ['a', 'b']) {
    mkdirSync(join(root, network), { recursive: true });
    writeFileSync(join(root, network, 'fc.npy'), npyBytes([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]));
  }
  return root;
}

describe('folder scans', () => {
  it('does not follow links back into the folders being scanned, and says how many it skipped', () => {
    const root = twoNetworks();
    symlinkSync('.', join(root, 'self1'));
    symlinkSync('.', join(root, 'self2'));
    symlinkSync('..', join(root, 'up'));
    symlinkSync('..', join(root, 'a', 'parent'));
    const scan = listActivationFiles(root);
    expect(scan.files).toEqual(['a/fc.npy', 'b/fc.npy']);
    expect(scan.warnings).toEqual([expect.stringMatching(/^skipped 4 link\(s\) to folders already on the path/)]);
    const discovery = discoverActivations([root]);
    expect(discovery.networks).toEqual(['a', 'b']);
  });

  it('follows a link to a folder elsewhere once, and links to files', () => {
    const root = twoNetworks();
    const elsewhere = join(root, '..', 'elsewhere');
    mkdirSync(join(elsewhere, 'c'), { recursive: true });
    writeFileSync(join(elsewhere, 'c', 'fc.npy'), npyBytes([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]));
    symlinkSync(join(elsewhere, 'c'), join(root, 'c'));
    symlinkSync(join(elsewhere, 'c'), join(root, 'c-again'));
    mkdirSync(join(root, 'd'));
    symlinkSync(join(root, 'a', 'fc.npy'), join(root, 'd', 'fc.npy'));
    const scan = listActivationFiles(root);
    expect(scan.files).toEqual(['a/fc.npy', 'b/fc.npy', 'c/fc.npy', 'd/fc.npy']);
    expect(scan.warnings).toHaveLength(1);
  });

  it('skips FIFOs and other non-regular files with a warning instead of blocking on them', () => {
    const root = twoNetworks();
    execFileSync('mkfifo', [join(root, 'a', 'fc2.npy')]);
    symlinkSync('/dev/zero', join(root, 'b', 'zero.npy'));
    const discovery = discoverActivations([root]);
    expect(discovery.files.map((f) => f.path)).toEqual([join(root, 'a', 'fc.npy'), join(root, 'b', 'fc.npy')]);
    expect(discovery.warnings).toContainEqual(expect.stringMatching(/^skipped 2 entries that are not regular files \(a\/fc2\.npy, b\/zero\.npy\)/));
  });

  it('warns about skipped links in checkpoint folders too', () => {
    const base = temporaryFolder('pwcca-links-');
      for (const step of ['step_0', 'step_1']) {
      mkdirSync(join(base, step));
      writeFileSync(join(base, step, 'fc.npy'), npyBytes([4, 2], [1, 2, 3, 4, 5, 6, 7, 9]));
    }
    symlinkSync('..', join(base, 'step_1', 'back'));
    const set = discoverCheckpoints(base);
    expect(set.steps).toEqual([0, 1]);
    expect(set.warnings).toContainEqual(expect.stringMatching(/^skipped 1 link/));
  });
});
