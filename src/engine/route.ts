/**
 * The engine's one decision about how a run goes: streamed in row chunks or
 * loaded in memory, and on how many threads. Every run of pairs, from
 * `compare`'s single pair to a pairwise study, is routed here.
 */
import { layoutForRank } from '../io/layout.js';
import { stat } from 'node:fs/promises';
import { resolveRefSync, type InputInfo } from '../io/load.js';
import type { NpyHeader } from '../io/npy.js';
import { isRowStreamable, loadNpyHeader } from '../io/npy-stream.js';
import type { ReadOptions } from '../types.js';
import type { EngineOptions, SourceFile } from './types.js';

/** Files this big or bigger are streamed by default (1 GiB): loaded as float64 they would take 2-8x that. */
export const STREAM_FILE_BYTES = 2 ** 30;

/**
 * A single pair with a file this big or bigger (8 MiB) runs on worker
 * threads: in memory they prepare its two sides and split the
 * cross-covariance, streamed they compute the chunks' products. Below it,
 * starting threads costs more than it saves.
 */
export const PARALLEL_FILE_BYTES = 8 * 2 ** 20;

/** How a run goes. */
export interface Route {
  /** The files' headers by id when the run is streamed, otherwise null (loaded in memory). */
  readonly headers: ReadonlyMap<string, NpyHeader> | null;
  /** Threads to use (1: the calling thread). */
  readonly threads: number;
  /** Threads that split one pair's products: more than 1 only for a run of one large pair. */
  readonly shares: number;
}

/**
 * Chooses the route of a run of `pairs` pairs over `files`.
 *
 * Streamed when `stream` is `true` and every file is a 2-D C-ordered .npy
 * file, or `auto` (default) and one of them is also {@link STREAM_FILE_BYTES}
 * or more. Anything else (standard input, Arrow, conv arrays, a layout
 * that transposes 2-D arrays, a header that does not read) loads in memory, where the loader
 * reports any problem with the file.
 *
 * Threads: no more than `jobs` and than there are pairs; a single pair uses
 * at most two (one per side), and only when a file is
 * {@link PARALLEL_FILE_BYTES} or more.
 */
export async function chooseRoute(files: readonly SourceFile[], pairs: number, options: EngineOptions): Promise<Route> {
  const sizes = await Promise.all(files.map((file) => (file.path === '-' ? 0 : stat(resolveRefSync(file.path).path).then((s) => s.size, () => 0))));
  const largest = Math.max(0, ...sizes);
  const headers = await streamableHeaders(files, options, largest);
  const jobs = Math.max(1, options.jobs ?? 1);
  if (pairs <= 1) {
    const shares = jobs > 1 && largest >= PARALLEL_FILE_BYTES ? 2 : 1;
    return { headers, threads: shares, shares };
  }
  return { headers, threads: Math.min(jobs, pairs), shares: 1 };
}

/** The files' headers when the run should be streamed (see {@link chooseRoute}), otherwise null. */
export async function streamableHeaders(
  files: readonly SourceFile[],
  options: Pick<EngineOptions, 'stream' | 'layout'>,
  largestBytes?: number,
): Promise<Map<string, NpyHeader> | null> {
  const mode = options.stream ?? 'auto';
  // Streamed files are 2-D: a layout streams when it leaves 2-D arrays as (datapoints, neurons) (e.g. nchw).
  if (mode === false || files.length === 0 || layoutForRank(options.layout ?? 'auto', 2) !== 'auto') return null;
  if (files.some((file) => file.path === '-' || file.load !== undefined)) return null;
  if (mode === 'auto') {
    const largest =
      largestBytes ?? Math.max(...(await Promise.all(files.map((file) => stat(resolveRefSync(file.path).path).then((s) => s.size, () => 0)))));
    if (largest < STREAM_FILE_BYTES) return null;
  }
  const headers = new Map<string, NpyHeader>();
  for (const file of files) {
    try {
      const header = await loadNpyHeader(file.path);
      if (!isRowStreamable(header)) return null;
      headers.set(file.id, header);
    } catch {
      return null;
    }
  }
  return headers;
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
