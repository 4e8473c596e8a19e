// A worker thread of bench/threads.ts: it prepares its work (`workerData`), says 'ready', and
// on the go (a message: the number of reps) does it that often, reporting each time and when
// the timed part began and ended (on the shared clock of performance.timeOrigin), so the main
// thread can tell how much the threads overlapped.
import { parentPort, workerData } from 'node:worker_threads';
import { filters, loadConfig, MedianEstimator, openConfiguredRun, WasmArray } from '../bindings/node/index.js';
import { makePlan } from '../bindings/analysis/pipeline.js';
import { detectorImage } from '../test/helpers/random.js';

export type ThreadWork =
  /** Copies one buffer of `bytes` into another (TypedArray.set): the memory system's bandwidth. */
  | { kind: 'copy'; bytes: number }
  /** The P² median of detector-like 1024×1024 float32 images, in its steady state (ms per image). */
  | { kind: 'p2' }
  /** The per-shot work of an analysis worker: its good shots (a multiple of 8) through a fresh plan. */
  | { kind: 'shots'; configPath: string; dataDir: string; runFile: string; run: number; maxShots: number };

export interface ThreadReport {
  /** ms per rep: per copy, or per shot. */
  times: number[];
  /** performance.timeOrigin + now at the start and end of the timed reps. */
  start: number;
  end: number;
}

const clock = () => performance.timeOrigin + performance.now();

/** The work of one rep, returning its time in ms (per shot for 'shots'). */
async function prepare(work: ThreadWork): Promise<() => Promise<number>> {
  if (work.kind === 'copy') {
    // Filled first, so the pages exist before the clock starts.
    const from = new Uint8Array(work.bytes).fill(1);
    const to = new Uint8Array(work.bytes).fill(0);
    return async () => {
      const t0 = performance.now();
      to.set(from);
      return performance.now() - t0;
    };
  }
  if (work.kind === 'p2') return p2Work();
  const config = await loadConfig(work.configPath, { dataDir: work.dataDir });
  const run = await openConfiguredRun(config, work.runFile, work.run, () => {});
  const { good } = filters.applyFilters(config.filters, run.values, run.length);
  // P² applies its images 8 at a time: whole groups, so every timed shot is fully done.
  const shots = good.subarray(0, Math.min(work.maxShots, good.length) & ~7);
  // The plan (its buffers and states) is made outside the clock: only the shots are timed.
  const pass = async (count: number) => {
    const plan = await makePlan(config, run);
    try {
      const t0 = performance.now();
      for (let k = 0; k < count; k++) plan.process(run, shots[k]);
      return (performance.now() - t0) / count;
    } finally {
      plan.dispose();
    }
  };
  await pass(Math.min(16, shots.length)); // compiles the hot paths before the timed reps
  return () => pass(shots.length);
}

/**
 * The kernel suite's eight detector-like images (bench/kernels.ts: the same seeds and settings)
 * through one MedianEstimator, past its filling; a rep is the eight (the estimator applies them
 * together, each block of its state through all eight while in cache).
 */
function p2Work(): () => Promise<number> {
  const pixels = 1024 * 1024;
  const images = Array.from({ length: 8 }, (_, i) => ({
    data: new WasmArray('f32', pixels).set(detectorImage(pixels, 100 + i, { offset: 50, noise: 30, hits: 0.01 })),
    shape: [1024, 1024],
  }));
  const median = new MedianEstimator();
  const eight = () => images.forEach((image) => median.accumulate(image));
  eight();
  eight();
  return async () => {
    const t0 = performance.now();
    eight();
    return (performance.now() - t0) / images.length;
  };
}

const port = parentPort!;
const rep = await prepare(workerData as ThreadWork);
port.once('message', async (reps: number) => {
  const times: number[] = [];
  const start = clock();
  for (let r = 0; r < reps; r++) times.push(await rep());
  port.postMessage({ times, start, end: clock() } satisfies ThreadReport);
});
port.postMessage('ready');
