/**
 * The engine's vocabulary: the files and pairs a run is given, what each
 * pair yields, the options every study's options extend, and the executor
 * interface the routes run their heavy work on.
 */
import type { CompareOptions, PairComparison } from '../metrics/compare.js';
import type { PreparedSide, SideMoments } from '../metrics/side.js';
import type { InputInfo, LoadedMatrix } from '../io/load.js';
import type { Matrix, ReadOptions } from '../types.js';
import type { CkaRowSums } from '../metrics/cka.js';
import type { PermutableInputs, SimilarityMethod } from '../metrics/permutable.js';
import type { BootstrapResult } from '../stats/bootstrap.js';
import type { PermutationTestResult } from '../stats/permutation.js';
import type { DrawOutcome } from '../stats/draws.js';

/** One activation file taking part in a run. */
export interface SourceFile {
  /** Unique key of the file within the run. */
  readonly id: string;
  readonly path: string;
  /**
   * Reads the file's matrix instead of `loadMatrix(path)`, for studies that
   * hand out parts of one array (e.g. the timesteps of a sequence array,
   * read once and sliced). A file with a loader is never streamed.
   */
  readonly load?: () => Promise<LoadedMatrix>;
}

/** One comparison to run: two files by id, with the caller's own key. */
export interface PairTask {
  readonly key: string;
  readonly a: string;
  readonly b: string;
}

/** Why a pair has no result: the error of a file it needs, or of the comparison itself. */
export interface PairFailure {
  readonly kind: string;
  readonly message: string;
  readonly hint?: string;
  readonly where?: string;
  readonly exitCode: number;
}

/**
 * What one pair yielded: its comparison, or its failure record. `cause` is
 * the error itself (not written to journals), for callers that rethrow it,
 * such as `compare`.
 */
export type PairOutcome =
  | {
      readonly task: PairTask;
      readonly comparison: PairComparison;
      /** Permutation test and bootstrap intervals, when the run asked for them (RunPairsOptions.resampling). */
      readonly resampling?: PairResamplingResult;
      readonly error?: undefined;
      readonly cause?: undefined;
    }
  | { readonly task: PairTask; readonly comparison?: undefined; readonly error: PairFailure; readonly cause: unknown };

/** A pair's two prepared sides and their cross-covariance: what every measure is computed from. */
export interface PairMoments {
  readonly x: PreparedSide;
  readonly y: PreparedSide;
  /** Centred X^T Y / (n - 1), dx x dy row-major. */
  readonly cross: Float64Array;
}

/** What one pair yielded in a run of {@link runPairMoments}: its moments, or its failure record. */
export type PairMomentsOutcome =
  | { readonly task: PairTask; readonly moments: PairMoments; readonly error?: undefined; readonly cause?: undefined }
  | { readonly task: PairTask; readonly moments?: undefined; readonly error: PairFailure; readonly cause: unknown };

/**
 * Options every study takes: how files are read, how many threads, how much
 * memory, whether to stream, and progress. Each study's options extend this.
 */
