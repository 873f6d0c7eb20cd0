/**
 * Journals when resumed: finished lines come back, a half-written last line
 * is dropped (its item runs again), and a damaged line stops the resume with
 * its line number.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openJournal, type JournalHeader } from '../../src/engine/journal.js';
import { checkJournalRecord } from '../../src/studies/pairwise/run.js';
import { checkCellRecord } from '../../src/studies/convergence/run.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const header: JournalHeader = { type: 'header', schemaVersion: 1, command: 'pairwise', identity: { files: ['a', 'b'] } };
const pair = (a: string, b: string) => ({
  type: 'pair',
  layer: 'fc1',
  a,
  b,
  groupA: null,
  groupB: null,
  values: { pwcca: { similarity: 0.9, distance: 0.1, directional: { a: 0.9, b: 0.9 }, side: 'tie' }, cca: { similarity: 0.8, distance: 0.2 } },
});
const validate = (line: Record<string, unknown>) => checkJournalRecord(line, 'layer');

function journalFile(lines: readonly string[]): string {
  const path = join(temporaryFolder('pwcca-journal-'), 'pairs.ndjson');
  writeFileSync(path, lines.join(''));
  return path;
}

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('openJournal with resume', () => {
  it('returns the finished lines, drops a half-written last line and appends after the rest', () => {
    const complete = [`${JSON.stringify(header)}\n`, `${JSON.stringify(pair('n1', 'n2'))}\n`];
    const path = journalFile([...complete, '{"type":"pair","layer":"fc1","a":"n1"']);
    const journal = openJournal(path, header, { resume: true, validate });
    expect(journal.previous).toEqual([pair('n1', 'n2')]);
    journal.append(pair('n1', 'n3'));
    journal.close();
    expect(readFileSync(path, 'utf8')).toBe([...complete, `${JSON.stringify(pair('n1', 'n3'))}\n`].join(''));
  });

  it('names the line that is not JSON', () => {
    const path = journalFile([`${JSON.stringify(header)}\n`, `${JSON.stringify(pair('n1', 'n2'))}\n`, '{"type":"pair",,}\n', `${JSON.stringify(pair('n1', 'n3'))}\n`]);
    const error = usageErrorOf(() => openJournal(path, header, { resume: true, validate }));
    expect(error.message).toBe('cannot resume: line 3 of the file is not a JSON record');
    expect(error.where).toBe(path);
    expect(error.hint).toMatch(/delete line 3/);
  });

  it('names a line that parses but is not a valid record, and leaves the file as it was', () => {
    const damaged = { ...pair('n1', 'n3'), values: { pwcca: { similarity: 'high' } } };
    const lines = [`${JSON.stringify(header)}\n`, `${JSON.stringify(pair('n1', 'n2'))}\n`, `${JSON.stringify(damaged)}\n`];
    const path = journalFile(lines);
    const error = usageErrorOf(() => openJournal(path, header, { resume: true, validate }));
    expect(error.message).toBe('cannot resume: line 3 of the file is not a valid pairwise record: "values.pwcca" lacks a numeric similarity and distance');
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
  });
});

describe('journal line checks', () => {
  it('accept what the studies write and reject damaged lines', () => {
    expect(validate(pair('n1', 'n2'))).toBeNull();
    expect(validate({ ...pair('n1', 'n2'), values: undefined, error: { kind: 'input', message: 'bad', exitCode: 3 } })).toBeNull();
    expect(validate({ ...pair('n1', 'n2'), a: 7 })).toBe('"a" is not a string');
    expect(validate({ ...pair('n1', 'n2'), type: 'cell' })).toBe('"type" is "cell", expected "pair"');
    expect(validate({ ...pair('n1', 'n2'), values: undefined, error: { kind: 'input' } })).toBe('"error" is not a failure record');
    const cell = { type: 'cell', run: '', layer: 'fc1', step: 3, method: 'pwcca', reference: false, similarity: 0.9, distance: 0.1 };
    expect(checkCellRecord(cell)).toBeNull();
    expect(checkCellRecord({ ...cell, step: '3' })).toBe('"step" is not an integer');
    expect(checkCellRecord({ ...cell, method: 'xyz' })).toBe('"method" is "xyz"');
    expect(checkCellRecord({ ...cell, distance: null })).toBe('"distance" is not a number');
  });
});
