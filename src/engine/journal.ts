import { closeSync, existsSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { outputWriteError, UsageError } from '../errors.js';
import { resolveRefSync } from '../io/load.js';

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
  /**
   * What a later step needs to know about the run without being part of its
   * identity (e.g. how to plan it again at merge time); not compared on resume.
   */
  readonly context?: unknown;
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
  /**
   * Set when `--resume` found a file whose header line was never completed
   * (the disk filled up, or the run was killed, while it was written): nothing
   * of that run was kept, so the run starts again in the same file.
   */
  readonly restarted?: string;
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
  let restarted: string | undefined;
  let append = exists;
  if (exists) {
    const { records, completeLength } = readJournal(path);
    if (completeLength === 0) {
      // Not even the header line was finished: nothing was recorded, so start the run again here.
      truncateWith(path, 0);
      append = false;
      restarted = `${path} held only part of a header line (the disk was full, or the run stopped, as it was written): starting the run again in it`;
    } else {
      previous = checkResumable(path, records, header, options);
      truncateWith(path, completeLength);
    }
  }
  let fd: number;
  try {
    fd = openSync(path, append ? 'a' : 'w');
  } catch (error) {
    throw outputWriteError(error, path);
  }
  // A failed write (a full disk) leaves at most a cut last line, which --resume drops and redoes.
  const write = (record: unknown) => {
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
    } catch (error) {
      throw outputWriteError(error, path);
    }
  };
  if (!append) write(header);
  return {
    previous,
    ...(restarted !== undefined && { restarted }),
    append: (record) => write(record),
    close: () => closeSync(fd),
  };
}

/** The finished records of a journal being resumed, after checking that it is this run's and that every line can be trusted. */
function checkResumable(path: string, records: readonly Record<string, unknown>[], header: JournalHeader, options: JournalOptions): Record<string, unknown>[] {
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
      hint: 'run with the same inputs and flags as the interrupted run (--stream and --no-stream count), or write to a new file',
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
  return records.slice(1);
}

function truncateWith(path: string, length: number): void {
  try {
    truncateSync(path, length);
  } catch (error) {
    throw outputWriteError(error, path);
  }
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

/**
 * Identity of an input for resume checks: the input as given (`FILE#KEY`
 * included), and the size and modification time of its file. With `root`, the path is relative to it (`/`-separated), so the same
 * data mounted elsewhere (another node of a cluster) gives the same identity.
 */
export function fileIdentity(path: string, root?: string): { path: string; size: number; mtimeMs: number } {
  const stats = statSync(resolveRefSync(path).path);
  const shown = root === undefined ? path : relative(root, path).split(sep).join('/');
  return { path: shown, size: stats.size, mtimeMs: Math.round(stats.mtimeMs) };
}
