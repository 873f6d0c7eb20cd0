import { PwccaError, withWhere } from '../errors.js';
import { loadMatrix, type InputInfo } from '../io/load.js';
import type { CompareOptions, PairComparison } from '../metrics/compare.js';
import type { PreparedSide } from '../metrics/side.js';
import type { Matrix } from '../types.js';
import { checkPairShapes, type ReadOptions } from '../studies/compare.js';
import { createExecutor, type Executor } from './executor.js';
import { runStreamedPairs, streamableHeaders } from './streamed-pairs.js';

/** One activation file taking part in a multi-pair run. */
export interface SourceFile {
  /** Unique key of the file within the run. */
  readonly id: string;
  readonly path: string;
}

/** One comparison to run: two files by id, with the caller's own key. */
export interface PairTask {
  readonly key: string;
  readonly a: string;
  readonly b: string;
}

/** Why a pair has no result: the error of a file it needs, or of the comparison itself. */
export interface PairFailure {
  readonly kind: string;
  readonly message: string;
  readonly hint?: string;
  readonly where?: string;
  readonly exitCode: number;
}

export type PairOutcome =
  | { readonly task: PairTask; readonly comparison: PairComparison; readonly error?: undefined }
  | { readonly task: PairTask; readonly comparison?: undefined; readonly error: PairFailure };

export interface RunPairsOptions {
  readonly read?: ReadOptions;
  readonly compare?: Omit<CompareOptions, 'labels'>;
  /** Worker threads; 1 runs on the calling thread. */
  readonly jobs?: number;
  /**
   * Soft cap on the memory held by loaded matrices and prepared sides
   * (bytes); on the streamed route, on the sums of one pass.
   */
  readonly maxMemoryBytes?: number;
  /**
   * Read the files in row chunks instead of loading them (see
   * streamed-pairs.ts): `true` when every file is a 2-D C-ordered .npy file,
   * `auto` (default) when one of them is also 1 GiB or more, `false` never.
   */
  readonly stream?: boolean | 'auto';
  /** Called as each pair finishes, in completion order (e.g. to append it to a file). */
  readonly onOutcome?: (outcome: PairOutcome) => void | Promise<void>;
  /** On the streamed route, called as rows are read: rows read so far over all passes, and the total. */
  readonly onRowsRead?: (read: number, total: number) => void;
  /** Called after each pair with the number done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Pluggable for tests; by default created from `jobs` and closed at the end. */
  readonly executor?: Executor;
}

/** What a run did, for reports and tests (e.g. that each file was prepared once). */
export interface RunStats {
  readonly loads: number;
  readonly prepares: number;
  readonly evictions: number;
  /** Whether the files were streamed in row chunks rather than loaded (see RunPairsOptions.stream). */
  readonly streamed: boolean;
  /** Input description of every file that loaded, by id. */
  readonly inputs: ReadonlyMap<string, InputInfo & { rank: number }>;
}

interface CachedSide {
  readonly info: InputInfo;
  readonly matrix: Matrix;
  readonly side: PreparedSide;
  readonly bytes: number;
  lastUse: number;
  inUse: number;
}

/**
 * Runs many comparisons over a set of files, loading and preparing each file
 * once and reusing it for all its pairs. A file is dropped as soon as no
 * remaining pair needs it; under `maxMemoryBytes` the least recently used idle
 * files are dropped early (and prepared again if needed). A file or pair that
 * fails is recorded in its outcomes and the rest of the run goes on.
 */
