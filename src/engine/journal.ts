import { closeSync, existsSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * An append-only NDJSON record of a long run: a header line that says what
 * the run is (command, inputs, options), then one line per finished item.
 * Each line is written with a synchronous append as soon as its item is done,
 * so an interrupted run keeps everything it finished, and `--resume` can skip
 * it.
 */
export interface JournalHeader {
  readonly type: 'header';
  readonly schemaVersion: number;
  readonly command: string;
  /** What makes two runs the same run: inputs (paths, sizes, times) and options. */
  readonly identity: unknown;
}

/**
 * Checks one resumed line (a record after the header): returns what is wrong
 * with it, or null when it can be trusted.
 */
export type JournalLineCheck = (record: Record<string, unknown>) => string | null;

export interface JournalOptions {
  /** Continue the file's run instead of refusing an existing file. */
  readonly resume: boolean;
  /** Checks each finished line when resuming; a line it rejects stops the resume, naming the line. */
  readonly validate?: JournalLineCheck;
}

export interface Journal {
  /** Records already in the file when it was opened with resume (empty otherwise). */
  readonly previous: readonly Record<string, unknown>[];
  append(record: Record<string, unknown>): void;
  close(): void;
}

/**
 * Opens a journal. Without `resume`, refuses to overwrite an existing
 * non-empty file. With `resume`, checks that the file's header has the same
 * identity as this run (refusing otherwise), checks every finished line
 * (`validate`; a bad line is named by its number), drops a half-written last
 * line, so its item is run again, and appends after the finished records.
 */
export function openJournal(path: string, header: JournalHeader, options: JournalOptions): Journal {
  const exists = existsSync(path) && statSync(path).size > 0;
  if (exists && !options.resume) {
    throw new UsageError(`the output file already exists`, {
      where: path,
      hint: 'pass --resume to continue that run, or remove the file to start again',
    });
  }
  let previous: Record<string, unknown>[] = [];
  if (exists) {
    const { records, completeLength } = readJournal(path);
    const found = records[0];
    if (!found || found.type !== 'header') {
      throw new UsageError('cannot resume: the file does not start with a pwcca header line', {
        where: path,
        hint: 'resume only files written by pwcca --out FILE.ndjson, or remove the file',
      });
    }
    if (JSON.stringify(found.identity) !== JSON.stringify(header.identity) || found.command !== header.command) {
      throw new UsageError('cannot resume: the file was written for other inputs or options', {
        where: path,
        hint: 'run with the same inputs and flags as the interrupted run, or write to a new file',
      });
    }
    records.slice(1).forEach((record, k) => {
      const problem = options.validate?.(record) ?? null;
      if (problem !== null) {
        throw new UsageError(`cannot resume: line ${k + 2} of the file is not a valid ${header.command} record: ${problem}`, {
          where: path,
          hint: `the file was changed or damaged after pwcca wrote it: delete line ${k + 2} (its item is then run again), or remove the file to start again`,
        });
      }
    });
    truncateSync(path, completeLength);
    previous = records.slice(1);
  }
  const fd = openSync(path, exists ? 'a' : 'w');
  const write = (record: unknown) => writeSync(fd, `${JSON.stringify(record)}\n`);
  if (!exists) write(header);
  return {
    previous,
    append: (record) => write(record),
    close: () => closeSync(fd),
  };
}

/** Parses the complete lines of a journal; a last line cut off mid-write is ignored. */
export function readJournal(path: string): { records: Record<string, unknown>[]; completeLength: number } {
  const text = readFileSync(path);
  const end = text.lastIndexOf(0x0a) + 1; // bytes up to the last newline
  const records: Record<string, unknown>[] = [];
  const lines = text.subarray(0, end).toString('utf8').split('\n');
  lines.forEach((line, k) => {
    if (line.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new UsageError(`cannot resume: line ${k + 1} of the file is not a JSON record`, {
        where: path,
        hint: `resume only files written by pwcca --out FILE.ndjson: delete line ${k + 1} if the file was edited, or remove the file to start again`,
      });
    }
    records.push(record as Record<string, unknown>);
  });
  return { records, completeLength: end };
}

/** Identity of an input file for resume checks: path, size and modification time. */
export function fileIdentity(path: string): { path: string; size: number; mtimeMs: number } {
  const stats = statSync(path);
  return { path, size: stats.size, mtimeMs: Math.round(stats.mtimeMs) };
}
