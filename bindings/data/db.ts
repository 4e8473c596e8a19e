// The database reader: every configured per-tag value of a run, read once and calibrated.
import { DataError, ConfigError } from '../core/errors.js';
import { paths } from '../core/files.js';
import { normaliseSpec, type NormalisedSpec, type ValueSpec } from './calibration.js';
import { alignSidecar, readSidecar } from './sidecar.js';
import { RunFile } from './runfile.js';
import { RunSource } from './source.js';

export interface DBReaderOptions {
  /** Sidecar `tag, value` files by equipment key (relative paths: to the run file's folder). */
  sidecars?: Record<string, string>;
  /** Positions in the run's tag list to keep (default: all), e.g. the shots with every image. */
  indices?: ArrayLike<number>;
  /** Where the values were configured (a config file), named in errors. */
  origin?: string;
  /** Where notices go (values marked optional that are absent, values that are NaN for some shots). */
  warn?: (msg: string) => void;
}

const RESERVED = new Set(['index', 'tag']);

export class DBReader {
  /** Every value array by friendly name, plus `tag`. */
  readonly data: Record<string, Float64Array>;
  /** The configured friendly names (without `tag`). */
  readonly names: string[];
  readonly specs: NormalisedSpec[];
  /** Values marked optional that the run does not have (their arrays are NaN). */
  readonly absent: string[];

  private constructor(data: Record<string, Float64Array>, specs: NormalisedSpec[], absent: string[]) {
    this.data = data;
    this.specs = specs;
    this.names = specs.map((s) => s.name);
    this.absent = absent;
  }

  /**
   * Reads and calibrates every value of `values` for the run. Values the run lacks are one
   * error naming every one of them (config name → key) and the closest keys present, unless
   * marked optional.
   */
  static async read(file: RunFile | RunSource, values: Record<string, ValueSpec>, options: DBReaderOptions = {}): Promise<DBReader> {
    const source = file instanceof RunSource ? file : new RunSource([file]);
    const warn = options.warn ?? ((m: string) => console.warn(m));
    const dir = paths.dirname(source.files[0].path);
    const resolve = (p: string) => (paths.isAbsolute(p) ? p : paths.join(dir, p));
    const specs = Object.entries(values).map(([name, spec]) => {
      if (RESERVED.has(name)) throw new ConfigError(`database value name "${name}" is reserved (index and tag are added by the reader)`);
      return normaliseSpec(name, spec);
    });
    const idx = options.indices;
    const keep = (a: Float64Array) => (idx ? Float64Array.from(idx, (i) => a[i]) : a);
    const data: Record<string, Float64Array> = { tag: keep(source.tags.slice()) };
    const missing: NormalisedSpec[] = [];
    const absent: string[] = [];
    for (const s of specs) {
      const side = s.sidecar ?? options.sidecars?.[s.key];
      let raw = source.rawValues(s.key);
      if (!raw && side) {
        const sc = await readSidecar(resolve(side));
        raw = alignSidecar(sc, source.tags, `${resolve(side)} (database key "${s.key}")`);
      }
      if (!raw) {
        if (!s.optional) {
          missing.push(s);
          continue;
        }
        absent.push(s.name);
        warn(`${source.path}: run ${source.run}: value ${s.name} (${s.key}) is not in this run; it is marked optional, so its column is NaN`);
        data[s.name] = keep(new Float64Array(source.tags.length).fill(NaN));
        continue;
      }
      const cal = keep(s.calibrate(raw));
      let nan = 0;
      for (let i = 0; i < cal.length; i++) if (cal[i] !== cal[i]) nan++;
      if (nan) warn(`${source.path}: run ${source.run}: value ${s.name} (${s.key}) is NaN for ${nan} of ${cal.length} shots`);
      data[s.name] = cal;
    }
    if (missing.length) {
      const first = source.files[0];
      const lines = missing.map((s) => `  ${s.name} → ${s.key} (closest keys present: ${first.closestKeys(s.key).join(', ') || 'none'})`);
      const origin = options.origin ? `${options.origin}: ` : '';
      throw new DataError(
        `${origin}${missing.length} configured value(s) not found in run ${source.run} (${source.path}; looked in daq_info/, event_info/ and the run group):\n` +
          `${lines.join('\n')}\n  mark a value "optional": true to analyse runs without it (its column is NaN)`,
      );
    }
    return new DBReader(data, specs, absent);
  }

  get length(): number {
    return this.data.tag.length;
  }

  /** The values of shot `i` by friendly name, plus `tag`. */
  get(i: number): Record<string, number> {
    const j = i < 0 ? i + this.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.length) throw new RangeError(`shot index ${i} out of range (${this.length} shots)`);
    const out: Record<string, number> = { tag: this.data.tag[j] };
    for (const n of this.names) out[n] = this.data[n][j];
    return out;
  }
}
