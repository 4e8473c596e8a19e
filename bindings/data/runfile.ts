// One run inside one SACLA converter file (`/run_N/...`, docs/data.md): tags, times, the
// converter's run and file information, the per-tag groups (sensors, assembled detectors,
// cameras), database keys and raw value arrays. Also: finding runs in a folder of run files.
import { DataError, ConfigError } from '../core/errors.js';
import { files, paths } from '../core/files.js';
import { closestKeys } from './calibration.js';
import { H5Reader, dtypeName, loadH5, naturalOrder, toFloat64 } from './h5.js';
import type { SensorGeometry } from '../image/geometry.js';

/** What one per-tag group of a run (`detector_2d_K`, `detector_2d_assembled_K`, `opal_K`, `imperx_K`) holds. */
export interface SensorInfo {
  /** Group name, e.g. `detector_2d_1`. Not an identity: group numbers change between runs. */
  group: string;
  /**
   * The sensor's id (`detector_info/detector_name`, NUL padding removed), e.g.
   * `MPCCD-8-2-001-3`; for a camera without a name, its group name (`opal_1`).
   */
  name: string;
  kind: 'sensor' | 'assembled' | 'camera';
  /** Image shape (rows, cols) of the first tag; [] when the group has no tags. */
  shape: number[];
  /** Stored dtype of the first tag's image ('float32', 'uint16', ...). */
  dtype: string;
  /** The first tag with an image here (whose image fixed `shape` and `dtype`), or null. */
  firstTag: number | null;
  /** `absolute_gain`, or null when absent. */
  absoluteGain: number | null;
  /** eV per ADU = absolute gain × 3.65, or null. */
  evPerAdu: number | null;
  /** Pixel size in µm ([slow, fast]) when stored. */
  pixelSize: number[] | null;
  /** Where the sensor lies, when `detector_info` has the coordinate and the rotation. */
  geometry: SensorGeometry | null;
  /** `detector_type` (5 octal sensor, 6 1N0 sensor) or null. */
  detectorType: number | null;
  /** Number of tags with an image in this group. */
  tagCount: number;
  /** Run tags without an image in this group. */
  missingTags: number;
  /** HDF5 chunk shape of the first image, or null for contiguous storage. */
  chunks: number[] | null;
}

/** MPCCD: eV per ADU = absolute gain × 3.65 (biochem-fan/cheetah, sacla-hdf5-reader.cpp). */
export const EV_PER_ADU_PER_GAIN = 3.65;

/** The converter's nominal settings of a run (`run_info/sacla_config`) and its tag range. */
export interface RunInfo {
  startTag: number | null;
  endTag: number | null;
  photonEnergy: number | null;
  electronEnergy: number | null;
  kParameter: number | null;
  repetitionRate: number | null;
  comment: string | null;
}

const GROUP = /^(detector_2d_(assembled_)?\d+|opal_\d+|imperx_\d+)$/;

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

/** The first, last and middle (their mean) tag times, UNIX s, of a run's time stamps; null without. */
export function timeSpan(stamps: ArrayLike<number> | null): { start: number | null; end: number | null; middle: number | null } {
  if (!stamps || !stamps.length) return { start: null, end: null, middle: null };
  const start = stamps[0];
  const end = stamps[stamps.length - 1];
  return { start, end, middle: (start + end) / 2 };
}

