/**
 * How pairs run: {@link runPairs} is the one entry point for every study,
 * from `compare`'s single pair to a pairwise matrix. It routes the run
 * (route.ts), starts the executor, and runs the in-memory route here or the
 * streamed route (streamed-pairs.ts).
 */
import { PwccaError, UsageError, withWhere } from '../errors.js';
import { loadMatrix, type InputInfo } from '../io/load.js';
import type { PreparedSide } from '../metrics/side.js';
import type { Matrix } from '../types.js';
import { createExecutor } from './executor.js';
import { describeFailure } from './failure.js';
import { checkPairShapes } from './pair-check.js';
import { chooseRoute, defaultMaxMemoryBytes, type Route } from './route.js';
import { runStreamedPairs } from './streamed-pairs.js';
import type {
  EngineOptions,
  Executor,
  PairMoments,
  PairMomentsOutcome,
  PairOutcome,
  PairTask,
  RunPairMomentsOptions,
  RunPairsOptions,
  RunStats,
  SourceFile,
  PairMeasure,
  PairResult,
} from './types.js';
import { compareMeasure, momentsMeasure, type ComparedPair } from './measures.js';

export type {
  EngineOptions,
  Executor,
  PairFailure,
  PairMoments,
  PairMomentsOutcome,
  PairOutcome,
  PairTask,
  RunPairMomentsOptions,
  RunPairsOptions,
  RunStats,
  SourceFile,
} from './types.js';

interface CachedSide {
  readonly info: InputInfo;
  readonly matrix: Matrix;
  readonly side: PreparedSide;
  readonly bytes: number;
  lastUse: number;
  inUse: number;
}

/**
 * Runs comparisons over a set of files and calls back as each pair finishes.
 * Each file is read and prepared once and reused for all its pairs; a file
 * or pair that fails is recorded in its outcome and the rest of the run goes
 * on. Outcomes come back in task order.
 *
 * In memory, a file is dropped as soon as no remaining pair needs it; under
 * `maxMemoryBytes` the least recently used idle files are dropped early (and
 * prepared again if needed). Streamed, see streamed-pairs.ts.
 */
export async function runPairs(
  files: readonly SourceFile[],
  tasks: readonly PairTask[],
  options: RunPairsOptions = {},
): Promise<{ outcomes: PairOutcome[]; stats: RunStats }> {
  const toOutcome = (result: PairResult<ComparedPair>): PairOutcome =>
    result.error
      ? result
      : { task: result.task, comparison: result.value.comparison, ...(result.value.resampling && { resampling: result.value.resampling }) };
  const measure = compareMeasure(options.compare, options.resampling);
  const { results, stats } = await runMeasured(files, tasks, measure, options, options.executor, (result) =>
    options.onOutcome?.(toOutcome(result)),
  );
  return { outcomes: results.map(toOutcome), stats };
}

/**
 * Runs pairs as {@link runPairs} does (same routes, caching, threads and
 * failure records), but yields each pair's prepared sides and
 * cross-covariance instead of a comparison, for measures computed from them
 * elsewhere (e.g. the stable and unstable directions of `convergence`).
 */
export async function runPairMoments(
  files: readonly SourceFile[],
  tasks: readonly PairTask[],
  options: RunPairMomentsOptions = {},
): Promise<{ outcomes: PairMomentsOutcome[]; stats: RunStats }> {
  const toOutcome = (result: PairResult<PairMoments>): PairMomentsOutcome =>
    result.error ? result : { task: result.task, moments: result.value };
  const { results, stats } = await runMeasured(files, tasks, momentsMeasure, options, options.executor, (result) =>
    options.onOutcome?.(toOutcome(result)),
  );
  return { outcomes: results.map(toOutcome), stats };
}

