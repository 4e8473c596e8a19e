// Result files (docs/config.md, "The result file"): plain root datasets and attributes, readable
// by h5py without this package; OUT/run_<N>.h5, all or nothing (docs/robustness.md): written
// under a temporary name, every HDF5 failure caught, read back and only then renamed, so a crash,
// an interrupt or a full disk never leaves a half file under the final name nor replaces a good
// one; the files of a folder, in run order.
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { DataError } from '../core/errors.js';
import { checkWritable, files, isStaleTemporary, isWriteProbe, paths, temporaryPath } from '../core/files.js';
import { collectHdf5Diagnostics, guarded, h5mod, hdf5Cause, loadH5, type H5Lib } from '../data/h5.js';
import type { AnalysisResult, Dataset } from './pipeline.js';

export const resultName = (run: number) => `run_${run}.h5`;

export type ResultContent = Pick<AnalysisResult, 'run' | 'outputs' | 'attrs'> & Partial<Pick<AnalysisResult, 'description'>>;

/** What a dataset is stored as: int64 datasets (the tag numbers) as BigInt64Array. */
function stored(result: ResultContent, name: string): Dataset['data'] | BigInt64Array {
  const { data } = result.outputs[name];
  return result.description?.datasets[name]?.int64 ? BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v)) : data;
}

/**
 * The datasets and attributes of a result into an open, writable h5wasm file: the root datasets
 * (with their `units`), the root attributes, and the NeXus tree that tells viewers how to plot
 * them (describe.ts): /entry (NXentry) with an NXdata group per output, its signal and axes soft
 * links to the root datasets.
 */
export function fillResultFile(file: H5File, result: ResultContent): void {
  const info = result.description?.datasets ?? {};
  for (const [name, { shape }] of Object.entries(result.outputs)) {
    const dataset = file.create_dataset({ name, data: stored(result, name), shape });
    const units = Object.hasOwn(info, name) ? info[name].units : undefined;
    if (units) dataset.create_attribute('units', units);
  }
  for (const [name, value] of Object.entries(result.attrs)) file.create_attribute(name, value, null, attributeDtype(value));
  const plots = (result.description?.plots ?? []).filter((p) => Object.hasOwn(result.outputs, p.signal));
  if (!plots.length) return;
  file.create_attribute('NX_class', 'NXroot');
  file.create_attribute('default', 'entry');
  const entry = file.create_group('entry');
  entry.create_attribute('NX_class', 'NXentry');
  entry.create_attribute('default', plots[0].signal);
  for (const { signal, axes } of plots) {
    const group = entry.create_group(signal);
    group.create_attribute('NX_class', 'NXdata');
    group.create_attribute('signal', signal);
    group.create_soft_link(`/${signal}`, signal);
    if (axes.length) group.create_attribute('axes', axes);
    for (const axis of new Set(axes.filter((a) => a !== '.' && a !== signal))) group.create_soft_link(`/${axis}`, axis);
  }
}

