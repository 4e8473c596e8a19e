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

export const spawnThread: Spawn = async (index) => {
  const thread = new Worker(workerScript());
  let finished = false;
  const failed = new Promise<never>((_, reject) => {
    thread.once('error', (err) => reject(err));
    thread.once('exit', (code) => {
      if (!finished) reject(new Error(`worker ${index} stopped (exit code ${code}) before it finished`));
    });
  });
  return {
    endpoint: nodeEndpoint(thread),
    terminate() {
      finished = true;
      void thread.terminate();
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
