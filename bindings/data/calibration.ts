// Database value specifications (the config forms of the original framework) and their
// calibrations, applied to the whole array of raw values of a run.
import { ConfigError } from '../core/errors.js';
import { interp } from '../core/numeric.js';

/** A table `x → y` (e.g. attenuator motor pulses → silicon thickness in metres). */
export interface XYTable {
  x: number[];
  y: number[];
}

/** A calibration function: maps the whole raw array of a run to calibrated values. */
export type CalibrationFn = (raw: Float64Array) => ArrayLike<number>;

/**
 * One database value of an experiment config:
 * - `'equipment/key'` — raw values;
 * - `{key, scale}` — raw × scale (e.g. motor pulses → metres);
 * - `{key, nearest: {x, y}}` — for each raw value, the y of the nearest x (attenuator table);
 * - `{key, linear: {x, y}}` — piecewise-linear interpolation (NumPy `interp`: clamped at the ends);
 * - `{key, fn}` or `[key, fn]` — any function of the whole raw array (programmatic API only);
 * - `[key, factor]` — the original's `(key, factor)` tuple.
 * Optionally `sidecar: 'path'` names a text file of `tag, value` lines to use when the key is
 * not in the run file, and `optional: true` lets a run without the key be analysed (its values
 * are NaN, with one notice).
 */
export type ValueSpec =
  | string
  | [string, number | CalibrationFn]
  | {
      key: string;
      scale?: number;
      nearest?: XYTable;
      linear?: XYTable;
      fn?: CalibrationFn;
      sidecar?: string;
      optional?: boolean;
    };

/** A ValueSpec checked and normalised. */
export interface NormalisedSpec {
  name: string;
  key: string;
  sidecar?: string;
  /** A run without the key gives NaN values instead of an error. */
  optional: boolean;
  calibrate: (raw: Float64Array) => Float64Array;
  /** Human description, e.g. 'scale 5e-7' or 'nearest (11 points)'. */
  describe: string;
}

function checkTable(t: unknown, name: string, form: string): XYTable {
  const tab = t as XYTable;
  if (
    !tab ||
    !Array.isArray(tab.x) ||
    !Array.isArray(tab.y) ||
    tab.x.length !== tab.y.length ||
    tab.x.length === 0 ||
    !tab.x.every(Number.isFinite) ||
    !tab.y.every((v) => typeof v === 'number')
  ) {
    throw new ConfigError(
      `database value "${name}": ${form} needs {x: number[], y: number[]} of the same non-zero length`,
    );
  }
  return tab;
}

/** For each value, the y of the nearest table x (ties: the first table entry); NaN stays NaN. */
export function nearestCalibration(table: XYTable): (raw: Float64Array) => Float64Array {
  const { x, y } = table;
  return (raw) => {
    const out = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (Number.isNaN(v)) {
        out[i] = NaN;
        continue;
      }
      let best = 0;
      let bestD = Math.abs(v - x[0]);
      for (let k = 1; k < x.length; k++) {
        const d = Math.abs(v - x[k]);
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      out[i] = y[best];
    }
    return out;
  };
}

/** Piecewise-linear interpolation like NumPy's `interp` (x sorted here; clamped at both ends). */
export function linearCalibration(table: XYTable): (raw: Float64Array) => Float64Array {
  const order = table.x.map((_, i) => i).sort((a, b) => table.x[a] - table.x[b]);
  const x = order.map((i) => table.x[i]);
  const y = order.map((i) => table.y[i]);
  return (raw) => raw.map((v) => interp(v, x, y));
}

function fromFn(fn: CalibrationFn, name: string): (raw: Float64Array) => Float64Array {
  return (raw) => {
    const r = fn(raw);
    if (!r || typeof (r as ArrayLike<number>).length !== 'number') {
      throw new ConfigError(`database value "${name}": its calibration function must return an array`);
    }
    if (r.length !== raw.length) {
      throw new ConfigError(
        `database value "${name}": its calibration function returned ${r.length} values for ${raw.length} shots`,
      );
    }
    return r instanceof Float64Array ? r : Float64Array.from(r);
  };
}