/** h5wasm stores an integer attribute as int32: one outside its range is stored as float64 instead. */
function attributeDtype(value: string | number): string | null {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 2 ** 31 ? '<d' : null;
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

  /** A dataset's `units` attribute (null when it has none, or there is no such dataset). */
  units(name: string): string | null {
    if (!Object.hasOwn(this.shapes, name)) return null;
    const units = (this.#file.get(name) as H5Dataset).attrs.units?.value;
    return typeof units === 'string' ? units : null;
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

/** Where HDF5's own account of a failed write of `path` is kept. */
const writeLogPath = (path: string) => `${path}.log`;

/** Writes the file: null when HDF5 reported nothing, else what it reported (or threw). */
function writeFile(h5: H5Lib, tmp: string, result: ResultContent): string | null {
  const collection = collectHdf5Diagnostics();
  let thrown: unknown = null;
  try {
    const file = new h5.File(tmp, 'w');
    if (file.file_id < 0n) return collection.stop() || `cannot create ${tmp}`;
    try {
      fillResultFile(file, result);
    } catch (err) {
      thrown = err;
    } finally {
      if (file.close() < 0 && !thrown) thrown = new Error(`closing ${tmp} failed`);
    }
  } catch (err) {
    thrown ??= err;
  }
  const diagnostics = collection.stop();
  if (diagnostics) return diagnostics;
  return thrown === null ? null : (thrown as Error).message ?? String(thrown);
}

/** Node's native byte comparison where there is one (75 MB in ~10 ms), else four bytes at a time. */
const nativeCompare = (globalThis as { Buffer?: { compare(a: Uint8Array, b: Uint8Array): number } }).Buffer?.compare;

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteLength !== y.byteLength) return false;
  if (nativeCompare) return nativeCompare(x, y) === 0;
  const words = x.byteOffset % 4 === 0 && y.byteOffset % 4 === 0 ? x.byteLength >> 2 : 0;
  const x4 = new Int32Array(x.buffer, x.byteOffset, words);
  const y4 = new Int32Array(y.buffer, y.byteOffset, words);
  for (let i = 0; i < words; i++) if (x4[i] !== y4[i]) return false;
  for (let i = words * 4; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Reads the closed file back: every dataset with its shape and bytes, every attribute with its
 * value. Null when all is there, else the first difference. A write that HDF5 reported as done
 * but that the file system lost (a quota hit at close on a network file system) shows here.
 */
function verifyFile(h5: H5Lib, tmp: string, result: ResultContent): string | null {
  const collection = collectHdf5Diagnostics();
  let problem: string | null;
  try {
    const file = guarded(tmp, 'the file', () => new h5.File(tmp, 'r'));
    try {
      problem = guarded(tmp, 'the written result', () => differenceFrom(file, result));
    } finally {
      file.close();
    }
  } catch (err) {
    problem = (err as Error).message;
  }
  const diagnostics = collection.stop();
  return problem ?? (diagnostics ? hdf5Cause(diagnostics) : null);
}

function differenceFrom(file: H5File, result: ResultContent): string | null {
  // Each dataset is read back into one buffer of h5wasm's heap, reused (a fresh JavaScript copy
  // of every dataset would cost its page faults), and compared byte for byte with what was written.
  const m = h5mod();
  let ptr = 0;
  let capacity = 0;
  try {
    for (const [name, { shape }] of Object.entries(result.outputs)) {
      const data = stored(result, name);
      const entry = file.get(name) as H5Dataset | null;
      if (!entry || entry.type !== 'Dataset') return `dataset ${name} is missing`;
      const storedShape = entry.shape ?? [];
      if (storedShape.length !== shape.length || storedShape.some((d, i) => d !== shape[i])) return `dataset ${name} has shape [${storedShape}], not [${shape}]`;
      const { size, total_size } = entry.metadata;
      const bytes = size * total_size;
      if (bytes !== data.byteLength) return `dataset ${name} holds ${bytes} bytes, not the ${data.byteLength} written`;
      if (bytes === 0) continue;
      if (bytes > capacity) {
        if (ptr) m._free(ptr);
        ptr = m._malloc(bytes);
        capacity = ptr ? bytes : 0;
        if (!ptr) throw new DataError(`cannot allocate ${bytes} bytes in the h5wasm heap to read dataset ${name} back`);
      }
      if (m.get_dataset_data(file.file_id, name, null, null, null, BigInt(ptr)) < 0) return `dataset ${name} cannot be read back`;
      if (!sameBytes(m.HEAPU8.subarray(ptr, ptr + bytes), new Uint8Array(data.buffer, data.byteOffset, data.byteLength))) return `dataset ${name} does not hold what was written`;
    }
  } finally {
    if (ptr) m._free(ptr);
  }
  const attrs = file.attrs;
  for (const [name, value] of Object.entries(result.attrs)) {
    if (!(name in attrs)) return `attribute ${name} is missing`;
    const back = attrs[name].value as unknown;
    const same = typeof value === 'number' ? Object.is(Number(back), value) : back === value;
    if (!same) return `attribute ${name} does not hold what was written`;
  }
  return null;
}

/**
 * Writes `OUT/run_<N>.h5` (or OUT/`name`) and returns its path, all or nothing: the file is written under a
 * temporary name, any failure HDF5 reports (it prints them rather than throwing) or any
 * difference when reading it back removes it and throws a DataError naming the file and the
 * cause, with HDF5's messages kept in `run_<N>.h5.log` beside it; an earlier `run_<N>.h5` is
 * replaced only by a file read back whole.
 */
export async function writeResult(outDir: string, result: ResultContent, name = resultName(result.run)): Promise<string> {
  const h5 = await loadH5();
  const path = paths.resolve(outDir, name);
  try {
    files().mkdir(outDir);
  } catch (err) {
    throw new DataError(`cannot write ${path}: cannot create the folder ${outDir}: ${(err as Error).message}`);
  }
  const tmp = temporaryPath(path);
  const log = writeLogPath(path);
  pending.add(tmp);
  try {
    const failure = writeFile(h5, tmp, result);
    const problem = failure === null ? verifyFile(h5, tmp, result) : null;
    if (failure !== null || problem !== null) {
      files().remove(tmp);
      const cause = failure !== null ? hdf5Cause(failure) : `reading it back: ${problem}`;
      let kept = '';
      if (failure !== null && failure.includes('HDF5-DIAG')) {
        // After the temporary file is gone there is room for the log, even on a full disk.
        try {
          files().write(log, new TextEncoder().encode(`sacla: writing ${path} (as ${tmp}) failed at ${new Date().toISOString()}\n${failure}`));
          kept = ` (HDF5's messages: ${log})`;
        } catch {
          // No room even for the log: the cause in the message is what is left.
        }
      }
      throw new DataError(`cannot write ${path}: ${cause}${kept}`);
    }
    try {
      files().rename(tmp, path);
    } catch (err) {
      files().remove(tmp);
      throw new DataError(`cannot write ${path}: ${(err as Error).message}`);
    }
    // A log of an earlier failed write of this file no longer applies.
    files().remove(log);
    return path;
  } finally {
    pending.delete(tmp);
  }
}

const RESULT_TEMPORARY = /^run_-?\d+\.h5\..+\.tmp$/;

/**
 * Makes sure results can be written to `outDir` before any work is done (checkWritable) and
 * removes the temporary files of result writes that were killed (isStaleTemporary). Returns
 * the paths of those removed; throws a DataError naming the folder and the cause.
 */
export function prepareResultFolder(outDir: string): string[] {
  const folder = paths.resolve(outDir);
  checkWritable(folder);
  const removed: string[] = [];
  if (files().stat(folder)?.kind !== 'folder') return removed;
  for (const name of files().list(folder)) {
    const path = paths.join(folder, name);
    if (!(RESULT_TEMPORARY.test(name) || isWriteProbe(name)) || !isStaleTemporary(path)) continue;
    files().remove(path);
    removed.push(path);
  }
  return removed;
}

/** Opens one result file. */
export async function openResult(path: string): Promise<ResultFile> {
  const h5 = await loadH5();
  try {
    return guarded(path, 'the file', () => {
      const file = new h5.File(path, 'r');
      if (file.file_id < 0n) throw new DataError(`${path}: cannot open as an HDF5 file`);
      try {
        return new ResultFile(path, file);
      } catch (err) {
        file.close();
        throw err;
      }
    });
  } catch (err) {
    throw new DataError(`${path}: not a readable result file (${(err as Error).message.replace(`${path}: `, '')})`);
  }
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
