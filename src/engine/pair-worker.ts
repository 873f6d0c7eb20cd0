/**
 * Worker thread of {@link WorkerExecutor}: prepares sides, compares pairs and
 * computes shares of products on request. Errors go back serialised, with
 * their type, hint and location.
 */
import { parentPort } from 'node:worker_threads';
import { PwccaError } from '../errors.js';
import { InlineExecutor, type WorkerReply, type WorkerRequest } from './executor.js';

const inline = new InlineExecutor();

parentPort!.on('message', async (request: WorkerRequest) => {
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
});

function run(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'prepare':
      return inline.prepare(request.matrix);
    case 'compare':
      return inline.compare(request.x, request.px, request.y, request.py, request.options);
    case 'prepareMoments':
      return inline.prepareMoments(request.moments);
    case 'compareMoments':
      return inline.compareMoments(request.px, request.py, request.cross, request.options);
    case 'cross':
      return inline.crossProduct(request.x, request.meanX, request.y, request.meanY, request.start, request.end);
    case 'accumulate':
      return inline.accumulate(request.x, request.meanX, request.y, request.meanY, request.into);
    case 'columnMeans':
      return inline.columnMeans(request.path);
  }
}