/** Checks one config entry and returns its normalised form; anything else is a ConfigError. */
export function normaliseSpec(name: string, spec: ValueSpec): NormalisedSpec {
  const bad = (why: string) =>
    new ConfigError(
      `database value "${name}": ${why}; expected a key string, [key, factor], [key, function], ` +
        `{key, scale}, {key, nearest: {x, y}}, {key, linear: {x, y}} or {key, fn}`,
    );
  if (typeof spec === 'string') {
    if (!spec) throw bad('empty key');
    return { name, key: spec, optional: false, calibrate: (r) => r, describe: 'raw' };
  }
  if (Array.isArray(spec)) {
    const [key, f] = spec;
    if (spec.length !== 2 || typeof key !== 'string' || !key) throw bad('a tuple must be [key, factor or function]');
    if (typeof f === 'number' && Number.isFinite(f)) return scaleSpec(name, key, f);
    if (typeof f === 'function') return { name, key, optional: false, calibrate: fromFn(f, name), describe: 'function' };
    throw bad(`the second element is ${typeof f}`);
  }
  if (!spec || typeof spec !== 'object' || typeof spec.key !== 'string' || !spec.key) throw bad('no key');
  const forms = (['scale', 'nearest', 'linear', 'fn'] as const).filter((k) => spec[k] !== undefined);
  const known = new Set(['key', 'scale', 'nearest', 'linear', 'fn', 'sidecar', 'optional']);
  const unknown = Object.keys(spec).filter((k) => !known.has(k));
  if (unknown.length) throw bad(`unknown field(s) ${unknown.join(', ')}`);
  if (forms.length > 1) throw bad(`give one calibration, not ${forms.join(' and ')}`);
  if (spec.sidecar !== undefined && typeof spec.sidecar !== 'string') throw bad('sidecar must be a file path');
  if (spec.optional !== undefined && typeof spec.optional !== 'boolean') throw bad('optional must be true or false');
  let out: NormalisedSpec;
  if (spec.scale !== undefined) {
    if (typeof spec.scale !== 'number' || !Number.isFinite(spec.scale)) throw bad('scale must be a finite number');
    out = scaleSpec(name, spec.key, spec.scale);
  } else if (spec.nearest !== undefined) {
    const t = checkTable(spec.nearest, name, 'nearest');
    out = { name, key: spec.key, optional: false, calibrate: nearestCalibration(t), describe: `nearest (${t.x.length} points)` };
  } else if (spec.linear !== undefined) {
    const t = checkTable(spec.linear, name, 'linear');
    out = { name, key: spec.key, optional: false, calibrate: linearCalibration(t), describe: `linear (${t.x.length} points)` };
  } else if (spec.fn !== undefined) {
    if (typeof spec.fn !== 'function') throw bad('fn must be a function');
    out = { name, key: spec.key, optional: false, calibrate: fromFn(spec.fn, name), describe: 'function' };
  } else {
    out = { name, key: spec.key, optional: false, calibrate: (r) => r, describe: 'raw' };
  }
  if (spec.sidecar) out.sidecar = spec.sidecar;
  out.optional = spec.optional === true;
  return out;
}

function scaleSpec(name: string, key: string, f: number): NormalisedSpec {
  return {
    name,
    key,
    optional: false,
    calibrate: (raw) => {
      const out = new Float64Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw[i] * f;
      return out;
    },
    describe: `scale ${f}`,
  };
}

/** Levenshtein distance (for "did you mean" lists). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The `count` candidates closest to `key` by edit distance (ties by name). */
export function closestKeys(key: string, candidates: string[], count = 3): string[] {
  return candidates
    .map((c) => ({ c, d: editDistance(key.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, count)
    .map((x) => x.c);
}
