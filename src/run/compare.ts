import { stat } from 'node:fs/promises';
import { InputError, withWhere, PwccaError } from '../errors.js';
import { loadMatrix, type InputInfo, type LoadedMatrix } from '../io/load.js';
import type { NpyHeader } from '../io/npy.js';
import { isRowStreamable, loadNpyHeader, openNpyRows, type NpyRowReader, type RowChunk } from '../io/npy-stream.js';
import { comparePrepared, type PairComparison, type PwccaVariant } from '../metrics/compare.js';
import { createExecutor, defaultJobs, InlineExecutor, splitCrossCovariance } from './executor.js';
import {
  prepareFromMoments,
  streamPairMoments,
  type PairChunk,
  type PairMoments,
  type PreparedSide,
} from '../metrics/side.js';
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
  /** Threads for a large in-memory pair (at most 2 are used); default: the number of cores. */
  readonly jobs?: number;
}

/**
 * In-memory pairs with a file this big or bigger (8 MiB) prepare their two
 * sides and split the cross-covariance on worker threads; below it, starting
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
  if (headers !== null) {
    a = { info: streamedInfo(pathA, headers.a, options) };
    b = { info: streamedInfo(pathB, headers.b, options) };
    checkPairInfos(a.info, b.info);
    const moments = await streamFilePairMoments(pathA, pathB);
    px = prepareOrExplain(() => prepareFromMoments(moments.x), pathA);
    py = prepareOrExplain(() => prepareFromMoments(moments.y), pathB);
    cross = moments.crossCovariance;
  } else {
    // Threads start before the files load; small pairs stay on this thread.
    const wanted = Math.min(options.jobs ?? defaultJobs(), 2);
    const jobs = wanted > 1 && largestBytes >= PARALLEL_FILE_BYTES ? wanted : 1;
    const executor = jobs > 1 ? createExecutor(jobs) : new InlineExecutor();
    try {
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
    } finally {
      await executor.close();
    }
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

function streamedInfo(path: string, header: NpyHeader, options: CompareRunOptions): InputInfo {
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

/** Bytes of float64 per side and chunk: 16 MiB keeps the products efficient and the memory small. */
const STREAM_CHUNK_BYTES = 16 << 20;

/**
 * Streams two 2-D .npy files in aligned row chunks through
 * {@link streamPairMoments} (two passes; the first also checks every value
 * for NaN and Inf).
 */
async function streamFilePairMoments(pathA: string, pathB: string): Promise<PairMoments> {
  const ra = await openNpyRows(pathA);
  let rb: NpyRowReader;
  try {
    rb = await openNpyRows(pathB);
  } catch (error) {
    await ra.close();
    throw error;
  }
  try {
    const widest = Math.max(ra.cols, rb.cols);
    // Multiples of 256 rows, the SIMD kernel's block, so the blocks are those of the in-memory route.
    const chunkRows = Math.max(256, Math.floor(STREAM_CHUNK_BYTES / (8 * widest) / 256) * 256);
    let firstPass = true;
    const pass = (): AsyncIterable<PairChunk> => {
      const checkFinite = firstPass;
      firstPass = false;
      return zipChunks(ra.chunks(chunkRows, { checkFinite }), rb.chunks(chunkRows, { checkFinite }));
    };
    return await streamPairMoments(ra.cols, rb.cols, pass);
  } finally {
    await Promise.all([ra.close(), rb.close()]);
  }
}

async function* zipChunks(xs: AsyncGenerator<RowChunk>, ys: AsyncGenerator<RowChunk>): AsyncGenerator<PairChunk> {
  try {
    while (true) {
      const [x, y] = await Promise.all([xs.next(), ys.next()]);
      if (x.done || y.done) {
        if (!x.done || !y.done) throw new RangeError('streamed files ended at different rows');
        return;
      }
      yield { rows: x.value.rows, x: x.value.data, y: y.value.data };
    }
  } finally {
    await Promise.all([xs.return(undefined), ys.return(undefined)]);
  }
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
function checkPairInfos(ia: InputInfo, ib: InputInfo): void {
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
