// A shot worker of the browser pool (what bindings/node/worker.ts is for Node): the library's
// share of a run, after mounting the same File objects as the analysis worker. It keeps its
// plan at hand while it runs, so that the page's live preview can ask for the states of the
// outputs it shows (`partial`) instead of every output being copied out every second.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { analyseShare, type ShareJob } from '../../../bindings/analysis/share.js';
import { loadConfig, type ExperimentConfig } from '../../../bindings/analysis/config/index.js';
import type { Plan } from '../../../bindings/analysis/plan.js';
import type { SinkState } from '../../../bindings/analysis/ops/index.js';
import type { ShareResult } from '../../../bindings/analysis/pipeline.js';
import type { MountFile } from '../types.js';

// Progress at most this often: a message per shot would cost more than it tells.
const PROGRESS_MS = 200;

let live: Plan | null = null;

export interface PartialStates {
  /** The outputs whose states these are, in config order. */
  outputs: string[];
  /** Their sinks' states, in the order a Plan of just these outputs holds its sinks. */
  states: SinkState[];
}

const api = {
  mount: (folder: string, files: MountFile[]) => mountFiles(folder, files, true),

  /**
   * The library's ShareApi.analyse (bindings/analysis/share.ts), keeping the plan for `partial`
   * while the shots stream through instead of copying out every state every second.
   */
  async analyse(job: ShareJob, progress: (worker: number, done: number) => void): Promise<ShareResult> {
    const config = (job.config as ExperimentConfig | null) ?? (await loadConfig(job.configPath!, { dataDir: job.dataDir ?? undefined }));
    try {
      return await analyseShare(config, job.runFile, job.run, job.thinning, { index: job.worker, count: job.workers }, {
        combine: job.combine,
        onProgress: (done) => void progress(job.worker, done),
        progressMs: PROGRESS_MS,
        // Called before every shot: only a reference is kept, nothing is copied.
        onPartial: (plan) => (live = plan),
        partialMs: 0,
      });
    } finally {
      live = null;
    }
  },

  /**
   * The states so far of those of these outputs whose sinks are split by shots (their states of
   * every worker merge exactly, whatever each has done); null before the first shot or after
   * the last. Sinks split by pixel blocks or kept whole by one worker (P² medians) wait for the
   * result.
   */
  partial(outputs: string[]): PartialStates | null {
    if (!live) return null;
    const chosen: string[] = [];
    const sinks: Plan['sinks'] = [];
    for (const o of live.outputs) {
      if (!outputs.includes(o.spec.name) || o.sink.split.kind !== 'shots') continue;
      chosen.push(o.spec.name);
      if (!sinks.includes(o.sink)) sinks.push(o.sink);
    }
    return { outputs: chosen, states: sinks.map((s) => s.sink.exportState()) };
  },
};
export type ShotWorkerApi = typeof api;

await h5ready;
Comlink.expose(api);
announceReady();
