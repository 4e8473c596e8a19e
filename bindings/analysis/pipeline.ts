// analyseRun: a run in, its results out (docs/config.md): open the
// run, filter and thin its shots, stream the good shots through the plan (in this thread or
// split across worker threads), and collect every output, constant and value.
import { openRun, type Run, type OpenRunOptions } from '../data/run.js';
import type { ValueSpec } from '../data/calibration.js';
import { loadMask } from '../data/darks.js';
import { DataError, ConfigError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { applyFilters, nanEffect, thin, type FilterOutcome } from './filters.js';
import { Plan, type PlanContext } from './plan.js';
import type { Dataset, SinkState } from './ops/index.js';
import { configHash, constantValue, maskFiles, toRunOptions, type ExperimentConfig } from './config/index.js';

export type { Dataset };

/** A run to analyse: a folder of run files (or one run file) and the run number. */
export interface RunRef {
  data: string;
  run: number;
}

export interface Progress {
  done: number;
  total: number;
  elapsedSeconds: number;
  shotsPerSecond: number;
  /** Seconds left at the current rate (NaN before the first shot). */
  etaSeconds: number;
}

export interface AnalyseOptions {
  /** Worker threads (default 1; `sacla analyse` defaults to the number of cores). */
  workers?: number;
  /** Keep every `step`-th of the first `maxShots` good shots (default: the config's thinning). */
  maxShots?: number | null;
  step?: number;
  onProgress?: (progress: Progress) => void;
  /** Notices (missing tags, no dark, ...); default console.warn. */
  warn?: (message: string) => void;
  signal?: AbortSignal;
  /** The config file, for worker threads to load when the config holds functions (`.mjs`). */
  configPath?: string;
  /** Read a run split into several files of the data folder from all of them. */
  combine?: boolean;
  /**
   * Runs a share of the shots in each of `job.workers` workers and returns their sink states.
   * Default: Node worker threads (bindings/parallel/pool.ts); the web app passes Web Workers.
   */
  pool?: WorkerPool;
  /**
   * The outputs so far (every dataset of the result, `after` applied), about once a second
   * while shots remain: for live plots.
   */
  onPreview?: (outputs: Record<string, Dataset>) => void;
}

/** A run split across workers: what each needs to open the run and which shots are its. */
export interface ParallelJob {
  /** The validated config, sent to the workers as it is (a structured clone)... */
  config: unknown;
  /** ...or, when it holds functions (an .mjs config), loaded by each worker from its file. */
  configPath: string | null;
  /** The folder relative dark paths of that file resolve against. */
  dataDir: string | null;
  /** The run file, or for a run read from several files their folder (with `combine`). */
  runFile: string;
  combine?: boolean;
  run: number;
  /** Good shots, in order; worker w takes shots w, w + N, w + 2N, ... */
  shots: Uint32Array;
  workers: number;
}

/**
 * Runs a share of the shots in each of `job.workers` workers and returns their sink states;
 * `onPartial`, when given, receives the workers' latest partial states now and then.
 */
export type WorkerPool = (
  job: ParallelJob,
  onProgress: (done: number) => void,
  signal?: AbortSignal,
  onPartial?: (parts: SinkState[][]) => void,
) => Promise<SinkState[][]>;


const PREVIEW_MS = 1000;

export interface AnalysisResult {
  run: number;
  /** The run file analysed. */
  source: string;
  /** Every root dataset of the result file: outputs, constants, values of the good shots, tag, runNR. */
  outputs: Record<string, Dataset>;
  shotsInRun: number;
  goodShots: number;
  filters: FilterOutcome[];
  workers: number;
  seconds: number;
  config: ExperimentConfig;
  configHash: string;
  /** Root attributes of the result file. */
  attrs: Record<string, string | number>;
}

function checkThinning(maxShots: number | null | undefined, step: number | undefined): { maxShots: number | null; step: number } {
  if (maxShots !== null && maxShots !== undefined && !(Number.isInteger(maxShots) && maxShots >= 1)) {
    throw new ConfigError(`max shots must be an integer ≥ 1, got ${maxShots}`);
  }
  if (step !== undefined && !(Number.isInteger(step) && step >= 1)) throw new ConfigError(`step must be an integer ≥ 1, got ${step}`);
  return { maxShots: maxShots ?? null, step: step ?? 1 };
}

/** Opens the run a config describes (detectors, values, darks). */
export function openConfiguredRun(
  config: ExperimentConfig,
  path: string,
  run: number,
  warn?: (m: string) => void,
  { combine = false }: { combine?: boolean } = {},
): Promise<Run> {
  const options: OpenRunOptions = { ...toRunOptions(config), run, warn, combine };
  return openRun(path, options);
}

/** The constants of a config as datasets. */
export function constantDatasets(config: ExperimentConfig): Record<string, Dataset> {
  return Object.fromEntries(
    Object.entries(config.constants ?? {}).map(([name, constant]) => {
      const data = constantValue(constant);
      return [name, { data, shape: [data.length] }];
    }),
  );
}

/** What the plan needs of an open run: its detectors' shapes, dtypes and geometry, and the config's masks. */
export async function planContext(config: ExperimentConfig, run: Run): Promise<PlanContext> {
  const detectors = Object.fromEntries(
    Object.entries(run.detectors).map(([name, d]) => [name, { shape: d.shape, size: d.size, dtype: d.dtype, geometry: () => d.geometry }]),
  );
  const masks: PlanContext['masks'] = {};
  for (const file of maskFiles(config)) masks[file] = await loadMask(file, run);
  return { detectors, masks };
}

/** The plan of a config for an open run, checked against the run's detectors. */
export async function makePlan(config: ExperimentConfig, run: Run): Promise<Plan> {
  const plan = new Plan(config.outputs, await planContext(config, run));
  try {
    plan.check();
  } catch (err) {
    plan.dispose();
    const origin = config.source ? `${config.source}: ` : '';
    throw new DataError(`${origin}${(err as Error).message} — in run ${run.runNumber} (${run.path})`);
  }
  return plan;
}

// How long the shot loop runs before it lets the event loop in (signals, progress, workers).
const YIELD_MS = 50;
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export interface ShotLoopOptions {
  /** Shots done so far: at most every `progressMs` (default: every shot), and after the last. */
  onProgress?: (done: number) => void;
  progressMs?: number;
  /** The plan so far, every `partialMs` (default 1000) while shots remain: for live previews. */
  onPartial?: (plan: Plan) => void;
  partialMs?: number;
  signal?: AbortSignal;
}

/**
 * Streams `shots` of an open run through a fresh plan; returns the plan (the caller disposes
 * it). Worker threads (Node and browser) run this on their share of a run.
 */
export async function processShots(
  config: ExperimentConfig,
  run: Run,
  shots: ArrayLike<number>,
  { onProgress, progressMs = 0, onPartial, partialMs = 1000, signal }: ShotLoopOptions = {},
): Promise<Plan> {
  const plan = await makePlan(config, run);
  try {
    let lastYield = performance.now();
    let lastProgress = -Infinity;
    let lastPartial = lastYield;
    for (let k = 0; k < shots.length; k++) {
      const now = performance.now();
      if (now - lastYield > YIELD_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (onPartial && now - lastPartial >= partialMs) {
        onPartial(plan);
        lastPartial = now;
      }
      try {
        plan.process(run, shots[k]);
      } catch (err) {
        throw new DataError(`${run.path}: run ${run.runNumber}, shot ${shots[k]} (tag ${run.tags[shots[k]]}): ${(err as Error).message}`);
      }
      if (onProgress && (now - lastProgress >= progressMs || k + 1 === shots.length)) {
        onProgress(k + 1);
        lastProgress = now;
      }
    }
    return plan;
  } catch (err) {
    plan.dispose();
    throw err;
  }
}

/** The config as workers get it: itself (structured-cloned on the way), or null when it holds functions (workers load its file). */
function forWorkers(config: ExperimentConfig, configPath: string | undefined): ExperimentConfig | null {
  try {
    structuredClone(config);
    return config;
  } catch {
    if (configPath) return null;
    throw new ConfigError('this config holds functions, which cannot be sent to workers: load it from a file (configPath) or use 1 worker');
  }
}

function progressReporter(total: number, onProgress?: (p: Progress) => void) {
  const start = performance.now();
  let last = 0;
  return (done: number, force = false) => {
    if (!onProgress) return;
    const now = performance.now();
    // At most ~10 reports a second: progress is for people.
    if (!force && now - last < 100 && done < total) return;
    last = now;
    const elapsedSeconds = (now - start) / 1000;
    const shotsPerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    onProgress({ done, total, elapsedSeconds, shotsPerSecond, etaSeconds: done > 0 ? (total - done) / shotsPerSecond : NaN });
  };
}

/**
 * Analyses one run with a validated config (`loadConfig`). `run` is an open Run (analysed in
 * this thread) or `{data, run}`. Returns every dataset of the result file and its attributes;
 * `writeResult` writes them.
 */
export async function analyseRun(config: ExperimentConfig, run: Run | RunRef, options: AnalyseOptions = {}): Promise<AnalysisResult> {
  const started = performance.now();
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const thinning = checkThinning(options.maxShots ?? config.thinning?.maxShots, options.step ?? config.thinning?.step);
  const requested = options.workers ?? 1;
  if (!(Number.isInteger(requested) && requested >= 1)) throw new ConfigError(`workers must be an integer ≥ 1, got ${requested}`);
  const ref = 'data' in run && typeof (run as RunRef).data === 'string' ? (run as RunRef) : null;
  const opened = ref ? await openConfiguredRun(config, ref.data, ref.run, warn, { combine: options.combine }) : (run as Run);
  try {
    const { good: filtered, outcomes } = applyFilters(config.filters, opened.values, opened.length);
    for (const o of outcomes) {
      if (o.nan) warn(`run ${opened.runNumber}: filter ${o.kind} on ${o.value}: ${o.nan} shot(s) have a NaN value; ${nanEffect(o)}`);
    }
    const good = thin(filtered, thinning);
    const report = progressReporter(good.length, options.onProgress);
    report(0, true);
    const workers = Math.max(1, Math.min(requested, good.length));
    let plan: Plan;
    const preview = options.onPreview;
    if (workers === 1) {
      const onPartial = preview && ((p: Plan) => preview({ ...constantDatasets(config), ...p.datasets() }));
      plan = await processShots(config, opened, good, { onProgress: report, signal: options.signal, onPartial, partialMs: PREVIEW_MS });
    } else {
      plan = await makePlan(config, opened);
      const context = preview ? await planContext(config, opened) : null;
      let lastPreview = performance.now();
      const onPartial =
        preview &&
        ((parts: SinkState[][]) => {
          const now = performance.now();
          if (now - lastPreview < PREVIEW_MS) return;
          lastPreview = now;
          const partial = new Plan(config.outputs, context!);
          try {
            partial.merge(parts);
            preview({ ...constantDatasets(config), ...partial.datasets() });
          } finally {
            partial.dispose();
          }
        });
      try {
        if (!options.pool) {
          throw new ConfigError(`${workers} workers need a pool of them: use analyseRun of 'sacla-analysis/node' (worker threads) or pass options.pool`);
        }
        const parts: SinkState[][] = await options.pool(
          {
            config: forWorkers(config, options.configPath),
            configPath: options.configPath ?? null,
            dataDir: ref ? ref.data : null,
            // A run read from several files is opened by the workers from its folder.
            runFile: opened.source.files.length > 1 && ref ? ref.data : opened.path,
            combine: opened.source.files.length > 1,
            run: opened.runNumber,
            shots: good,
            workers,
          },
          (done) => report(done),
          options.signal,
          onPartial,
        );
        plan.merge(parts);
      } catch (err) {
        plan.dispose();
        throw err;
      }
    }
    report(good.length, true);
    let outputs: Record<string, Dataset>;
    try {
      outputs = collect(config, opened, plan, good);
    } finally {
      plan.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const hash = await configHash(config);
    const attrs: Record<string, string | number> = {
      run: opened.runNumber,
      // The config as a file would hold it (where it was read from is `config_file`).
      config: JSON.stringify({ ...config, source: undefined }),
      config_file: config.source ?? 'none',
      config_hash: hash,
      version: VERSION,
      created: new Date().toISOString(),
      source: opened.path,
      run_start: opened.startTime ?? NaN,
      run_end: opened.endTime ?? NaN,
      shots_in_run: opened.length,
      good_shots: good.length,
      filters: JSON.stringify(outcomes),
      thinning: JSON.stringify(thinning),
      workers,
    };
    for (const o of outcomes) attrs[`removed_by_${o.kind}_${o.value}`] = o.removed;
    for (const [name, d] of Object.entries(opened.detectors)) {
      attrs[`dark_${name}`] = d.darkPath ?? (d.dark ? 'an array given by the caller' : 'none');
      attrs[`detector_${name}`] = JSON.stringify({
        id: d.id,
        sensors: d.layout.sensors.map((s) => s.name),
        groups: d.layout.sensors.map((s) => s.group),
        shape: d.shape,
        evPerAdu: d.evPerAdu,
      });
    }
    return {
      run: opened.runNumber,
      source: opened.path,
      outputs,
      shotsInRun: opened.length,
      goodShots: good.length,
      filters: outcomes,
      workers,
      seconds,
      config,
      configHash: hash,
      attrs,
    };
  } finally {
    if (opened !== run) opened.close();
  }
}

/** Outputs (with their `after` transforms), constants, values of the good shots, tag, runNR. */
function collect(config: ExperimentConfig, run: Run, plan: Plan, good: Uint32Array): Record<string, Dataset> {
  const out: Record<string, Dataset> = {};
  for (const [name, values] of Object.entries(run.values)) {
    out[name] = { data: Float64Array.from(good, (i) => values[i]), shape: [good.length] };
  }
  out.runNR = { data: Int32Array.of(run.runNumber), shape: [] };
  Object.assign(out, constantDatasets(config), plan.datasets());
  return out;
}

export type { ValueSpec };
