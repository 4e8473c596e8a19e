// One run inside one SACLA converter file (`/run_N/...`): tags, times, detectors present,
// database keys, and raw value arrays. Also: finding runs in a folder of run files.
import { DataError, UsageError } from '../cli/errors.js';
import { closestKeys } from './calibration.js';
import { H5Reader, dtypeName, loadH5, toFloat64 } from './h5.js';
import { alignSidecar, readSidecar } from './sidecar.js';

/** What one detector group of a run holds. */
export interface DetectorInfo {
  /** Group name, e.g. `detector_2d_1` or `detector_2d_assembled_1`. */
  group: string;
  /** Facility id (`detector_info/detector_name`), e.g. `MPCCD-2N0-M02-003`. */
  id: string;
  /** Image shape (rows, cols) from the first tag; [] when the group has no tags. */
  shape: number[];
  /** Stored dtype of the images ('float32', 'uint16', ...). */
  dtype: string;
  /** `absolute_gain` (mp_absgain) or null when absent. */
  absoluteGain: number | null;
  /** eV per ADU = absolute gain × 3.65, or null. */
  evPerAdu: number | null;
  /** Pixel size in µm when stored. */
  pixelSize: number[] | null;
  /** Number of tags with an image in this group. */
  tagCount: number;
  /** Run tags without an image in this group. */
  missingTags: number;
  assembled: boolean;
  /** HDF5 chunk shape of the first image, or null for contiguous storage. */
  chunks: number[] | null;
}

/** MPCCD: eV per ADU = absolute gain × 3.65. */
export const EV_PER_ADU_PER_GAIN = 3.65;

