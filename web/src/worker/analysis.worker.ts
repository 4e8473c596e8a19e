// The app's analysis worker: everything that touches files runs here, never in the page.
// It mounts the user's files (WORKERFS, read lazily where they lie), lists their runs, runs
// analyseRun (in this worker, or split over shot workers: ./pool.ts), writes result files to
// bytes (h5wasm in memory) and reads result files for the run and scan views.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { analyseRun, type AnalysisResult } from '../../../bindings/analysis/pipeline.js';
import { checkRun, type CheckReport } from '../../../bindings/analysis/check.js';
import { openResult, writeResult, ResultFile } from '../../../bindings/analysis/results.js';
import { files } from '../../../bindings/core/files.js';
import { RunFile, listRunFiles } from '../../../bindings/data/runfile.js';
import { detectorsOf } from '../../../bindings/data/sensors.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config/index.js';
import { webPool } from './pool.js';
import { runStatistic } from '../scan.js';
import type { AxisSpec, Data, MountFile, OpenedRuns, ProgressInfo, ResultData, RunSummary, ScanFile, ScanPoint } from '../types.js';

const h5wasm = await h5ready;
const DATA = '/data';

let dataFiles: MountFile[] = [];
let last: AnalysisResult | null = null;
let controller: AbortController | null = null;
// Checks and (re)mounting take turns: a check reads the files that openRuns unmounts.
let fileWork: Promise<unknown> = Promise.resolve();
function inTurn<T>(job: () => Promise<T>): Promise<T> {
  const next = fileWork.then(job, job);
  fileWork = next.catch(() => {});
  return next;
}

const results = new Map<string, ResultFile>();
let resultMounts = 0;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isH5 = (name: string) => /\.(h5|hdf5|nxs)$/i.test(name);