export interface EngineOptions extends ReadOptions {
  /** Threads; 1 runs on the calling thread. Default: 1. */
  readonly jobs?: number;
  /**
   * Soft cap on the memory held by loaded matrices and prepared sides
   * (bytes); on the streamed route, on the sums of one pass. A run whose
   * pair would not fit in memory is streamed when its files can be (default:
   * half the machine's memory).
   */
  readonly maxMemoryBytes?: number;
  /**
   * Read the files in row chunks instead of loading them: `true` when every
   * file is a 2-D C-ordered .npy file, `auto` (default) when they are and one
   * holds a million values or more (or a pair would not fit in
   * `maxMemoryBytes`), `false` never (see engine/route.ts). The results equal
   * the in-memory route's to rounding.
   */
  readonly stream?: boolean | 'auto';
  /** On the streamed route, called as rows are read: rows read so far over all passes, and the total. */
  readonly onRowsRead?: (read: number, total: number) => void;
  /** Called after each pair with the number done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Options of {@link runPairs}. */
export interface RunPairsOptions extends EngineOptions {
  /** Options of every comparison (which PWCCA variant, SVCCA or not, ...). */
  readonly compare?: Omit<CompareOptions, 'labels'>;
  /**
   * Permutation test and/or bootstrap intervals for every pair, run right
   * after its comparison; needs the files in memory (a usage error on the
   * streamed route).
   */
  readonly resampling?: PairResampling;
  /** Called as each pair finishes, in completion order (e.g. to append it to a file). */
  readonly onOutcome?: (outcome: PairOutcome) => void | Promise<void>;
  /** Pluggable for tests; by default created from `jobs` and closed at the end. */
  readonly executor?: Executor;
}

/** Options of {@link runPairMoments}. */
export interface RunPairMomentsOptions extends EngineOptions {
  /** Called as each pair finishes, in completion order. */
  readonly onOutcome?: (outcome: PairMomentsOutcome) => void | Promise<void>;
  /** Pluggable for tests; by default created from `jobs` and closed at the end. */
  readonly executor?: Executor;
}

/** What a run did, for reports and tests (e.g. that each file was prepared once). */
export interface RunStats {
  readonly loads: number;
  readonly prepares: number;
  readonly evictions: number;
  /** Whether the files were streamed in row chunks rather than loaded (see EngineOptions.stream). */
  readonly streamed: boolean;
  /** Input description of every file that loaded, by id. */
  readonly inputs: ReadonlyMap<string, InputInfo & { rank: number }>;
}

/** Rows and column means of one file (pass one of a streamed file). */
export interface StreamedMeans {
  readonly n: number;
  /** Column means of the file's values times 2^scaleExponent. */
  readonly mean: Float64Array;
  /** The power of two the file's values are scaled by before any product (metrics/magnitude.ts); 0 for ordinary magnitudes. */
  readonly scaleExponent: number;
}

/**
 * Where the heavy work of a run happens: preparing a side (covariance +
 * eigendecomposition) and comparing two prepared sides (cross-covariance +
 * CCA). The inline executor runs on the calling thread; the worker executor
 * spreads the work over threads that share the matrices' memory.
 */
export interface Executor {
  prepare(matrix: Matrix): Promise<PreparedSide>;
  compare(x: Matrix, px: PreparedSide, y: Matrix, py: PreparedSide, options: CompareOptions): Promise<PairComparison>;
  /** Prepares a side from moments summed elsewhere (streamed files). */
  prepareMoments(moments: SideMoments): Promise<PreparedSide>;
  /** Compares two prepared sides whose cross-covariance is already known (streamed files). */
  compareMoments(px: PreparedSide, py: PreparedSide, crossCovariance: Float64Array, options: CompareOptions): Promise<PairComparison>;
  /** sum over rows [start, end) of (x_r - meanX)(y_r - meanY)^T: one share of a cross-covariance. */
  crossProduct(x: Matrix, meanX: Float64Array, y: Matrix, meanY: Float64Array, start: number, end: number): Promise<Float64Array>;
  /**
   * Adds the centred products of one chunk of rows into `into`: X^T X when
   * `y` is null, else X^T Y. For a worker executor `into` and the chunks
   * must live in shared memory ({@link Executor.allocate}); the caller runs
   * one accumulation per `into` at a time.
   */
  accumulate(x: Matrix, meanX: Float64Array, y: Matrix | null, meanY: Float64Array | null, into: Float64Array): Promise<void>;
  /** Pass one of a streamed file (column means, every value checked), on a thread of this executor: files are read in parallel. */
  columnMeans(path: string): Promise<StreamedMeans>;
  /**
   * A side's whitened variates Xc W for a permutation test (n x r, shared
   * memory for workers), with the whitening of `epsilon` (undefined: rank).
   */
  variates(x: Matrix, side: PreparedSide, epsilon: number | undefined): Promise<Float64Array>;
  /** A batch of a permutation test: the similarities of each shuffle of the rows of y. */
  permutationBatch(inputs: PermutableInputs, permutations: readonly Int32Array[]): Promise<DrawOutcome<SimilarityMethod>[]>;
  /** A batch of a bootstrap: the similarities of each resample of the rows of both sides, compared from scratch. */
  bootstrapBatch(
    x: Matrix,
    y: Matrix,
    resamples: readonly Int32Array[],
    methods: readonly SimilarityMethod[],
    options: CompareOptions,
  ): Promise<DrawOutcome<SimilarityMethod>[]>;
  /** A zeroed array that this executor's threads can fill and the caller read (shared memory for workers). */
  allocate(length: number): Float64Array;
  /** Makes a matrix cheap to hand to this executor (shared memory for workers). */
  adopt(matrix: Matrix): Matrix;
  /** Likewise for a prepared side's big arrays. */
  adoptSide(side: PreparedSide): PreparedSide;
  close(): Promise<void>;
}

/** A pair's value of type T, or its failure. */
export type PairResult<T> =
  | { readonly task: PairTask; readonly value: T; readonly error?: undefined; readonly cause?: undefined }
  | { readonly task: PairTask; readonly value?: undefined; readonly error: PairFailure; readonly cause: unknown };

/** The two sides of a pair as a route holds them: prepared, with the loaded matrices in memory. */
export interface SidesInMemory {
  readonly x: Matrix;
  readonly px: PreparedSide;
  readonly y: Matrix;
  readonly py: PreparedSide;
}

/**
 * What a run computes for each pair, on the executor: from the loaded
 * matrices (in memory; `shares` threads split the cross product), or from a
 * cross-covariance summed while streaming.
 */
export interface PairMeasure<T> {
  loaded(executor: Executor, sides: SidesInMemory, labels: { a: string; b: string }, shares: number): Promise<T>;
  /** `rows`: the debiased CKA's row sums, summed while streaming when {@link PairMeasure.wantsRowSums}. */
  fromCross(
    executor: Executor,
    px: PreparedSide,
    py: PreparedSide,
    cross: Float64Array,
    labels: { a: string; b: string },
    rows?: CkaRowSums,
  ): Promise<T>;
  /** The streamed route also adds up the rows' squared norms (debiased CKA). */
  readonly wantsRowSums?: boolean;
  /** Why this measure needs the rows in memory (resampling), if it does: the streamed route is then a usage error. */
  readonly needsRows?: string;
  /** Shuffles and resamples per pair (resampling tests), which the route weighs when choosing threads. */
  readonly resamplesPerPair?: number;
}

/** What to resample for each pair of a run. */
export interface PairResampling {
  /** Methods to test; those the comparison did not compute are left out. */
  readonly methods: readonly SimilarityMethod[];
  /** K shuffles of the datapoint pairing (permutation null), if any. */
  readonly permutations?: number;
  /** B bootstrap resamples of the datapoints, if any. */
  readonly bootstrap?: number;
  /** Seed of both (default 0). */
  readonly seed?: number;
  /** Confidence level of the bootstrap intervals (default 0.95). */
  readonly confidence?: number;
  /** Progress of one pair's resampling: done and total resamples (permutations first, then bootstrap). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The resampling results of one pair, as `compare`'s JSON names them. */
export interface PairResamplingResult {
  readonly significance?: PermutationTestResult<SimilarityMethod>;
  readonly confidence?: BootstrapResult<SimilarityMethod>;
}
