// analyseRun: a run in, its results out (docs/config.md): open the
// run, filter and thin its shots, stream the good shots through the plan (in this thread or
// split across worker threads), and collect every output, constant and value.
import { nextTurn } from '../core/turn.js';
import { openRun, type Run, type OpenRunOptions } from '../data/run.js';
import type { ValueSpec } from '../data/calibration.js';
import { loadMask } from '../data/darks.js';
import { DataError, ConfigError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { applyFilters, nanEffect, thin, type FilterOutcome } from './filters.js';
import { resolveRun } from '../data/runfile.js';
import { describeResult, type ResultDescription } from './describe.js';
import { Plan, type PlanContext, type PlanShare } from './plan.js';
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
   * With several workers, run one of the shares in this thread and start one worker fewer (a
   * thread that needs no start-up: the Node entry's default; not in a page, whose main thread
   * draws: a browser's analysis worker may).
   */
  shareInThisThread?: boolean;
  /**
   * With shareInThisThread: called before each shot of the share run in this thread with its
   * plan (a reference, nothing copied), so that a live preview can ask it for its states as it
   * asks the workers; with null once the share is done (the plan is then disposed).
   */
  onSharePlan?: (plan: Plan | null) => void;
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
  /** How the good shots are thinned (each worker filters and thins the run itself, as the main thread does). */
  thinning: { maxShots: number | null; step: number };
  /** Workers to start: worker w takes the share `firstShare + w` of `shareCount` (Plan's split). */
  workers: number;
  firstShare: number;
  shareCount: number;
}

/** What a worker sends back: its sinks' states, and how many good shots it found (the main thread's check). */
export interface ShareResult {
  states: (SinkState | null)[];
  goodShots: number;
  /** Where its time went (absent from part files and from pools that do not say). */
  seconds?: ShareSeconds;
}

/** Where a share's time went, in its own thread (seconds). */
export interface ShareSeconds {
  /** Opening the run and picking its good shots. */
  open: number;
  /** Its plan made and checked on empty images, then its shots. */
  shots: number;
}

/**
 * Where the time of an analysis went, as this thread saw it (seconds; they add up to
 * `AnalysisResult.seconds`), and each share's own open and shots: what bounds a run's speed
 * (docs/config.md, "Where the time goes").
 */
export interface AnalysisPhases {
  /** Opening the run and picking its good shots in this thread (workers open it meanwhile). */
  open: number;
  /** Until every share's states were in: the plans' checks and the shots, here and in the workers. */
  shots: number;
  /** The shares' states merged into one plan (0 for a run in one thread). */
  merge: number;
  /** The result: the top-k's shots read again for their payloads, the `after` chains, every dataset. */
  result: number;
  /** Each share's own open and shots, share 0 first (NaN where a pool did not say). */
  shares: ShareSeconds[];
}

/** A share's seconds, NaN where its pool (or its part file) did not say. */
export function shareSeconds(result: ShareResult): ShareSeconds {
  return result.seconds ?? { open: NaN, shots: NaN };
}

/** When an analysis reached each phase's end (performance.now() of this thread) and its shares' seconds. */
export interface PhaseMarks {
  opened: number;
  statesIn: number;
  merged: number;
  shares: ShareSeconds[];
}

/** Runs worker w of `job.workers` in each of them and returns their sink states, worker 0 first. */
export type WorkerPool = (job: ParallelJob, onProgress: (done: number) => void, signal?: AbortSignal) => Promise<ShareResult[]>;

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
  /** Where those seconds went. */
  phases: AnalysisPhases;
  config: ExperimentConfig;
  configHash: string;
  /** Root attributes of the result file. */
  attrs: Record<string, string | number>;
  /** The datasets' units and how each output is plotted (the result file's NXdata groups). */
  description: ResultDescription;
}

