/**
 * The worker pool when workers die: a dead worker is replaced and its job
 * retried once, then failed; queued jobs never hang.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { WorkerExecutor } from '../../src/engine/executor.js';
import { runPairs } from '../../src/engine/run-pairs.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { randomMatrix } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const script = new URL('./fixtures/dying-worker.mjs', import.meta.url);
let pool: WorkerExecutor | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('WorkerExecutor when a worker dies', () => {
  it('replaces the worker and runs its job again on another one', async () => {
    pool = new WorkerExecutor(2, { script });
    const marker = join(temporaryFolder('pwcca-executor-'), 'died-once');
    const result = await pool.columnMeans(`once:${marker}`);
    expect(existsSync(marker)).toBe(true); // the first worker did die
    expect(result.n).toBe(1);
    // The pool still has its two workers.
    const after = await Promise.all([1, 2, 3, 4].map((n) => pool!.columnMeans(`ok:${n}`)));
    expect(after.map((means) => means.n)).toEqual([1, 2, 3, 4]);
  });

  it('fails a job whose worker dies twice, with an internal error, and finishes every queued job', async () => {
    pool = new WorkerExecutor(2, { script });
    // More jobs than workers, so some wait in the queue while workers die.
    const jobs = ['ok:1', 'exit:', 'ok:2', 'ok:3', 'exit:', 'ok:4', 'ok:5'].map((path) =>
      pool!.columnMeans(path).then(
        (means) => means.n,
        (error: unknown) => error,
      ),
    );
    const results = await Promise.all(jobs);
    expect(results.filter((r) => typeof r === 'number')).toEqual([1, 2, 3, 4, 5]);
    const failures = results.filter((r) => typeof r !== 'number');
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(InternalError);
      expect((failure as Error).message).toMatch(/a worker thread stopped while running a columnMeans job \(twice: the job was retried once\): it exited with code 3/);
    }
  });

  it('names an uncaught error in the worker as the reason', async () => {
    pool = new WorkerExecutor(1, { script });
    await expect(pool.columnMeans('throw:')).rejects.toThrow(/worker blew up/);
    expect((await pool.columnMeans('ok:7')).n).toBe(7);
  });

  it('gives up, failing what waits, when workers die before finishing anything', async () => {
    pool = new WorkerExecutor(1, { script: new URL('./fixtures/no-such-worker.mjs', import.meta.url) });
    const waiting = Promise.all([pool.columnMeans('ok:1'), pool.columnMeans('ok:2')].map((job) => job.catch((error: unknown) => error)));
    const results = await waiting;
    for (const result of results) expect(result).toBeInstanceOf(InternalError);
    await expect(pool.columnMeans('ok:3')).rejects.toThrow(/the pool gave up/);
  });

  it("records a job that kills its worker twice as that pair's failure, and the run ends", async () => {
    // The stand-in worker dies on any job other than columnMeans, so preparing a side kills it.
    pool = new WorkerExecutor(2, { script });
    const folder = temporaryFolder('pwcca-executor-');
    const files = ['a', 'b', 'c'].map((id, k) => ({ id, path: writeMatrixNpy(folder, `${id}.npy`, randomMatrix(40, 3, k)) }));
    const tasks = [
      { key: 'a-b', a: 'a', b: 'b' },
      { key: 'a-c', a: 'a', b: 'c' },
      { key: 'b-c', a: 'b', b: 'c' },
    ];
    const { outcomes } = await runPairs(files, tasks, { executor: pool, jobs: 2 });
    expect(outcomes.map((outcome) => outcome.task.key)).toEqual(['a-b', 'a-c', 'b-c']);
    for (const outcome of outcomes) {
      expect(outcome.error?.kind).toBe('internal');
      expect(outcome.error?.message).toMatch(/worker thread stopped while running a prepare job \(twice/);
    }
  });
});
