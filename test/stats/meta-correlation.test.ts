import { describe, expect, it } from 'vitest';
import { correlateWithMeta, matchMetaRows, meanDistanceWithinGroup, parseCsvRecords, parseMetaCsv } from '../../src/stats/meta-correlation.js';

describe('metadata correlation', () => {
  it('parses a metadata CSV: network column, numeric columns, skipped text columns', () => {
    const table = parseMetaCsv('\uFEFFseed,network,test_acc,note\r\n1,"g/s1",0.9,"a, b"\n2,g/s2,,x\n');
    expect(table.networkColumn).toBe('network');
    expect(table.columns).toEqual(['seed', 'test_acc']);
    expect(table.skipped).toEqual(['note']);
    expect(table.rows.get('g/s1')).toEqual({ seed: 1, test_acc: 0.9 });
    expect(table.rows.get('g/s2')).toEqual({ seed: 2, test_acc: null });
    expect(parseCsvRecords('a,"x ""q"" y"\n')).toEqual([['a', 'x "q" y']]);
    expect(() => parseMetaCsv('network\n')).toThrow(/header line and one line per network/);
    expect(() => parseMetaCsv('network,name\ns1,x\n')).toThrow(/no numeric column/);
  });

  it("each network's mean distance to the others of its group (all others without groups)", () => {
    const d = [
      [0, 0.1, 0.3, 0.9],
      [0.1, 0, 0.5, 0.8],
      [0.3, 0.5, 0, 0.7],
      [0.9, 0.8, 0.7, 0],
    ];
    const grouped = meanDistanceWithinGroup(d, ['A', 'A', 'A', 'B']);
    expect(grouped[0]).toBeCloseTo(0.2, 14);
    expect(grouped[1]).toBeCloseTo(0.3, 14);
    expect(grouped[2]).toBeCloseTo(0.4, 14);
    expect(grouped[3]).toBeNull();
    const all = meanDistanceWithinGroup(d, [null, null, null, null]);
    expect(all[3]).toBeCloseTo(0.8, 14);
    const gap = d.map((row) => [...row]) as (number | null)[][];
    gap[0][1] = gap[1][0] = null;
    expect(meanDistanceWithinGroup(gap, ['A', 'A', 'A', 'B'])[0]).toBeCloseTo(0.3, 14);
  });

  it('Pearson r with its two-sided p-value and Spearman rho (scipy.stats values)', () => {
    // scipy.stats.pearsonr([1..10], [2,1,4,3,7,8,5,10,6,9]) = (0.8181818181818178, 0.0038149200825507426)
    const labels = Array.from({ length: 10 }, (_, i) => `s${i + 1}`);
    const distances = labels.map((_, i) => i + 1);
    const acc = [2, 1, 4, 3, 7, 8, 5, 10, 6, 9];
    const [result] = correlateWithMeta(labels, distances, acc.map((v) => ({ acc: v })), ['acc']);
    expect(result.n).toBe(10);
    expect(result.pearson.r).toBeCloseTo(0.8181818181818178, 13);
    expect(result.pearson.p).toBeCloseTo(0.0038149200825507426, 12);
    expect(result.spearman.rho).toBeCloseTo(0.8181818181818178, 13);
    const few = correlateWithMeta(['a', 'b'], [1, 2], [{ acc: 1 }, { acc: 2 }], ['acc']);
    expect(few[0]).toEqual({ column: 'acc', n: 2, pearson: { r: null, p: null }, spearman: { rho: null, p: null } });
  });

  it('matches rows by label, or by the last path component when unambiguous', () => {
    const table = parseMetaCsv('network,acc\ntrue/s1,1\ns2,2\ns3,3\n');
    const { values, unmatched } = matchMetaRows(['true/s1', 'true/s2', 'a/s3', 'b/s3', 'x'], table);
    expect(values.map((v) => v?.acc ?? null)).toEqual([1, 2, null, null, null]);
    expect(unmatched).toEqual(['a/s3', 'b/s3', 'x']);
  });
});

describe('matchMetaRows by path components', () => {
  const table = (keys: string[]) => ({ networkColumn: 'network', columns: ['acc'], rows: new Map(keys.map((key, i) => [key, { acc: i }])) });

  it('matches the row that shares the most trailing components, when unambiguous both ways', () => {
    const { values, unmatched } = matchMetaRows(['mlp/seed0', 'cnn/seed0'], table(['runs/cnn/seed0', 'runs/mlp/seed0']));
    expect(values.map((v) => v?.acc)).toEqual([1, 0]);
    expect(unmatched).toEqual([]);
    expect(matchMetaRows(['mlp/seed0'], table(['seed0'])).values[0]?.acc).toBe(0);
  });

  it('leaves ambiguous labels unmatched', () => {
    expect(matchMetaRows(['mlp/seed0', 'cnn/seed0'], table(['seed0'])).unmatched).toEqual(['mlp/seed0', 'cnn/seed0']);
    expect(matchMetaRows(['seed0'], table(['mlp/seed0', 'cnn/seed0'])).unmatched).toEqual(['seed0']);
  });
});

describe('correlateWithMeta on a constant column', () => {
  it('gives null statistics, not r = 0', () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const [result] = correlateWithMeta(labels, [0.1, 0.2, 0.3, 0.25, 0.4, 0.15, 0.35], labels.map(() => ({ epochs: 0.9 })), ['epochs']);
    expect(result).toEqual({ column: 'epochs', n: 7, pearson: { r: null, p: null }, spearman: { rho: null, p: null } });
  });
});
