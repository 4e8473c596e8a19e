// Result files (design.md, "Results"): OUT/run_<N>.h5, plain root datasets and attributes,
// readable by h5py without this package. Written under a temporary name and renamed, so a
// crash or an interrupt never leaves a half file under the final name.
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { loadH5 } from '../data/h5.js';
import { DataError } from '../cli/errors.js';
import type { AnalysisResult, Dataset } from './pipeline.js';

export const resultName = (run: number) => `run_${run}.h5`;
const RESULT_FILE = /^run_(-?\d+)\.h5$/;

/** Temporary files of writes that are under way (removed if the process is interrupted). */
const pending = new Set<string>();

/** Removes the temporary files of writes under way (for signal handlers). */
export function removePendingResults(): void {
  for (const path of pending) rmSync(path, { force: true });
  pending.clear();
}

/** Writes `OUT/run_<N>.h5` and returns its path. */
export async function writeResult(outDir: string, result: Pick<AnalysisResult, 'run' | 'outputs' | 'attrs'>): Promise<string> {
  const h5 = await loadH5();
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, resultName(result.run));
  const tmp = `${path}.${process.pid}.tmp`;
  pending.add(tmp);
  try {
    const file = new h5.File(tmp, 'w');
    try {
      for (const [name, { data, shape }] of Object.entries(result.outputs)) {
        file.create_dataset({ name, data, shape });
      }
      for (const [name, value] of Object.entries(result.attrs)) file.create_attribute(name, value);
    } finally {
      file.close();
    }
    renameSync(tmp, path);
    return path;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new DataError(`cannot write ${path}: ${(err as Error).message}`);
  } finally {
    pending.delete(tmp);
  }
}

/** One result file, opened for reading. */
export class ResultFile {
  readonly path: string;
  readonly run: number;
  readonly attrs: Record<string, unknown>;
  readonly names: string[];
  #file: H5File;
  #cache = new Map<string, Dataset>();

  constructor(path: string, file: H5File) {
    this.path = path;
    this.#file = file;
    this.attrs = Object.fromEntries(Object.entries(file.attrs).map(([k, a]) => [k, a.value]));
    this.names = file.keys();
    this.run = Number(this.attrs.run);
  }

  /** One dataset as {data, shape}. */
  read(name: string): Dataset {
    let dataset = this.#cache.get(name);
    if (!dataset) {
      const entry = this.#file.get(name) as H5Dataset | null;
      if (!entry || entry.type !== 'Dataset') throw new DataError(`${this.path}: no dataset "${name}" (has: ${this.names.join(', ')})`);
      const value = entry.value as unknown;
      const data = typeof value === 'number' ? Float64Array.of(value) : (value as Dataset['data']);
      dataset = { data, shape: entry.shape ?? [] };
      this.#cache.set(name, dataset);
    }
    return dataset;
  }

  /** Every dataset (read on first access). */
  get datasets(): Record<string, Dataset> {
    return Object.fromEntries(this.names.map((name) => [name, this.read(name)]));
  }

  /** The config the file was made with. */
  get config(): unknown {
    return typeof this.attrs.config === 'string' ? JSON.parse(this.attrs.config) : null;
  }

  close(): void {
    this.#file.close();
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
  if (!existsSync(dir)) throw new DataError(`${dir}: no such folder`);
  const candidates = readdirSync(dir)
    .map((name) => ({ name, match: RESULT_FILE.exec(name) }))
    .filter((c): c is { name: string; match: RegExpExecArray } => c.match !== null)
    .map((c) => ({ path: join(dir, c.name), run: Number(c.match[1]) }))
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
