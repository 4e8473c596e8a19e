// A run: the configured detectors plus the database reader; indexing and iteration give Shots.
import { ConfigError, DataError } from '../core/errors.js';
import { files } from '../core/files.js';
import type { ValueSpec } from './calibration.js';
import { closestDark, loadDark, type Dark } from './darks.js';
import { DBReader } from './db.js';
import { Detector, selectPresentTags, type Image, type LazyImage } from './detector.js';
import { RunFile, resolveRun, searchKeys, type SensorInfo } from './runfile.js';
import { RunSource } from './source.js';
import { detectorsOf, type DetectorLayout } from './sensors.js';

/** The experiment settings a Run needs (the data half of an experiment config). */
export interface RunConfig {
  /**
   * Friendly detector name → detector id: a sensor's `detector_name` (`MPCCD-1N0-M07-006`), or
   * the id of a detector of several sensors (`MPCCD-2N0-M02-003` for `…-1`, `…-2`).
   */
  detectors?: Record<string, string>;
  /** Friendly value name → database key spec (see ValueSpec). */
  values?: Record<string, ValueSpec>;
  /**
   * Friendly detector name → folder of dark files (the closest one to the run's middle is used),
   * a dark file (`.npy` / `.h5`), an array, or null for none.
   */
  darks?: Record<string, string | Float32Array | Float64Array | Dark | null>;
  /** eV per ADU for all detectors, or per friendly detector name (default 'auto'). */
  evPerAdu?: number | 'auto' | Record<string, number | 'auto'>;
  /** Sidecar `tag, value` text files by equipment key. */
  sidecars?: Record<string, string>;
}

export interface OpenRunOptions extends RunConfig {
  /** Run number; negative counts back from the newest run (−1 = newest). */
  run?: number;
  /** Tags without an image in a configured detector: 'skip' (default, one warning) or 'fail'. */
  missingTags?: 'skip' | 'fail';
  /** Shots hold lazy image getters: an image is read when its property is first accessed. */
  lazy?: boolean;
  /** Where notices go (default console.warn). */
  warn?: (msg: string) => void;
  /**
   * Streaming mode: each detector reads into one reused buffer, so a Shot's images are only
   * valid until the next shot is read (copy what you keep). Faster: no allocation per image.
   */
  reuseBuffers?: boolean;
  /** A run split into several files of a folder (`run_N_bg.h5`, `run_N_sig.h5`) is read from all of them. */
  combine?: boolean;
  /** Where the settings came from (a config file), named in errors. */
  origin?: string;
}

/**
 * One FEL shot: `index` (in the run, after skipped tags), `tag`, one image per configured
 * detector (row-major, eV; float32, or float64 for float64 datasets; [sensors, rows, cols]
 * for a detector of several sensors) and one number per database value, by friendly name.
 */
export interface Shot {
  index: number;
  tag: number;
  [name: string]: number | Image;
}

export class Run implements Iterable<Shot> {
  /** Detectors by friendly name. */
  readonly detectors: Record<string, Detector>;
  readonly db: DBReader;
  /** Every database array by friendly name (kept shots only), plus `tag`. */
  readonly values: Record<string, Float64Array>;
  /** Tags of the kept shots. */
  readonly tags: Float64Array;
  /** Positions of the kept shots in the run's full tag list. */
  readonly indices: Uint32Array;
  readonly lazy: boolean;
  /** Per-detector reused image buffers (reuseBuffers mode), else null. */
  private readonly buffers: Record<string, Image> | null;
  [name: string]: unknown;

  constructor(
    readonly source: RunSource,
    detectors: Record<string, Detector>,
    db: DBReader,
    indices: Uint32Array,
    lazy = false,
    reuseBuffers = false,
  ) {
    this.detectors = detectors;
    this.db = db;
    this.values = db.data;
    this.indices = indices;
    this.tags = db.data.tag;
    this.lazy = lazy;
    this.buffers = reuseBuffers
      ? Object.fromEntries(Object.entries(detectors).map(([n, d]) => [n, d.dtype === 'f64' ? new Float64Array(d.size) : new Float32Array(d.size)]))
      : null;
    // run.sampleX2 etc.: every value array by its friendly name, where it does not shadow a member.
    for (const name of db.names) {
      if (!(name in this)) Object.defineProperty(this, name, { value: db.data[name], enumerable: true });
    }
  }

  /** The run's (first) file. */
  get file(): RunFile {
    return this.source.files[0];
  }
  get runNumber(): number {
    return this.source.run;
  }
  /** The run file, or `a + b` for a run read from several files. */
  get path(): string {
    return this.source.path;
  }
  get length(): number {
    return this.tags.length;
  }
  /** All tags of the run, including skipped ones. */
  get allTags(): Float64Array {
    return this.source.tags;
  }
  get highTag(): number | null {
    return this.source.highTag;
  }
  get startTime(): number | null {
    return this.source.startTime;
  }
  get endTime(): number | null {
    return this.source.endTime;
  }
  get middleTime(): number | null {
    return this.source.middleTime;
  }
  /** Detectors present in the run file (not only the configured ones), sensors grouped. */
  detectorsPresent(): DetectorLayout[] {
    return detectorsOf(this.file);
  }
  /** Every per-tag group of the run file (sensors, assembled images, cameras). */
  sensorsPresent(): SensorInfo[] {
    return this.file.sensors();
  }
  /** Database keys present: `daq_info/` equipment keys, then `event_info/...` paths. */
  databaseKeys(): string[] {
    return this.source.databaseKeys();
  }
  searchEquipment(pattern: string | RegExp): string[] {
    return searchKeys(this.databaseKeys(), pattern);
  }

