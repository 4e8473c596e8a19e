// The browser transport for runs split across workers: a module Web Worker per share, which
// mounts the user's files itself (WORKERFS: read where they lie) before the library's
// workerPool hands it its shots. The pool keeps the started workers, so that the live preview
// can ask each one for the outputs the page shows.
import * as Comlink from 'comlink';
import { workerPool } from '../../../bindings/parallel/shares.js';
import type { WorkerPool } from '../../../bindings/analysis/pipeline.js';
import type { SinkState } from '../../../bindings/analysis/ops/index.js';
import { spawn } from './spawn.js';
import type { ShotWorkerApi } from './shot.worker.js';
import type { PartialStates } from './partial.js';
import type { MountFile } from '../types.js';

export interface WebPool {
  pool: WorkerPool;
  /**
   * Each share's states of those of these outputs split by shots (a finished worker's last
   * answer), share 0 first: `own` when this thread runs it, else the first worker's; null until
   * every share has answered for the same outputs.
   */
  partial(outputs: string[], own?: PartialStates | null): Promise<{ outputs: string[]; parts: SinkState[][] } | null>;
}

// A shot worker takes ~0.5–1 s to start in a browser (the wasm core and h5wasm's 5 MB module
// compiled in each), so workers are started ahead, while the user picks a run and after each
// analysis, and an analysis takes the started ones first.
type Started = { worker: Worker; api: Comlink.Remote<ShotWorkerApi> };
const ready: Promise<Started | null>[] = [];
const startShotWorker = () => spawn<ShotWorkerApi>(() => new Worker(new URL('./shot.worker.ts', import.meta.url), { type: 'module', name: 'sacla-shots' }));

/** Starts shot workers until `count` are waiting. */
export function prestartShotWorkers(count: number): void {
  while (ready.length < count) ready.push(startShotWorker().catch(() => null));
}

async function takeShotWorker(): Promise<Started> {
  return (await ready.shift()) ?? startShotWorker();
}

export function webPool(files: MountFile[], folder: string): WebPool {
  const running: Comlink.Remote<ShotWorkerApi>[] = [];
  // A worker that has finished answers null: its last states still count.
  const last = new Map<Comlink.Remote<ShotWorkerApi>, { key: string; answer: PartialStates }>();
  let expected = Infinity;
  const library = workerPool(async () => {
    const { worker, api } = await takeShotWorker();
    await api.mount(folder, files);
    running.push(api);
    const failed = new Promise<never>((_, reject) => worker.addEventListener('error', (e) => reject(new Error(`shot worker: ${e.message || 'crashed'}`))));
    return {
      endpoint: worker,
      terminate: () => worker.terminate(),
      failed,
    };
  });
  const pool: WorkerPool = (job, ...rest) => {
    expected = job.workers;
    return library(job, ...rest);
  };
  return {
    pool,
    async partial(outputs, own) {
      const key = outputs.join('\n');
      const fromWorkers = await Promise.all(
        running.map(async (w) => {
          const now = await w.partial(outputs).catch(() => null);
          if (now) last.set(w, { key, answer: now });
          const kept = last.get(w);
          return kept?.key === key ? kept.answer : null;
        }),
      );
      const answers = own === undefined ? fromWorkers : [own, ...fromWorkers];
      const first = answers[0];
      if (!first || fromWorkers.length < expected || answers.some((a) => a === null || a.outputs.join('\n') !== first.outputs.join('\n'))) return null;
      return { outputs: first.outputs, parts: answers.map((a) => a!.states) };
    },
  };
}
