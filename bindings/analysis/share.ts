// A worker's part of a run, whatever the transport (Node worker threads, browser Web Workers):
// it opens the run itself, streams its share of the shots through its own plan, and returns the
// plan's sink states for the merge. node/worker.ts and the web app's shot worker expose `shareApi`.
import { loadConfig } from './config/index.js';
import type { ExperimentConfig } from './config/index.js';
import type { SinkState } from './ops/index.js';
import { openConfiguredRun, processShots, type ParallelJob, type ShotLoopOptions } from './pipeline.js';

// Progress and partial states at most this often: a message per shot would cost more than it tells.
const PROGRESS_MS = 200;
const PARTIAL_MS = 1000;

/**
 * Streams `shots` of a run through a fresh plan of `config` and returns the plan's sink states.
 * (The main thread opened the same run first and gave its notices: missing tags, darks.)
 */
export async function analyseShare(
  config: ExperimentConfig,
  runFile: string,
  run: number,
  shots: ArrayLike<number>,
  options: ShotLoopOptions & { combine?: boolean } = {},
): Promise<SinkState[]> {
  const opened = await openConfiguredRun(config, runFile, run, () => {}, { combine: options.combine });
  try {
    const plan = await processShots(config, opened, shots, options);
    try {
      return plan.exportStates();
    } finally {
      plan.dispose();
    }
  } finally {
    opened.close();
  }
}

/** A worker's share of a ParallelJob: its own shots and its number. */
export type ShareJob = ParallelJob & { worker: number };

export const shareApi = {
  async analyse(
    job: ShareJob,
    progress: (worker: number, done: number) => void,
    partial?: (worker: number, states: SinkState[]) => void,
  ): Promise<SinkState[]> {
    const config = (job.config as ExperimentConfig | null) ?? (await loadConfig(job.configPath!, { dataDir: job.dataDir ?? undefined }));
    return analyseShare(config, job.runFile, job.run, job.shots, {
      combine: job.combine,
      onProgress: (done) => void progress(job.worker, done),
      progressMs: PROGRESS_MS,
      onPartial: partial && ((plan) => void partial(job.worker, plan.exportStates())),
      partialMs: PARTIAL_MS,
    });
  },
};

export type ShareApi = typeof shareApi;
