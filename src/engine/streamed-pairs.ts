/**
 * The streamed route of {@link runPairs}, for activation files too large to
 * hold in memory. Instead of loading each file and computing every pair's
 * cross-covariance from loaded matrices, it reads the files in aligned row
 * chunks and adds up, in the same pass, the Gram matrix of every file and
 * the cross product of every pair. Memory then depends on the numbers of
 * neurons and pairs, never on the number of datapoints: the pairs are taken
 * in batches whose sums fit in `maxMemoryBytes`, one pass over their files
 * per batch.
 */
import { PwccaError, withWhere } from '../errors.js';
import type { InputInfo } from '../io/load.js';
import type { NpyHeader } from '../io/npy.js';
import type { PreparedSide } from '../metrics/side.js';
import { describeFailure } from './failure.js';
import { checkPairInfos } from './pair-check.js';
import { defaultMaxMemoryBytes, streamedInfo } from './route.js';
import { createRowSums, streamCentredProducts } from './stream-moments.js';
import type { EngineOptions, Executor, PairMeasure, PairResult, PairTask, RunStats, SourceFile, StreamedMeans } from './types.js';


/**
 * Splits the tasks, in order, into batches whose sums (8 bytes per entry of
 * each pair's cross product and of each new file's Gram matrix) stay within
 * `budget`; a batch always takes at least one pair.
 */
