// A worker thread of the Node pool (node/workers.ts): the share API over comlink.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { shareApi } from '../analysis/share.js';
import { loadH5 } from '../data/h5.js';
import { transferResult } from '../parallel/shares.js';

if (!parentPort) throw new Error('bindings/node/worker.js runs as a worker thread');
// The job's progress callback is released when it ends: its message port would otherwise stay open
// (and keep the main thread's process alive) until garbage collection, as this thread is kept
// for the next job.
const api: typeof shareApi = {
  async analyse(job, progress) {
    try {
      return transferResult(await shareApi.analyse(job, progress));
    } finally {
      (progress as Partial<Comlink.Remote<unknown>>)[Comlink.releaseProxy]?.();
    }
  },
};
Comlink.expose(api, nodeEndpoint(parentPort));
// h5wasm loads (its 5 MB module compiled) before the first job asks for it: a thread is started
// ahead of its job (node/workers.ts).
void loadH5().catch(() => {});
