import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { InputError, InternalError, NumericError, UsageError, type PwccaError } from '../errors.js';
import { comparePrepared, withCkaRows, type CompareOptions, type PairComparison } from '../metrics/compare.js';
import { scaledMatrix } from '../metrics/magnitude.js';
import { centredCrossProduct, centredCrossProductInto, centredGramInto } from '../linalg/kernels.js';
import { permutablePair, whitenedVariates, type PermutableInputs, type PermutablePair, type SimilarityMethod } from '../metrics/permutable.js';
import { resampledSimilarities } from '../metrics/resample.js';
import { crossCovariance, prepareFromMoments, prepareSide, type PreparedSide, type SideMoments } from '../metrics/side.js';
import { evaluateEach, type DrawOutcome } from '../stats/draws.js';
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
  // The sides' means are those of their power-of-two scaled values (metrics/magnitude.ts): scale the rows alike.
  const xs = px.scaleExponent ? executor.adopt(scaledMatrix(x, px.scaleExponent)) : x;
  const ys = py.scaleExponent ? executor.adopt(scaledMatrix(y, py.scaleExponent)) : y;
  const bounds = Array.from({ length: shares + 1 }, (_, i) => Math.round((i * x.rows) / shares));
  const parts = await Promise.all(
    bounds.slice(0, -1).map((start, i) => executor.crossProduct(xs, px.mean, ys, py.mean, start, bounds[i + 1])),
  );
  const total = new Float64Array(x.cols * y.cols);
  for (const part of parts) for (let i = 0; i < total.length; i++) total[i] += part[i];
  const scale = 1 / (x.rows - 1);
  for (let i = 0; i < total.length; i++) total[i] *= scale;
  return total;
}

/** Runs everything on the calling thread. */
export class InlineExecutor implements Executor {
  /** The permutation test pair built last, by its inputs' key: the batches of one test reuse it. */
  private permutable: { key: string; pair: PermutablePair } | null = null;

  async prepare(matrix: Matrix): Promise<PreparedSide> {
    return prepareSide(matrix);
  }

  async compare(x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, options: CompareOptions): Promise<PairComparison> {
    return comparePrepared(px, py, crossCovariance(x, px, y, py), withCkaRows(x, px, y, py, options));
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

  async variates(x: Matrix, side: PreparedSide, epsilon: number | undefined): Promise<Float64Array> {
    return whitenedVariates(x, side, epsilon);
  }

  /** Whether this executor holds a permutation test's pair (its variates: n x (rx + ry) floats). */
  holdsPermutablePair(): boolean {
    return this.permutable !== null;
  }

  /** Drops the pair of the last permutation test (a worker does when idle, so finished tests do not pin memory). */
  dropPermutablePair(): void {
    this.permutable = null;
  }

  async permutationBatch(inputs: PermutableInputs, permutations: readonly Int32Array[]): Promise<DrawOutcome<SimilarityMethod>[]> {
    if (this.permutable?.key !== inputs.key) this.permutable = { key: inputs.key, pair: permutablePair(inputs) };
    return evaluateEach(this.permutable.pair.similarities)(permutations);
  }

  async bootstrapBatch(
    x: Matrix,
    y: Matrix,
    resamples: readonly Int32Array[],
    methods: readonly SimilarityMethod[],
    options: CompareOptions,
  ): Promise<DrawOutcome<SimilarityMethod>[]> {
    return evaluateEach((rows) => resampledSimilarities(x, y, rows, methods, options))(resamples);
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
  | { id: number; type: 'columnMeans'; path: string }
  | { id: number; type: 'variates'; x: Matrix; side: PreparedSide; epsilon: number | undefined }
  | { id: number; type: 'permutationBatch'; inputs: PermutableInputs; draws: readonly Int32Array[] }
  | {
      id: number;
      type: 'bootstrapBatch';
      x: Matrix;
      y: Matrix;
      draws: readonly Int32Array[];
      methods: readonly SimilarityMethod[];
      options: CompareOptions;
    };

/** Replies from a pair worker: a value, or a serialised error. */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; hint?: string; where?: string; stack?: string } };

interface Job {
  request: WorkerRequest;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Times the job was started on a worker that then died. */
  attempts: number;
}

/** Options of a {@link WorkerExecutor}. */
export interface WorkerExecutorOptions {
  /** The worker script (default: the built pair-worker.js); tests pass their own. */
  readonly script?: string | URL;
}

/**
 * Jobs that may run again after their worker died: every one but
 * `accumulate`, which adds into shared memory and so cannot be repeated.
 */
function canRetry(request: WorkerRequest): boolean {
  return request.type !== 'accumulate';
}

/**
 * A fixed pool of worker threads fed from one queue. Matrices and prepared
 * sides live in SharedArrayBuffers, so a job message carries views, not copies.
 *
 * A worker that dies (an uncaught error, an exit, running out of memory) is
 * replaced, and the job it was running is run once more on another worker;
 * if that one dies too, the job fails with an internal error, which a run of
 * pairs records as that pair's failure. Queued jobs always end: when workers
 * keep dying before finishing anything, the pool gives up and fails them.
 */
export class WorkerExecutor implements Executor {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly script: string;
  private nextId = 0;
  private closed = false;
  /** Workers that died since one last finished a job; past a bound, the pool stops replacing them. */
  private deathsInARow = 0;
  /** Set when the pool gave up replacing workers: every job then fails at once with it. */
  private brokenReason: string | undefined;
  private readonly size: number;

