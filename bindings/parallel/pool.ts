// Splits a run's good shots across worker threads (comlink over worker_threads). Each worker
// opens the run file itself, streams its shots through its own plan and sends back the
// plan's exported sink states, which the caller merges.
import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { UsageError } from '../cli/errors.js';
import type { SinkState } from '../analysis/sinks.js';
import type { WorkerApi, WorkerJob } from './worker.js';

export interface ParallelJob {
  /** The validated config, sent to the workers as it is (a structured clone)... */
  config: unknown;
  /** ...or, when it holds functions (an .mjs config), loaded by each worker from its file. */
  configPath: string | null;
  /** The folder relative dark paths of that file resolve against. */
  dataDir: string | null;
  /** The run file, or for a run read from several files their folder (with `combine`). */
  runFile: string;
  combine?: boolean;
  run: number;
  /** Good shots, in order; worker w takes shots w, w + N, w + 2N, ... */
  shots: Uint32Array;
  workers: number;
}

/** The compiled worker script: beside this file in dist, or in dist when running from sources. */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (beside.protocol === 'file:' && existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/bindings/parallel/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`sacla-analysis: the worker script is missing (${fileURLToPath(beside)}); build it with \`npm run build\``);
}

/** The config as workers get it: a clone, or null if it must be loaded from its file. */
function forWorkers(job: ParallelJob): unknown {
  try {
    return structuredClone(job.config);
  } catch {
    if (job.configPath) return null;
    throw new UsageError('this config holds functions, which cannot be sent to worker threads: load it from a file (configPath) or use 1 worker');
  }
}

export async function runInWorkers(job: ParallelJob, onProgress: (done: number) => void, signal?: AbortSignal): Promise<SinkState[][]> {
  const config = forWorkers(job);
  const script = workerScript();
  const threads = Array.from({ length: job.workers }, () => new Worker(script));
  const done = new Array<number>(job.workers).fill(0);
  const progress = Comlink.proxy((worker: number, count: number) => {
    done[worker] = count;
    onProgress(done.reduce((a, b) => a + b, 0));
  });
  let failed: Error | null = null;
  const stop = () => {
    for (const t of threads) void t.terminate();
  };
  const onAbort = () => {
    failed = (signal?.reason as Error) ?? new Error('aborted');
    stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exits = threads.map(
      (t, w) =>
        new Promise<never>((_, reject) => {
          t.once('error', (err) => reject(err));
          t.once('exit', (code) => reject(failed ?? new Error(`worker ${w} stopped (exit code ${code}) before it finished`)));
        }),
    );
    const results = threads.map((t, w) => {
      const api = Comlink.wrap<WorkerApi>(nodeEndpoint(t));
      const mine = job.shots.filter((_, k) => k % job.workers === w);
      const workerJob: WorkerJob = { ...job, config, shots: mine, worker: w };
      return Promise.race([api.analyse(workerJob, progress), exits[w]]);
    });
    const states = await Promise.all(results);
    if (failed) throw failed;
    return states;
  } catch (err) {
    throw failed ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop();
  }
}

/** The default number of workers: the cores this process may use. */
export function defaultWorkers(): number {
  return cpus().length || 1;
}
