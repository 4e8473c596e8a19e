// Dark files and bad-pixel masks from a dark run (docs/data.md, "Darks from dark runs"): the
// per-pixel mean of every shot in raw ADU, written where `closestDark` looks for it
// (DARKS/<detector>/<run>_<start>.npy), and a mask of the pixels whose dark is an outlier
// (DARKS/<detector>/masks/<run>_<start>.npy), which the `mask` transform applies.
import { nextTurn } from '../core/turn.js';
import { files, paths, temporaryPath } from '../core/files.js';
import { openRun, type Run } from '../data/run.js';
import { encodeNpy } from '../data/npy.js';
import { WasmArray } from '../core/wasm.js';
import { Variance } from '../stats/elementwise.js';
import { DataError, ConfigError } from '../core/errors.js';
import type { ExperimentConfig } from './config/index.js';
import type { Progress, RunRef } from './pipeline.js';

export interface MakeDarksOptions {
  /** Folder of the dark folders (default: `<data>/darks`, or `darks` next to a run file). */
  out?: string;
  /** Friendly names of the config's detectors to average (default: all of them). */
  detectors?: string[];
  /** A pixel whose dark mean or spread lies more than this many robust σ from its sensor's median is bad (default 6). */
  maskSigma?: number;
  /** Average a run whose shutter was open on some shots, and replace existing files of the same name. */
  force?: boolean;
  onProgress?: (progress: Progress) => void;
  /** Notices (no shutter filter, skipped tags, shutter open with force); default console.warn. */
  warn?: (message: string) => void;
  signal?: AbortSignal;
}

/** Pixels masked, in all and by criterion (a pixel may meet several). */
export interface MaskCounts {
  total: number;
  /** Dark mean or standard deviation NaN. */
  nan: number;
  /** Standard deviation exactly 0. */
  stuck: number;
  /** Dark mean an outlier. */
  mean: number;
  /** Standard deviation an outlier. */
  std: number;
}

/** Median and robust standard deviation (1.4826 × MAD) of a quantity over one sensor's non-NaN pixels. */
export interface RobustSpread {
  median: number;
  sigma: number;
}

export interface SensorSpread {
  mean: RobustSpread;
  std: RobustSpread;
}

export interface DetectorDark {
  /** The config's friendly name. */
  name: string;
  id: string;
  /** The dark file written (absolute). */
  dark: string;
  /** The mask file written (absolute). */
  mask: string;
  /** [rows, cols], or [sensors, rows, cols]. */
  shape: number[];
  /** NumPy dtype of the dark file: the detector's image arithmetic. */
  dtype: 'float32' | 'float64';
  shots: number;
  pixels: number;
  masked: MaskCounts;
  /** Per sensor, what the outlier criteria were measured against. */
  sensors: SensorSpread[];
}

export interface DarkRunResult {
  run: number;
  /** The run file(s). */
  source: string;
  /** The run's first time_stamp (UNIX seconds); the file names carry it rounded. */
  startTime: number;
  shots: number;
  /** The config's shutter value, on how many shots it was > 0 and NaN; null without a shutter filter. */
  shutter: { value: string; open: number; nan: number } | null;
  maskSigma: number;
  /** The folder of the dark folders. */
  out: string;
  detectors: Record<string, DetectorDark>;
  seconds: number;
}

const ROBUST_SIGMA_PER_MAD = 1.4826;

/** Temporary files of writes under way (removed when the process is interrupted). */
const pending = new Set<string>();

/** Removes the temporary files of dark and mask writes under way (for signal handlers). */
export function removePendingDarks(): void {
  for (const path of pending) files().remove(path);
  pending.clear();
}

/** `<out>` by default: the data folder's `darks`, or the `darks` folder next to a run file. */
export function defaultDarksFolder(data: string): string {
  // A missing path is reported by openRun, with the run it was looking for.
  const isDir = files().stat(data)?.kind === 'folder';
  return paths.resolve(isDir ? paths.join(data, 'darks') : paths.join(paths.dirname(data), 'darks'));
}

/** The median of the non-NaN values (NumPy's nanmedian: the mean of the middle two for an even count); NaN if none. */
function nanMedian(values: Float64Array): number {
  let n = 0;
  const finite = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) finite[n++] = values[i];
  if (n === 0) return NaN;
  const sorted = finite.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function robustSpread(values: Float64Array): RobustSpread {
  const median = nanMedian(values);
  const deviation = values.map((v) => Math.abs(v - median));
  return { median, sigma: ROBUST_SIGMA_PER_MAD * nanMedian(deviation) };
}