  constructor(jobs: number, options: WorkerExecutorOptions = {}) {
    const script = options.script ?? new URL('../../dist/engine/pair-worker.js', import.meta.url);
    this.script = typeof script === 'string' ? script : fileURLToPath(script);
    this.size = Math.max(1, jobs);
    for (let i = 0; i < this.size; i++) this.idle.push(this.spawn());
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

  variates(x: Matrix, side: PreparedSide, epsilon: number | undefined): Promise<Float64Array> {
    return this.submit({ id: this.nextId++, type: 'variates', x, side, epsilon }) as Promise<Float64Array>;
  }

  permutationBatch(inputs: PermutableInputs, draws: readonly Int32Array[]): Promise<DrawOutcome<SimilarityMethod>[]> {
    return this.submit({ id: this.nextId++, type: 'permutationBatch', inputs, draws }) as Promise<DrawOutcome<SimilarityMethod>[]>;
  }

  bootstrapBatch(
    x: Matrix,
    y: Matrix,
    draws: readonly Int32Array[],
    methods: readonly SimilarityMethod[],
    options: CompareOptions,
  ): Promise<DrawOutcome<SimilarityMethod>[]> {
    return this.submit({ id: this.nextId++, type: 'bootstrapBatch', x, y, draws, methods, options }) as Promise<DrawOutcome<SimilarityMethod>[]>;
  }

  allocate(length: number): Float64Array {
    return new Float64Array(new SharedArrayBuffer(length * 8));
  }

  adopt(matrix: Matrix): Matrix {
    return { rows: matrix.rows, cols: matrix.cols, data: toShared(matrix.data) };
  }

  adoptSide(side: PreparedSide): PreparedSide {
    return sharedSide(side);
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(new InternalError('the worker pool was closed before this job ran'));
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(this.script);
    let failure: unknown;
    worker.on('message', (reply: WorkerReply) => this.finish(worker, reply));
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => this.died(worker, failure, code));
    worker.unref();
    return worker;
  }

  private submit(request: WorkerRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new InternalError('the worker pool is closed'));
    if (this.brokenReason !== undefined && this.idle.length === 0 && this.running.size === 0) {
      return Promise.reject(new InternalError(this.brokenReason));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject, attempts: 0 });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      // A busy worker keeps the process alive (an idle one must not): otherwise
      // Node exits while the main thread only waits for a reply.
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private finish(worker: Worker, reply: WorkerReply): void {
    const job = this.running.get(worker);
    if (!job || job.request.id !== reply.id) return;
    this.running.delete(worker);
    this.deathsInARow = 0;
    worker.unref();
    this.idle.push(worker);
    if (reply.ok) job.resolve(reply.value);
    else job.reject(reviveError(reply.error));
    this.dispatch();
  }

  /** A worker ended: retry or fail its job, replace it, and never leave queued jobs waiting on no worker. */
  private died(worker: Worker, failure: unknown, code: number): void {
    if (this.closed) return;
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const job = this.running.get(worker);
    this.running.delete(worker);
    const reason = failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : `it exited with code ${code}`;
    if (job) {
      if (job.attempts < 1 && canRetry(job.request)) {
        job.attempts++;
        this.queue.unshift(job);
      } else {
        const again = job.attempts > 0 ? ' (twice: the job was retried once)' : '';
        job.reject(new InternalError(`a worker thread stopped while running a ${job.request.type} job${again}: ${reason}`));
      }
    }
    this.deathsInARow++;
    if (this.deathsInARow <= 2 * this.size + 2) {
      this.idle.push(this.spawn());
    } else {
      // Workers die before finishing anything (e.g. the worker script is missing): stop replacing them.
      this.brokenReason = `worker threads keep stopping (${reason}); the pool gave up`;
      if (this.idle.length === 0 && this.running.size === 0) {
        for (const queued of this.queue.splice(0)) queued.reject(new InternalError(this.brokenReason));
      }
    }
    this.dispatch();
  }
}

/**
 * A prepared side with its big arrays in shared memory (the same side when
 * they already are): a worker returns its sides so, and then neither the
 * message nor {@link WorkerExecutor.adoptSide} copies them again.
 */
export function sharedSide(side: PreparedSide): PreparedSide {
  return {
    ...side,
    covariance: toShared(side.covariance),
    eigenvectors: toShared(side.eigenvectors),
    eigenvalues: toShared(side.eigenvalues),
    mean: toShared(side.mean),
  };
}

/** `values` in a SharedArrayBuffer (itself when it already is one): what worker threads can hand over without a copy. */
export function toShared(values: Float64Array): Float64Array {
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
