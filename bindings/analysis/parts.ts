// A run in parts, for a run too long for one node (docs/config.md, "A run across many nodes"):
// part K of N is the shares (K−1)·W … K·W − 1 of N·W (W workers in each part's process; Plan's
// split: its own shots for mergeable sinks, its blocks of the pixels for P²); `analysePart`
// computes them and `writePart` keeps their sink states in a part file, all or nothing, as
// result files are written; `mergeParts` joins the part files of a run into the result one
// process would have made.
import { ConfigError, DataError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { configHash, validateConfig, type ExperimentConfig } from './config/index.js';
import type { SinkState } from './ops/index.js';
import {
  finishResult,
  shareSeconds,
  goodShots,
  makePlan,
  openConfiguredRun,
  processShots,
  startWorkers,
  type AnalyseOptions,
  type AnalysisResult,
  type Dataset,
  type RunRef,
  type ShareResult,
  type ShareSeconds,
} from './pipeline.js';
import { openResult, writeResult } from './results.js';
import { files, paths } from '../core/files.js';

export const partName = (run: number, part: number, parts: number) => `run_${run}.part${part}of${parts}.h5`;
const PART_FILE = /^run_(\d+)\.part(\d+)of(\d+)\.h5$/;

/** Part K of N of a run: the sink states of its shares, and what the merge checks them against. */
export interface RunPart {
  run: number;
  /** 1 … parts. */
  part: number;
  parts: number;
  /** Its shares are firstShare … firstShare + shares.length − 1 of shareCount. */
  firstShare: number;
  shareCount: number;
  shares: ShareResult[];
  goodShots: number;
  thinning: { maxShots: number | null; step: number };
  /** The run file (or folder of a run in several files) it read. */
  source: string;
  combine: boolean;
  config: ExperimentConfig;
  configHash: string;
}

function checkPart(part: number, parts: number): void {
  if (!(Number.isInteger(parts) && parts >= 1 && Number.isInteger(part) && part >= 1 && part <= parts)) {
    throw new ConfigError(`--part must be K/N with 1 ≤ K ≤ N, got ${part}/${parts}`);
  }
}

/**
 * Analyses part `part` of `parts` of a run with `options.workers` workers (threads of
 * `options.pool`; one worker runs in this thread) and returns its sink states.
 */
export async function analysePart(config: ExperimentConfig, ref: RunRef, part: number, parts: number, options: AnalyseOptions = {}): Promise<RunPart> {
  checkPart(part, parts);
  const workers = options.workers ?? 1;
  if (!(Number.isInteger(workers) && workers >= 1)) throw new ConfigError(`workers must be an integer ≥ 1, got ${workers}`);
  const thinning = { maxShots: options.maxShots ?? config.thinning?.maxShots ?? null, step: options.step ?? config.thinning?.step ?? 1 };
  const shares = { first: (part - 1) * workers, count: parts * workers };
  const combine = options.combine ?? false;
  const opened = await openConfiguredRun(config, ref.data, ref.run, options.warn ?? ((m) => console.warn(m)), { combine });
  try {
    const { good } = goodShots(config, opened, thinning);
    // A run read from several files is opened again (by the merge, by workers) from its folder.
    const source = opened.source.files.length > 1 ? ref.data : opened.path;
    let results: ShareResult[];
    if (workers === 1) {
      const plan = await processShots(config, opened, good, {
        share: { index: shares.first, count: shares.count },
        onProgress: options.onProgress && progressOf(options.onProgress, good.length, shares),
        signal: options.signal,
      });
      try {
        results = [{ states: plan.exportStates(), goodShots: good.length }];
      } finally {
        plan.dispose();
      }
    } else {
      const stop = new AbortController();
      const started = await startWorkers(config, { data: source, run: opened.runNumber }, { data: source, run: opened.runNumber }, workers, thinning, { ...options, combine }, stop.signal, shares);
      const report = options.onProgress && progressOf(options.onProgress, good.length, shares);
      started.onProgress = (done) => report?.(done);
      results = await started.done;
    }
    const differ = results.findIndex((r) => r.goodShots !== good.length);
    if (differ >= 0) throw new DataError(`${opened.path}: run ${opened.runNumber}: a worker found ${results[differ].goodShots} good shots, this thread ${good.length}`);
    return {
      run: opened.runNumber,
      part,
      parts,
      firstShare: shares.first,
      shareCount: shares.count,
      shares: results,
      goodShots: good.length,
      thinning,
      source,
      combine: opened.source.files.length > 1,
      config,
      configHash: await configHash(config),
    };
  } finally {
    opened.close();
  }
}

/** Progress of a part: its own shots done of the shots its shares own. */
function progressOf(onProgress: NonNullable<AnalyseOptions['onProgress']>, good: number, shares: { first: number; count: number }) {
  const start = performance.now();
  let own = 0;
  for (let k = 0; k < good; k++) if (k % shares.count >= shares.first && k % shares.count < shares.first + shares.count) own++;
  return (done: number) => {
    const elapsedSeconds = (performance.now() - start) / 1000;
    const shotsPerSecond = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    onProgress({ done, total: own, elapsedSeconds, shotsPerSecond, etaSeconds: done > 0 ? (own - done) / shotsPerSecond : NaN });
  };
}

// ---- part files: the states' typed arrays as datasets, the rest as JSON in an attribute ----

type Encoded = { $array: string | null; type: string } | { $number: string };
const ARRAYS = { Float32Array, Float64Array, Int32Array, Uint32Array, Uint8Array, Int16Array, Uint16Array, Int8Array } as const;

function encodeStates(shares: ShareResult[]): { datasets: Record<string, Dataset>; json: string } {
  const datasets: Record<string, Dataset> = {};
  let next = 0;
  const json = JSON.stringify(
    shares.map((s) => s.states),
    function (this: unknown, _key, value: unknown) {
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        const type = value.constructor.name;
        if (!(type in ARRAYS)) throw new TypeError(`a sink state holds a ${type}, which part files do not store`);
        const array = value as unknown as ArrayLike<number>;
        // h5wasm writes no empty datasets: an empty array is only named.
        if (array.length === 0) return { $array: null, type } satisfies Encoded;
        const name = `state_${next++}`;
        datasets[name] = { data: value as unknown as Dataset['data'], shape: [array.length] };
        return { $array: name, type } satisfies Encoded;
      }
      if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) } satisfies Encoded;
      return value;
    },
  );
  return { datasets, json };
}

