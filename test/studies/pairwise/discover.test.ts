import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPairwisePlan } from '../../../src/studies/pairwise/plan.js';
import { classifyFileList, classifyFiles, discoverActivations, FLAT_LAYER } from '../../../src/studies/pairwise/discover.js';
import { UsageError } from '../../../src/errors.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

function touch(root: string, relative: string): void {
  const path = join(root, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'x');
}

describe('classifyFiles (pure)', () => {
  it('reads ROOT/<network>/<layer> with natural order and no groups', () => {
    const d = classifyFiles(['s10/fc1.npy', 's2/fc1.npy', 's2/fc2.npy', 's10/fc2.npy', 's1/fc10.npy', 's1/fc1.npy', 's1/fc2.npy']);
    expect(d.mode).toBe('tree');
    expect(d.networks).toEqual(['s1', 's2', 's10']);
    expect(d.layers).toEqual(['fc1', 'fc2', 'fc10']);
    expect(d.groups.get('s2')).toBeNull();
    expect(d.files.map((f) => `${f.network}:${f.layer}`)).toEqual(['s1:fc1', 's1:fc2', 's1:fc10', 's2:fc1', 's2:fc2', 's10:fc1', 's10:fc2']);
  });

  it('warns about a layer missing in some networks when that layer is compared', () => {
    const d = classifyFiles(['s1/fc1.npy', 's1/fc2.npy', 's2/fc1.npy', 's3/fc1.npy', 's3/fc2.npy']);
    expect(d.warnings).toEqual([]);
    const plan = buildPairwisePlan(d);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(/layer fc2 is missing in 1 of 3 networks \(s2\): comparing the 2 that have it/);
    expect(buildPairwisePlan(d, { layers: ['fc1'] }).warnings).toEqual([]);
  });

  it('takes the first component of networks nested two deep as the group', () => {
    const d = classifyFiles(['true/s1/fc1.npy', 'random/s1/fc1.npy', 'true/s2/fc1.npy', 'random/s2/fc1.npy']);
    expect(d.networks).toEqual(['random/s1', 'random/s2', 'true/s1', 'true/s2']);
    expect(d.groups.get('true/s2')).toBe('true');
    expect(d.groups.get('random/s1')).toBe('random');
  });

  it('--group-by overrides the group with the first capture group', () => {
    const d = classifyFiles(['lr0.1_s1/fc1.npy', 'lr0.01_s1/fc1.npy', 'lr0.1_s2/fc1.npy', 'other/fc1.npy'], { groupBy: /^lr([\d.]+)_/ });
    expect(d.groups.get('lr0.1_s2')).toBe('0.1');
    expect(d.groups.get('lr0.01_s1')).toBe('0.01');
    expect(d.groups.get('other')).toBeNull();
    expect(d.warnings.join('\n')).toMatch(/matches no group in 1 network/);
    expect(() => classifyFiles(['a/fc1.npy', 'b/fc1.npy'], { groupBy: /^zzz/ })).toThrow(UsageError);
  });

  it('a flat folder: each file is its own label, one layer', () => {
    const d = classifyFiles(['conv10.npy', 'conv2.npy', 'conv1.arrow']);
    expect(d.mode).toBe('flat');
    expect(d.networks).toEqual(['conv1', 'conv2', 'conv10']);
    expect(d.layers).toEqual([FLAT_LAYER]);
  });

  it('ignores top-level files in a tree, with a warning', () => {
    const d = classifyFiles(['stray.npy', 's1/fc1.npy', 's2/fc1.npy']);
    expect(d.mode).toBe('tree');
    expect(d.files).toHaveLength(2);
    expect(d.warnings[0]).toMatch(/ignored 1 file/);
  });

  it('refuses two files for the same layer of a network', () => {
    expect(() => classifyFiles(['s1/fc1.npy', 's1/fc1.arrow', 's2/fc1.npy'])).toThrow(/two files for layer fc1 of network s1/);
  });

  it('an explicit list: stems as labels, duplicates told apart by path', () => {
    const d = classifyFileList(['runs/a/x.npy', 'runs/b/x.npy', 'y.npy']);
    expect(d.mode).toBe('list');
    expect(d.networks).toEqual(['a/x', 'b/x', 'y']);
    expect(d.files.find((f) => f.network === 'b/x')!.path).toBe('runs/b/x.npy');
    expect(() => classifyFileList(['a.npy', 'a.npy'])).toThrow(/two inputs get the same label a: a.npy and a.npy/);
    expect(() => classifyFiles(['a.npy', 'a.arrow'])).toThrow(/same label a/);
  });
});

describe('discoverActivations (disk)', () => {
  const root = temporaryFolder('pwcca-discover-');

  it('scans a tree, skipping other files and hidden entries', () => {
    const tree = join(root, 'tree');
    for (const network of ['g1/s1', 'g1/s2', 'g2/s10', 'g2/s9']) {
      touch(tree, `${network}/fc1.npy`);
      touch(tree, `${network}/fc2.npy`);
    }
    touch(tree, 'meta.csv');
    touch(tree, 'g1/s1/notes.txt');
    touch(tree, '.hidden/s1/fc1.npy');
    const d = discoverActivations([tree]);
    expect(d.mode).toBe('tree');
    expect(d.networks).toEqual(['g1/s1', 'g1/s2', 'g2/s9', 'g2/s10']);
    expect(d.layers).toEqual(['fc1', 'fc2']);
    expect(d.files).toHaveLength(8);
    expect(d.files[0].path).toBe(join(tree, 'g1', 's1', 'fc1.npy'));
    expect(d.groups.get('g2/s10')).toBe('g2');
  });

  it('scans a flat folder', () => {
    const flat = join(root, 'flat');
    touch(flat, 'b.npy');
    touch(flat, 'a.feather');
    const d = discoverActivations([flat]);
    expect(d.mode).toBe('flat');
    expect(d.networks).toEqual(['a', 'b']);
  });

  it('takes a list of files, and explains bad inputs', () => {
    const flat = join(root, 'flat');
    const d = discoverActivations([join(flat, 'b.npy'), join(flat, 'a.feather')]);
    expect(d.mode).toBe('list');
    expect(d.networks).toEqual(['b', 'a']);
    expect(() => discoverActivations([join(flat, 'b.npy')])).toThrow(/at least two files/);
    expect(() => discoverActivations([join(root, 'nope')])).toThrow(/no such file or folder/);
    expect(() => discoverActivations([flat, join(flat, 'b.npy')])).toThrow(/either one folder or a list of files/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => discoverActivations([empty])).toThrow(/no activation files/);
  });
});
