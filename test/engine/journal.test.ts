/**
 * Journals when resumed: finished lines come back, a half-written last line
 * is dropped (its item runs again), and a damaged line stops the resume with
 * its line number.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError, UsageError } from '../../src/errors.js';
import { openJournal, type JournalHeader } from '../../src/engine/journal.js';
import { checkJournalRecord } from '../../src/studies/pairwise/run.js';
import { checkCellRecord } from '../../src/studies/convergence/run.js';
import { repositoryRoot, runMain } from '../helpers/cli.js';
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

describe('journals on a full disk', () => {
  it('turns a failed write into an input error (exit 3) with a hint to free space and resume', () => {
    const failure = (() => {
      try {
        openJournal('/dev/full', header, { resume: false });
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(InputError);
    expect(failure).toMatchObject({ exitCode: ExitCode.input, message: expect.stringMatching(/ENOSPC/) });
    expect((failure as InputError).hint).toMatch(/full.*--resume/);
  });

  it('restarts a run whose header line was cut, instead of refusing to resume it', () => {
    const path = journalFile([JSON.stringify(header).slice(0, 40)]);
    const journal = openJournal(path, header, { resume: true, validate });
    journal.append(pair('s1', 's2'));
    journal.close();
    expect(journal.restarted).toMatch(/only part of a header line.*starting the run again/);
    expect(journal.previous).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(header)}\n${JSON.stringify(pair('s1', 's2'))}\n`);
  });
});

describe('pairwise --out on a disk that fills up during the run', () => {
  const runs = join(repositoryRoot, 'fixtures/pairwise/runs');
  const small = smallFileSystem();

  it.skipIf(small === undefined)('stops with exit 3 and a hint, and --resume elsewhere finishes the same result', async () => {
    const full = join(small!.folder, 'pairs.ndjson');
    const first = await runMain(['pairwise', runs, '--out', full, '--quiet']);
    expect(first.code).toBe(ExitCode.input);
    expect(first.stderr).toMatch(/ENOSPC[\s\S]*hint: the disk .*full/);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    const moved = join(temporaryFolder('pwcca-journal-'), 'pairs.ndjson');
    writeFileSync(moved, readFileSync(full));
    small!.release();
    const resumed = await runMain(['pairwise', runs, '--out', moved, '--resume', '--format', 'csv', '--quiet']);
    const whole = await runMain(['pairwise', runs, '--format', 'csv', '--quiet']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(whole.stdout);
  });

  it('refuses to resume with another --stream setting (the route changes the last bits)', async () => {
    const path = join(temporaryFolder('pwcca-journal-'), 'pairs.ndjson');
    expect((await runMain(['pairwise', runs, '--out', path, '--quiet', '--no-stream'])).code).toBe(0);
    const other = await runMain(['pairwise', runs, '--out', path, '--resume', '--stream']);
    expect(other.code).toBe(ExitCode.usage);
    expect(other.stderr).toMatch(/other inputs or options[\s\S]*--stream and --no-stream count/);
  });
});

/**
 * A 12 KiB tmpfs, where the machine lets this process mount one (root on
 * Linux): a disk that fills up part way through a journal. Undefined where it
 * cannot be had; the test then says so by its skip.
 */
function smallFileSystem(): { folder: string; release: () => void } | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const folder = mkdtempSync(join(tmpdir(), 'pwcca-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12k', 'tmpfs', folder]).status === 0;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (mounted) spawnSync('umount', [folder]);
    rmSync(folder, { recursive: true, force: true });
  };
  afterAll(release);
  if (!mounted) {
    release();
    return undefined;
  }
  return { folder, release };
}
