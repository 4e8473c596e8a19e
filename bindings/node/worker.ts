// A worker thread of the Node pool (node/workers.ts): the share API over comlink.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { shareApi } from '../analysis/share.js';

if (!parentPort) throw new Error('bindings/node/worker.js runs as a worker thread');
Comlink.expose(shareApi, nodeEndpoint(parentPort));
