// A run split across workers (worker w of N: its own shots w, w + N, … and its blocks of the
// pixels, see analysis/plan.ts), their progress summed, all of them stopped on an abort or when
// one fails; the caller (analyseRun) merges the sink states. The transport is the
// caller's: `spawn` starts one worker and gives a comlink endpoint to it (Node worker threads in
// node/workers.ts, Web Workers in the web app).
import * as Comlink from 'comlink';
import type { ParallelJob, ShareResult, WorkerPool } from '../analysis/pipeline.js';
import type { ShareApi } from '../analysis/share.js';

/** A started worker: the endpoint its ShareApi listens on, how to stop it, and a promise that rejects if it dies. */
export interface SpawnedWorker {
  endpoint: Comlink.Endpoint;
  terminate(): void;
  /** After a job that succeeded: hands the worker back to its transport for the next job (else it is terminated). */
  release?(): void;
  /** Rejects when the worker fails or exits before it is done (never resolves). */
  failed: Promise<never>;
}

export type Spawn = (index: number) => Promise<SpawnedWorker>;

// One proxy per endpoint: a kept worker serves many jobs, and each wrap adds a listener to it.
const remotes = new WeakMap<Comlink.Endpoint, Comlink.Remote<ShareApi>>();
function remoteOf(endpoint: Comlink.Endpoint): Comlink.Remote<ShareApi> {
  let remote = remotes.get(endpoint);
  if (!remote) remotes.set(endpoint, (remote = Comlink.wrap<ShareApi>(endpoint)));
  return remote;
}

/**
 * A worker's result as its comlink reply, its sink states' arrays moved, not copied: a share's
 * states are fresh copies out of wasm memory (the P² median's block alone is ~30 MB), and a
 * structured clone of them cost the worker ~30 ms per run and the main thread as much again.
 */
export function transferResult(result: ShareResult): ShareResult {
  const buffers = new Set<ArrayBuffer>();
  const walk = (value: unknown): void => {
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof ArrayBuffer) buffers.add(value.buffer);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(result.states);
  return Comlink.transfer(result, [...buffers]);
}

/** A WorkerPool over a transport. */
export function workerPool(spawn: Spawn): WorkerPool {
  return async (job, onProgress, signal) => {
    const started: SpawnedWorker[] = [];
    const stop = () => started.forEach((w) => w.terminate());
    let succeeded = false;
    let aborted: Error | null = null;
    const abort = new Promise<never>((_, reject) => {
      const onAbort = () => {
        aborted = (signal?.reason as Error) ?? new Error('aborted');
        stop();
        reject(aborted);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    abort.catch(() => {});
    try {
      const workers = await Promise.race([
        Promise.all(
          Array.from({ length: job.workers }, async (_, w) => {
            const s = await spawn(w);
            started.push(s);
            if (aborted) s.terminate();
            s.failed.catch(() => {});
            return s;
          }),
        ),
        abort,
      ]);
      const done = new Array<number>(job.workers).fill(0);
      const progress = Comlink.proxy((w: number, count: number) => {
        done[w] = count;
        onProgress(done.reduce((a, b) => a + b, 0));
      });
      const results = await Promise.all(
        workers.map((worker, w) => {
          const api = remoteOf(worker.endpoint);
          const share: ParallelJob & { worker: number } = { ...job, worker: w };
          return Promise.race([api.analyse(share, progress), worker.failed, abort]);
        }),
      );
      succeeded = true;
      return results;
    } catch (err) {
      throw aborted ?? err;
    } finally {
      // Only workers that all finished are kept: after a failure or an abort, none is trusted.
      if (succeeded) started.splice(0).forEach((w) => (w.release ? w.release() : w.terminate()));
      else stop();
    }
  };
}
