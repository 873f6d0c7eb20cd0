/**
 * Worker thread of {@link WorkerExecutor}: prepares sides, compares pairs and
 * computes shares of products on request. Errors go back serialised, with
 * their type, hint and location.
 */
import { parentPort } from 'node:worker_threads';
import { PwccaError } from '../errors.js';
import { kernelArenaBytes, resetKernelArena } from '../linalg/wasm.js';
import { InlineExecutor, sharedSide, toShared, type WorkerReply, type WorkerRequest } from './executor.js';

const inline = new InlineExecutor();

/**
 * An arena larger than this (64 MiB) is released once the worker has been
 * idle for {@link ARENA_IDLE_MS}: the arena keeps its high-water mark (about
 * 160 MiB after a D = 2048 pair), which an idle worker should not pin while
 * the rest of the run (or the next batch) needs the memory. The pair of the
 * last permutation test (its whitened variates) is dropped likewise.
 */
const ARENA_KEEP_BYTES = 64 * 2 ** 20;
const ARENA_IDLE_MS = 200;
let arenaTimer: ReturnType<typeof setTimeout> | undefined;

parentPort!.on('message', async (request: WorkerRequest) => {
  if (arenaTimer !== undefined) clearTimeout(arenaTimer);
  arenaTimer = undefined;
  let reply: WorkerReply;
  try {
    reply = { id: request.id, ok: true, value: await run(request) };
  } catch (error) {
    const e = error as Error;
    reply = {
      id: request.id,
      ok: false,
      error: {
        name: e?.name ?? 'Error',
        message: e?.message ?? String(error),
        hint: error instanceof PwccaError ? error.hint : undefined,
        where: error instanceof PwccaError ? error.where : undefined,
        stack: e?.stack,
      },
    };
  }
  parentPort!.postMessage(reply);
  const bigArena = kernelArenaBytes() > ARENA_KEEP_BYTES;
  if (bigArena || inline.holdsPermutablePair()) {
    // Not at once: the next job usually follows within milliseconds and reuses both.
    arenaTimer = setTimeout(() => {
      if (bigArena) resetKernelArena();
      inline.dropPermutablePair();
    }, ARENA_IDLE_MS);
    arenaTimer.unref();
  }
});

function run(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    // Prepared sides go back in shared memory: the message then carries views, and adoptSide copies nothing.
    case 'prepare':
      return inline.prepare(request.matrix).then(sharedSide);
    case 'compare':
      return inline.compare(request.x, request.px, request.y, request.py, request.options);
    case 'prepareMoments':
      return inline.prepareMoments(request.moments).then(sharedSide);
    case 'compareMoments':
      return inline.compareMoments(request.px, request.py, request.cross, request.options);
    case 'cross':
      return inline.crossProduct(request.x, request.meanX, request.y, request.meanY, request.start, request.end);
    case 'accumulate':
      return inline.accumulate(request.x, request.meanX, request.y, request.meanY, request.into);
    case 'columnMeans':
      return inline.columnMeans(request.path);
    case 'variates':
      // Shared, so that every batch of the test hands the variates to the workers without a copy.
      return inline.variates(request.x, request.side, request.epsilon).then(toShared);
    case 'permutationBatch':
      return inline.permutationBatch(request.inputs, request.draws);
    case 'bootstrapBatch':
      return inline.bootstrapBatch(request.x, request.y, request.draws, request.methods, request.options);
  }
}
