/**
 * Typed errors. Library code throws these; only the CLI's single top-level
 * handler turns them into a message on stderr and an exit code.
 *
 * Every message is one line: what failed, where (file or pair), and the values
 * that were seen. `hint` says what the user can do about it.
 */

/** Exit codes, documented in `pwcca --help` and the README. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  numeric: 4,
  /** A multi-pair run finished, but some pairs failed (their errors are in the output). */
  partial: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface PwccaErrorOptions {
  /** What the user can do about it, printed on a `hint:` line. */
  hint?: string;
  /** File or pair the error is about. */
  where?: string;
  cause?: unknown;
}

export abstract class PwccaError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** Short machine-readable kind, also used in JSON error records. */
  abstract readonly kind: string;
  readonly hint?: string;
  readonly where?: string;

  constructor(message: string, options: PwccaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.where = options.where;
  }
}

/** Bad flags or arguments. */
export class UsageError extends PwccaError {
  readonly exitCode = ExitCode.usage;
  readonly kind = 'usage';
}

/** A file that cannot be read as an activation matrix, or two files that cannot be compared. */
export class InputError extends PwccaError {
  readonly exitCode = ExitCode.input;
  readonly kind = 'input';
}

/** Data that can be read but on which the requested statistic is undefined or degenerate. */
export class NumericError extends PwccaError {
  readonly exitCode = ExitCode.numeric;
  readonly kind = 'numeric';
}

/** A bug in pwcca: an invariant that should always hold did not. */
export class InternalError extends PwccaError {
  readonly exitCode = ExitCode.internal;
  readonly kind = 'internal';
}

/** Adds the file or pair an error is about, keeping its type and hint. */
export function withWhere<E extends PwccaError>(error: E, where: string): E {
  if (error.where === undefined) (error as { where?: string }).where = where;
  return error;
}

/**
 * The error for an output file that could not be written, with a hint that
 * fits the cause: a full disk or quota, a read-only or missing folder, no
 * permission. What was written before stays valid (journals can be resumed).
 */
export function outputWriteError(error: unknown, path: string): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk (or your quota) is full: free some space or write elsewhere with --out; a journal (--out FILE.ndjson) keeps what it wrote, so run again with --resume'
      : code === 'EFBIG'
        ? 'the file is larger than this file system allows: write elsewhere with --out'
        : code === 'EROFS'
          ? 'the file system is read-only: write elsewhere with --out'
          : code === 'ENOENT'
            ? 'the folder does not exist: create it first'
            : code === 'EACCES' || code === 'EPERM'
              ? 'you may not write there: check the permissions, or write elsewhere with --out'
              : 'check that the folder exists and is writable';
  return new InputError(`cannot write the output file: ${reason}`, { where: path, hint, cause: error });
}
