// The browser WorkerPool for analyseRun: one module Web Worker per share of the shots (comlink),
// each mounting the same File objects with WORKERFS and opening the run itself; the caller
// (analyseRun) merges their sink states. Partial states arrive as previews on the way.
import * as Comlink from 'comlink';
import type { WorkerPool } from '../../../bindings/analysis/pipeline.js';
import type { SinkState } from '../../../bindings/analysis/sinks.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config.js';
import { spawn } from './spawn.js';
import type { ShotWorkerApi } from './shot.worker.js';
import type { MountFile } from '../types.js';

export function webPool(files: MountFile[], folder: string): WorkerPool {
  return async (job, onProgress, signal, onPartial) => {
    const started: Worker[] = [];
    const stop = () => started.forEach((w) => w.terminate());
    let aborted: Error | null = null;
    const abort = new Promise<never>((_, reject) => {
      const onAbort = () => {
        aborted = (signal?.reason as Error) ?? new Error('cancelled');
        stop();
        reject(aborted);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    abort.catch(() => {});
    try {
      const spawned = await Promise.race([
        Promise.all(
          Array.from({ length: job.workers }, async () => {
            const s = await spawn<ShotWorkerApi>(() => new Worker(new URL('./shot.worker.ts', import.meta.url), { type: 'module', name: 'sacla-shots' }));
            started.push(s.worker);
            if (aborted) s.worker.terminate();
            return s;
          }),
        ),
        abort,
      ]);
      const done = new Array<number>(job.workers).fill(0);
      const latest: (SinkState[] | null)[] = new Array(job.workers).fill(null);
      const progress = Comlink.proxy((w: number, count: number) => {
        done[w] = count;
        onProgress(done.reduce((a, b) => a + b, 0));
      });
      const preview = Comlink.proxy((w: number, states: SinkState[]) => {
        latest[w] = states;
        onPartial?.(latest.filter((s): s is SinkState[] => s !== null));
      });
      const failures = spawned.map(
        ({ worker }, w) =>
          new Promise<never>((_, reject) => worker.addEventListener('error', (e) => reject(new Error(`shot worker ${w}: ${e.message || 'crashed'}`)))),
      );
      const results = spawned.map(({ api }, w) =>
        Promise.race([
          api.analyse(
            {
              config: job.config as ExperimentConfig,
              files,
              folder,
              runFile: job.runFile,
              combine: job.combine,
              run: job.run,
              shots: job.shots.filter((_, k) => k % job.workers === w),
              worker: w,
            },
            progress,
            preview,
          ),
          failures[w],
          abort,
        ]),
      );
      return await Promise.all(results);
    } finally {
      stop();
    }
  };
}
