// A shot worker of the browser pool (what bindings/node/worker.ts is for Node): the library's
// share API, after mounting the same File objects as the analysis worker.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { shareApi } from '../../../bindings/analysis/share.js';
import type { MountFile } from '../types.js';

const api = { ...shareApi, mount: (folder: string, files: MountFile[]) => mountFiles(folder, files, true) };
export type ShotWorkerApi = typeof api;

await h5ready;
Comlink.expose(api);
announceReady();