/**
 * The bad-pixel mask of a dark (float64 mean and standard deviation per pixel, `shape` [rows,
 * cols] or [sensors, rows, cols]): a pixel is bad when its mean or standard deviation is NaN,
 * when its standard deviation is 0, or when either lies more than `sigma` robust standard
 * deviations from that quantity's median over its own sensor's pixels. Sensors differ in
 * pedestal and noise, hence per sensor; a sensor whose robust σ is 0 (or NaN) gets no outliers
 * of that quantity, since every pixel off the median would be one.
 */
export function badPixelMask(
  mean: Float64Array,
  std: Float64Array,
  shape: number[],
  sigma: number,
): { mask: Uint8Array; counts: MaskCounts; sensors: SensorSpread[] } {
  const sensors = shape.length === 3 ? shape[0] : 1;
  const per = mean.length / sensors;
  const mask = new Uint8Array(mean.length);
  const counts: MaskCounts = { total: 0, nan: 0, stuck: 0, mean: 0, std: 0 };
  const spreads: SensorSpread[] = [];
  for (let k = 0; k < sensors; k++) {
    const lo = k * per;
    const m = mean.subarray(lo, lo + per);
    const s = std.subarray(lo, lo + per);
    const spread = { mean: robustSpread(m), std: robustSpread(s) };
    spreads.push(spread);
    const outlier = (v: number, r: RobustSpread) => r.sigma > 0 && Math.abs(v - r.median) > sigma * r.sigma;
    for (let i = 0; i < per; i++) {
      const isNan = m[i] !== m[i] || s[i] !== s[i];
      const isStuck = s[i] === 0;
      const meanOut = outlier(m[i], spread.mean);
      const stdOut = outlier(s[i], spread.std);
      counts.nan += +isNan;
      counts.stuck += +isStuck;
      counts.mean += +meanOut;
      counts.std += +stdOut;
      if (isNan || isStuck || meanOut || stdOut) {
        mask[lo + i] = 1;
        counts.total++;
      }
    }
  }
  return { mask, counts, sensors: spreads };
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  files().mkdir(paths.dirname(path));
  const tmp = temporaryPath(path);
  pending.add(tmp);
  try {
    files().write(tmp, bytes);
    files().rename(tmp, path);
  } catch (err) {
    files().remove(tmp);
    throw new DataError(`cannot write ${path}: ${(err as Error).message}`);
  } finally {
    pending.delete(tmp);
  }
}

function selectDetectors(config: ExperimentConfig, wanted: string[] | undefined): string[] {
  const configured = Object.keys(config.detectors);
  const origin = config.source ? `${config.source}: ` : '';
  if (!configured.length) throw new ConfigError(`${origin}the config has no detectors, so there is no dark to make`);
  if (!wanted) return configured;
  const unknown = wanted.filter((n) => !configured.includes(n));
  if (unknown.length) throw new ConfigError(`no configured detector ${unknown.map((n) => `"${n}"`).join(', ')} (${origin}configured: ${configured.join(', ')})`);
  if (!wanted.length) throw new ConfigError('no detector selected');
  return [...new Set(wanted)];
}

// How long the shot loop runs before it lets the event loop in (signals, progress).
const YIELD_MS = 50;
const PROGRESS_MS = 100;

/**
 * Averages a dark run per detector of `config` (raw ADU: no dark, no gain) and writes
 * `<out>/<detector>/<run>_<round(start)>.npy` and `<out>/<detector>/masks/<run>_<round(start)>.npy`.
 * Refuses (DataError) a run whose shutter was open on any shot, and existing files, unless `force`.
 */