/** Run numbers held by an opened file: `/file_info/run_number_list`, else the `run_N` groups. */
export function runsInFile(h5: H5Reader): number[] {
  const groups = h5
    .keys('/')
    .map((k) => /^run_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (h5.kind('/file_info/run_number_list') === 'dataset') {
    const list = Array.from(h5.numbers('/file_info/run_number_list'));
    const present = list.filter((r) => groups.includes(r));
    if (present.length) return present.sort((a, b) => a - b);
  }
  return groups.sort((a, b) => a - b);
}

export class RunFile {
  readonly base: string;
  /** All tags of the run (`event_info/tag_number_list`), ascending. */
  readonly tags: Float64Array;
  /** UNIX time of each tag, or null when the file has no `time_stamp`. */
  readonly timeStamps: Float64Array | null;
  readonly highTag: number | null;
  private detCache = new Map<string, DetectorInfo>();
  private tagCache = new Map<string, Set<number>>();
  private keyCache: string[] | null = null;

  constructor(
    readonly h5: H5Reader,
    readonly run: number,
  ) {
    this.base = `/run_${run}`;
    if (h5.kind(this.base) !== 'group') {
      const runs = runsInFile(h5);
      throw new DataError(`${h5.path}: no run ${run} in this file (runs present: ${runs.join(', ') || 'none'})`);
    }
    const tagPath = `${this.base}/event_info/tag_number_list`;
    if (h5.kind(tagPath) !== 'dataset') throw new DataError(`${h5.path}: missing ${tagPath} (the run's tag list)`);
    this.tags = h5.numbers(tagPath);
    const tsPath = `${this.base}/event_info/time_stamp`;
    if (h5.kind(tsPath) === 'dataset') {
      const ts = h5.numbers(tsPath);
      if (ts.length !== this.tags.length) {
        throw new DataError(`${h5.path}: ${tsPath} has ${ts.length} values but the run has ${this.tags.length} tags`);
      }
      this.timeStamps = ts;
    } else this.timeStamps = null;
    const htPath = `${this.base}/event_info/high_tag_number`;
    this.highTag = h5.kind(htPath) === 'dataset' ? h5.numbers(htPath)[0] : null;
  }

  /** Opens `path` and its run `run` (or its only run; negative counts back from the newest). */
  static async open(path: string, run?: number): Promise<RunFile> {
    await loadH5();
    const h5 = H5Reader.open(path);
    try {
      const runs = runsInFile(h5);
      let r = run;
      if (r === undefined) {
        if (runs.length !== 1) {
          throw new UsageError(`${path} holds ${runs.length} runs (${runs.join(', ')}): choose one with a run number`);
        }
        r = runs[0];
      } else if (r < 0) {
        if (-r > runs.length) throw new UsageError(`${path}: run ${r} asked but the file holds only ${runs.length} runs`);
        r = runs[runs.length + r];
      }
      return new RunFile(h5, r);
    } catch (err) {
      h5.close();
      throw err;
    }
  }

  get path(): string {
    return this.h5.path;
  }

  /** UNIX time (s) of the first tag, or null. */
  get startTime(): number | null {
    return this.timeStamps && this.timeStamps.length ? this.timeStamps[0] : null;
  }

  /** UNIX time (s) of the last tag, or null. */
  get endTime(): number | null {
    return this.timeStamps && this.timeStamps.length ? this.timeStamps[this.timeStamps.length - 1] : null;
  }

  /** Middle of the run (mean of first and last tag time), used to choose a dark. */
  get middleTime(): number | null {
    const s = this.startTime;
    const e = this.endTime;
    return s === null || e === null ? null : (s + e) / 2;
  }

  /** Nominal photon energy (`run_info/sacla_config/photon_energy_in_eV`) or null. */
  get photonEnergy(): number | null {
    const p = `${this.base}/run_info/sacla_config/photon_energy_in_eV`;
    return this.h5.kind(p) === 'dataset' ? this.h5.numbers(p)[0] : null;
  }

  /** Names of the detector groups (`detector_2d_K`, `detector_2d_assembled_K`). */
  detectorGroups(): string[] {
    return this.h5
      .keys(this.base)
      .filter((k) => /^detector_2d_(assembled_)?\d+$/.test(k))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  /** Tags that have an image in a detector group. */
  detectorTags(group: string): Set<number> {
    let s = this.tagCache.get(group);
    if (!s) {
      s = new Set<number>();
      for (const k of this.h5.keys(`${this.base}/${group}`)) {
        const m = /^tag_(\d+)$/.exec(k);
        if (m) s.add(Number(m[1]));
      }
      this.tagCache.set(group, s);
    }
    return s;
  }

  /** Path of the image of `tag` in a detector group. */
  imagePath(group: string, tag: number): string {
    return `${this.base}/${group}/tag_${tag}/detector_data`;
  }

  detectorInfo(group: string): DetectorInfo {
    const cached = this.detCache.get(group);
    if (cached) return cached;
    const g = `${this.base}/${group}`;
    if (this.h5.kind(g) !== 'group') throw new DataError(`${this.path}: no detector group ${g}`);
    const namePath = `${g}/detector_info/detector_name`;
    const id = this.h5.kind(namePath) === 'dataset' ? this.h5.string(namePath) : '';
    const gainPath = `${g}/detector_info/absolute_gain`;
    const absoluteGain = this.h5.kind(gainPath) === 'dataset' ? this.h5.numbers(gainPath)[0] : null;
    const pxPath = `${g}/detector_info/pixel_size_in_micro_meter`;
    const pixelSize = this.h5.kind(pxPath) === 'dataset' ? Array.from(this.h5.numbers(pxPath)) : null;
    const tags = this.detectorTags(group);
    let shape: number[] = [];
    let dtype = '';
    let chunks: number[] | null = null;
    const first = this.tags.find((t) => tags.has(t)) ?? tags.values().next().value;
    if (first !== undefined) {
      const md = this.h5.metadata(this.imagePath(group, first));
      shape = md.shape ?? [];
      dtype = dtypeName(md);
      chunks = md.chunks ?? null;
    }
    let missing = 0;
    for (const t of this.tags) if (!tags.has(t)) missing++;
    const info: DetectorInfo = {
      group,
      id,
      shape,
      dtype,
      absoluteGain,
      evPerAdu: absoluteGain === null ? null : absoluteGain * EV_PER_ADU_PER_GAIN,
      pixelSize,
      tagCount: tags.size,
      missingTags: missing,
      assembled: group.includes('assembled'),
      chunks,
    };
    this.detCache.set(group, info);
    return info;
  }

  /** Every detector group of the run. */
  detectors(): DetectorInfo[] {
    return this.detectorGroups().map((g) => this.detectorInfo(g));
  }

  /**
   * The group of a detector given by facility id or group name. By id, a plain
   * `detector_2d_K` group is preferred to an assembled one.
   */
  findDetector(idOrGroup: string): string {
    const groups = this.detectorGroups();
    if (groups.includes(idOrGroup)) return idOrGroup;
    const byId = groups.filter((g) => this.detectorInfo(g).id === idOrGroup);
    if (byId.length) return byId.find((g) => !g.includes('assembled')) ?? byId[0];
    const present = groups.map((g) => `${g} (${this.detectorInfo(g).id || 'no name'})`);
    throw new DataError(
      `${this.path}: run ${this.run} has no detector "${idOrGroup}"; detectors present: ${present.join(', ') || 'none'}`,
    );
  }

  /** Equipment keys in `daq_info/` (e.g. `xfel_bl_3_st_5_motor_facility_14/position`). */
  equipmentKeys(): string[] {
    const g = `${this.base}/daq_info`;
    if (this.h5.kind(g) !== 'group') return [];
    return this.h5
      .paths(g)
      .filter((p) => this.h5.kind(`${g}/${p}`) === 'dataset')
      .sort();
  }

  /** Per-tag datasets under `event_info/`, as paths under the run group. */
  eventKeys(): string[] {
    const g = `${this.base}/event_info`;
    if (this.h5.kind(g) !== 'group') return [];
    const skip = new Set(['tag_number_list', 'high_tag_number']);
    return this.h5
      .paths(g)
      .filter((p) => !skip.has(p) && this.h5.kind(`${g}/${p}`) === 'dataset')
      .map((p) => `event_info/${p}`)
      .sort();
  }

  /** Every database key: the equipment keys, then the event_info paths. */
  databaseKeys(): string[] {
    if (!this.keyCache) this.keyCache = [...this.equipmentKeys(), ...this.eventKeys()];
    return this.keyCache;
  }

  /** Database keys matching a regular expression (string patterns are case-insensitive). */
  searchEquipment(pattern: string | RegExp): string[] {
    return searchKeys(this.databaseKeys(), pattern);
  }

  /**
   * The raw per-tag values of a database key, aligned with `tags`: looked up in `daq_info/`,
   * then as a path under the run group, then in the sidecar file when one is given.
   */
  async rawValues(key: string, sidecar?: string): Promise<Float64Array> {
    const k = key.replace(/^\/+/, '');
    for (const p of [`${this.base}/daq_info/${k}`, `${this.base}/${k}`]) {
      if (this.h5.kind(p) === 'dataset') {
        const v = toFloat64(this.h5.value(p), `${this.path}: ${p}`);
        if (v.length !== this.tags.length) {
          throw new DataError(
            `${this.path}: database key "${key}" (${p}) has ${v.length} values but run ${this.run} has ${this.tags.length} tags`,
          );
        }
        return v;
      }
    }
    if (sidecar) {
      const sc = await readSidecar(sidecar);
      return alignSidecar(sc, this.tags, `${sidecar} (database key "${key}")`);
    }
    const near = closestKeys(k, this.databaseKeys());
    throw new DataError(
      `${this.path}: database key "${key}" not found in run ${this.run} (looked in daq_info/ and the run group` +
        `${sidecar ? ', and the sidecar' : ''}); closest keys present: ${near.join(', ') || 'none'}`,
    );
  }

  close(): void {
    this.h5.close();
  }
}

/** Keys matching a pattern (a string is a case-insensitive regular expression). */
export function searchKeys(keys: string[], pattern: string | RegExp): string[] {
  let re: RegExp;
  try {
    re = typeof pattern === 'string' ? new RegExp(pattern, 'i') : pattern;
  } catch (err) {
    throw new UsageError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  return keys.filter((k) => {
    re.lastIndex = 0;
    return re.test(k);
  });
}

/** A run and the file that holds it. */
export interface RunEntry {
  run: number;
  path: string;
}

/**
 * Runs in a folder of run files (`<N>.h5` files are taken by name; other `.h5` files are opened
 * and their `file_info/run_number_list` read; files that are not run files are ignored) or in one
 * file. Sorted by run number.
 */
export async function listRunFiles(pathOrFolder: string): Promise<RunEntry[]> {
  const fs = await import('node:fs');
  const nodePath = await import('node:path');
  let st: import('node:fs').Stats;
  try {
    st = fs.statSync(pathOrFolder);
  } catch {
    throw new DataError(`${pathOrFolder}: no such file or folder`);
  }
  if (st.isFile()) {
    await loadH5();
    const h5 = H5Reader.open(pathOrFolder);
    try {
      return runsInFile(h5).map((run) => ({ run, path: pathOrFolder }));
    } finally {
      h5.close();
    }
  }
  const found = new Map<number, string>();
  const others: string[] = [];
  for (const name of fs.readdirSync(pathOrFolder).sort()) {
    if (!/\.(h5|hdf5)$/i.test(name) || name.endsWith('.tmp.h5')) continue;
    const full = nodePath.join(pathOrFolder, name);
    const m = /^(?:run_?)?(\d+)\.(h5|hdf5)$/i.exec(name);
    if (m && !name.startsWith('run_')) found.set(Number(m[1]), full);
    else others.push(full);
  }
  if (others.length) {
    await loadH5();
    for (const full of others) {
      let h5: H5Reader;
      try {
        h5 = H5Reader.open(full);
      } catch {
        continue; // not readable as HDF5: not a run file
      }
      try {
        if (h5.kind('/file_info') !== 'group' && !h5.keys('/').some((k) => /^run_\d+$/.test(k))) continue;
        for (const r of runsInFile(h5)) if (!found.has(r)) found.set(r, full);
      } catch {
        /* not a run file */
      } finally {
        h5.close();
      }
    }
  }
  return [...found.entries()].map(([run, path]) => ({ run, path })).sort((a, b) => a.run - b.run);
}

/** Run numbers in a folder of run files or in one file, ascending. */
export async function listRuns(pathOrFolder: string): Promise<number[]> {
  return (await listRunFiles(pathOrFolder)).map((e) => e.run);
}

/** The newest (highest-numbered) run in a folder or file. */
export async function newestRun(pathOrFolder: string): Promise<number> {
  const runs = await listRuns(pathOrFolder);
  if (!runs.length) throw new DataError(`${pathOrFolder}: no runs found`);
  return runs[runs.length - 1];
}

/**
 * The file holding run `run` in a folder (negative: counted back from the newest, −1 = newest),
 * or the file itself when `pathOrFolder` is a file.
 */
export async function resolveRun(pathOrFolder: string, run?: number): Promise<RunEntry> {
  const entries = await listRunFiles(pathOrFolder);
  if (!entries.length) throw new DataError(`${pathOrFolder}: no runs found`);
  if (run === undefined) {
    if (entries.length === 1) return entries[0];
    throw new UsageError(
      `${pathOrFolder} holds ${entries.length} runs (${summariseRuns(entries.map((e) => e.run))}): give a run number (−1 = newest)`,
    );
  }
  if (!Number.isInteger(run)) throw new UsageError(`run number must be an integer, got ${run}`);
  if (run < 0) {
    if (-run > entries.length) {
      throw new UsageError(`run ${run} asked but ${pathOrFolder} holds only ${entries.length} runs`);
    }
    return entries[entries.length + run];
  }
  const e = entries.find((x) => x.run === run);
  if (!e) throw new DataError(`${pathOrFolder}: no run ${run} (runs present: ${summariseRuns(entries.map((x) => x.run))})`);
  return e;
}

/** "100–104, 107, 110–112" */
export function summariseRuns(runs: number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < runs.length) {
    let j = i;
    while (j + 1 < runs.length && runs[j + 1] === runs[j] + 1) j++;
    out.push(j > i ? `${runs[i]}–${runs[j]}` : `${runs[i]}`);
    i = j + 1;
  }
  return out.join(', ');
}
