import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../src/report/csv.js';
import { encodeFileNamePart, matrixCsvFileName } from '../../src/report/pairwise-csv.js';

describe('CSV cells', () => {
  it('neutralises text that a spreadsheet would run as a formula', () => {
    const cells = ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '=HYPERLINK("http://x")'].map(csvField);
    expect(cells).toEqual(["\"'=1+1\"", "\"'+SUM(A1)\"", "\"'-2+3\"", "\"'@cmd\"", "\"'\tx\"", "\"'\rx\"", "\"'=HYPERLINK(\"\"http://x\"\")\""]);
  });

  it('writes numbers as numbers, negative ones included, and plain text as it is', () => {
    expect(csvLine(['net-1', -0.25, 1e-300, 'a,b', 'say "hi"'])).toBe('net-1,-0.25,1e-300,"a,b","say ""hi"""\n');
  });
});

describe('matrix-csv file names', () => {
  it('keeps apart scopes that the old scheme wrote to one file', () => {
    const names = ['g/n', 'g__n', 'g%2Fn', 'g\\n'].map((scope) => matrixCsvFileName(scope, 'pwcca', false));
    expect(new Set(names).size).toBe(names.length);
  });

  it('is reversible', () => {
    for (const scope of ['g/n', 'g__n', '100%', '.hidden', '..', 'a:b*c?', 'plain-layer_1']) {
      expect(decodeURIComponent(encodeFileNamePart(scope))).toBe(scope);
      expect(encodeFileNamePart(scope)).not.toMatch(/[\\/:*?"<>|]|^\./);
    }
    expect(matrixCsvFileName('mlp/seed0', 'cca', true)).toBe('mlp%2Fseed0.cca.csv');
  });
});