export async function makeDarks(config: ExperimentConfig, ref: RunRef, options: MakeDarksOptions = {}): Promise<DarkRunResult> {
  const started = performance.now();
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const maskSigma = options.maskSigma ?? 6;
  if (!(typeof maskSigma === 'number' && Number.isFinite(maskSigma) && maskSigma > 0)) {
    throw new ConfigError(`mask sigma must be a positive number, got ${maskSigma}`);
  }
  const names = selectDetectors(config, options.detectors);
  const shutterFilter = config.filters.find((f): f is { shutter: string } => 'shutter' in f);
  const shutterName = shutterFilter?.shutter ?? null;
  if (shutterName === null) warn(`${config.source ?? 'the config'} has no shutter filter: cannot check that the shutter was closed during the dark run`);
  const out = options.out ? paths.resolve(options.out) : defaultDarksFolder(ref.data);

  const run = await openRun(ref.data, {
    run: ref.run,
    detectors: Object.fromEntries(names.map((n) => [n, config.detectors[n].id])),
    values: shutterName === null ? {} : { [shutterName]: config.values[shutterName] },
    evPerAdu: 1,
    warn,
    origin: config.source ?? undefined,
  });
  const accumulators: Variance[] = [];
  const buffers: (WasmArray<'f32'> | WasmArray<'f64'>)[] = [];
  try {
    const where = `${run.path}: run ${run.runNumber}`;
    if (run.startTime === null || !Number.isFinite(run.startTime)) {
      throw new DataError(`${where} has no time_stamp: a dark file is named by the run's start time, so it cannot be written`);
    }
    const stem = `${run.runNumber}_${Math.round(run.startTime)}`;
    let shutter: DarkRunResult['shutter'] = null;
    if (shutterName !== null) {
      const values = run.values[shutterName];
      let open = 0;
      let nan = 0;
      for (let i = 0; i < values.length; i++) {
        if (values[i] > 0) open++;
        else if (values[i] !== values[i]) nan++;
      }
      // An optional value missing from the file reads as NaN: the check would pass unseen.
      if (nan) warn(`${where}: ${shutterName} is NaN on ${nan} of ${values.length} shots: the shutter is not known to be closed there`);
      shutter = { value: shutterName, open, nan };
      if (open && !options.force) {
        throw new DataError(`${where}: the shutter was open (${shutterName} > 0) on ${open} of ${values.length} shots: not a dark run (--force to average it anyway)`);
      }
      if (open) warn(`${where}: the shutter was open (${shutterName} > 0) on ${open} of ${values.length} shots; averaging them anyway (force)`);
    }
    if (run.length < 2) throw new DataError(`${where} has ${run.length} shot(s) with an image in every sensor: a dark and its spread need at least 2`);
    const targets = names.map((n) => ({ name: n, dark: paths.join(out, n, `${stem}.npy`), mask: paths.join(out, n, 'masks', `${stem}.npy`) }));
    if (!options.force) {
      const existing = targets.flatMap((f) => [f.dark, f.mask]).filter((p) => files().stat(p));
      if (existing.length) throw new DataError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} (--force to replace)`);
    }

    const detectors = names.map((n) => run.detectors[n]);
    for (const d of detectors) {
      buffers.push(d.dtype === 'f64' ? new WasmArray('f64', d.size) : new WasmArray('f32', d.size));
      accumulators.push(new Variance());
    }
    await averageShots(run, names, buffers, accumulators, options);

    const result: Record<string, DetectorDark> = {};
    targets.forEach((f, k) => {
      const det = detectors[k];
      const acc = accumulators[k];
      const mean = (acc.mean as { data: Float64Array }).data;
      const std = (acc.std as { data: Float64Array }).data;
      const { mask, counts, sensors } = badPixelMask(mean, std, det.shape, maskSigma);
      const dark = det.dtype === 'f64' ? mean : Float32Array.from(mean);
      writeAtomically(f.dark, encodeNpy(dark, det.shape));
      writeAtomically(f.mask, encodeNpy(mask, det.shape));
      result[f.name] = {
        name: f.name,
        id: det.id,
        dark: f.dark,
        mask: f.mask,
        shape: [...det.shape],
        dtype: det.dtype === 'f64' ? 'float64' : 'float32',
        shots: acc.n,
        pixels: det.size,
        masked: counts,
        sensors,
      };
    });
    return {
      run: run.runNumber,
      source: run.path,
      startTime: run.startTime,
      shots: run.length,
      shutter,
      maskSigma,
      out,
      detectors: result,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const a of accumulators) a.dispose();
    for (const b of buffers) b.dispose();
    run.close();
  }
}

/** Reads every shot of every detector into its reused buffer and accumulates it. */
async function averageShots(
  run: Run,
  names: string[],
  buffers: (WasmArray<'f32'> | WasmArray<'f64'>)[],
  accumulators: Variance[],
  { onProgress, signal }: MakeDarksOptions,
): Promise<void> {
  const total = run.length;
  const start = performance.now();
  let lastProgress = -Infinity;
  const report = (done: number) => {
    const now = performance.now();
    if (!onProgress || (now - lastProgress < PROGRESS_MS && done > 0 && done < total)) return;
    lastProgress = now;
    const elapsedSeconds = (now - start) / 1000;
    const shotsPerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    onProgress({ done, total, elapsedSeconds, shotsPerSecond, etaSeconds: done > 0 ? (total - done) / shotsPerSecond : NaN });
  };
  const detectors = names.map((n) => run.detectors[n]);
  report(0);
  let lastYield = performance.now();
  for (let i = 0; i < total; i++) {
    if (performance.now() - lastYield > YIELD_MS) {
      await nextTurn();
      lastYield = performance.now();
    }
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    detectors.forEach((d, k) => {
      try {
        d.read(i, buffers[k]);
      } catch (err) {
        throw new DataError(`${run.path}: run ${run.runNumber}, shot ${i} (tag ${run.tags[i]}), ${names[k]}: ${(err as Error).message}`);
      }
      accumulators[k].accumulate({ data: buffers[k], shape: d.shape });
    });
    report(i + 1);
  }
}
