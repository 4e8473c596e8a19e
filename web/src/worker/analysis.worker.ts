// The app's analysis worker: everything that touches files runs here, never in the page.
// It mounts the user's files (WORKERFS, read lazily where they lie), lists their runs, runs
// analyseRun (in this worker, or split over shot workers: ./pool.ts), writes result files to
// bytes (h5wasm in memory) and reads result files for the run and scan views.
import * as Comlink from 'comlink';
import { h5ready, mountFiles, announceReady } from './setup.js';
import { analyseRun, type AnalysisResult } from '../../../bindings/analysis/pipeline.js';
import { checkRun, type CheckReport } from '../../../bindings/analysis/check.js';
import { fillResultFile } from '../../../bindings/analysis/results.js';
import { RunFile, listRunFiles } from '../../../bindings/data/runfile.js';
import { detectorsOf } from '../../../bindings/data/sensors.js';
import type { ExperimentConfig } from '../../../bindings/analysis/config.js';
import { emfs } from '../shims/emfs.js';
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

interface OpenResult {
  name: string;
  file: InstanceType<typeof h5wasm.File>;
  shapes: Record<string, number[]>;
  attrs: Record<string, string | number>;
  cache: Map<string, Data>;
}
const results = new Map<string, OpenResult>();
let resultMounts = 0;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isH5 = (name: string) => /\.(h5|hdf5|nxs)$/i.test(name);

function isResultFile(path: string): boolean {
  let f: InstanceType<typeof h5wasm.File> | null = null;
  try {
    f = new h5wasm.File(path, 'r');
    const keys = f.keys();
    return keys.includes('runNR') && !keys.some((k) => /^run_\d+$/.test(k)) && 'config' in f.attrs;
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

function attrsOf(file: InstanceType<typeof h5wasm.File>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, a] of Object.entries(file.attrs)) {
    const v = a.value as unknown;
    out[k] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' || typeof v === 'string' ? v : String(v);
  }
  return out;
}

function toData(value: unknown, shape: number[] | null): Data {
  if (typeof value === 'number' || typeof value === 'bigint') return { data: Float64Array.of(Number(value)), shape: [] };
  if (value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array) return { data: value, shape: shape ?? [value.length] };
  if (ArrayBuffer.isView(value)) return { data: Float64Array.from(value as unknown as ArrayLike<number>, Number), shape: shape ?? [] };
  if (Array.isArray(value)) return { data: Float64Array.from(value, Number), shape: shape ?? [value.length] };
  throw new Error(`not a numeric dataset`);
}

function readDataset(r: OpenResult, name: string): Data {
  let d = r.cache.get(name);
  if (!d) {
    const entry = r.file.get(name) as { type?: string; value?: unknown; shape?: number[] | null } | null;
    if (!entry || entry.type !== 'Dataset') throw new Error(`${r.name}: no dataset "${name}"`);
    d = toData(entry.value, entry.shape ?? null);
    r.cache.set(name, d);
  }
  return d;
}

function resultOf(id: string): OpenResult {
  const r = results.get(id);
  if (!r) throw new Error(`result ${id} is not open`);
  return r;
}

function parseConfig(attrs: Record<string, string | number>): unknown {
  try {
    return typeof attrs.config === 'string' ? JSON.parse(attrs.config) : null;
  } catch {
    return null;
  }
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

  /** The last analysis as the bytes of its result file (the layout `sacla analyse` writes). */
  saveResult(): Uint8Array {
    if (!last) throw new Error('no analysis to save yet');
    const fs = emfs();
    const path = `/tmp/run_${last.run}.${Date.now()}.h5`;
    const file = new h5wasm.File(path, 'w');
    try {
      fillResultFile(file, last);
    } finally {
      file.close();
    }
    const bytes = fs.readFile(path) as Uint8Array;
    fs.unlink(path);
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  /** Opens result files (kept open for the scan view); returns what each holds. */
  async openResults(files: MountFile[]): Promise<{ opened: ScanFile[]; problems: string[] }> {
    const folder = `/results/${++resultMounts}`;
    await mountFiles(folder, files);
    const opened: ScanFile[] = [];
    const problems: string[] = [];
    files.forEach(({ path: name }, k) => {
      const path = `${folder}/${name}`;
      let file: InstanceType<typeof h5wasm.File> | null = null;
      try {
        file = new h5wasm.File(path, 'r');
        const keys = file.keys();
        if (!keys.includes('runNR')) {
          const isRun = keys.some((k) => /^run_\d+$/.test(k));
          throw new Error(isRun ? 'a run file, not a result file: open it with "Open runs" and analyse it' : 'not a result file (no runNR dataset)');
        }
        const shapes: Record<string, number[]> = {};
        for (const key of keys) {
          const entry = file.get(key) as { type?: string; shape?: number[] | null } | null;
          if (entry?.type === 'Dataset') shapes[key] = entry.shape ?? [];
        }
        const attrs = attrsOf(file);
        const id = `${resultMounts}-${k}`;
        const r: OpenResult = { name, file, shapes, attrs, cache: new Map() };
        results.set(id, r);
        const runNR = readDataset(r, 'runNR').data[0];
        const fromName = /(\d+)\.h5$/i.exec(name);
        if (fromName && Number(fromName[1]) !== runNR) problems.push(`${name}: the file name says run ${fromName[1]} but it holds run ${runNR}`);
        opened.push({ id, name, run: runNR, goodShots: Number(attrs.good_shots ?? NaN), shapes });
      } catch (err) {
        file?.close();
        problems.push(`${name}: ${message(err).replace(path + ': ', '')}`);
      }
    });
    return { opened, problems };
  },

  /** Every dataset of an open result file (for the run view). */
  resultData(id: string): ResultData {
    const r = resultOf(id);
    const datasets: Record<string, Data> = {};
    const warnings: string[] = [];
    for (const name of Object.keys(r.shapes)) {
      try {
        datasets[name] = readDataset(r, name);
      } catch (err) {
        warnings.push(`${name}: ${message(err)}`);
      }
    }
    return { id, label: r.name, run: Number(datasets.runNR?.data[0] ?? r.attrs.run), attrs: r.attrs, datasets, shapes: r.shapes, config: parseConfig(r.attrs), warnings };
  },

  dataset(id: string, name: string): Data {
    return readDataset(resultOf(id), name);
  },

  closeResult(id: string): void {
    const r = results.get(id);
    if (r) {
      r.file.close();
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
        const run = readDataset(r, 'runNR').data[0];
        const xv = runStatistic(readDataset(r, x.dataset), x.stat, x.roi);
        const yv = runStatistic(readDataset(r, y.dataset), y.stat, y.roi);
        points.push({ id, run, x: xv, y: yv });
      } catch (err) {
        problems.push(`${r.name}: ${message(err)}`);
      }
    }
    return { points, problems };
  },
};

export type AnalysisApi = typeof api;

Comlink.expose(api);
announceReady();