function checkThinning(maxShots: number | null | undefined, step: number | undefined): { maxShots: number | null; step: number } {
  if (maxShots !== null && maxShots !== undefined && !(Number.isInteger(maxShots) && maxShots >= 1)) {
    throw new ConfigError(`max shots must be an integer ≥ 1, got ${maxShots}`);
  }
  if (step !== undefined && !(Number.isInteger(step) && step >= 1)) throw new ConfigError(`step must be an integer ≥ 1, got ${step}`);
  return { maxShots: maxShots ?? null, step: step ?? 1 };
}

/** The good shots of an open run: its filters applied in order, then the thinning. */
export function goodShots(config: ExperimentConfig, run: Run, thinning: { maxShots: number | null; step: number }): { good: Uint32Array; outcomes: FilterOutcome[] } {
  const { good, outcomes } = applyFilters(config.filters, run.values, run.length);
  return { good: thin(good, thinning), outcomes };
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
export async function makePlan(config: ExperimentConfig, run: Run, shots?: number, share?: PlanShare): Promise<Plan> {
  const plan = new Plan(config.outputs, { ...(await planContext(config, run)), shots }, share);
  try {
    plan.check();
  } catch (err) {
    plan.dispose();
    const origin = config.source ? `${config.source}: ` : '';
    throw new (err instanceof ConfigError ? ConfigError : DataError)(`${origin}${(err as Error).message} — in run ${run.runNumber} (${run.path})`);
  }
  return plan;
}

// How long the shot loop runs before it lets the event loop in (signals, progress, workers).
const YIELD_MS = 50;

export interface ShotLoopOptions {
  /** The worker's part of the run (default: the whole run). */
  share?: PlanShare;
  /** Own shots done so far: at most every `progressMs` (default: every shot), and after the last. */
  onProgress?: (done: number) => void;
  progressMs?: number;
  /** The plan so far, every `partialMs` (default 1000) while shots remain: for live previews. */
  onPartial?: (plan: Plan) => void;
  partialMs?: number;
  signal?: AbortSignal;
}

/**
 * Streams `shots` of an open run through a fresh plan; returns the plan (the caller disposes
 * it). Worker threads (Node and browser) run this on their share of a run: the shots are then
 * all good shots of the run, in order, and worker w's own are w, w + N, w + 2N, … (the others
 * only feed its blocks of the pixels and the sinks it feeds whole, when it has any).
 */
export async function processShots(
  config: ExperimentConfig,
  run: Run,
  shots: ArrayLike<number>,
  { share = { index: 0, count: 1 }, onProgress, progressMs = 0, onPartial, partialMs = 1000, signal }: ShotLoopOptions = {},
): Promise<Plan> {
  const plan = await makePlan(config, run, shots.length, share);
  try {
    let lastYield = performance.now();
    let lastProgress = -Infinity;
    let lastPartial = lastYield;
    const everyShot = plan.needsEveryShot;
    const ownShots = Math.ceil((shots.length - share.index) / share.count);
    let done = 0;
    for (let k = 0; k < shots.length; k++) {
      const own = k % share.count === share.index;
      if (!own && !everyShot) continue;
      const now = performance.now();
      if (now - lastYield > YIELD_MS) {
        await nextTurn();
        lastYield = performance.now();
      }
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (onPartial && now - lastPartial >= partialMs) {
        onPartial(plan);
        lastPartial = now;
      }
      try {
        plan.process(run, shots[k], own);
      } catch (err) {
        // Readers' messages start with the file they read; say it once.
        const message = (err as Error).message.replace(`${run.path}: `, '');
        throw new DataError(`${run.path}: run ${run.runNumber}, shot ${shots[k]} (tag ${run.tags[shots[k]]}): ${message}`);
      }
      if (own) done++;
      if (onProgress && own && (now - lastProgress >= progressMs || done === ownShots)) {
        onProgress(done);
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
  // Workers start first: each opens the run and picks its good shots itself, while this thread
  // does the same for the filters' report, the values and the merge (docs/config.md, "Parallel runs").
  const stopWorkers = new AbortController();
  const local = requested > 1 && options.shareInThisThread === true;
  const pooled =
    requested > 1
      ? await startWorkers(config, run, ref, local ? requested - 1 : requested, thinning, options, stopWorkers.signal, { first: local ? 1 : 0, count: requested })
      : null;
  let opened: Run | null = null;
  try {
    opened = ref ? await openConfiguredRun(config, ref.data, pooled?.run ?? ref.run, warn, { combine: options.combine }) : (run as Run);
    const { good, outcomes } = goodShots(config, opened, thinning);
    const openedAt = performance.now();
    for (const o of outcomes) {
      if (o.nan) warn(`run ${opened.runNumber}: filter ${o.kind} on ${o.value}: ${o.nan} shot(s) have a NaN value; ${nanEffect(o)}`);
    }
    const report = progressReporter(good.length, options.onProgress);
    report(0, true);
    const workers = requested;
    const openSeconds = (openedAt - started) / 1000;
    let plan: Plan;
    let marks: PhaseMarks;
    if (!pooled) {
      plan = await processShots(config, opened, good, { onProgress: report, signal: options.signal });
      const done = performance.now();
      marks = { opened: openedAt, statesIn: done, merged: done, shares: [{ open: openSeconds, shots: (done - openedAt) / 1000 }] };
    } else if (local) {
      // Share 0 here, the others in the workers: one thread fewer to start.
      let ownDone = 0;
      let workersDone = 0;
      pooled.onProgress = (done) => report((workersDone = done) + ownDone);
      const own = await processShots(config, opened, good, {
        share: { index: 0, count: requested },
        onProgress: (done) => report(workersDone + (ownDone = done)),
        signal: options.signal,
        onPartial: options.onSharePlan,
        partialMs: 0,
      }).finally(() => options.onSharePlan?.(null));
      const ownShots = (performance.now() - openedAt) / 1000;
      try {
        const parts = await pooled.done;
        const statesIn = performance.now();
        plan = await mergedPlan(config, opened, good, own, parts);
        marks = { opened: openedAt, statesIn, merged: performance.now(), shares: [{ open: openSeconds, shots: ownShots }, ...parts.map(shareSeconds)] };
      } finally {
        own.dispose();
      }
    } else {
      plan = await makePlan(config, opened, good.length);
      try {
        pooled.onProgress = report;
        const parts = await pooled.done;
        const statesIn = performance.now();
        const differ = parts.findIndex((p) => p.goodShots !== good.length);
        if (differ >= 0) {
          throw new DataError(`${opened.path}: run ${opened.runNumber}: worker ${differ} found ${parts[differ].goodShots} good shots, this thread ${good.length}: did the run file change while it was analysed?`);
        }
        plan.merge(parts.map((p) => p.states));
        marks = { opened: openedAt, statesIn, merged: performance.now(), shares: parts.map(shareSeconds) };
      } catch (err) {
        plan.dispose();
        throw err;
      }
    }
    report(good.length, true);
    return await finishResult(config, opened, good, outcomes, thinning, plan, workers, started, warn, marks);
  } catch (err) {
    stopWorkers.abort(err);
    await pooled?.done.catch(() => {});
    throw err;
  } finally {
    if (opened && opened !== run) opened.close();
  }
}

/**
 * A plan of the whole run with the shares merged into it: share 0 (`own`, run in this thread,
 * whose sinks split by shots it takes over) and the states of shares 1, 2, … (`parts`). It feeds
 * no shot, so its steps are not run on a probe image first (`check`): the shares did that.
 */
async function mergedPlan(config: ExperimentConfig, opened: Run, good: Uint32Array, own: Plan, parts: ShareResult[]): Promise<Plan> {
  const differ = parts.findIndex((p) => p.goodShots !== good.length);
  if (differ >= 0) {
    throw new DataError(`${opened.path}: run ${opened.runNumber}: share ${differ + 1} found ${parts[differ].goodShots} good shots, this thread ${good.length}: did the run file change while it was analysed?`);
  }
  const plan = new Plan(config.outputs, { ...(await planContext(config, opened)), shots: good.length, memory: null });
  try {
    plan.merge(parts.map((p) => p.states), own);
  } catch (err) {
    plan.dispose();
    throw err;
  }
  return plan;
}

/**
 * The result of a run whose plan has seen (or merged) every good shot: every output, constant and
 * value, and the result file's attributes. Disposes the plan.
 */
export async function finishResult(
  config: ExperimentConfig,
  opened: Run,
  good: Uint32Array,
  outcomes: FilterOutcome[],
  thinning: { maxShots: number | null; step: number },
  plan: Plan,
  workers: number,
  started: number,
  warn: (message: string) => void,
  marks: PhaseMarks,
): Promise<AnalysisResult> {
  let outputs: Record<string, Dataset>;
  try {
    outputs = collect(config, opened, plan, good);
  } finally {
    plan.dispose();
  }
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  const phases: AnalysisPhases = {
    open: (marks.opened - started) / 1000,
    shots: (marks.statesIn - marks.opened) / 1000,
    merge: (marks.merged - marks.statesIn) / 1000,
    result: (finished - marks.merged) / 1000,
    shares: marks.shares,
  };
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
    // The dark's time (from its name) beside its path: how far from the run it was taken, 'unknown' for a name without one.
    attrs[`dark_${name}_time`] = d.darkTime !== null ? new Date(d.darkTime * 1000).toISOString() : d.dark ? 'unknown' : 'none';
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
    phases,
    config,
    configHash: hash,
    attrs,
    description: describeResult(config, outputs, Object.keys(opened.detectors), warn),
  };
}

/** Workers started on a run: their sink states once done; progress routed to what the caller sets. */
export interface StartedWorkers {
  run: number;
  done: Promise<ShareResult[]>;
  onProgress: (done: number) => void;
}

/** Starts `workers` workers of options.pool on a run (its number resolved first, so that all open the same run). */
export async function startWorkers(
  config: ExperimentConfig,
  run: Run | RunRef,
  ref: RunRef | null,
  workers: number,
  thinning: { maxShots: number | null; step: number },
  options: AnalyseOptions,
  stop: AbortSignal,
  shares = { first: 0, count: workers },
): Promise<StartedWorkers> {
  if (!options.pool) {
    throw new ConfigError(`${workers} workers need a pool of them: use analyseRun of 'sacla-analysis/node' (worker threads) or pass options.pool`);
  }
  const open = ref ? null : (run as Run);
  const combine = ref ? (options.combine ?? false) : open!.source.files.length > 1;
  const number = ref ? (await resolveRun(ref.data, ref.run, { combine })).run : open!.runNumber;
  const signal = options.signal ? AbortSignal.any([options.signal, stop]) : stop;
  const started: StartedWorkers = { run: number, done: Promise.resolve([]), onProgress: () => {} };
  started.done = options.pool(
    {
      config: forWorkers(config, options.configPath),
      configPath: options.configPath ?? null,
      dataDir: ref ? ref.data : null,
      // A run read from several files is opened by the workers from its folder.
      runFile: ref ? ref.data : open!.path,
      combine,
      run: number,
      thinning,
      workers,
      firstShare: shares.first,
      shareCount: shares.count,
    },
    (done) => started.onProgress(done),
    signal,
  );
  // Until the main thread awaits it, a failure is held, not thrown.
  started.done.catch(() => {});
  return started;
}

/** Outputs (with their `after` transforms), constants, values of the good shots, tag, runNR. */
function collect(config: ExperimentConfig, run: Run, plan: Plan, good: Uint32Array): Record<string, Dataset> {
  const out: Record<string, Dataset> = {};
  for (const [name, values] of Object.entries(run.values)) {
    out[name] = { data: Float64Array.from(good, (i) => values[i]), shape: [good.length] };
  }
  out.runNR = { data: Int32Array.of(run.runNumber), shape: [] };
  plan.fillPayloads(run);
  Object.assign(out, constantDatasets(config), plan.datasets());
  return out;
}

export type { ValueSpec };
