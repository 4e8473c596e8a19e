// A shot worker of the browser pool (what bindings/node/worker.ts is for Node): the library's
// share of a run, after mounting the same File objects as the analysis worker. It keeps its
// plan at hand while it runs, so that the page's live preview can ask for the states of the
// outputs it shows (`partial`) instead of every output being copied out every second.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { attachStoredCopies } from './storedCopies.js';
import { analyseShare, type ShareJob } from '../../../bindings/analysis/share.js';
import { transferResult } from '../../../bindings/parallel/shares.js';
import { loadConfig, type ExperimentConfig } from '../../../bindings/analysis/config/index.js';
import type { Plan } from '../../../bindings/analysis/plan.js';
import { partialStates, type PartialStates } from './partial.js';
import type { ShareResult } from '../../../bindings/analysis/pipeline.js';
import type { MountFile } from '../types.js';

// Progress at most this often: a message per shot would cost more than it tells.
const PROGRESS_MS = 200;

let live: Plan | null = null;

const api = {
  async mount(folder: string, files: MountFile[]): Promise<void> {
    await mountFiles(folder, files, true);
    await attachStoredCopies(files);
  },

  /**
   * The library's ShareApi.analyse (bindings/analysis/share.ts), keeping the plan for `partial`
   * while the shots stream through instead of copying out every state every second.
   */
  async analyse(job: ShareJob, progress: (worker: number, done: number) => void): Promise<ShareResult> {
    const config = (job.config as ExperimentConfig | null) ?? (await loadConfig(job.configPath!, { dataDir: job.dataDir ?? undefined }));
    try {
      return transferResult(await analyseShare(config, job.runFile, job.run, job.thinning, { index: job.firstShare + job.worker, count: job.shareCount }, {
        combine: job.combine,
        onProgress: (done) => void progress(job.worker, done),
        progressMs: PROGRESS_MS,
        // Called before every shot: only a reference is kept, nothing is copied.
        onPartial: (plan) => (live = plan),
        partialMs: 0,
      }));
    } finally {
      live = null;
    }
  },

  /** The states so far of those of these outputs whose sinks are split by shots (./preview.ts). */
  partial: (outputs: string[]): PartialStates | null => (live ? partialStates(live, outputs) : null),
};
export type ShotWorkerApi = typeof api;

await h5ready;
Comlink.expose(api);
announceReady();
