// A worker thread of the pool: analyses its share of a run's shots and returns its sink states.
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { loadConfig, type ExperimentConfig } from '../analysis/config.js';
import { analyseShare } from '../analysis/pipeline.js';
import type { SinkState } from '../analysis/sinks.js';
import type { ParallelJob } from './pool.js';

/** A pool job as one worker sees it: its own share of the shots, and its number. */
export type WorkerJob = Omit<ParallelJob, 'workers'> & { worker: number };

// Progress is reported at most every 200 ms: a message per shot would cost more than it tells.
const REPORT_MS = 200;

const api = {
  async analyse(job: WorkerJob, progress: (worker: number, done: number) => void): Promise<SinkState[]> {
    const config = (job.config as ExperimentConfig | null) ?? (await loadConfig(job.configPath!, { dataDir: job.dataDir ?? undefined }));
    return analyseShare(config, job.runFile, job.run, job.shots, {
      onProgress: (done) => void progress(job.worker, done),
      progressMs: REPORT_MS,
      combine: job.combine,
    });
  },
};

export type WorkerApi = typeof api;

if (!parentPort) throw new Error('bindings/parallel/worker.js runs as a worker thread');
Comlink.expose(api, nodeEndpoint(parentPort));
