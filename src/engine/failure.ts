/**
 * Failure records: how an error becomes a pair's result, so that one bad
 * file or pair is reported with the others and the run goes on.
 */
import { PwccaError } from '../errors.js';
import type { PairFailure } from './types.js';

/**
 * Turns an error into a pair's failure record. Unexpected errors are recorded
 * as internal (exit code 1) rather than ending the whole run.
 */
export function describeFailure(error: unknown, pair: string): PairFailure {
  if (error instanceof PwccaError) {
    return { kind: error.kind, message: error.message, hint: error.hint, where: error.where ?? pair, exitCode: error.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message: `internal error: ${message}`, hint: 'this is a bug in pwcca; please report it', where: pair, exitCode: 1 };
}

/**
 * Whether a value read back from a journal is a failure record: the check
 * that lets a resumed run trust a failed pair's line.
 */
export function isPairFailure(value: unknown): value is PairFailure {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalText = (key: string) => v[key] === undefined || typeof v[key] === 'string';
  return typeof v.kind === 'string' && typeof v.message === 'string' && Number.isInteger(v.exitCode) && optionalText('hint') && optionalText('where');
}