export async function runPairs(
  files: readonly SourceFile[],
  tasks: readonly PairTask[],
  options: RunPairsOptions = {},
): Promise<{ outcomes: PairOutcome[]; stats: RunStats }> {
  const byId = new Map(files.map((file) => [file.id, file]));
  const remaining = new Map<string, number>();
  for (const task of tasks) {
    for (const id of [task.a, task.b]) {
      if (!byId.has(id)) throw new RangeError(`pair ${task.key} names an unknown file id ${id}`);
      remaining.set(id, (remaining.get(id) ?? 0) + 1);
    }
  }
  const executor = options.executor ?? createExecutor(options.jobs ?? 1);
  const headers = await streamableHeaders(files, options);
  if (headers !== null) {
    try {
      return await runStreamedPairs(files, tasks, headers, remaining, options, executor);
    } finally {
      if (!options.executor) await executor.close();
    }
  }
  const concurrency = Math.max(1, options.jobs ?? 1);
  const maxMemory = options.maxMemoryBytes ?? Infinity;
  const cache = new Map<string, Promise<CachedSide>>();
  const settled = new Map<string, CachedSide>();
  const inputs = new Map<string, InputInfo & { rank: number }>();
  let loads = 0;
  let prepares = 0;
  let evictions = 0;
  let clock = 0;
  let done = 0;

  const heldBytes = () => [...settled.values()].reduce((sum, entry) => sum + entry.bytes, 0);

  const evictFor = (bytes: number) => {
    const idle = [...settled.entries()].filter(([, entry]) => entry.inUse === 0).sort((p, q) => p[1].lastUse - q[1].lastUse);
    while (heldBytes() + bytes > maxMemory && idle.length > 0) {
      const [id] = idle.shift()!;
      settled.delete(id);
      cache.delete(id);
      evictions++;
    }
  };

  const acquire = (id: string): Promise<CachedSide> => {
    let pending = cache.get(id);
    if (!pending) {
      const file = byId.get(id)!;
      pending = (async () => {
        loads++;
        const loaded = await loadMatrix(file.path, options.read ?? {});
        const bytes = loaded.matrix.data.byteLength + 2 * loaded.matrix.cols * loaded.matrix.cols * 8;
        evictFor(bytes);
        const matrix = executor.adopt(loaded.matrix);
        prepares++;
        let side: PreparedSide;
        try {
          side = executor.adoptSide(await executor.prepare(matrix));
        } catch (error) {
          throw error instanceof PwccaError ? withWhere(error, file.path) : error;
        }
        const entry: CachedSide = { info: loaded.info, matrix, side, bytes, lastUse: clock++, inUse: 0 };
        settled.set(id, entry);
        inputs.set(id, { ...loaded.info, rank: side.rank });
        return entry;
      })();
      cache.set(id, pending);
    }
    return pending.then((entry) => {
      entry.inUse++;
      entry.lastUse = clock++;
      return entry;
    });
  };

  /** A pair is done with a file; the file is dropped once no remaining pair needs it. */
  const release = (id: string, held: boolean) => {
    const entry = settled.get(id);
    if (entry && held) entry.inUse--;
    const left = (remaining.get(id) ?? 1) - 1;
    remaining.set(id, left);
    if (left === 0) {
      settled.delete(id);
      cache.delete(id);
    }
  };

  const runTask = async (task: PairTask): Promise<PairOutcome> => {
    const held = new Set<string>();
    try {
      const a = await acquire(task.a);
      held.add('a');
      const b = await acquire(task.b);
      held.add('b');
      checkPairShapes({ matrix: a.matrix, info: a.info }, { matrix: b.matrix, info: b.info });
      const comparison = await executor.compare(a.matrix, a.side, b.matrix, b.side, {
        ...options.compare,
        labels: { a: a.info.path, b: b.info.path },
      });
      return { task, comparison };
    } catch (error) {
      return { task, error: describeFailure(error, `${byId.get(task.a)!.path} vs ${byId.get(task.b)!.path}`) };
    } finally {
      release(task.a, held.has('a'));
      release(task.b, held.has('b'));
    }
  };

  const outcomes: PairOutcome[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      const outcome = await runTask(tasks[index]);
      outcomes[index] = outcome;
      done++;
      await options.onOutcome?.(outcome);
      options.onProgress?.(done, tasks.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(tasks.length, 1)) }, lane));
  } finally {
    if (!options.executor) await executor.close();
  }
  return { outcomes, stats: { loads, prepares, evictions, streamed: false, inputs } };
}

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
