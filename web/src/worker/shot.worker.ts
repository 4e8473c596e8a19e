// A shot worker of the browser pool (what bindings/parallel/worker.ts is for Node): mounts the
// same File objects, opens the run itself, streams its interleaved share of the good shots
// through its own plan, and returns the plan's sink states. While it runs it also sends its
// partial states now and then, so that the page can draw plots before the run is done.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { analyseShare } from '../../../bindings/analysis/pipeline.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config.js';
import type { SinkState } from '../../../bindings/analysis/sinks.js';
import type { MountFile } from '../types.js';

export interface ShotJob {
  config: ExperimentConfig;
  files: MountFile[];
  folder: string;
  runFile: string;
  combine?: boolean;
  run: number;
  shots: Uint32Array;
  worker: number;
}

const REPORT_MS = 200;
const PREVIEW_MS = 1000;

const api = {
  async analyse(
    job: ShotJob,
    progress: (worker: number, done: number) => void,
    preview: (worker: number, states: SinkState[]) => void,
  ): Promise<SinkState[]> {
    await mountFiles(job.folder, job.files, true);
    return analyseShare(job.config, job.runFile, job.run, job.shots, {
      combine: job.combine,
      onProgress: (done) => void progress(job.worker, done),
      progressMs: REPORT_MS,
      onPartial: (partial) => void preview(job.worker, partial.exportStates()),
      partialMs: PREVIEW_MS,
    });
  },
};

export type ShotWorkerApi = typeof api;

await h5ready;
Comlink.expose(api);
announceReady();
