// The app's analysis worker: everything that touches files runs here, never in the page.
// It mounts the user's files (WORKERFS, read lazily where they lie), lists their runs, runs
// analyseRun (in this worker, or split over shot workers: ./pool.ts) and writes its result file
// into memory, holds result files open (./results.ts) for the run view, the logbook table and
// the scan (./logbook.ts), and answers the live preview (./preview.ts).
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { analyseRun } from '../../../bindings/analysis/pipeline.js';
import { describeResult } from '../../../bindings/analysis/describe.js';
import { checkRun, type CheckReport } from '../../../bindings/analysis/check.js';
import { writeResult } from '../../../bindings/analysis/results.js';
import { files } from '../../../bindings/core/files.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config/index.js';
import { prestartShotWorkers, webPool } from './pool.js';
import { attachStoredCopies, detachStoredCopies } from './storedCopies.js';
import { LivePreview } from './preview.js';
import { isH5, listRuns } from './runs.js';
import { dataset, hold, metaOf, pathOf, release, slice, small } from './results.js';
import { shrink } from './shrink.js';
import { scan, table } from './logbook.js';
import type { Data, MountFile, OpenedRuns, Preview, ProgressInfo, ResultMeta, ScanRequest } from '../types.js';

await h5ready;
const DATA = '/data';
// Analyses write their result files here (Emscripten's MEMFS: memory).
const ANALYSED = '/analysed';

