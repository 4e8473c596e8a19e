// Node's transport for runs split across workers: one worker thread per share (node/worker.ts),
// reached through comlink's Node adapter.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { workerPool, type Spawn } from '../parallel/shares.js';

/** The compiled worker script: beside this file in dist, or in dist when running from sources. */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (beside.protocol === 'file:' && existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/bindings/node/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`sacla-analysis: the worker script is missing (${fileURLToPath(beside)}); build it with \`npm run build\``);
}

/**
 * A started worker thread. Idle ones are kept for the next run of this process: starting one
 * costs ~0.3 s (its modules, the wasm core, h5wasm's module), which for one run of a few hundred
 * shots is most of what a second core gains. An idle thread is unref'd (it never keeps the
 * process alive) and ends after IDLE_MS unused (it holds its wasm memory).
 */
interface Thread {
  worker: Worker;
  endpoint: ReturnType<typeof nodeEndpoint>;
  /** Rejects when the thread fails or exits. */
  ended: Promise<never>;
  idleTimer: NodeJS.Timeout | null;
}

const IDLE_MS = 30_000;
const idle: Thread[] = [];

function startThread(): Thread {
  const worker = new Worker(workerScript());
  worker.unref();
  const ended = new Promise<never>((_, reject) => {
    worker.once('error', (err) => reject(err));
    worker.once('exit', (code) => reject(new Error(`exit code ${code}`)));
  });
  ended.catch(() => {});
  const thread: Thread = { worker, endpoint: nodeEndpoint(worker), ended, idleTimer: null };
  // A thread that dies while idle is not handed out.
  ended.catch(() => {
    const k = idle.indexOf(thread);
    if (k >= 0) idle.splice(k, 1);
  });
  return thread;
}

function park(thread: Thread): void {
  thread.worker.unref();
  thread.idleTimer = setTimeout(() => {
    const k = idle.indexOf(thread);
    if (k >= 0) idle.splice(k, 1);
    void thread.worker.terminate();
  }, IDLE_MS);
  thread.idleTimer.unref();
  idle.push(thread);
}

/**
 * Ends the idle threads now (a command that has no run left for them): each frees its memory in
 * its own thread while this one writes the last result, instead of at the process's exit.
 */
export function endIdleThreads(): void {
  for (const thread of idle.splice(0)) {
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    void thread.worker.terminate();
  }
}

/**
 * Starts worker threads until `count` are idle, so that they load while this thread reads the
 * config and opens the run (`sacla analyse` calls it first thing).
 */
export function prestartThreads(count: number): void {
  while (idle.length < count) park(startThread());
}

export const spawnThread: Spawn = async (index) => {
  const thread = idle.shift() ?? startThread();
  if (thread.idleTimer) clearTimeout(thread.idleTimer);
  thread.worker.ref();
  let finished = false;
  const failed = thread.ended.catch((err: Error) => {
    throw finished ? err : new Error(`worker ${index} stopped before it finished (${err.message})`);
  });
  failed.catch(() => {});
  return {
    endpoint: thread.endpoint,
    terminate() {
      finished = true;
      void thread.worker.terminate();
    },
    release() {
      finished = true;
      park(thread);
    },
    failed,
  };
};

/** Worker threads as analyseRun's pool. */
export const threadPool = workerPool(spawnThread);

/**
 * The default number of workers: the cores this process may use (its CPU affinity, so a batch
 * job gets the cores the scheduler gave it, not the whole node's).
 */
export function defaultWorkers(): number {
  return availableParallelism() || 1;
}

/**
 * `requested` workers capped at the cores this process may use: more threads than cores only
 * add memory (each holds its own run file handles, darks and accumulator states) and no speed.
 * `notice` says so when the cap applied.
 */
export function capWorkers(requested: number): { workers: number; notice: string | null } {
  const cores = defaultWorkers();
  if (requested <= cores) return { workers: requested, notice: null };
  return { workers: cores, notice: `${requested} workers asked for, but this process may use ${cores} core${cores === 1 ? '' : 's'}: using ${cores}` };
}
