/**
 * The engine's one decision about how a run goes: streamed in row chunks or
 * loaded in memory, and on how many threads. Every run of pairs, from
 * `compare`'s single pair to a pairwise study, is routed here.
 */
import { layoutForRank } from '../io/layout.js';
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { resolveRefSync, type InputInfo } from '../io/load.js';
import type { NpyHeader } from '../io/npy.js';
import { isRowStreamable, loadNpyHeader } from '../io/npy-stream.js';
import type { ReadOptions } from '../types.js';
import type { EngineOptions, SourceFile } from './types.js';

/**
 * Streamable inputs whose largest file holds this many values or more (1 M:
 * 4 MB of float32, 8 MB as float64) are streamed by default. Measured on 2
 * cores, one thread, CPU time of a compare (in memory / streamed): 1.07x at
 * 10000 x 256 and 10000 x 512, about 1.0 at 4000 x 256 (1 M values), 0.93x
 * at 4000 x 128; streaming also holds a fraction of the memory (200 MB
 * instead of 8 GB for two 1,000,000 x 256 float32 files).
 */
export const STREAM_MIN_VALUES = 2 ** 20;

/**
 * A single pair with a file this big or bigger (8 MiB) runs on worker
 * threads: in memory they prepare its two sides and split the
 * cross-covariance, streamed they compute the chunks' products. Below it,
 * starting threads costs more than it saves.
 */
export const PARALLEL_FILE_BYTES = 8 * 2 ** 20;

/**
 * A run of several pairs whose estimated work is below this many
 * floating-point operations runs on the calling thread: starting, loading
 * and feeding worker threads (about 0.1 s each) costs more than they save.
 */
export const PARALLEL_MIN_FLOPS = 2e9;

/** Default of `maxMemoryBytes`: half the machine's memory. */
export function defaultMaxMemoryBytes(): number {
  return totalmem() / 2;
}

/** How a run goes. */
export interface Route {
  /** The files' headers by id when the run is streamed, otherwise null (loaded in memory). */
  readonly headers: ReadonlyMap<string, NpyHeader> | null;
  /** Threads to use (1: the calling thread). */
  readonly threads: number;
  /** Threads that split one pair's products: more than 1 only for a run of one large pair. */
  readonly shares: number;
}

/** What the route decision knows about one file, from its size and header alone. */
export interface RouteFile {
  /** Bytes of the file on disk (0 when unknown, e.g. standard input). */
  readonly bytes: number;
  /** Datapoints x neurons when the header says so (a .npy file), else undefined. */
  readonly rows?: number;
  readonly cols?: number;
  /** True for a 2-D C-ordered .npy file (or stored .npz member) that no option reshapes. */
  readonly streamable: boolean;
}

/** The decision of {@link decideRoute}. */
export interface RouteDecision {
  readonly stream: boolean;
  readonly threads: number;
  readonly shares: number;
}

/**
 * The route of a run from its files' sizes and the options: a pure function
 * (see {@link chooseRoute} for the facts it is given).
 *
 * Streamed when every file is streamable and `stream` is `true`, or `auto`
 * (default) and either the largest file holds {@link STREAM_MIN_VALUES}
 * values or more, or the in-memory route would need more than
 * `maxMemoryBytes` (default {@link defaultMaxMemoryBytes}) for one pair: both
 * files as float64 plus their covariance and eigenvectors. Otherwise in
 * memory (where the loader reports any problem with a file).
 *
 * Threads: no more than `jobs` and than there are pairs, and one when the
 * run's estimated work is under {@link PARALLEL_MIN_FLOPS}; a single pair
 * uses two (one per side, or one per half of the rows, and one per batch of
 * its resamples) when a file is {@link PARALLEL_FILE_BYTES} or more, or when
 * its resampling tests (`resamplesPerPair` shuffles or resamples, each
 * costing about a pair's cross product and SVD) are that much work.
 */
export function decideRoute(
  files: readonly RouteFile[],
  pairs: number,
  options: Pick<EngineOptions, 'stream' | 'jobs' | 'maxMemoryBytes'> & RouteWork = {},
): RouteDecision {
  const mode = options.stream ?? 'auto';
  const streamable = files.length > 0 && files.every((file) => file.streamable);
  const values = files.map((file) => (file.rows !== undefined && file.cols !== undefined ? file.rows * file.cols : file.bytes / 4));
  const largestValues = Math.max(0, ...values);
  const largestBytes = Math.max(0, ...files.map((file) => file.bytes));
  const sideBytes = files.map((file, k) => 8 * values[k] + 16 * (file.cols ?? 0) ** 2);
  const twoLargest = [...sideBytes].sort((p, q) => q - p).slice(0, 2).reduce((sum, bytes) => sum + bytes, 0);
  const maxMemory = options.maxMemoryBytes ?? defaultMaxMemoryBytes();
  const stream = streamable && (mode === true || (mode === 'auto' && (largestValues >= STREAM_MIN_VALUES || twoLargest > maxMemory)));
  const jobs = Math.max(1, options.jobs ?? 1);
  const resamples = options.resamplesPerPair ?? 0;
  if (pairs <= 1) {
    const heavy = largestBytes >= PARALLEL_FILE_BYTES || (resamples > 0 && estimatedFlops(files, 1, resamples) >= PARALLEL_MIN_FLOPS);
    const shares = jobs > 1 && heavy ? 2 : 1;
    return { stream, threads: shares, shares };
  }
  return { stream, threads: estimatedFlops(files, pairs, resamples) < PARALLEL_MIN_FLOPS ? 1 : Math.min(jobs, pairs), shares: 1 };
}