/** The one way pairs run: route, executor, then the in-memory or the streamed route with `measure`. */
async function runMeasured<T>(
  files: readonly SourceFile[],
  tasks: readonly PairTask[],
  measure: PairMeasure<T>,
  options: EngineOptions,
  givenExecutor: Executor | undefined,
  onResult: (result: PairResult<T>) => void | Promise<void>,
): Promise<{ results: PairResult<T>[]; stats: RunStats }> {
  const byId = new Map(files.map((file) => [file.id, file]));
  const remaining = new Map<string, number>();
  for (const task of tasks) {
    for (const id of [task.a, task.b]) {
      if (!byId.has(id)) throw new RangeError(`pair ${task.key} names an unknown file id ${id}`);
      remaining.set(id, (remaining.get(id) ?? 0) + 1);
    }
  }
  const used = files.filter((file) => remaining.has(file.id));
  // Resampling needs the rows in memory: `auto` then loads (an explicit `stream: true` is refused below).
  const routeOptions = measure.needsRows && (options.stream ?? 'auto') === 'auto' ? { ...options, stream: false } : options;
  const route = await chooseRoute(used, tasks.length, { ...routeOptions, resamplesPerPair: measure.resamplesPerPair });
  if (route.headers !== null && measure.needsRows) {
    throw new UsageError(measure.needsRows, {
      hint: 'drop --stream (or pass --no-stream); resampling shuffles or redraws rows, which a single streamed pass cannot do',
    });
  }
  // Threads start before the files are read.
  const executor = givenExecutor ?? createExecutor(route.threads);
  try {
    if (route.headers !== null) {
      return await runStreamedPairs(used, tasks, route.headers, remaining, measure, { ...options, jobs: route.threads }, executor, onResult);
    }
    return await runLoadedPairs(byId, tasks, remaining, route, measure, options, executor, onResult);
  } finally {
    if (!givenExecutor) await executor.close();
  }
}

/** The in-memory route: files loaded and prepared once, pairs run `route.threads` at a time. */
async function runLoadedPairs<T>(
  byId: ReadonlyMap<string, SourceFile>,
  tasks: readonly PairTask[],
  remaining: Map<string, number>,
  route: Route,
  measure: PairMeasure<T>,
  options: EngineOptions,
  executor: Executor,
  onResult: (result: PairResult<T>) => void | Promise<void>,
): Promise<{ results: PairResult<T>[]; stats: RunStats }> {
  const concurrency = route.threads;
  const maxMemory = options.maxMemoryBytes ?? defaultMaxMemoryBytes();
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
        // Every format is decoded (or reshaped) straight into the executor's (shared) memory: adopt() then copies nothing.
        const loaded = file.load ? await file.load() : await loadMatrix(file.path, { ...options, allocate: (length) => executor.allocate(length) });
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

  const runTask = async (task: PairTask): Promise<PairResult<T>> => {
    const held = new Set<string>();
    try {
      // With threads for one pair, both sides load and prepare at once; the first file's error is reported first.
      const [ra, rb] = route.shares > 1
        ? await Promise.allSettled([acquire(task.a), acquire(task.b)])
        : [await settle(acquire(task.a)), undefined];
      if (ra.status === 'fulfilled') held.add('a');
      if (rb?.status === 'fulfilled') held.add('b');
      if (ra.status === 'rejected') throw ra.reason;
      if (rb?.status === 'rejected') throw rb.reason;
      const a = ra.value;
      const b = rb ? rb.value : await acquire(task.b);
      held.add('b');
      checkPairShapes({ matrix: a.matrix, info: a.info }, { matrix: b.matrix, info: b.info });
      const labels = { a: a.info.path, b: b.info.path };
      const value = await measure.loaded(executor, { x: a.matrix, px: a.side, y: b.matrix, py: b.side }, labels, route.shares);
      return { task, value };
    } catch (error) {
      return { task, error: describeFailure(error, `${byId.get(task.a)!.path} vs ${byId.get(task.b)!.path}`), cause: error };
    } finally {
      release(task.a, held.has('a'));
      release(task.b, held.has('b'));
    }
  };

  const results: PairResult<T>[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      const result = await runTask(tasks[index]);
      results[index] = result;
      done++;
      await onResult(result);
      options.onProgress?.(done, tasks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(tasks.length, 1)) }, lane));
  return { results, stats: { loads, prepares, evictions, streamed: false, inputs } };
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason: unknown) => ({ status: 'rejected', reason }) as const,
  );
}
