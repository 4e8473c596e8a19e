// Result files (docs/config.md, "The result file"): plain root datasets and attributes, readable
// by h5py without this package; OUT/run_<N>.h5, written under a temporary name and renamed, so a
// crash or an interrupt never leaves a half file under the final name; the files of a folder,
// in run order.
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { DataError } from '../core/errors.js';
import { files, paths, temporaryPath } from '../core/files.js';
import { loadH5 } from '../data/h5.js';
import type { AnalysisResult, Dataset } from './pipeline.js';

export const resultName = (run: number) => `run_${run}.h5`;

export type ResultContent = Pick<AnalysisResult, 'run' | 'outputs' | 'attrs'>;

/** The datasets and attributes of a result into an open, writable h5wasm file. */
export function fillResultFile(file: H5File, result: ResultContent): void {
  for (const [name, { data, shape }] of Object.entries(result.outputs)) file.create_dataset({ name, data, shape });
  for (const [name, value] of Object.entries(result.attrs)) file.create_attribute(name, value);
}

/** A dataset's value as numbers: int64 (BigInt) values become float64 (exact below 2^53). */
function numeric(value: unknown, what: string): Dataset['data'] {
  if (typeof value === 'number' || typeof value === 'bigint') return Float64Array.of(Number(value));
  if (value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Float64Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return Float64Array.from(value);
  throw new DataError(`${what}: not a numeric dataset`);
}

/** One result file, opened for reading. */
export class ResultFile {
  readonly path: string;
  readonly run: number;
  /** Root attributes (numbers and strings). */
  readonly attrs: Record<string, string | number>;
  /** The root datasets. */
  readonly names: string[];
  /** Each root dataset's shape ([] for a scalar), known without reading it. */
  readonly shapes: Record<string, number[]>;
  #file: H5File;
  #cache = new Map<string, Dataset>();

  constructor(path: string, file: H5File) {
    this.path = path;
    this.#file = file;
    this.attrs = Object.fromEntries(
      Object.entries(file.attrs).map(([k, a]) => {
        const v = a.value as unknown;
        return [k, typeof v === 'bigint' ? Number(v) : typeof v === 'number' || typeof v === 'string' ? v : String(v)];
      }),
    );
    this.shapes = {};
    for (const key of file.keys()) {
      const entry = file.get(key) as { type?: string; shape?: number[] | null } | null;
      if (entry?.type === 'Dataset') this.shapes[key] = entry.shape ?? [];
    }
    this.names = Object.keys(this.shapes);
    this.run = Number(this.attrs.run);
  }

  /** Whether an opened HDF5 file is a result file (a `runNR` dataset and a config, no run groups). */
  static holdsResult(file: H5File): boolean {
    const keys = file.keys();
    return keys.includes('runNR') && !keys.some((k) => /^run_\d+$/.test(k)) && 'config' in file.attrs;
  }

  /** One dataset as {data, shape}. */
  read(name: string): Dataset {
    let dataset = this.#cache.get(name);
    if (!dataset) {
      if (!(name in this.shapes)) throw new DataError(`${this.path}: no dataset "${name}" (has: ${this.names.join(', ')})`);
      const entry = this.#file.get(name) as H5Dataset;
      dataset = { data: numeric(entry.value, `${this.path}: ${name}`), shape: this.shapes[name] };
      this.#cache.set(name, dataset);
    }
    return dataset;
  }

  /** Every dataset (read on first access). */
  get datasets(): Record<string, Dataset> {
    return Object.fromEntries(this.names.map((name) => [name, this.read(name)]));
  }

  /** The config the file was made with (null when it holds none or no valid JSON). */
  get config(): unknown {
    try {
      return typeof this.attrs.config === 'string' ? JSON.parse(this.attrs.config) : null;
    } catch {
      return null;
    }
  }

  close(): void {
    this.#file.close();
  }
}

const RESULT_FILE = /^run_(-?\d+)\.h5$/;

/** Temporary files of writes that are under way (removed if the process is interrupted). */
const pending = new Set<string>();

/** Removes the temporary files of writes under way (for signal handlers). */
export function removePendingResults(): void {
  for (const path of pending) files().remove(path);
  pending.clear();
}

/** Writes `OUT/run_<N>.h5` and returns its path. */
export async function writeResult(outDir: string, result: ResultContent): Promise<string> {
  const h5 = await loadH5();
  files().mkdir(outDir);
  const path = paths.resolve(outDir, resultName(result.run));
  const tmp = temporaryPath(path);
  pending.add(tmp);
  try {
    const file = new h5.File(tmp, 'w');
    try {
      fillResultFile(file, result);
    } finally {
      file.close();
    }
    files().rename(tmp, path);
    return path;
  } catch (err) {
    files().remove(tmp);
    throw new DataError(`cannot write ${path}: ${(err as Error).message}`);
  } finally {
    pending.delete(tmp);
  }
}

/** Opens one result file. */
export async function openResult(path: string): Promise<ResultFile> {
  const h5 = await loadH5();
  let file;
  try {
    file = new h5.File(path, 'r');
  } catch (err) {
    throw new DataError(`${path}: not a readable result file (${(err as Error).message})`);
  }
  return new ResultFile(path, file);
}

/**
 * The result files of a folder in run order, optionally within [minRun, maxRun]: the run number
 * in the file name is a quick pre-filter, the number stored in the file decides. Each file is
 * closed when the loop moves on.
 */
export async function* readResults(
  dir: string,
  { minRun = -Infinity, maxRun = Infinity, warn = (m: string) => console.warn(m) }: { minRun?: number; maxRun?: number; warn?: (m: string) => void } = {},
): AsyncGenerator<ResultFile> {
  if (files().stat(dir)?.kind !== 'folder') throw new DataError(`${dir}: no such folder`);
  const candidates = files()
    .list(dir)
    .map((name) => ({ name, match: RESULT_FILE.exec(name) }))
    .filter((c): c is { name: string; match: RegExpExecArray } => c.match !== null)
    .map((c) => ({ path: paths.join(dir, c.name), run: Number(c.match[1]) }))
    .filter((c) => c.run >= minRun && c.run <= maxRun)
    .sort((a, b) => a.run - b.run);
  for (const candidate of candidates) {
    let result: ResultFile;
    try {
      result = await openResult(candidate.path);
    } catch (err) {
      warn((err as Error).message);
      continue;
    }
    try {
      if (result.run !== candidate.run) {
        warn(`${candidate.path}: the file name says run ${candidate.run} but the file holds run ${result.run}`);
        if (!(result.run >= minRun && result.run <= maxRun)) continue;
      }
      yield result;
    } finally {
      result.close();
    }
  }
}

/** The config hash stored in a result file, or null when there is none or it is unreadable. */
export async function storedConfigHash(path: string): Promise<string | null> {
  if (!files().stat(path)) return null;
  try {
    const result = await openResult(path);
    try {
      return typeof result.attrs.config_hash === 'string' ? result.attrs.config_hash : null;
    } finally {
      result.close();
    }
  } catch {
    return null;
  }
}
