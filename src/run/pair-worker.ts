/**
 * Worker thread of {@link WorkerExecutor}: prepares sides and compares pairs
 * on request. Errors go back serialised, with their type, hint and location.
 */
import { parentPort } from 'node:worker_threads';
import { PwccaError } from '../errors.js';
import { InlineExecutor, type WorkerReply, type WorkerRequest } from './executor.js';

const inline = new InlineExecutor();

parentPort!.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const value =
      request.type === 'prepare'
        ? await inline.prepare(request.matrix)
        : request.type === 'cross'
          ? await inline.crossProduct(request.x, request.meanX, request.y, request.meanY, request.start, request.end)
          : await inline.compare(request.x, request.px, request.y, request.py, request.options);
    reply = { id: request.id, ok: true, value };
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