/** Work a run does per pair beyond its comparison. */
export interface RouteWork {
  /** Permutations plus bootstrap resamples per pair (default 0). */
  readonly resamplesPerPair?: number;
}

/**
 * Rough work of a run: every file's Gram matrix and eigendecomposition once,
 * and per pair a cross product and an SVD of the widest pair's size, once
 * plus once per resample (files of unknown shape count as square-ish float32
 * data: rows = cols).
 */
function estimatedFlops(files: readonly RouteFile[], pairs: number, resamples = 0): number {
  const shapes = files.map((file) => {
    if (file.rows !== undefined && file.cols !== undefined) return { n: file.rows, d: file.cols };
    const side = Math.sqrt(file.bytes / 4);
    return { n: side, d: side };
  });
  const perFile = shapes.reduce((sum, { n, d }) => sum + 2 * n * d * d + 10 * d ** 3, 0);
  const widest = shapes.reduce((best, shape) => (shape.d > best.d ? shape : best), { n: 0, d: 0 });
  const perPair = 2 * widest.n * widest.d ** 2 + 20 * widest.d ** 3;
  return perFile + pairs * perPair * (1 + resamples);
}

/**
 * Chooses the route of a run of `pairs` pairs over `files`: reads each
 * file's size and, for .npy inputs, its header, then {@link decideRoute}.
 * Standard input, files with their own loader, Arrow and other containers,
 * Fortran order, more than two axes, a layout that transposes 2-D arrays and
 * a header that does not read are not streamable.
 */
export async function chooseRoute(files: readonly SourceFile[], pairs: number, options: EngineOptions & RouteWork): Promise<Route> {
  const headers = await npyHeaders(files, options);
  const facts = await Promise.all(
    files.map(async (file): Promise<RouteFile> => {
      const bytes = file.path === '-' ? 0 : await stat(resolveRefSync(file.path).path).then((s) => s.size, () => 0);
      const header = headers.get(file.id);
      if (header === undefined) return { bytes, streamable: false };
      const [rows, cols] = header.shape;
      return header.shape.length === 2 ? { bytes, rows, cols, streamable: isRowStreamable(header) } : { bytes, streamable: false };
    }),
  );
  const decision = decideRoute(facts, pairs, options);
  const streamed = decision.stream && facts.every((fact) => fact.streamable);
  return { headers: streamed ? headers : null, threads: decision.threads, shares: decision.shares };
}

/** The .npy headers of the files that have one and may stream (none with `stream: false` or a transposing layout). */
async function npyHeaders(files: readonly SourceFile[], options: Pick<EngineOptions, 'stream' | 'layout'>): Promise<Map<string, NpyHeader>> {
  const headers = new Map<string, NpyHeader>();
  // Streamed files are 2-D: a layout streams when it leaves 2-D arrays as (datapoints, neurons) (e.g. nchw).
  if (options.stream === false || layoutForRank(options.layout ?? 'auto', 2) !== 'auto') return headers;
  const read = await Promise.all(
    files.map(async (file) => {
      if (file.path === '-' || file.load !== undefined) return undefined;
      // Not a .npy file (or not a readable one): loaded in memory, where the loader reports any problem.
      return loadNpyHeader(file.path).catch(() => undefined);
    }),
  );
  files.forEach((file, k) => {
    const header = read[k];
    if (header !== undefined) headers.set(file.id, header);
  });
  return headers;
}

/** The files' headers when the run should be streamed (see {@link chooseRoute}), otherwise null. */
export async function streamableHeaders(
  files: readonly SourceFile[],
  options: Pick<EngineOptions, 'stream' | 'layout' | 'maxMemoryBytes'>,
): Promise<Map<string, NpyHeader> | null> {
  return (await chooseRoute(files, 1, options)).headers as Map<string, NpyHeader> | null;
}

/** How a streamed file is reported: what its header says (streamed files are 2-D, one row per datapoint). */
export function streamedInfo(path: string, header: NpyHeader, options: ReadOptions): InputInfo {
  const [rows, cols] = header.shape;
  // A streamed FILE#KEY input is a stored .npz member.
  const ref = path.includes('#') ? resolveRefSync(path) : { path };
  return {
    path,
    ...(ref.key === undefined ? { format: 'npy' } : { format: 'npz', file: ref.path, key: ref.key }),
    shape: header.shape,
    dtype: header.dtype,
    fortranOrder: false,
    // The layout applied to this 2-D file, whatever the other ranks get.
    layout: layoutForRank(options.layout ?? 'auto', 2) ?? 'auto',
    reduction: 'none',
    spatialShape: [],
    datapoints: rows,
    neurons: cols,
  } as InputInfo;
}
