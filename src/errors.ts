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