  /** Shot `i` (negative counts from the end). */
  get(i: number): Shot {
    if (!Number.isInteger(i)) throw new ConfigError(`shot index must be an integer, got ${i}`);
    const j = i < 0 ? i + this.length : i;
    if (j < 0 || j >= this.length) throw new RangeError(`shot index ${i} out of range (run ${this.runNumber} has ${this.length} shots)`);
    const shot: Shot = { index: j, tag: this.tags[j] };
    for (const [name, det] of Object.entries(this.detectors)) {
      if (this.buffers) {
        const buf = this.buffers[name];
        if (this.lazy) {
          let loaded = false;
          Object.defineProperty(shot, name, {
            enumerable: true,
            get: () => {
              if (!loaded) det.read(j, buf);
              loaded = true;
              return buf;
            },
          });
        }
        else shot[name] = det.read(j, buf);
      } else if (this.lazy) {
        let img: Image | null = null;
        Object.defineProperty(shot, name, {
          enumerable: true,
          get: () => (img ??= det.get(j)),
        });
      } else shot[name] = det.get(j);
    }
    for (const name of this.db.names) shot[name] = this.values[name][j];
    return shot;
  }

  /** A lazy image handle of one detector (by friendly name) for shot `i`. */
  lazyImage(detector: string, i: number): LazyImage {
    const det = this.detectors[detector];
    if (!det) throw new ConfigError(`no configured detector "${detector}" (configured: ${Object.keys(this.detectors).join(', ')})`);
    return det.lazy(i);
  }

  *[Symbol.iterator](): IterableIterator<Shot> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Frees read buffers and closes the file(s). */
  close(): void {
    for (const d of Object.values(this.detectors)) d.free();
    this.source.close();
  }
}

/**
 * Opens a run. `path` is a folder of run files (give `run`; negative counts back from the
 * newest) or a run file (its only run, or `run`). Reads every configured database value once,
 * chooses darks, and checks the detectors' tags.
 */
export async function openRun(path: string, options: OpenRunOptions = {}): Promise<Run> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const origin = options.origin ? `${options.origin}: ` : '';
  const entry = await resolveRun(path, options.run, { combine: options.combine });
  const source = await RunSource.open(entry.paths, entry.run);
  try {
    const detCfg = options.detectors ?? {};
    const found = Object.entries(detCfg).map(([name, id]) => {
      if (typeof id !== 'string' || !id) throw new ConfigError(`detector "${name}": expected a detector id (e.g. "MPCCD-2N0-M02-003")`);
      return { name, id, layouts: source.resolveDetector(id) };
    });
    const indices = selectPresentTags(source, found, options.missingTags ?? 'skip', warn);
    const detectors: Record<string, Detector> = {};
    for (const { name, id, layouts } of found) {
      const ev = options.evPerAdu;
      const evPerAdu = ev === undefined || typeof ev === 'number' || ev === 'auto' ? ev : ev[name];
      if (evPerAdu !== undefined && evPerAdu !== 'auto' && !(typeof evPerAdu === 'number' && Number.isFinite(evPerAdu) && evPerAdu > 0)) {
        throw new ConfigError(`${origin}detectors.${name}.evPerAdu: expected a positive finite number (eV per ADU) or "auto", got ${String(evPerAdu)}`);
      }
      const dark = await resolveDark(options.darks?.[name], source, layouts[0].shape, name, origin);
      detectors[name] = new Detector(source, id, { evPerAdu, dark, warn }, indices);
    }
    const db = await DBReader.read(source, options.values ?? {}, { sidecars: options.sidecars, indices, origin: options.origin, warn });
    return new Run(source, detectors, db, indices, options.lazy ?? false, options.reuseBuffers ?? false);
  } catch (err) {
    source.close();
    throw err;
  }
}

/**
 * The dark a detector's setting names: none for null; a folder → the dark file closest to the
 * run's middle; a file → that file. A folder or file that does not exist, or a folder without a
 * dark file, is a config mistake (`"dark": null` says "no dark"), never a silent "no dark".
 */
async function resolveDark(
  spec: string | Float32Array | Float64Array | Dark | null | undefined,
  source: RunSource,
  shape: number[],
  name: string,
  origin: string,
): Promise<Dark | Float32Array | Float64Array | null> {
  if (spec === undefined || spec === null) return null;
  if (typeof spec !== 'string') return spec;
  const key = `${origin}detectors.${name}.dark`;
  const noDark = 'give a folder of <name>_<unix time>.npy (or .h5) dark files, one dark file, or "dark": null for no dark subtraction';
  const st = files().stat(spec);
  if (!st) throw new ConfigError(`${key}: the dark folder or file ${spec} of detector ${name} does not exist; ${noDark}`);
  const path = st.kind === 'folder' ? await closestDark(spec, source, () => {}) : spec;
  if (!path) throw new ConfigError(`${key}: the dark folder ${spec} of detector ${name} holds no dark file (<name>_<unix time>.npy or .h5); ${noDark}`);
  try {
    return await loadDark(path, shape);
  } catch (err) {
    if (err instanceof DataError) throw new DataError(`${err.message} (the dark of detector ${name}, ${key})`);
    throw err;
  }
}

/** Database keys matching a pattern, of a Run, a RunFile or a list of keys. */
export function searchEquipment(source: Run | RunFile | string[], pattern: string | RegExp): string[] {
  const keys = Array.isArray(source) ? source : source.databaseKeys();
  return searchKeys(keys, pattern);
}
