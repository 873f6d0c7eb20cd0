/**
 * Exact centred moments of activation files read in row chunks, so that
 * memory depends on the numbers of neurons, never on the number of
 * datapoints: how `compare`, `pairwise` and `convergence` handle files larger
 * than memory.
 *
 * Two passes, as the in-memory route: {@link streamColumnMeans} reads a file
 * once for its means (and checks every value), then
 * {@link streamCentredProducts} reads the files again in aligned chunks,
 * subtracts the final means from every chunk before any product and adds up
 * the requested products (X^T X, X^T Y, ...), so a large common offset costs
 * no accuracy and each file is read front to back once per pass.
 */
import { NumericError } from '../errors.js';
import { openNpyRows, type NpyRowReader, type RowChunk } from '../io/npy-stream.js';
import { columnSumsInto } from '../linalg/kernels.js';
import type { Matrix } from '../types.js';
import type { Executor, StreamedMeans } from './types.js';

/** Bytes of float64 per file and chunk: 8 MiB keeps the products efficient and the memory small. */
const STREAM_CHUNK_BYTES = 8 << 20;

/** Options of the streamed passes. */
export interface StreamOptions {
  /** Rows per chunk (default: about 8 MiB of float64 per file, a multiple of 256 rows). */
  readonly chunkRows?: number;
  /** Called with the number of rows of each chunk read (of all the files at once in pass two): for progress. */
  readonly onRows?: (rows: number) => void;
}

/** Rows per chunk for files `cols` wide: a multiple of 256 rows, the SIMD kernel's block, so the blocks are those of the in-memory route. */
function chunkRowsFor(cols: number, options: StreamOptions): number {
  return options.chunkRows ?? Math.max(256, Math.floor(STREAM_CHUNK_BYTES / (8 * cols) / 256) * 256);
}

/**
 * Pass one: reads a 2-D C-ordered .npy file front to back for its column
 * means, checking that every value is finite (the error names the file, row
 * and column of the first that is not).
 */
export async function streamColumnMeans(path: string, options: StreamOptions = {}): Promise<StreamedMeans> {
  const reader = await openNpyRows(path);
  try {
    const sums = new Float64Array(reader.cols);
    let n = 0;
    for await (const chunk of reader.chunks(chunkRowsFor(reader.cols, options), { checkFinite: true })) {
      columnSumsInto(chunk.data, chunk.rows, reader.cols, sums);
      n += chunk.rows;
      options.onRows?.(chunk.rows);
    }
    if (n < 2) {
      throw new NumericError(`too few datapoints: ${n} row(s) in ${path}`, {
        where: path,
        hint: 'CCA needs more datapoints (rows) than neurons; save activations for more probe inputs',
      });
    }
    return { n, mean: sums.map((sum) => sum / n) };
  } finally {
    await reader.close();
  }
}

/** One product to add up over the files' rows: centred X_a^T X_b, or the Gram matrix X_a^T X_a when a === b. */
export interface ProductRequest {
  readonly a: number;
  readonly b: number;
}

/**
 * Pass two: reads the files (same number of rows) in aligned chunks and
 * returns the centred products asked for, unscaled, in request order.
 *
 * The products run on the executor's threads while this thread reads and
 * decodes the next chunk. A product gets its chunks in row order, one at a
 * time, so the sums do not depend on which thread finished first; each chunk
 * is copied into one of two staging buffers per file (the reader reuses its
 * own), so at most two chunks per file are held at once.
 */
export async function streamCentredProducts(
  paths: readonly string[],
  means: readonly Float64Array[],
  requests: readonly ProductRequest[],
  executor: Executor,
  options: StreamOptions = {},
): Promise<Float64Array[]> {
  const readers: NpyRowReader[] = [];
  try {
    for (const path of paths) readers.push(await openNpyRows(path));
    const cols = readers.map((reader) => reader.cols);
    const chunkRows = chunkRowsFor(Math.max(...cols), options);
    const sums = requests.map(({ a, b }) => executor.allocate(cols[a] * cols[b]));
    const staging = [0, 1].map(() => cols.map((width) => executor.allocate(chunkRows * width)));
    const slotFree: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    const lastJob: Promise<void>[] = requests.map(() => Promise.resolve());
    let failure: { error: unknown } | null = null;
    const record = (job: Promise<void>) => job.catch((error) => (failure ??= { error }));
    try {
      let index = 0;
      for await (const chunks of alignedChunks(readers, chunkRows)) {
        const slot = index++ % 2;
        await slotFree[slot];
        if (failure) break;
        const staged: Matrix[] = chunks.map((chunk, k) => {
          const data = staging[slot][k].subarray(0, chunk.rows * cols[k]);
          data.set(chunk.data);
          return { rows: chunk.rows, cols: cols[k], data };
        });
        const jobs = requests.map(({ a, b }, i) => {
          const job = lastJob[i].then(() =>
            executor.accumulate(staged[a], means[a], a === b ? null : staged[b], a === b ? null : means[b], sums[i]),
          );
          lastJob[i] = job;
          return record(job);
        });
        slotFree[slot] = Promise.all(jobs);
        options.onRows?.(chunks[0].rows);
      }
    } finally {
      // Whatever ended the loop, no product may still be writing when this returns.
      await Promise.all(lastJob.map(record));
    }
    if (failure) throw (failure as { error: unknown }).error;
    return sums;
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

/** The readers' chunks side by side; an error if one file ends before the others. */
async function* alignedChunks(readers: readonly NpyRowReader[], chunkRows: number): AsyncGenerator<RowChunk[]> {
  const iterators = readers.map((reader) => reader.chunks(chunkRows));
  try {
    while (true) {
      const steps = await Promise.all(iterators.map((iterator) => iterator.next()));
      const ended = steps.filter((step) => step.done).length;
      if (ended === steps.length) return;
      const chunks = steps.map((step) => step.value as RowChunk | undefined);
      if (ended > 0 || chunks.some((chunk) => chunk!.rows !== chunks[0]!.rows)) {
        throw new RangeError('streamed files ended at different rows');
      }
      yield chunks as RowChunk[];
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return(undefined)));
  }
}