let dataFiles: MountFile[] = [];
let controller: AbortController | null = null;
let live: { preview: LivePreview; config: ExperimentConfig; done: number } | null = null;
// Checks and (re)mounting take turns: a check reads the files that openRuns unmounts.
let fileWork: Promise<unknown> = Promise.resolve();
function inTurn<T>(job: () => Promise<T>): Promise<T> {
  const next = fileWork.then(job, job);
  fileWork = next.catch(() => {});
  return next;
}
let resultMounts = 0;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const api = {
  /** Mounts run files (and darks, sidecars) and says what they hold. */
  openRuns(mounted: MountFile[]): Promise<OpenedRuns> {
    return inTurn(async () => {
      if (controller) throw new Error('an analysis is running: cancel it first');
      await mountFiles(DATA, mounted, true);
      dataFiles = mounted;
      return listRuns(DATA, mounted);
    });
  },

  /** `sacla check` on the mounted files: the config held against one run, nothing analysed. */
  check(config: ExperimentConfig, path: string, run: number): Promise<CheckReport> {
    return inTurn(async () => {
      if (controller) throw new Error('an analysis is running: the check waits for it');
      return checkRun(config, { data: path, run });
    });
  },

  /**
   * Analyses one run as `sacla analyse` does, writes its result file (into memory) and holds it
   * open as `analysis-<run>`; progress and notices go to the page as they come.
   */
  async analyse(
    config: ExperimentConfig,
    path: string,
    run: number,
    options: { workers: number; maxShots: number | null },
    onProgress: (p: ProgressInfo) => void,
    onWarning: (m: string) => void,
  ): Promise<ResultMeta> {
    if (controller) throw new Error('an analysis is already running');
    controller = new AbortController();
    const signal = controller.signal;
    // A check still reading the run finishes first; later ones refuse while this runs.
    await fileWork;
    // Copies made since the files were opened count from this analysis on.
    const fromCopy = (await attachStoredCopies(dataFiles)).includes(path.replace(`${DATA}/`, ''));
    const workers = webPool(dataFiles, DATA);
    const preview = new LivePreview(config, path, run, workers);
    live = { preview, config, done: 0 };
    const warnings: string[] = [];
    try {
      const result = await analyseRun(config, { data: path, run }, {
        workers: options.workers,
        maxShots: options.maxShots ?? undefined,
        pool: workers.pool,
        // Share 0 in this worker, one shot worker fewer: this worker would otherwise only wait
        // and merge, a thread more than the machine has cores for (docs/web.md, "Speed").
        shareInThisThread: true,
        onSharePlan: (plan) => (preview.ownShare = plan),
        signal,
        onProgress: (p) => {
          if (live) live.done = p.done;
          void onProgress(p);
        },
        warn: (m) => {
          warnings.push(m);
          void onWarning(m);
        },
      });
      const id = `analysis-${run}`;
      release(id);
      const written = await writeResult(`${ANALYSED}/${run}`, result);
      const meta = await hold(id, written, path.replace(`${DATA}/`, ''), true);
      meta.warnings.unshift(...warnings);
      meta.fromCopy = fromCopy;
      return meta;
    } catch (err) {
      if (signal.aborted) throw new Error('cancelled');
      throw err;
    } finally {
      live = null;
      controller = null;
      await preview.close();
      // The next analysis most likely asks for as many.
      if (options.workers > 1) prestartShotWorkers(options.workers);
    }
  },

  /** Stops reading from the copies in the browser's storage (before they are removed). */
  detachCopies(): void {
    detachStoredCopies();
  },

  cancel(): void {
    controller?.abort(new Error('cancelled'));
  },

  /**
   * The running analysis's datasets of these outputs so far, images made at most `maxSide`
   * pixels on a side, or null before the first shot. Without names: every dataset's shape, its
   * units and axes as the result file will state them, and only the small datasets (the page
   * lays its panels out).
   */
  async preview(names: string[] | null, maxSide: number): Promise<Preview | null> {
    const now = live;
    if (!now) return null;
    const datasets = await now.preview.datasets(names);
    if (!datasets) return null;
    const shapes = Object.fromEntries(Object.entries(datasets).map(([k, d]) => [k, d.shape]));
    const shown = Object.fromEntries(Object.entries(names ? datasets : small(datasets)).map(([k, d]) => [k, shrink(d, maxSide)]));
    if (names) return { done: now.done, shapes, datasets: shown };
    const { datasets: info, plots } = describeResult(now.config, datasets, Object.keys(now.config.detectors));
    const units = Object.fromEntries(Object.entries(info).flatMap(([k, i]) => (i.units ? [[k, i.units]] : [])));
    const axes = Object.fromEntries(plots.map((p) => [p.signal, p.axes.map((a) => (a === '.' ? null : a))]));
    return { done: now.done, shapes, datasets: shown, units, axes };
  },

  /** A held result file's bytes (to save it, or to browse it). */
  resultBytes(id: string): Uint8Array {
    const bytes = files().read(pathOf(id));
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  /** Opens result files (held for the run view, the table and the scan); returns what each holds. */
  async openResults(mounted: MountFile[]): Promise<{ opened: ResultMeta[]; problems: string[] }> {
    const n = ++resultMounts;
    const folder = `/results/${n}`;
    await mountFiles(folder, mounted);
    const opened: ResultMeta[] = [];
    const problems: string[] = [];
    for (const [k, { path: name }] of mounted.entries()) {
      if (!isH5(name)) {
        problems.push(`${name}: not an HDF5 file (skipped)`);
        continue;
      }
      const path = `${folder}/${name}`;
      try {
        const meta = await hold(`${n}-${k}`, path, name, false);
        const fromName = /(\d+)\.h5$/i.exec(name);
        if (fromName && Number(fromName[1]) !== meta.run) problems.push(`${name}: the file name says run ${fromName[1]} but it holds run ${meta.run}`);
        opened.push(meta);
      } catch (err) {
        const text = message(err).replace(`${path}: `, '');
        problems.push(`${name}: ${/no runNR|not a result file/.test(text) ? `${text}; a run file is opened under "1 · Runs" and analysed` : text}`);
      }
    }
    return { opened, problems };
  },

  meta: (id: string): ResultMeta => metaOf(id),
  dataset: (id: string, name: string): Data => dataset(id, name),
  slice: (id: string, name: string, k: number): Data => slice(id, name, k),
  /** Entry k of a top-k payload, made at most `maxSide` pixels on a side (a gallery thumbnail). */
  thumbnail: (id: string, name: string, k: number, maxSide: number): Data => shrink(slice(id, name, k), maxSide),
  close: (id: string): void => release(id),
  table,
  scan: (ids: string[], request: ScanRequest) => scan(ids, request),
};

export type AnalysisApi = typeof api;

Comlink.expose(api);
announceReady();
// The page's default number of workers (web/src/panel/analyse.ts).
const defaultWorkers = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
if (defaultWorkers > 1) prestartShotWorkers(defaultWorkers);
