import { describe, expect, it } from 'vitest';
import { matrixCsvFileName, toMatrixCsv, toPairwiseCsv } from '../../src/report/pairwise-csv.js';
import { buildPairwiseJson } from '../../src/report/pairwise-json.js';
import { toPairwiseTable } from '../../src/report/pairwise-table.js';
import type { PairwiseRecord } from '../../src/studies/pairwise/run.js';
import { analysePairwise, type PairwiseReport } from '../../src/studies/pairwise/report.js';

const records: PairwiseRecord[] = [
  {
    scope: 'fc1', a: 'g/s1', b: 'g/s2', groupA: 'g', groupB: 'g', datapoints: 100, ranks: { a: 4, b: 4 },
    values: { pwcca: { similarity: 0.75, distance: 0.25, directional: { a: 0.7, b: 0.8 }, side: 'tie' }, cca: { similarity: 0.5, distance: 0.5 } },
  },
  { scope: 'fc1', a: 'g/s1', b: 'h/s3', groupA: 'g', groupB: 'h', error: { kind: 'input', message: 'not an .npy file, "x"', exitCode: 3 } },
  {
    scope: 'fc1', a: 'g/s2', b: 'h/s3', groupA: 'g', groupB: 'h', datapoints: 100, ranks: { a: 4, b: 5 },
    values: { pwcca: { similarity: 0.5, distance: 0.5, directional: { a: 0.5, b: 0.6 }, side: 'a' }, cca: { similarity: 0.25, distance: 0.75 } },
  },
];

const { matrices } = analysePairwise([
  {
    scope: 'fc1',
    labels: ['g/s1', 'g/s2', 'h/s3'],
    groups: ['g', 'g', 'h'],
    methods: {
      pwcca: { distance: [[0, 0.25, null], [0.25, 0, 0.5], [null, 0.5, 0]] },
      cca: { distance: [[0, 0.5, null], [0.5, 0, 0.75], [null, 0.75, 0]] },
    },
  },
]);

const report: PairwiseReport = {
  schemaVersion: 1,
  scopeKind: 'layer',
  methods: ['pwcca', 'cca'],
  options: { methods: ['pwcca', 'cca'] },
  discovery: { mode: 'tree', root: 'runs', files: [] },
  matrices,
  records,
  warnings: [],
};

describe('pairwise renderers', () => {
  it('long CSV: one row per pair and method, empty values and the error where a pair failed', () => {
    expect(toPairwiseCsv(report)).toMatchInlineSnapshot(`
      "layer,a,b,group_a,group_b,method,similarity,distance,directional_a,directional_b,pwcca_side,datapoints,rank_a,rank_b,error_kind,error
      fc1,g/s1,g/s2,g,g,pwcca,0.75,0.25,0.7,0.8,tie,100,4,4,,
      fc1,g/s1,g/s2,g,g,cca,0.5,0.5,,,,100,4,4,,
      fc1,g/s1,h/s3,g,h,pwcca,,,,,,,,,input,"not an .npy file, ""x"""
      fc1,g/s1,h/s3,g,h,cca,,,,,,,,,input,"not an .npy file, ""x"""
      fc1,g/s2,h/s3,g,h,pwcca,0.5,0.5,0.5,0.6,a,100,4,5,,
      fc1,g/s2,h/s3,g,h,cca,0.25,0.75,,,,100,4,5,,
      "
    `);
  });

  it('matrix CSV: header of labels, empty cells for failed pairs; file names', () => {
    expect(toMatrixCsv(matrices[0], 'pwcca')).toMatchInlineSnapshot(`
      ",g/s1,g/s2,h/s3
      g/s1,0,0.25,
      g/s2,0.25,0,0.5
      h/s3,,0.5,0
      "
    `);
    expect(matrixCsvFileName('fc1', 'cca', false)).toBe('fc1.csv');
    expect(matrixCsvFileName('fc1', 'cca', true)).toBe('fc1.cca.csv');
    expect(matrixCsvFileName('true/s1', 'pwcca', false)).toBe('true__s1.csv');
  });

  it('table: the matrix with - for failed pairs, then group statistics', () => {
    const text = toPairwiseTable({ ...report, methods: ['pwcca'] });
    expect(text).toMatchInlineSnapshot(`
      "layer fc1: PWCCA distance (3 networks)
             g/s1   g/s2   h/s3
      g/s1  0.000  0.250      -
      g/s2  0.250  0.000  0.500
      h/s3      -  0.500  0.000
      groups
        within  g: mean 0.250 sd 0.000 (1 pair)
        within  h: mean - sd - (0 pairs)
        between g and h: mean 0.500 sd 0.000 (1 pair)
      "
    `);
  });

  it('JSON: layers with distances by method, one pair entry per method, null values and the error of failed pairs', () => {
    const doc = buildPairwiseJson(report) as any;
    expect(doc.command).toBe('pairwise');
    expect(doc.summary).toEqual({ pairs: 3, ok: 2, failed: 1 });
    expect(doc.layers[0].methods.cca.distance[1][2]).toBe(0.75);
    expect(doc.layers[0].groupStats.pwcca.between[0]).toMatchObject({ groupA: 'g', groupB: 'h', count: 1 });
    expect(doc.pairs).toHaveLength(6);
    expect(doc.pairs[0]).toMatchObject({ layer: 'fc1', method: 'pwcca', directional: { a: 0.7, b: 0.8 }, side: 'tie' });
    expect(doc.pairs[1]).toMatchObject({ method: 'cca', directional: null });
    expect(doc.pairs[2]).toMatchObject({ similarity: null, distance: null, error: { kind: 'input' } });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
