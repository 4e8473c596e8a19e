// The database reader: every configured per-tag value of a run, read once and calibrated.
import { UsageError } from '../cli/errors.js';
import { normaliseSpec, type NormalisedSpec, type ValueSpec } from './calibration.js';
import type { RunFile } from './runfile.js';

export interface DBReaderOptions {
  /** Sidecar `tag, value` files by equipment key (relative paths: to the run file's folder). */
  sidecars?: Record<string, string>;
  /** Positions in the run's tag list to keep (default: all), e.g. the shots with every image. */
  indices?: ArrayLike<number>;
}

const RESERVED = new Set(['index', 'tag']);

export class DBReader {
  /** Every value array by friendly name, plus `tag`. */
  readonly data: Record<string, Float64Array>;
  /** The configured friendly names (without `tag`). */
  readonly names: string[];
  readonly specs: NormalisedSpec[];

  private constructor(data: Record<string, Float64Array>, specs: NormalisedSpec[]) {
    this.data = data;
    this.specs = specs;
    this.names = specs.map((s) => s.name);
  }

  /** Reads and calibrates every value of `values` for the run. */
  static async read(file: RunFile, values: Record<string, ValueSpec>, options: DBReaderOptions = {}): Promise<DBReader> {
    const nodePath = await import('node:path');
    const dir = nodePath.dirname(file.path);
    const resolve = (p: string) => (nodePath.isAbsolute(p) ? p : nodePath.join(dir, p));
    const specs = Object.entries(values).map(([name, spec]) => {
      if (RESERVED.has(name)) throw new UsageError(`database value name "${name}" is reserved (index and tag are added by the reader)`);
      return normaliseSpec(name, spec);
    });
    const idx = options.indices;
    const data: Record<string, Float64Array> = {};
    data.tag = idx ? Float64Array.from(idx, (i) => file.tags[i]) : file.tags.slice();
    for (const s of specs) {
      const side = s.sidecar ?? options.sidecars?.[s.key];
      const raw = await file.rawValues(s.key, side ? resolve(side) : undefined);
      const cal = s.calibrate(raw);
      data[s.name] = idx ? Float64Array.from(idx, (i) => cal[i]) : cal;
    }
    return new DBReader(data, specs);
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