export class RunFile {
  readonly base: string;
  /** All tags of the run in this file (`event_info/tag_number_list`), ascending. */
  readonly tags: Float64Array;
  /** UNIX time of each tag, or null when the file has no `time_stamp`. */
  readonly timeStamps: Float64Array | null;
  readonly highTag: number | null;
  private sensorCache = new Map<string, SensorInfo>();
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
          throw new ConfigError(`${path} holds ${runs.length} runs (${runs.join(', ')}): choose one with a run number`);
        }
        r = runs[0];
      } else if (r < 0) {
        if (-r > runs.length) throw new ConfigError(`${path}: run ${r} asked but the file holds only ${runs.length} runs`);
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
    return timeSpan(this.timeStamps).start;
  }

  /** UNIX time (s) of the last tag, or null. */
  get endTime(): number | null {
    return timeSpan(this.timeStamps).end;
  }

  /** Middle of the run (mean of first and last tag time), used to choose a dark. */
  get middleTime(): number | null {
    return timeSpan(this.timeStamps).middle;
  }

  private scalar(p: string): number | null {
    return this.h5.kind(p) === 'dataset' ? this.h5.numbers(p)[0] : null;
  }

  private text(p: string): string | null {
    return this.h5.kind(p) === 'dataset' ? this.h5.string(p) : null;
  }

  /** Nominal photon energy (`run_info/sacla_config/photon_energy_in_eV`) or null. */
  get photonEnergy(): number | null {
    return this.scalar(`${this.base}/run_info/sacla_config/photon_energy_in_eV`);
  }

  /** `run_info` (start/end tag, nominal machine settings) and `exp_info/comment`. */
  runInfo(): RunInfo {
    const cfg = `${this.base}/run_info/sacla_config`;
    return {
      startTag: this.scalar(`${this.base}/run_info/start_tag_number`),
      endTag: this.scalar(`${this.base}/run_info/end_tag_number`),
      photonEnergy: this.scalar(`${cfg}/photon_energy_in_eV`),
      electronEnergy: this.scalar(`${cfg}/electron_energy_in_eV`),
      kParameter: this.scalar(`${cfg}/k_parameter`),
      repetitionRate: this.scalar(`${cfg}/repetition_rate`),
      comment: this.text(`${this.base}/exp_info/comment`),
    };
  }

  /** The converter's format and version (`/file_info/format_type`, `/file_info/version`). */
  converter(): { format: string | null; version: string | null } {
    const read = (p: string): string | null => {
      if (this.h5.kind(p) !== 'dataset') return null;
      try {
        return this.h5.string(p);
      } catch {
        return String(this.h5.numbers(p)[0]);
      }
    };
    return { format: read('/file_info/format_type'), version: read('/file_info/version') };
  }

  /** Names of the per-tag groups (`detector_2d_K`, `detector_2d_assembled_K`, `opal_K`, `imperx_K`). */
  groups(): string[] {
    return this.h5
      .keys(this.base)
      .filter((k) => GROUP.test(k))
      .sort(naturalOrder);
  }

  /** Tags that have an image in a group. */
  groupTags(group: string): Set<number> {
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

  /** Path of the image of `tag` in a group. */
  imagePath(group: string, tag: number): string {
    return `${this.base}/${group}/tag_${tag}/detector_data`;
  }

  sensor(group: string): SensorInfo {
    const cached = this.sensorCache.get(group);
    if (cached) return cached;
    const g = `${this.base}/${group}`;
    if (this.h5.kind(g) !== 'group') throw new DataError(`${this.path}: no group ${g}`);
    const info = `${g}/detector_info`;
    const kind: SensorInfo['kind'] = group.startsWith('detector_2d_assembled') ? 'assembled' : group.startsWith('detector_2d') ? 'sensor' : 'camera';
    const name = this.text(`${info}/detector_name`) ?? '';
    const absoluteGain = this.scalar(`${info}/absolute_gain`);
    const pxPath = `${info}/pixel_size_in_micro_meter`;
    const pixelSize = this.h5.kind(pxPath) === 'dataset' ? Array.from(this.h5.numbers(pxPath)) : null;
    const tags = this.groupTags(group);
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
    const sensor: SensorInfo = {
      group,
      name: name || (kind === 'camera' ? group : ''),
      kind,
      shape,
      dtype,
      firstTag: first ?? null,
      absoluteGain,
      evPerAdu: absoluteGain === null ? null : absoluteGain * EV_PER_ADU_PER_GAIN,
      pixelSize,
      geometry: this.geometry(info, pixelSize),
      detectorType: this.scalar(`${info}/detector_type`),
      tagCount: tags.size,
      missingTags: missing,
      chunks,
    };
    this.sensorCache.set(group, sensor);
    return sensor;
  }

  /**
   * A sensor's placement from `detector_info` (docs/data.md, "Geometry"): the coordinate of
   * its first pixel, rotation, stage shift, pixel size. Null without coordinate or rotation.
   */
  private geometry(info: string, pixelSize: number[] | null): SensorGeometry | null {
    const coordPath = `${info}/detector_coordinate_in_micro_meter`;
    const rotation = this.scalar(`${info}/detector_rotation_angle_in_degree`);
    if (this.h5.kind(coordPath) !== 'dataset' || rotation === null) return null;
    const c = this.h5.numbers(coordPath);
    if (c.length < 2) throw new DataError(`${this.path}: ${coordPath} has ${c.length} value(s), expected [x, y, z] in µm`);
    const px = pixelSize ?? [50, 50];
    return {
      coordinate: [c[0], c[1], c.length > 2 ? c[2] : 0],
      rotation,
      stageDirection: this.scalar(`${info}/detector_stage_direction_in_degree`) ?? 0,
      stageShiftWeight: this.scalar(`${info}/detector_stage_shift_weight`) ?? 0,
      manipulatorPosition: this.scalar(`${info}/manipulator_position_in_micro_meter`) ?? 0,
      pixelSize: [px[0], px.length > 1 ? px[1] : px[0]],
    };
  }

  /** Every per-tag group of the run. */
  sensors(): SensorInfo[] {
    return this.groups().map((g) => this.sensor(g));
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
   * Where the values of a database key are stored: `daq_info/<key>`, `event_info/<key>` or
   * `<key>` as a path under the run group (e.g. `event_info/bl_3/oh_2/photon_energy_in_eV`);
   * null when the run has none of them.
   */
  valuePath(key: string): string | null {
    const k = key.replace(/^\/+/, '');
    for (const p of [`${this.base}/daq_info/${k}`, `${this.base}/event_info/${k}`, `${this.base}/${k}`]) {
      if (this.h5.kind(p) === 'dataset') return p;
    }
    return null;
  }

  /** The raw per-tag values of a database key, aligned with `tags`. */
  rawValues(key: string): Float64Array {
    const p = this.valuePath(key);
    if (!p) {
      throw new DataError(
        `${this.path}: database key "${key}" not found in run ${this.run} (looked in daq_info/, event_info/ and the run group); ` +
          `closest keys present: ${this.closestKeys(key).join(', ') || 'none'}`,
      );
    }
    const v = toFloat64(this.h5.value(p), `${this.path}: ${p}`);
    if (v.length !== this.tags.length) {
      throw new DataError(`${this.path}: database key "${key}" (${p}) has ${v.length} values but run ${this.run} has ${this.tags.length} tags`);
    }
    return v;
  }

  /** The keys present that are closest to `key` (for "did you mean" messages). */
  closestKeys(key: string, count = 3): string[] {
    return closestKeys(key.replace(/^\/+/, ''), this.databaseKeys(), count);
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
    throw new ConfigError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  return keys.filter((k) => {
    re.lastIndex = 0;
    return re.test(k);
  });
}

/** A run and the file(s) that hold it (several when a run is split into files by tags). */
export interface RunEntry {
  run: number;
  /** The first file (the only one unless the run is split). */
  path: string;
  /** Every file holding this run, sorted by name. */
  paths: string[];
}

/**
 * Runs in a folder of run files or in one file, sorted by run number. `<N>.h5` / `run<N>.h5`
 * files are taken by their name; other `.h5` files are opened and their
 * `file_info/run_number_list` read, so files holding several runs, or one run split into
 * files (`run_N_bg.h5`, `run_N_sig.h5`), are found; files that are not run files (result files
 * `run_<N>.h5`) are ignored.
 */
export async function listRunFiles(pathOrFolder: string): Promise<RunEntry[]> {
  const st = files().stat(pathOrFolder);
  if (!st) throw new DataError(`${pathOrFolder}: no such file or folder`);
  if (st.kind === 'file') {
    await loadH5();
    const h5 = H5Reader.open(pathOrFolder);
    try {
      return runsInFile(h5).map((run) => ({ run, path: pathOrFolder, paths: [pathOrFolder] }));
    } finally {
      h5.close();
    }
  }
  const found = new Map<number, string[]>();
  const add = (run: number, path: string) => found.set(run, [...(found.get(run) ?? []), path]);
  const others: string[] = [];
  for (const name of files().list(pathOrFolder).sort()) {
    if (!/\.(h5|hdf5)$/i.test(name) || name.endsWith('.tmp.h5')) continue;
    const full = paths.join(pathOrFolder, name);
    const m = /^(?:run_?)?(\d+)\.(h5|hdf5)$/i.exec(name);
    if (m && !name.startsWith('run_')) add(Number(m[1]), full);
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
        for (const r of runsInFile(h5)) add(r, full);
      } catch {
        /* not a run file */
      } finally {
        h5.close();
      }
    }
  }
  return [...found.entries()]
    .map(([run, paths]) => ({ run, path: paths[0], paths: paths.sort() }))
    .sort((a, b) => a.run - b.run);
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
 * The file(s) holding run `run` in a folder (negative: counted back from the newest, −1 =
 * newest), or the file itself when `pathOrFolder` is a file. A run found in several files is
 * an error naming them, unless `combine` is set (the run is then read from all of them).
 */
export async function resolveRun(pathOrFolder: string, run?: number, { combine = false }: { combine?: boolean } = {}): Promise<RunEntry> {
  const entries = await listRunFiles(pathOrFolder);
  if (!entries.length) throw new DataError(`${pathOrFolder}: no runs found`);
  let entry: RunEntry | undefined;
  if (run === undefined) {
    if (entries.length !== 1) {
      throw new ConfigError(
        `${pathOrFolder} holds ${entries.length} runs (${summariseRuns(entries.map((e) => e.run))}): give a run number (−1 = newest)`,
      );
    }
    entry = entries[0];
  } else if (!Number.isInteger(run)) throw new ConfigError(`run number must be an integer, got ${run}`);
  else if (run < 0) {
    if (-run > entries.length) throw new ConfigError(`run ${run} asked but ${pathOrFolder} holds only ${entries.length} runs`);
    entry = entries[entries.length + run];
  } else {
    entry = entries.find((x) => x.run === run);
    if (!entry) throw new DataError(`${pathOrFolder}: no run ${run} (runs present: ${summariseRuns(entries.map((x) => x.run))})`);
  }
  if (entry.paths.length > 1 && !combine) {
    throw new DataError(
      `${pathOrFolder}: run ${entry.run} is in ${entry.paths.length} files: ${entry.paths.join(', ')}; ` +
        'analyse one of them by giving its path as the data, or read the run from all of them with --combine',
    );
  }
  return entry;
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
