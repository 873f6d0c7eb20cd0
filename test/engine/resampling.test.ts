/**
 * Resampling tests run by the engine: the shuffles and resamples go to the
 * worker threads in batches, two at a time for a single pair, and give
 * exactly what the calling thread gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InlineExecutor, WorkerExecutor } from '../../src/engine/executor.js';
import { runPairs } from '../../src/engine/run-pairs.js';
import type { Executor, PairResampling } from '../../src/engine/types.js';
import { expectClose } from '../helpers/expect-close.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { correlatedPair } from '../metrics/helpers.js';

const temporaryFolder = useTemporaryFolders();
let pool: WorkerExecutor | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** The executor, counting the resampling batches it is given and how many run at once. */
function counting(executor: Executor) {
  const seen = { batches: 0, inFlight: 0, mostInFlight: 0, variates: 0 };
  const track = <T>(promise: Promise<T>): Promise<T> => {
    seen.batches++;
    seen.inFlight++;
    seen.mostInFlight = Math.max(seen.mostInFlight, seen.inFlight);
    return promise.finally(() => seen.inFlight--);
  };
  const wrapped: Executor = Object.create(executor);
  wrapped.permutationBatch = (inputs, draws) => track(executor.permutationBatch(inputs, draws));
  wrapped.bootstrapBatch = (x, y, draws, methods, options) => track(executor.bootstrapBatch(x, y, draws, methods, options));
  wrapped.variates = (x, side, epsilon) => {
    seen.variates++;
    return executor.variates(x, side, epsilon);
  };
  return { executor: wrapped, seen };
}

describe('resampling on the worker threads', () => {
  it('gives the calling thread\'s null exactly, two batches at a time for one pair', async () => {
    // 1000 x 200: small files (one thread for the comparison alone), but 60 shuffles and resamples are worth two.
    const folder = temporaryFolder('pwcca-resampling-');
    const { x, y } = correlatedPair(1000, 200, 180, 5);
    const files = [
      { id: 'a', path: writeMatrixNpy(folder, 'a.npy', x) },
      { id: 'b', path: writeMatrixNpy(folder, 'b.npy', y) },
    ];
    const tasks = [{ key: 'a|b', a: 'a', b: 'b' }];
    const resampling: PairResampling = { methods: ['pwcca', 'cca', 'svcca', 'cka'], permutations: 50, bootstrap: 10, seed: 3 };
    const compare = { svcca: {}, cka: {} };
    const run = async (executor: Executor, jobs: number) => {
      const { outcomes } = await runPairs(files, tasks, { jobs, executor, compare, resampling, stream: false });
      const outcome = outcomes[0];
      if (outcome.error) throw new Error(outcome.error.message);
      return outcome.resampling!;
    };
    const here = counting(new InlineExecutor());
    const expected = await run(here.executor, 1);
    expect(here.seen.mostInFlight).toBe(1);

    pool = new WorkerExecutor(2);
    const threads = counting(pool);
    const got = await run(threads.executor, 2);
    // The shuffles' values are the same computation on any thread: equal. The observed values (and so the
    // excess and the bootstrap's bias correction) come from the comparison, whose cross product two threads
    // split in halves: equal to rounding.
    const methods = ['pwcca', 'cca', 'svcca', 'cka'] as const;
    for (const method of methods) {
      const [p, q] = [got.significance![method]!, expected.significance![method]!];
      expect(p.nullValues, method).toEqual(q.nullValues);
      expect(p.pValue, method).toBe(q.pValue);
      expectClose([p.observed, p.nullMean, p.nullStd, p.excess], [q.observed, q.nullMean, q.nullStd, q.excess], 1e-12, method);
      const [c, d] = [got.confidence![method]!, expected.confidence![method]!];
      expectClose([c.low, c.high, c.bias, c.percentile.low, c.percentile.high], [d.low, d.high, d.bias, d.percentile.low, d.percentile.high], 1e-12, method);
      expect(c.percentile, method).toEqual(d.percentile);
    }
    expect(threads.seen.mostInFlight).toBe(2);
    expect(threads.seen.batches).toBeGreaterThan(4);
    expect(threads.seen.variates).toBe(2); // one per side, each on its own thread
    expect(got.significance!.pwcca!.pValue).toBe(1 / 51);
  }, 120_000);
});
