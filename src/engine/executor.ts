import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { InputError, InternalError, NumericError, UsageError, type PwccaError } from '../errors.js';
import { comparePrepared, type CompareOptions, type PairComparison } from '../metrics/compare.js';
import { centredCrossProduct, centredCrossProductInto, centredGramInto } from '../linalg/kernels.js';
import { crossCovariance, prepareFromMoments, prepareSide, type PreparedSide, type SideMoments } from '../metrics/side.js';
import type { Matrix } from '../types.js';
import { streamColumnMeans } from './stream-moments.js';
import type { Executor, StreamedMeans } from './types.js';

export type { Executor } from './types.js';

/** Default --jobs: the number of cores. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

export function createExecutor(jobs: number): Executor {
  return jobs <= 1 ? new InlineExecutor() : new WorkerExecutor(jobs);
}

/**
 * Cross-covariance of two matrices with their rows split into `shares`
 * contiguous blocks, each computed by the executor (on its own thread for a
 * worker executor) and summed: the same sums in a different order.
 */
export async function splitCrossCovariance(
  executor: Executor,
  x: Matrix,
  px: PreparedSide,
  y: Matrix,
  py: PreparedSide,
  shares: number,
): Promise<Float64Array> {
  const bounds = Array.from({ length: shares + 1 }, (_, i) => Math.round((i * x.rows) / shares));
  const parts = await Promise.all(
    bounds.slice(0, -1).map((start, i) => executor.crossProduct(x, px.mean, y, py.mean, start, bounds[i + 1])),
  );
  const total = new Float64Array(x.cols * y.cols);
  for (const part of parts) for (let i = 0; i < total.length; i++) total[i] += part[i];
  const scale = 1 / (x.rows - 1);
  for (let i = 0; i < total.length; i++) total[i] *= scale;
  return total;
}

/** Runs everything on the calling thread. */
export class InlineExecutor implements Executor {
  async prepare(matrix: Matrix): Promise<PreparedSide> {
    return prepareSide(matrix);
  }

  async compare(x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, options: CompareOptions): Promise<PairComparison> {
    return comparePrepared(px, py, crossCovariance(x, px, y, py), options);
  }

  async prepareMoments(moments: SideMoments): Promise<PreparedSide> {
    return prepareFromMoments(moments);
  }

  async compareMoments(px: PreparedSide, py: PreparedSide, cross: Float64Array, options: CompareOptions): Promise<PairComparison> {
    return comparePrepared(px, py, cross, options);
  }

  async crossProduct(x: Matrix, meanX: Float64Array, y: Matrix, meanY: Float64Array, start: number, end: number): Promise<Float64Array> {
    const rowsOf = (m: Matrix) => m.data.subarray(start * m.cols, end * m.cols);
    return centredCrossProduct(rowsOf(x), meanX, x.cols, rowsOf(y), meanY, y.cols, end - start);
  }

  async accumulate(x: Matrix, meanX: Float64Array, y: Matrix | null, meanY: Float64Array | null, into: Float64Array): Promise<void> {
    if (y === null) centredGramInto(x.data, meanX, x.cols, x.rows, into);
    else centredCrossProductInto(x.data, meanX, x.cols, y.data, meanY!, y.cols, x.rows, into);
  }

  columnMeans(path: string): Promise<StreamedMeans> {
    return streamColumnMeans(path);
  }

  allocate(length: number): Float64Array {
    return new Float64Array(length);
  }

  adopt(matrix: Matrix): Matrix {
    return matrix;
  }

  adoptSide(side: PreparedSide): PreparedSide {
    return side;
  }

  async close(): Promise<void> {}
}

/** Messages to a pair worker. */
export type WorkerRequest =
  | { id: number; type: 'prepare'; matrix: Matrix }
  | { id: number; type: 'compare'; x: Matrix; px: PreparedSide; y: Matrix; py: PreparedSide; options: CompareOptions }
  | { id: number; type: 'prepareMoments'; moments: SideMoments }
  | { id: number; type: 'compareMoments'; px: PreparedSide; py: PreparedSide; cross: Float64Array; options: CompareOptions }
  | { id: number; type: 'cross'; x: Matrix; meanX: Float64Array; y: Matrix; meanY: Float64Array; start: number; end: number }
  | { id: number; type: 'accumulate'; x: Matrix; meanX: Float64Array; y: Matrix | null; meanY: Float64Array | null; into: Float64Array }
  | { id: number; type: 'columnMeans'; path: string };

/** Replies from a pair worker: a value, or a serialised error. */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; hint?: string; where?: string; stack?: string } };