function decodeStates(json: string, read: (name: string) => ArrayLike<number>): (SinkState | null)[][] {
  return JSON.parse(json, (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$array' in value) {
      const { $array, type } = value as { $array: string | null; type: keyof typeof ARRAYS };
      const Type = ARRAYS[type];
      if (!Type) throw new DataError(`a part file names an array of type ${type}`);
      return $array === null ? new Type(0) : Type.from(read($array));
    }
    if (value && typeof value === 'object' && '$number' in value) return Number((value as { $number: string }).$number);
    return value;
  });
}

/** Writes part `part` of a run as OUT/run_<N>.part<K>of<N>.h5 (all or nothing); returns its path. */
export async function writePart(outDir: string, part: RunPart): Promise<string> {
  const { datasets, json } = encodeStates(part.shares);
  const attrs: Record<string, string | number> = {
    kind: 'sacla-analysis part file',
    run: part.run,
    part: part.part,
    parts: part.parts,
    first_share: part.firstShare,
    share_count: part.shareCount,
    good_shots: part.goodShots,
    thinning: JSON.stringify(part.thinning),
    source: part.source,
    combine: part.combine ? 1 : 0,
    config: JSON.stringify({ ...part.config, source: undefined }),
    config_file: part.config.source ?? 'none',
    config_hash: part.configHash,
    version: VERSION,
    created: new Date().toISOString(),
    states: json,
  };
  return writeResult(outDir, { run: part.run, outputs: datasets, attrs }, partName(part.run, part.part, part.parts));
}

/** Reads a part file back. */
export async function readPart(path: string): Promise<RunPart> {
  const file = await openResult(path);
  try {
    const a = file.attrs;
    if (a.kind !== 'sacla-analysis part file') throw new DataError(`${path}: not a part file of sacla analyse --part`);
    const config = validateConfig(JSON.parse(String(a.config)), `${path}: its config`);
    if (a.config_file !== 'none') config.source = String(a.config_file);
    const states = decodeStates(String(a.states), (name) => file.read(name).data);
    return {
      run: Number(a.run),
      part: Number(a.part),
      parts: Number(a.parts),
      firstShare: Number(a.first_share),
      shareCount: Number(a.share_count),
      shares: states.map((s) => ({ states: s, goodShots: Number(a.good_shots) })),
      goodShots: Number(a.good_shots),
      thinning: JSON.parse(String(a.thinning)),
      source: String(a.source),
      combine: Number(a.combine) === 1,
      config,
      configHash: String(a.config_hash),
    };
  } finally {
    file.close();
  }
}

