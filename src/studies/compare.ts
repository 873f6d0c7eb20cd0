import { stat } from 'node:fs/promises';
import { InputError, withWhere, PwccaError } from '../errors.js';
import { loadMatrix, type InputInfo, type LoadedMatrix } from '../io/load.js';
import type { NpyHeader } from '../io/npy.js';
import { isRowStreamable, loadNpyHeader } from '../io/npy-stream.js';
import { comparePrepared, type PairComparison, type PwccaVariant } from '../metrics/compare.js';
import { createExecutor, defaultJobs, InlineExecutor, splitCrossCovariance, type Executor } from '../engine/executor.js';
import { prepareFromMoments, type PreparedSide, type SideMoments } from '../metrics/side.js';
import { streamCentredProducts } from '../engine/stream-moments.js';
import type { SvccaOptions } from '../metrics/svcca.js';

/** Version of the JSON documents pwcca writes; bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

/** The similarity measures, in report order; multi-pair commands tabulate any subset. */
export const METHOD_NAMES = ['pwcca', 'cca', 'svcca'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** The statistics `compare` can put first. `all` reports PWCCA first and computes SVCCA too. */
export const COMPARE_METHODS = ['pwcca', 'cca', 'svcca', 'all'] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/** How files are read: layout of the stored axes and the reduction of conv/sequence activations. */
export interface ReadOptions {
  readonly layout?: string;
  readonly conv?: 'flatten' | 'mean';
  readonly skipNonNumeric?: boolean;
  readonly stdin?: NodeJS.ReadableStream;
}

export interface CompareRunOptions extends ReadOptions {
  readonly method?: CompareMethod;
  readonly variant?: PwccaVariant;
  readonly epsilon?: number;
  readonly threshold?: number;
  readonly svcca?: Omit<SvccaOptions, 'epsilon'>;
  /**
   * Read both files in row chunks instead of loading them: `true` forces it
   * (when both are 2-D C-ordered .npy files), `false` never, `auto` (default)
   * when either file is at least {@link STREAM_FILE_BYTES}. Memory then depends
   * on the neuron counts only; the results equal the in-memory route's to
   * rounding.
   */
  readonly stream?: boolean | 'auto';
  /** Threads for a large pair, in memory or streamed (at most 2 are used); default: the number of cores. */
  readonly jobs?: number;
  /** On the streamed route, called as rows are read: rows read so far over all passes, and the total. */
  readonly onRowsRead?: (read: number, total: number) => void;
}

/**
 * Pairs with a file this big or bigger (8 MiB) run on worker threads: in
 * memory they prepare their two sides and split the cross-covariance there,
 * streamed they compute the chunks' products there. Below it, starting
 * threads costs more than it saves.
 */
export const PARALLEL_FILE_BYTES = 8 * 2 ** 20;

/** Files this big or bigger are streamed by default (1 GiB): loaded as float64 they would take 2-8x that. */
export const STREAM_FILE_BYTES = 2 ** 30;

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

/** Loads two activation files and compares them (`pwcca compare`). */
export async function runCompare(pathA: string, pathB: string, options: CompareRunOptions = {}): Promise<CompareReport> {
  if (pathA === '-' && pathB === '-') {
    throw new InputError('both inputs are standard input', { hint: 'pass at most one file as -' });
  }
  const method = options.method ?? 'pwcca';
  const largestBytes = await largestFileBytes(pathA, pathB);
  const headers = await streamableHeaders(pathA, pathB, options, largestBytes);
  let a: { info: InputInfo };
  let b: { info: InputInfo };
  let px: PreparedSide;
  let py: PreparedSide;
  let cross: Float64Array;
  // Threads start before the files are read; small pairs stay on this thread.
  const wanted = Math.min(options.jobs ?? defaultJobs(), 2);
  const jobs = wanted > 1 && largestBytes >= PARALLEL_FILE_BYTES ? wanted : 1;
  const executor = jobs > 1 ? createExecutor(jobs) : new InlineExecutor();
  try {
    if (headers !== null) {
      a = { info: streamedInfo(pathA, headers.a, options) };
      b = { info: streamedInfo(pathB, headers.b, options) };
      checkPairInfos(a.info, b.info);
      const moments = await streamPairMoments(pathA, pathB, a.info.datapoints, executor, options.onRowsRead);
      px = prepareOrExplain(() => prepareFromMoments(moments.x), pathA);
      py = prepareOrExplain(() => prepareFromMoments(moments.y), pathB);
      cross = moments.cross;
    } else {
      const loadedA = await loadMatrix(pathA, options);
      const loadedB = await loadMatrix(pathB, options);
      checkPairShapes(loadedA, loadedB);
      [a, b] = [loadedA, loadedB];
      const x = executor.adopt(loadedA.matrix);
      const y = executor.adopt(loadedB.matrix);
      [px, py] = await Promise.all([
        executor.prepare(x).catch(explainFor(loadedA.info.path)),
        executor.prepare(y).catch(explainFor(loadedB.info.path)),
      ]);
      cross = await splitCrossCovariance(executor, x, px, y, py, jobs);
    }
  } finally {
    await executor.close();
  }
  const labels = { a: a.info.path, b: b.info.path };
  const comparison = comparePrepared(px, py, cross, {
    variant: options.variant,
    epsilon: options.epsilon,
    threshold: options.threshold,
    svcca: method === 'svcca' || method === 'all' ? (options.svcca ?? {}) : undefined,
    labels,
  });
  const selected = method === 'cca' ? comparison.cca : method === 'svcca' ? comparison.svcca! : comparison.pwcca;
  return {
    schemaVersion: SCHEMA_VERSION,
    method,
    variant: comparison.pwcca.variant,
    similarity: selected.similarity,
    distance: selected.distance,
    inputs: {
      a: { ...a.info, rank: comparison.sides.a.rank, droppedNeurons: comparison.sides.a.droppedNeurons },
      b: { ...b.info, rank: comparison.sides.b.rank, droppedNeurons: comparison.sides.b.droppedNeurons },
    },
    comparison,
  };
}

function prepareOrExplain(prepare: () => PreparedSide, path: string): PreparedSide {
  try {
    return prepare();
  } catch (error) {
    return explainFor(path)(error);
  }
}

/** Rethrows an error with the file it is about. */
function explainFor(path: string): (error: unknown) => never {
  return (error) => {
    throw error instanceof PwccaError ? withWhere(error, path) : error;
  };
}

/** Size of the larger input file (0 for standard input or a file that cannot be read yet). */
async function largestFileBytes(pathA: string, pathB: string): Promise<number> {
  const sizes = await Promise.all([pathA, pathB].map((path) => (path === '-' ? 0 : stat(path).then((s) => s.size, () => 0))));
  return Math.max(...sizes);
}

/**
 * The two files' headers when the pair should be streamed (see
 * {@link CompareRunOptions.stream}), otherwise null: standard input, Arrow,
 * >2-D or Fortran-ordered arrays and layouts other than `auto` always load in
 * memory, where the loader also reports any problem with the file.
 */
async function streamableHeaders(
  pathA: string,
  pathB: string,
  options: CompareRunOptions,
  largestBytes: number,
): Promise<{ a: NpyHeader; b: NpyHeader } | null> {
  const mode = options.stream ?? 'auto';
  if (mode === false || pathA === '-' || pathB === '-') return null;
  if ((options.layout ?? 'auto') !== 'auto') return null;
  if (mode === 'auto' && largestBytes < STREAM_FILE_BYTES) return null;
  try {
    const [a, b] = await Promise.all([loadNpyHeader(pathA), loadNpyHeader(pathB)]);
    return isRowStreamable(a) && isRowStreamable(b) ? { a, b } : null;
  } catch {
    return null;
  }
}

/** How a streamed file is reported: what its header says (streamed files are 2-D, one row per datapoint). */
export function streamedInfo(path: string, header: NpyHeader, options: ReadOptions): InputInfo {
  const [rows, cols] = header.shape;
  return {
    path,
    format: 'npy',
    shape: header.shape,
    dtype: header.dtype,
    fortranOrder: false,
    layout: options.layout ?? 'auto',
    reduction: 'none',
    spatialShape: [],
    datapoints: rows,
    neurons: cols,
  } as InputInfo;
}

/**
 * Both sides' moments and their cross-covariance from two streamed files:
 * one pass per file for the means, then one pass over both for the three
 * products, all on the executor's threads.
 */
async function streamPairMoments(
  pathA: string,
  pathB: string,
  rows: number,
  executor: Executor,
  onRowsRead?: (read: number, total: number) => void,
): Promise<{ x: SideMoments; y: SideMoments; cross: Float64Array }> {
  let read = 0;
  const onRows = (count: number) => onRowsRead?.((read += count), 3 * rows);
  // Pass one of both files at once, a file per thread (progress per file: another thread cannot report rows).
  const [ma, mb] = await Promise.all(
    [pathA, pathB].map((path) =>
      executor.columnMeans(path).then((means) => {
        onRows(means.n);
        return means;
      }),
    ),
  );
  const [xx, yy, xy] = await streamCentredProducts(
    [pathA, pathB],
    [ma.mean, mb.mean],
    [{ a: 0, b: 0 }, { a: 1, b: 1 }, { a: 0, b: 1 }],
    executor,
    { onRows },
  );
  const n = ma.n;
  const scale = 1 / (n - 1);
  const scaled = (values: Float64Array) => values.map((value) => value * scale);
  return {
    x: { n, d: ma.mean.length, mean: ma.mean, covariance: scaled(xx) },
    y: { n, d: mb.mean.length, mean: mb.mean, covariance: scaled(yy) },
    cross: scaled(xy),
  };
}

/**
 * Two files can be compared only when their rows are the same datapoints.
 * Explains the two usual causes of a mismatch: a transposed dump and conv
 * maps of different spatial size.
 */
export function checkPairShapes(a: LoadedMatrix, b: LoadedMatrix): void {
  checkPairInfos(a.info, b.info);
}

/** {@link checkPairShapes} on the files' descriptions alone (the streamed route has no matrices). */
export function checkPairInfos(ia: InputInfo, ib: InputInfo): void {
  if (ia.datapoints === ib.datapoints) return;
  const where = `${ia.path} vs ${ib.path}`;
  const seen = `${ia.path} has shape [${ia.shape.join(', ')}] -> ${ia.datapoints} datapoints, ${ib.path} has shape [${ib.shape.join(', ')}] -> ${ib.datapoints} datapoints`;
  if (ia.reduction === 'flatten' && ib.reduction === 'flatten') {
    throw new InputError(`conv maps of different spatial size cannot be flattened together: ${seen}`, {
      where,
      hint: `spatial sizes [${ia.spatialShape.join(', ')}] and [${ib.spatialShape.join(', ')}] differ; pass --conv mean to average over space`,
    });
  }
  const transposedMatches =
    ia.shape.length === 2 && ib.shape.length === 2 && (ia.shape[1] === ib.datapoints || ib.shape[1] === ia.datapoints);
  throw new InputError(`different numbers of datapoints: ${seen}`, {
    where,
    hint: transposedMatches
      ? 'a file looks transposed (neurons x datapoints, as google/svcca stores them): re-save it as (datapoints, neurons), or pass --layout neurons-first when both files are stored that way'
      : 'both files must hold activations for the same probe inputs, in the same order',
  });
}