interface Job {
  request: WorkerRequest;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A fixed pool of worker threads fed from one queue. Matrices and prepared
 * sides live in SharedArrayBuffers, so a job message carries views, not copies.
 */
export class WorkerExecutor implements Executor {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, { worker: Worker; job: Job }>();
  private nextId = 0;

  constructor(jobs: number) {
    const script = fileURLToPath(new URL('../../dist/engine/pair-worker.js', import.meta.url));
    for (let i = 0; i < jobs; i++) {
      const worker = new Worker(script);
      worker.on('message', (reply: WorkerReply) => this.finish(worker, reply));
      worker.on('error', (error) => this.fail(worker, error));
      worker.unref();
      this.idle.push(worker);
    }
  }

  prepare(matrix: Matrix): Promise<PreparedSide> {
    return this.submit({ id: this.nextId++, type: 'prepare', matrix }) as Promise<PreparedSide>;
  }

  compare(x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, options: CompareOptions): Promise<PairComparison> {
    return this.submit({ id: this.nextId++, type: 'compare', x, px, y, py, options }) as Promise<PairComparison>;
  }

  prepareMoments(moments: SideMoments): Promise<PreparedSide> {
    return this.submit({ id: this.nextId++, type: 'prepareMoments', moments }) as Promise<PreparedSide>;
  }

  compareMoments(px: PreparedSide, py: PreparedSide, cross: Float64Array, options: CompareOptions): Promise<PairComparison> {
    return this.submit({ id: this.nextId++, type: 'compareMoments', px, py, cross, options }) as Promise<PairComparison>;
  }

  crossProduct(x: Matrix, meanX: Float64Array, y: Matrix, meanY: Float64Array, start: number, end: number): Promise<Float64Array> {
    return this.submit({ id: this.nextId++, type: 'cross', x, meanX, y, meanY, start, end }) as Promise<Float64Array>;
  }

  async accumulate(x: Matrix, meanX: Float64Array, y: Matrix | null, meanY: Float64Array | null, into: Float64Array): Promise<void> {
    await this.submit({ id: this.nextId++, type: 'accumulate', x, meanX, y, meanY, into });
  }

  columnMeans(path: string): Promise<StreamedMeans> {
    return this.submit({ id: this.nextId++, type: 'columnMeans', path }) as Promise<StreamedMeans>;
  }

  allocate(length: number): Float64Array {
    return new Float64Array(new SharedArrayBuffer(length * 8));
  }

  adopt(matrix: Matrix): Matrix {
    return { rows: matrix.rows, cols: matrix.cols, data: toShared(matrix.data) };
  }

  adoptSide(side: PreparedSide): PreparedSide {
    return {
      ...side,
      covariance: toShared(side.covariance),
      eigenvectors: toShared(side.eigenvectors),
      eigenvalues: toShared(side.eigenvalues),
      mean: toShared(side.mean),
    };
  }

  async close(): Promise<void> {
    const workers = [...this.idle, ...[...this.running.values()].map((entry) => entry.worker)];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private submit(request: WorkerRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(job.request.id, { worker, job });
      // A busy worker keeps the process alive (an idle one must not): otherwise
      // Node exits while the main thread only waits for a reply.
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private finish(worker: Worker, reply: WorkerReply): void {
    const entry = this.running.get(reply.id);
    if (!entry) return;
    this.running.delete(reply.id);
    worker.unref();
    this.idle.push(worker);
    if (reply.ok) entry.job.resolve(reply.value);
    else entry.job.reject(reviveError(reply.error));
    this.dispatch();
  }

  private fail(worker: Worker, error: unknown): void {
    for (const [id, entry] of this.running) {
      if (entry.worker === worker) {
        this.running.delete(id);
        entry.job.reject(new InternalError(`a worker thread failed: ${(error as Error).message ?? error}`));
      }
    }
  }
}

function toShared(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Float64Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}

/** Error types a worker can send back, rebuilt on this side so exit codes and hints survive. */
const errorTypes = new Map<string, new (message: string, options: { hint?: string; where?: string }) => PwccaError>(
  [UsageError, InputError, NumericError, InternalError].map((type) => [type.name, type]),
);

function reviveError(error: { name: string; message: string; hint?: string; where?: string; stack?: string }): Error {
  const type = errorTypes.get(error.name);
  if (type) return new type(error.message, { hint: error.hint, where: error.where });
  const revived = new InternalError(`${error.name}: ${error.message}`);
  revived.stack = error.stack;
  return revived;
}
