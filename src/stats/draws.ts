/**
 * How resampling tests run their draws (row permutations, bootstrap
 * resamples): made one after another from the seeded generator on the
 * calling thread, evaluated in batches, several batches at a time. The
 * evaluator decides where a batch runs (the engine sends each to a worker
 * thread); since the draws themselves are made in order here, the results are
 * the same whatever the batch size and the number of batches in flight.
 */
import { NumericError } from '../errors.js';

/** Similarities of one draw, per method name. */
export type MethodValues<M extends string = string> = Partial<Record<M, number>>;

/** A draw on which the statistic is undefined (a NumericError), with its message. */
export interface FailedDraw {
  readonly failed: string;
}

/** What evaluating one draw gave. */
export type DrawOutcome<M extends string = string> = MethodValues<M> | FailedDraw;

/** Evaluates a batch of draws, in order (one outcome per draw). */
export type BatchEvaluator<M extends string = string> = (draws: readonly Int32Array[]) => Promise<DrawOutcome<M>[]>;

export function isFailedDraw<M extends string>(outcome: DrawOutcome<M>): outcome is FailedDraw {
  return typeof (outcome as FailedDraw).failed === 'string';
}

/**
 * Evaluates draws one by one on this thread with a per-draw statistic; a
 * NumericError marks its draw as failed, any other error stops the test.
 */
export function evaluateEach<M extends string>(statistic: (draw: Int32Array) => MethodValues<M>): (draws: readonly Int32Array[]) => DrawOutcome<M>[] {
  return (draws) =>
    draws.map((draw) => {
      try {
        return statistic(draw);
      } catch (error) {
        if (error instanceof NumericError) return { failed: error.message };
        throw error;
      }
    });
}

/** The same as an asynchronous {@link BatchEvaluator}. */
export function evaluateHere<M extends string>(statistic: (draw: Int32Array) => MethodValues<M>): BatchEvaluator<M> {
  const each = evaluateEach(statistic);
  return async (draws) => each(draws);
}

export interface DrawOptions {
  /** Batches evaluated at a time (default 1): the threads the evaluator can keep busy. */
  readonly lanes?: number;
  /** Called as batches finish with (draws done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Values held by the draws of one batch in flight: a bound on the batch size for large n. */
const BATCH_VALUES = 1 << 22;

/**
 * Makes `total` draws of `n` row indices each with `draw` (in order) and
 * evaluates them in batches with `evaluate`, `lanes` batches at a time; the
 * outcomes come back in draw order. Batches are small enough that every lane
 * gets several (so progress moves and the last batch leaves little idle
 * time) and hold at most about 4 M row indices.
 */
export async function runDraws<M extends string>(
  total: number,
  n: number,
  draw: () => Int32Array,
  evaluate: BatchEvaluator<M>,
  options: DrawOptions = {},
): Promise<DrawOutcome<M>[]> {
  const lanes = Math.max(1, Math.floor(options.lanes ?? 1));
  const size = Math.max(1, Math.min(Math.ceil(total / (lanes * 8)), Math.floor(BATCH_VALUES / Math.max(1, n))));
  const outcomes: DrawOutcome<M>[] = new Array(total);
  let made = 0;
  let done = 0;
  let stopped = false;
  const nextBatch = (): { start: number; draws: Int32Array[] } | null => {
    if (made >= total || stopped) return null;
    const start = made;
    const draws: Int32Array[] = [];
    while (draws.length < size && made < total) {
      draws.push(draw());
      made++;
    }
    return { start, draws };
  };
  const lane = async () => {
    for (let batch = nextBatch(); batch !== null; batch = nextBatch()) {
      let results: DrawOutcome<M>[];
      try {
        results = await evaluate(batch.draws);
      } catch (error) {
        stopped = true; // the other lanes take no new batch
        throw error;
      }
      if (results.length !== batch.draws.length) throw new RangeError(`${results.length} outcomes for ${batch.draws.length} draws`);
      for (let i = 0; i < results.length; i++) outcomes[batch.start + i] = results[i];
      done += results.length;
      options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return outcomes;
}