export function planBatches(tasks: readonly PairTask[], cols: (id: string) => number, budget: number): PairTask[][] {
  const batches: PairTask[][] = [];
  let batch: PairTask[] = [];
  let files = new Set<string>();
  let bytes = 0;
  const costIn = (task: PairTask, held: ReadonlySet<string>) =>
    8 * (cols(task.a) * cols(task.b) + [...new Set([task.a, task.b])].filter((id) => !held.has(id)).reduce((sum, id) => sum + cols(id) ** 2, 0));
  for (const task of tasks) {
    let cost = costIn(task, files);
    if (batch.length > 0 && bytes + cost > budget) {
      batches.push(batch);
      batch = [];
      files = new Set();
      bytes = 0;
      cost = costIn(task, files);
    }
    batch.push(task);
    files.add(task.a).add(task.b);
    bytes += cost;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * Rows per chunk when `files` files (the widest `cols` wide) are read
 * together: about 8 MiB of float64 per file, and for wide files at least
 * min(cols, 2048) rows; less when that many files would hold more than an
 * eighth of the budget in their chunk buffers (about four per file); a
 * multiple of 256 rows, the SIMD kernel's block.
 *
 * Why wide files get taller chunks: each chunk's product also moves the
 * cols x cols sums through the kernel's memory, a cost that does not shrink
 * with the chunk, and the Strassen route needs 2048 rows. Measured on one
 * thread, 20000 x 2048 float32 pair: 48.0 s CPU with 512-row chunks (8 MiB),
 * 45.4 s with 1024, 43.8 s with 2048, at the same peak RSS.
 */
export function chunkRowsWithin(budget: number, files: number, cols: number): number {
  const wanted = Math.max(8 << 20, 8 * cols * Math.min(cols, 2048));
  const perFile = Math.min(wanted, budget / 8 / (4 * files));
  return Math.max(256, Math.floor(perFile / (8 * cols) / 256) * 256);
}

/**
 * Runs the tasks over streamed files (see the module comment). Outcomes,
 * callbacks and failures are those of the in-memory route: a file that
 * cannot be read fails only its own pairs. `remaining` counts the tasks of
 * each file id (runPairs' count; updated here as pairs finish). Runs
 * `options.jobs` files at a time in pass one.
 */
export async function runStreamedPairs<T>(
  files: readonly SourceFile[],
  tasks: readonly PairTask[],
  headers: ReadonlyMap<string, NpyHeader>,
  remaining: Map<string, number>,
  measure: PairMeasure<T>,
  options: EngineOptions,
  executor: Executor,
  onResult: (result: PairResult<T>) => void | Promise<void>,
): Promise<{ results: PairResult<T>[]; stats: RunStats }> {
  const byId = new Map(files.map((file) => [file.id, file]));
  const pathOf = (id: string) => byId.get(id)!.path;
  const colsOf = (id: string) => headers.get(id)!.shape[1];
  const infos = new Map<string, InputInfo>(files.map((file) => [file.id, streamedInfo(file.path, headers.get(file.id)!, options)]));

  const means = new Map<string, StreamedMeans>();
  const sides = new Map<string, PreparedSide>();
  const fileErrors = new Map<string, unknown>();
  const inputs = new Map<string, InputInfo & { rank: number }>();
  const results: PairResult<T>[] = new Array(tasks.length);
  const indexOf = new Map(tasks.map((task, index) => [task, index]));
  let prepares = 0;
  let done = 0;

  const finish = async (outcome: PairResult<T>): Promise<void> => {
    results[indexOf.get(outcome.task)!] = outcome;
    done++;
    // A file's prepared side goes as soon as no remaining pair needs it.
    for (const id of [outcome.task.a, outcome.task.b]) {
      const left = remaining.get(id)! - 1;
      remaining.set(id, left);
      if (left === 0) sides.delete(id);
    }
    await onResult(outcome);
    options.onProgress?.(done, tasks.length);
  };
  const fail = (task: PairTask, error: unknown) =>
    finish({ task, error: describeFailure(error, `${pathOf(task.a)} vs ${pathOf(task.b)}`), cause: error });
  const fileError = (id: string, error: unknown) =>
    fileErrors.set(id, error instanceof PwccaError ? withWhere(error, pathOf(id)) : error);

  const budget = options.maxMemoryBytes ?? defaultMaxMemoryBytes();
  const batches = planBatches(tasks, colsOf, budget);
  // Progress in rows: every file once for its means, then each batch's pass(es) over its files.
  const rowsOf = (id: string) => infos.get(id)!.datapoints;
  const totalRows =
    files.reduce((sum, file) => sum + (remaining.has(file.id) ? rowsOf(file.id) : 0), 0) +
    batches.reduce((sum, batch) => sum + [...new Set(batch.map((task) => rowsOf(task.a)))].reduce((a, b) => a + b, 0), 0);
  let rowsRead = 0;
  const onRows = (count: number) => options.onRowsRead?.((rowsRead += count), totalRows);
  for (const batch of batches) {
    // Pass one, once per file, a file per thread: means, and every value checked.
    const unread = [...new Set(batch.flatMap((task) => [task.a, task.b]))].filter((id) => !means.has(id) && !fileErrors.has(id));
    const lane = async () => {
      for (let id = unread.shift(); id !== undefined; id = unread.shift()) {
        try {
          const result = await executor.columnMeans(pathOf(id));
          means.set(id, result);
          onRows(result.n);
        } catch (error) {
          fileError(id, error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 1) }, lane));
    const runnable: PairTask[] = [];
    for (const task of batch) {
      const error = fileErrors.get(task.a) ?? fileErrors.get(task.b);
      if (error !== undefined) {
        await fail(task, error);
        continue;
      }
      try {
        checkPairInfos(infos.get(task.a)!, infos.get(task.b)!);
        runnable.push(task);
      } catch (mismatch) {
        await fail(task, mismatch);
      }
    }
    // Pass two, per number of datapoints (pairs only join files with the same).
    for (const group of groupBy(runnable, (task) => infos.get(task.a)!.datapoints)) {
      const ids = [...new Set(group.flatMap((task) => [task.a, task.b]))];
      const position = new Map(ids.map((id, k) => [id, k]));
      const newSides = ids.filter((id) => !sides.has(id));
      const requests = [
        ...newSides.map((id) => ({ a: position.get(id)!, b: position.get(id)! })),
        ...group.map((task) => ({ a: position.get(task.a)!, b: position.get(task.b)! })),
      ];
      let sums: Float64Array[];
      // Debiased CKA needs sums over the rows' norms; linear CKA only the products.
      const rowSums = measure.wantsRowSums ? createRowSums(ids.length, requests.length) : undefined;
      try {
        const chunkRows = chunkRowsWithin(budget, ids.length, Math.max(...ids.map(colsOf)));
        sums = await streamCentredProducts(ids.map(pathOf), ids.map((id) => means.get(id)!.mean), requests, executor, {
          chunkRows,
          onRows,
          scaleExponents: ids.map((id) => means.get(id)!.scaleExponent),
          rowSums,
        });
      } catch (error) {
        for (const task of group) await fail(task, error);
        continue;
      }
      const n = means.get(ids[0])!.n;
      // As the in-memory route: products times 1 / (n - 1).
      const scale = 1 / (n - 1);
      // In place: each sum is used once, and staying in the threads' shared memory it reaches a worker uncopied.
      const scaled = (values: Float64Array) => {
        for (let i = 0; i < values.length; i++) values[i] *= scale;
        return values;
      };
      await Promise.all(
        newSides.map(async (id, k) => {
          try {
            const { mean, scaleExponent } = means.get(id)!;
            const moments = { n, d: colsOf(id), mean, covariance: scaled(sums[k]), scaleExponent };
            const side = executor.adoptSide(await executor.prepareMoments(moments));
            prepares++;
            sides.set(id, side);
            inputs.set(id, { ...infos.get(id)!, rank: side.rank });
          } catch (error) {
            fileError(id, error);
          }
        }),
      );
      await Promise.all(
        group.map(async (task, k) => {
          const error = fileErrors.get(task.a) ?? fileErrors.get(task.b);
          if (error !== undefined) return fail(task, error);
          let value: T;
          try {
            const cross = scaled(sums[newSides.length + k]);
            const [pa, pb] = [position.get(task.a)!, position.get(task.b)!];
            const rows = rowSums && {
              xDotY: pa === pb ? rowSums.sumSquares[pa] : rowSums.cross[newSides.length + k],
              xDotX: rowSums.sumSquares[pa],
              yDotY: rowSums.sumSquares[pb],
              xSum: rowSums.sum[pa],
              ySum: rowSums.sum[pb],
            };
            value = await measure.fromCross(executor, sides.get(task.a)!, sides.get(task.b)!, cross, { a: pathOf(task.a), b: pathOf(task.b) }, rows);
          } catch (failure) {
            return fail(task, failure);
          }
          await finish({ task, value });
        }),
      );
    }
  }
  return { results, stats: { loads: means.size, prepares, evictions: 0, streamed: true, inputs } };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): T[][] {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}