/** The part files of run `run` in a folder, by part number (all of one N). */
export function partFiles(outDir: string, run: number): string[] {
  const found = files()
    .list(outDir)
    .map((name) => PART_FILE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === run);
  if (!found.length) throw new ConfigError(`${outDir}: no part files of run ${run} (run_${run}.part<K>of<N>.h5, from sacla analyse --part)`);
  const counts = [...new Set(found.map((m) => Number(m[3])))];
  if (counts.length > 1) throw new DataError(`${outDir}: run ${run} has part files of ${counts.join(' and ')} parts: remove those of the other split`);
  return found.sort((a, b) => Number(a[2]) - Number(b[2])).map((m) => paths.join(outDir, m[0]));
}

/**
 * Joins the parts of a run (every part 1 … N of one split, the same config) into the result one
 * process would have made: the run is opened again for its values and the filters' report.
 */
export async function mergeParts(parts: RunPart[], options: Pick<AnalyseOptions, 'warn'> = {}): Promise<AnalysisResult> {
  const started = performance.now();
  if (!parts.length) throw new ConfigError('no parts to merge');
  const first = parts[0];
  const where = (p: RunPart) => `run ${first.run}: part ${p.part} of ${p.parts}`;
  for (const p of parts) {
    const other = `part ${first.part} of ${first.parts}`;
    if (p.run !== first.run) throw new DataError(`${where(p)} is a part of run ${p.run}`);
    if (p.configHash !== first.configHash) throw new DataError(`${where(p)} was made with another config (config_hash ${p.configHash.slice(0, 12)}, ${other} ${first.configHash.slice(0, 12)})`);
    if (p.parts !== first.parts || p.shareCount !== first.shareCount) throw new DataError(`${where(p)} is of another split than ${other}`);
    if (JSON.stringify(p.thinning) !== JSON.stringify(first.thinning)) throw new DataError(`${where(p)} thinned the shots otherwise than ${other}`);
    if (p.goodShots !== first.goodShots) throw new DataError(`${where(p)} found ${p.goodShots} good shots, ${other} ${first.goodShots}: was the run file changed?`);
  }
  const byPart = new Map(parts.map((p) => [p.part, p]));
  const missing = Array.from({ length: first.parts }, (_, k) => k + 1).filter((k) => !byPart.has(k));
  if (missing.length || byPart.size !== parts.length) {
    throw new DataError(`run ${first.run}: ${missing.length ? `part${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${first.parts} missing` : 'a part is given twice'}`);
  }
  const states: (SinkState | null)[][] = new Array(first.shareCount);
  const seconds: ShareSeconds[] = new Array(first.shareCount);
  for (const p of parts) {
    p.shares.forEach((s, w) => {
      states[p.firstShare + w] = s.states;
      seconds[p.firstShare + w] = shareSeconds(s);
    });
  }
  if (states.some((s) => !s)) throw new DataError(`run ${first.run}: the parts do not hold every share of the split`);
  const config = first.config;
  const opened = await openConfiguredRun(config, first.source, first.run, options.warn ?? ((m) => console.warn(m)), { combine: first.combine });
  try {
    const { thinning } = first;
    const { good, outcomes } = goodShots(config, opened, thinning);
    if (good.length !== first.goodShots) throw new DataError(`${opened.path}: run ${first.run} has ${good.length} good shots now, the parts found ${first.goodShots}: was the run file changed?`);
    // The shots were analysed by the parts' jobs: here the states are in once the run is open.
    const openedAt = performance.now();
    const plan = await makePlan(config, opened, good.length);
    try {
      plan.merge(states);
    } catch (err) {
      plan.dispose();
      throw err;
    }
    const marks = { opened: openedAt, statesIn: openedAt, merged: performance.now(), shares: seconds };
    const result = await finishResult(config, opened, good, outcomes, thinning, plan, first.shareCount, started, options.warn ?? ((m) => console.warn(m)), marks);
    result.attrs.parts = first.parts;
    return result;
  } finally {
    opened.close();
  }
}