function isResultFile(path: string): boolean {
  let f: InstanceType<typeof h5wasm.File> | null = null;
  try {
    f = new h5wasm.File(path, 'r');
    return ResultFile.holdsResult(f);
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

function rootKeys(path: string): string[] {
  const f = new h5wasm.File(path, 'r');
  try {
    return f.keys();
  } finally {
    f.close();
  }
}

/** A result file's name as the user gave it (its path under the mount folder). */
const labelOf = (r: ResultFile) => r.path.replace(/^\/results\/\d+\//, '');

function resultOf(id: string): ResultFile {
  const r = results.get(id);
  if (!r) throw new Error(`result ${id} is not open`);
  return r;
}

function fromAnalysis(result: AnalysisResult, warnings: string[]): ResultData {
  return {
    id: `analysis-${result.run}`,
    label: result.source.replace(/^\/data\//, ''),
    run: result.run,
    attrs: result.attrs,
    datasets: result.outputs,
    shapes: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.shape])),
    config: result.config,
    warnings,
  };
}

/** Mounts run files (and darks, sidecars) and says what they hold. */
async function openRuns(files: MountFile[]): Promise<OpenedRuns> {
  if (controller) throw new Error('an analysis is running: cancel it first');
  await mountFiles(DATA, files, true);
  dataFiles = files;
  const runs: RunSummary[] = [];
  const problems: string[] = [];
  const darks = files.filter((f) => /\.npy$/i.test(f.path)).map((f) => f.path);
  for (const { path: name } of files) {
    if (!isH5(name)) {
      if (!/\.(npy|txt|csv|dat)$/i.test(name)) problems.push(`${name}: not an HDF5 run file (skipped)`);
      continue;
    }
    const path = `${DATA}/${name}`;
    try {
      const entries = await listRunFiles(path);
      if (!entries.length) {
        problems.push(
          isResultFile(path)
            ? `${name}: a result file, not a run file: open it with "Open result files"`
            : `${name}: no runs in this file (not a SACLA converter file: no /run_N groups)`,
        );
        continue;
      }
      for (const e of entries) {
        const rf = await RunFile.open(path, e.run);
        try {
          runs.push({
            path,
            name,
            run: e.run,
            tags: rf.tags.length,
            firstTag: rf.tags[0],
            lastTag: rf.tags[rf.tags.length - 1],
            startTime: rf.startTime,
            endTime: rf.endTime,
            photonEnergy: rf.photonEnergy,
            detectors: detectorsOf(rf).map((d) => ({
              id: d.id,
              sensors: d.sensors.length,
              groups: d.sensors.map((x) => x.group),
              shape: d.shape,
              dtype: d.sensors[0].dtype,
              evPerAdu: d.sensors.map((x) => x.evPerAdu),
              tags: Math.min(...d.sensors.map((x) => x.tagCount)),
            })),
            keys: rf.databaseKeys(),
          });
        } finally {
          rf.close();
        }
      }
    } catch (err) {
      problems.push(`${name}: ${message(err)}`);
    }
  }
  runs.sort((a, b) => a.run - b.run);
  return { runs, problems, darks };
}

const api = {
  /** Mounts run files (and darks, sidecars) and says what they hold. */
  openRuns(files: MountFile[]): Promise<OpenedRuns> {
    return inTurn(() => openRuns(files));
  },

  /** `sacla check` on the mounted files: the config held against one run, nothing analysed. */
  check(config: ExperimentConfig, path: string, run: number): Promise<CheckReport> {
    return inTurn(async () => {
      if (controller) throw new Error('an analysis is running: the check waits for it');
      return checkRun(config, { data: path, run });
    });
  },

  /** Runs the analysis of one run; progress and previews go to the page as they come. */
  async analyse(
    config: ExperimentConfig,
    path: string,
    run: number,
    options: { workers: number; maxShots: number | null },
    onProgress: (p: ProgressInfo) => void,
    onPreview: (r: ResultData) => void,
    onWarning: (m: string) => void,
  ): Promise<ResultData> {
    if (controller) throw new Error('an analysis is already running');
    controller = new AbortController();
    // A check still reading the run finishes first; later ones refuse while this runs.
    await fileWork;
    const warnings: string[] = [];
    const pool = webPool(dataFiles, DATA);
    const preview = (datasets: Record<string, Data>) =>
      void onPreview({
        id: `analysis-${run}`,
        label: path.replace(/^\/data\//, ''),
        run,
        attrs: {},
        datasets,
        shapes: Object.fromEntries(Object.entries(datasets).map(([k, v]) => [k, v.shape])),
        config,
        partial: true,
      });
    try {
      last = null;
      const result = await analyseRun(config, { data: path, run }, {
        workers: options.workers,
        maxShots: options.maxShots ?? undefined,
        pool,
        onPreview: preview,
        signal: controller.signal,
        onProgress: (p) => void onProgress(p),
        warn: (m) => {
          warnings.push(m);
          void onWarning(m);
        },
      });
      last = result;
      return fromAnalysis(result, warnings);
    } catch (err) {
      if (controller.signal.aborted) throw new Error('cancelled');
      throw err;
    } finally {
      controller = null;
    }
  },

  cancel(): void {
    controller?.abort(new Error('cancelled'));
  },

  /** The last analysis as the bytes of its result file (written as `sacla analyse` writes it, into memory). */
  async saveResult(): Promise<Uint8Array> {
    if (!last) throw new Error('no analysis to save yet');
    const path = await writeResult(`/tmp/save-${Date.now()}`, last);
    const bytes = files().read(path);
    files().remove(path);
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  /** Opens result files (kept open for the scan view); returns what each holds. */
  async openResults(mounted: MountFile[]): Promise<{ opened: ScanFile[]; problems: string[] }> {
    const folder = `/results/${++resultMounts}`;
    await mountFiles(folder, mounted);
    const opened: ScanFile[] = [];
    const problems: string[] = [];
    for (const [k, { path: name }] of mounted.entries()) {
      const path = `${folder}/${name}`;
      let r: ResultFile | null = null;
      try {
        r = await openResult(path);
        if (!r.names.includes('runNR')) {
          const isRun = rootKeys(path).some((key) => /^run_\d+$/.test(key));
          throw new Error(isRun ? 'a run file, not a result file: open it with "Open runs" and analyse it' : 'not a result file (no runNR dataset)');
        }
        const id = `${resultMounts}-${k}`;
        results.set(id, r);
        const runNR = r.read('runNR').data[0];
        const fromName = /(\d+)\.h5$/i.exec(name);
        if (fromName && Number(fromName[1]) !== runNR) problems.push(`${name}: the file name says run ${fromName[1]} but it holds run ${runNR}`);
        opened.push({ id, name, run: runNR, goodShots: Number(r.attrs.good_shots ?? NaN), shapes: r.shapes });
      } catch (err) {
        r?.close();
        problems.push(`${name}: ${message(err).replace(path + ': ', '')}`);
      }
    }
    return { opened, problems };
  },

  /** Every dataset of an open result file (for the run view). */
  resultData(id: string): ResultData {
    const r = resultOf(id);
    const datasets: Record<string, Data> = {};
    const warnings: string[] = [];
    for (const name of r.names) {
      try {
        datasets[name] = r.read(name);
      } catch (err) {
        warnings.push(`${name}: ${message(err)}`);
      }
    }
    return { id, label: labelOf(r), run: Number(datasets.runNR?.data[0] ?? r.attrs.run), attrs: r.attrs, datasets, shapes: r.shapes, config: r.config, warnings };
  },

  dataset(id: string, name: string): Data {
    return resultOf(id).read(name);
  },

  closeResult(id: string): void {
    const r = results.get(id);
    if (r) {
      r.close();
      results.delete(id);
    }
  },

  /** One (x, y) per result file: statistics of datasets (scan.ts); problems per file. */
  scanPoints(ids: string[], x: AxisSpec, y: AxisSpec): { points: ScanPoint[]; problems: string[] } {
    const points: ScanPoint[] = [];
    const problems: string[] = [];
    for (const id of ids) {
      const r = resultOf(id);
      try {
        const run = r.read('runNR').data[0];
        const xv = runStatistic(r.read(x.dataset), x.stat, x.roi);
        const yv = runStatistic(r.read(y.dataset), y.stat, y.roi);
        points.push({ id, run, x: xv, y: yv });
      } catch (err) {
        problems.push(`${labelOf(r)}: ${message(err)}`);
      }
    }
    return { points, problems };
  },
};

export type AnalysisApi = typeof api;

Comlink.expose(api);
announceReady();
