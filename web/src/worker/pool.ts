// The browser transport for runs split across workers: a module Web Worker per share, which
// mounts the user's files itself (WORKERFS: read where they lie) before the library's
// workerPool hands it its shots.
import { workerPool } from '../../../bindings/parallel/shares.js';
import type { WorkerPool } from '../../../bindings/analysis/pipeline.js';
import { spawn } from './spawn.js';
import type { ShotWorkerApi } from './shot.worker.js';
import type { MountFile } from '../types.js';

export function webPool(files: MountFile[], folder: string): WorkerPool {
  return workerPool(async () => {
    const { worker, api } = await spawn<ShotWorkerApi>(() => new Worker(new URL('./shot.worker.ts', import.meta.url), { type: 'module', name: 'sacla-shots' }));
    await api.mount(folder, files);
    const failed = new Promise<never>((_, reject) => worker.addEventListener('error', (e) => reject(new Error(`shot worker: ${e.message || 'crashed'}`))));
    return { endpoint: worker, terminate: () => worker.terminate(), failed };
  });
}
