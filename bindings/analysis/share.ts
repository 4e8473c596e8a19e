// A worker's part of a run, whatever the transport (Node worker threads, browser Web Workers):
// it opens the run itself, streams the good shots through its own plan of its share (its own
// shots, and every shot for its blocks of the pixels: Plan's `splitOf`), and returns the plan's
// sink states for the merge. node/worker.ts and the web app's shot worker expose `shareApi`.
import { loadConfig } from './config/index.js';
import type { ExperimentConfig } from './config/index.js';
import type { PlanShare } from './plan.js';
import { goodShots, openConfiguredRun, processShots, type ParallelJob, type ShareResult, type ShotLoopOptions } from './pipeline.js';

// Progress at most this often: a message per shot would cost more than it tells.
const PROGRESS_MS = 200;

/**
 * Opens a run, picks its good shots (filters, thinning) and streams them through a fresh plan of
 * `config` for worker `share.index` of `share.count`. Returns the plan's sink states (null for
 * sinks another worker feeds) and the number of good shots. (The main thread opens the same run
 * and gives its notices: missing tags, NaN values.)
 */
export async function analyseShare(
  config: ExperimentConfig,
  runFile: string,
  run: number,
  thinning: { maxShots: number | null; step: number },
  share: PlanShare,
  options: ShotLoopOptions & { combine?: boolean } = {},
): Promise<ShareResult> {
  const started = performance.now();
  const opened = await openConfiguredRun(config, runFile, run, () => {}, { combine: options.combine });
  try {
    const { good } = goodShots(config, opened, thinning);
    const openedAt = performance.now();
    const plan = await processShots(config, opened, good, { ...options, share });
    const seconds = { open: (openedAt - started) / 1000, shots: (performance.now() - openedAt) / 1000 };
    try {
      return { states: plan.exportStates(), goodShots: good.length, seconds };
    } finally {
      plan.dispose();
    }
  } finally {
    opened.close();
  }
}

/** A worker's part of a ParallelJob: its number. */
export type ShareJob = ParallelJob & { worker: number };

export const shareApi = {
  async analyse(job: ShareJob, progress: (worker: number, done: number) => void): Promise<ShareResult> {
    const config = (job.config as ExperimentConfig | null) ?? (await loadConfig(job.configPath!, { dataDir: job.dataDir ?? undefined }));
    return analyseShare(config, job.runFile, job.run, job.thinning, { index: job.firstShare + job.worker, count: job.shareCount }, {
      combine: job.combine,
      onProgress: (done) => void progress(job.worker, done),
      progressMs: PROGRESS_MS,
    });
  },
};

export type ShareApi = typeof shareApi;
