// A shot worker of the browser pool (what bindings/parallel/worker.ts is for Node): mounts the
// same File objects, opens the run itself, streams its interleaved share of the good shots
// through its own plan, and returns the plan's sink states. While it runs it also sends its
// partial states now and then, so that the page can draw plots before the run is done.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { openConfiguredRun } from '../../../bindings/analysis/pipeline.js';
import { Plan } from '../../../bindings/analysis/plan.js';
import { DataError } from '../../../bindings/cli/errors.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config.js';
import type { SinkState } from '../../../bindings/analysis/sinks.js';
import type { MountFile } from '../types.js';

export interface ShotJob {
  config: ExperimentConfig;
  files: MountFile[];
  folder: string;
  runFile: string;
  run: number;
  shots: Uint32Array;
  worker: number;
}

export type Shapes = Record<string, { shape: number[]; size: number }>;

const REPORT_MS = 200;
const PREVIEW_MS = 1000;
const YIELD_MS = 50;

const api = {
  async analyse(
    job: ShotJob,
    progress: (worker: number, done: number) => void,
    preview: (worker: number, shapes: Shapes, states: SinkState[]) => void,
  ): Promise<SinkState[]> {
    await mountFiles(job.folder, job.files, true);
    const run = await openConfiguredRun(job.config, job.runFile, job.run, () => {});
    try {
      const shapes: Shapes = Object.fromEntries(Object.entries(run.detectors).map(([n, d]) => [n, { shape: d.shape, size: d.size }]));
      const plan = new Plan(job.config.outputs, shapes);
      try {
        let lastReport = 0;
        let lastPreview = performance.now();
        let lastYield = performance.now();
        for (let k = 0; k < job.shots.length; k++) {
          const shot = job.shots[k];
          try {
            plan.process(run, shot);
          } catch (err) {
            throw new DataError(`${run.path}: run ${run.runNumber}, shot ${shot} (tag ${run.tags[shot]}): ${(err as Error).message}`);
          }
          const now = performance.now();
          if (now - lastReport >= REPORT_MS || k + 1 === job.shots.length) {
            lastReport = now;
            void progress(job.worker, k + 1);
          }
          if (now - lastPreview >= PREVIEW_MS && k + 1 < job.shots.length) {
            void preview(job.worker, shapes, plan.exportStates());
            lastPreview = performance.now();
          }
          if (now - lastYield >= YIELD_MS) {
            await new Promise((resolve) => setTimeout(resolve, 0));
            lastYield = performance.now();
          }
        }
        return plan.exportStates();
      } finally {
        plan.dispose();
      }
    } finally {
      run.close();
    }
  },
};

export type ShotWorkerApi = typeof api;

await h5ready;
Comlink.expose(api);
announceReady();
