/**
 * `pwcca compare`: one pair through the engine (a run of one task), and the
 * report of it.
 */
import { InputError } from '../errors.js';
import type { InputInfo } from '../io/load.js';
import type { PairComparison, PwccaVariant } from '../metrics/compare.js';
import type { SvccaOptions } from '../metrics/svcca.js';
import { runPairs } from '../engine/run-pairs.js';
import type { EngineOptions } from '../engine/types.js';
import { SCHEMA_VERSION } from '../types.js';

/** The statistics `compare` can put first. `all` reports PWCCA first and computes SVCCA too. */
export const COMPARE_METHODS = ['pwcca', 'cca', 'svcca', 'all'] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/**
 * Options of `compare`: the engine's (reading, `jobs` threads for a large
 * pair, `stream`, `onRowsRead`) and the comparison's.
 */
export interface CompareRunOptions extends EngineOptions {
  readonly method?: CompareMethod;
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  readonly threshold?: number;
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
}

/** One input as reported: where it came from, how it was read, and what the engine saw. */
export interface InputSummary extends InputInfo {
  readonly rank: number;
  readonly droppedNeurons: readonly number[];
}

/** The result of `pwcca compare`: the engine's numbers plus the inputs and options that produced them. */
export interface CompareReport {
  readonly schemaVersion: number;
  readonly method: CompareMethod;
  readonly variant: PwccaVariant;
  /** Similarity of the selected method (PWCCA for `all`). */
  readonly similarity: number;
  readonly distance: number;
  readonly inputs: { readonly a: InputSummary; readonly b: InputSummary };
  readonly comparison: PairComparison;
}

/**
 * Compares two activation files (`pwcca compare`): the engine's run of one
 * pair, so it takes the same route (in memory, or streamed for large 2-D
 * .npy files) and gives the same numbers as a pair of a multi-pair study.
 * Errors are thrown, not recorded.
 */
export async function runCompare(pathA: string, pathB: string, options: CompareRunOptions = {}): Promise<CompareReport> {
  if (pathA === '-' && pathB === '-') {
    throw new InputError('both inputs are standard input', { hint: 'pass at most one file as -' });
  }
  const method = options.method ?? 'pwcca';
  const files = [
    { id: 'a', path: pathA },
    { id: 'b', path: pathB },
  ];
  const { outcomes, stats } = await runPairs(files, [{ key: 'a vs b', a: 'a', b: 'b' }], {
    ...options,
    compare: {
      variant: options.variant,
      epsilon: options.epsilon,
      threshold: options.threshold,
      svcca: method === 'svcca' || method === 'all' ? (options.svcca ?? {}) : undefined,
    },
  });
  const [outcome] = outcomes;
  if (outcome.error) throw outcome.cause;
  const comparison = outcome.comparison;
  const infoOf = (id: string): InputInfo => {
    const { rank: _rank, ...info } = stats.inputs.get(id)!;
    return info;
  };
  const selected = method === 'cca' ? comparison.cca : method === 'svcca' ? comparison.svcca! : comparison.pwcca;
  return {
    schemaVersion: SCHEMA_VERSION,
    method,
    variant: comparison.pwcca.variant,
    similarity: selected.similarity,
    distance: selected.distance,
    inputs: {
      a: { ...infoOf('a'), rank: comparison.sides.a.rank, droppedNeurons: comparison.sides.a.droppedNeurons },
      b: { ...infoOf('b'), rank: comparison.sides.b.rank, droppedNeurons: comparison.sides.b.droppedNeurons },
    },
    comparison,
  };
}
