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
import { openNpyRows, throwOnNonFinite, type NpyRowReader, type RowChunk } from '../io/npy-stream.js';
import { scaleByPowerOfTwo, ScaledColumnSums } from '../metrics/magnitude.js';
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
  /**
   * Pass two: the power of two each file's values are multiplied by while
   * they are staged, before any product (pass one's `scaleExponent`, so the
   * means match); default 0 for every file.
   */
  readonly scaleExponents?: readonly number[];
  /**
   * Pass two: also add up what debiased CKA needs from the rows (the squared
   * norms s_i of the centred, scaled rows): per file sum s_i and sum s_i^2,
   * per cross request (a != b) sum s_a,i s_b,i. Filled in place.
   */
  readonly rowSums?: StreamedRowSums;
}

/** Sums over rows of the centred rows' squared norms (see StreamOptions.rowSums); zeroed by {@link createRowSums}. */
export interface StreamedRowSums {
  /** Per file: sum_i s_i. */
  readonly sum: Float64Array;
  /** Per file: sum_i s_i^2. */
  readonly sumSquares: Float64Array;
  /** Per request: sum_i s_a,i s_b,i (unused for Gram requests). */
  readonly cross: Float64Array;
}

/** Zeroed row sums for `files` files and `requests` requests. */
export function createRowSums(files: number, requests: number): StreamedRowSums {
  return { sum: new Float64Array(files), sumSquares: new Float64Array(files), cross: new Float64Array(requests) };
}

/** Squared norms of the centred rows of a staged (scaled) chunk. */
function centredRowNorms(chunk: Matrix, mean: Float64Array): Float64Array {
  const out = new Float64Array(chunk.rows);
  for (let r = 0; r < chunk.rows; r++) {
    let sum = 0;
    const offset = r * chunk.cols;
    for (let c = 0; c < chunk.cols; c++) {
      const v = chunk.data[offset + c] - mean[c];
      sum += v * v;
    }
    out[r] = sum;
  }
  return out;
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
    // Sums kept at the power-of-two scale of the largest magnitude so far: every finite value works.
    const sums = new ScaledColumnSums(reader.cols);
    let n = 0;
    // The largest magnitude, which the sums track anyway, is NaN or infinite as soon as a value is:
    // only then is the chunk scanned for the first such value (one pass over each chunk fewer).
    for await (const chunk of reader.chunks(chunkRowsFor(reader.cols, options))) {
      sums.add(chunk.data, chunk.rows);
      if (!Number.isFinite(sums.maxAbs)) throwOnNonFinite(chunk.data, chunk.start, reader.cols, path);
      n += chunk.rows;
      options.onRows?.(chunk.rows);
    }
    if (n < 2) {
      throw new NumericError(`too few datapoints: ${n} row(s) in ${path}`, {
        where: path,
        hint: 'CCA needs more datapoints (rows) than neurons; save activations for more probe inputs',
      });
    }
    return { n, mean: sums.means(n), scaleExponent: sums.exponent };
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
          const exponent = options.scaleExponents?.[k] ?? 0;
          if (exponent === 0) data.set(chunk.data);
          else scaleByPowerOfTwo(chunk.data.subarray(0, data.length), exponent, data);
          return { rows: chunk.rows, cols: cols[k], data };
        });
        const rowSums = options.rowSums;
        if (rowSums) {
          // On this thread, while the products run: O(rows x cols) per file, the cost of reading the chunk.
          const norms = staged.map((chunk, k) => centredRowNorms(chunk, means[k]));
          norms.forEach((s, k) => {
            for (let i = 0; i < s.length; i++) {
              rowSums.sum[k] += s[i];
              rowSums.sumSquares[k] += s[i] * s[i];
            }
          });
          requests.forEach(({ a, b }, q) => {
            if (a === b) return;
            const [sa, sb] = [norms[a], norms[b]];
            for (let i = 0; i < sa.length; i++) rowSums.cross[q] += sa[i] * sb[i];
          });
        }
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
