// A run: the configured detectors plus the database reader; indexing and iteration give Shots.
import { UsageError } from '../cli/errors.js';
import type { ValueSpec } from './calibration.js';
import { closestDark, loadDark, type Dark } from './darks.js';
import { DBReader } from './db.js';
import { Detector, selectPresentTags, type LazyImage } from './detector.js';
import { RunFile, resolveRun, searchKeys, type DetectorInfo } from './runfile.js';

/** The experiment settings a Run needs (the data half of an experiment config). */
export interface RunConfig {
  /** Friendly detector name → facility id (`MPCCD-2N0-M02-003`) or group (`detector_2d_2`). */
  detectors?: Record<string, string>;
  /** Friendly value name → database key spec (see ValueSpec). */
  values?: Record<string, ValueSpec>;
  /**
   * Friendly detector name → folder of dark files (the closest one to the run's middle is used),
   * a dark file (`.npy` / `.h5`), a Float32Array, or null for none.
   */
  darks?: Record<string, string | Float32Array | Dark | null>;
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
}

/**
 * One FEL shot: `index` (in the run, after skipped tags), `tag`, one image per configured
 * detector (Float32Array, row-major, eV) and one number per database value, by friendly name.
 */
export interface Shot {
  index: number;
  tag: number;
  [name: string]: number | Float32Array;
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
  private readonly buffers: Record<string, Float32Array> | null;
  [name: string]: unknown;

  constructor(
    readonly file: RunFile,
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
      ? Object.fromEntries(Object.entries(detectors).map(([n, d]) => [n, new Float32Array(d.size)]))
      : null;
    // run.sampleX2 etc.: every value array by its friendly name, where it does not shadow a member.
    for (const name of db.names) {
      if (!(name in this)) Object.defineProperty(this, name, { value: db.data[name], enumerable: true });
    }
  }

  get runNumber(): number {
    return this.file.run;
  }
  get path(): string {
    return this.file.path;
  }
  get length(): number {
    return this.tags.length;
  }
  /** All tags of the run, including skipped ones. */
  get allTags(): Float64Array {
    return this.file.tags;
  }
  get highTag(): number | null {
    return this.file.highTag;
  }
  get startTime(): number | null {
    return this.file.startTime;
  }
  get endTime(): number | null {
    return this.file.endTime;
  }
  get middleTime(): number | null {
    return this.file.middleTime;
  }
  /** Detectors present in the run file (not only the configured ones). */
  detectorsPresent(): DetectorInfo[] {
    return this.file.detectors();
  }
  /** Database keys present: `daq_info/` equipment keys, then `event_info/...` paths. */
  databaseKeys(): string[] {
    return this.file.databaseKeys();
  }
  searchEquipment(pattern: string | RegExp): string[] {
    return this.file.searchEquipment(pattern);
  }

  /** Shot `i` (negative counts from the end). */
  get(i: number): Shot {
    if (!Number.isInteger(i)) throw new UsageError(`shot index must be an integer, got ${i}`);
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
        let img: Float32Array | null = null;
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
    if (!det) throw new UsageError(`no configured detector "${detector}" (configured: ${Object.keys(this.detectors).join(', ')})`);
    return det.lazy(i);
  }

  *[Symbol.iterator](): IterableIterator<Shot> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Frees read buffers and closes the file. */
  close(): void {
    for (const d of Object.values(this.detectors)) d.free();
    this.file.close();
  }
}

/**
 * Opens a run. `path` is a folder of run files (give `run`; negative counts back from the
 * newest) or a run file (its only run, or `run`). Reads every configured database value once,
 * chooses darks, and checks the detectors' tags.
 */
export async function openRun(path: string, options: OpenRunOptions = {}): Promise<Run> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const entry = await resolveRun(path, options.run);
  const file = await RunFile.open(entry.path, entry.run);
  try {
    const detCfg = options.detectors ?? {};
    const groups = Object.entries(detCfg).map(([name, id]) => {
      if (typeof id !== 'string' || !id) throw new UsageError(`detector "${name}": expected a facility id or group name`);
      return { name, group: file.findDetector(id) };
    });
    const indices = selectPresentTags(file, groups, options.missingTags ?? 'skip', warn);
    const tags = Float64Array.from(indices, (i) => file.tags[i]);
    const detectors: Record<string, Detector> = {};
    for (const { name, group } of groups) {
      const info = file.detectorInfo(group);
      const ev = options.evPerAdu;
      const evPerAdu = ev === undefined || typeof ev === 'number' || ev === 'auto' ? ev : ev[name];
      const dark = await resolveDark(options.darks?.[name], file, info, name, warn);
      detectors[name] = new Detector(file, group, { evPerAdu, dark, warn }, tags);
    }
    const db = await DBReader.read(file, options.values ?? {}, { sidecars: options.sidecars, indices });
    return new Run(file, detectors, db, indices, options.lazy ?? false, options.reuseBuffers ?? false);
  } catch (err) {
    file.close();
    throw err;
  }
}

async function resolveDark(
  spec: string | Float32Array | Dark | null | undefined,
  file: RunFile,
  info: DetectorInfo,
  name: string,
  warn: (m: string) => void,
): Promise<Dark | Float32Array | null> {
  if (spec === undefined || spec === null) return null;
  if (spec instanceof Float32Array || typeof spec !== 'string') return spec;
  const fs = await import('node:fs');
  let isDir = false;
  try {
    isDir = fs.statSync(spec).isDirectory();
  } catch {
    warn(`dark folder ${spec} (${name}) does not exist: images are not dark-subtracted`);
    return null;
  }
  const path = isDir ? await closestDark(spec, file, (m) => warn(`${name}: ${m}`)) : spec;
  return path ? loadDark(path, info.shape) : null;
}

/** Database keys matching a pattern, of a Run, a RunFile or a list of keys. */
export function searchEquipment(source: Run | RunFile | string[], pattern: string | RegExp): string[] {
  const keys = Array.isArray(source) ? source : source.databaseKeys();
  return searchKeys(keys, pattern);
}
