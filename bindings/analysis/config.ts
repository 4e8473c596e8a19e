// Experiment configs (docs/config.md): types, validation with every mistake reported at once,
// loading (.json / .mjs), a stable hash, and the options `openRun` needs.
import * as z from 'zod';
import { UsageError } from '../cli/errors.js';
import { closestKeys, editDistance, normaliseSpec, type CalibrationFn, type ValueSpec, type XYTable } from '../data/calibration.js';
import type { OpenRunOptions } from '../data/run.js';
import { linspace } from '../core/numeric.js';

// ---------------------------------------------------------------------------------------------
// Types (the validated form: defaults filled in, tagged by `kind`)

/** One detector: facility id or group name, optional dark folder / file, eV per ADU. */
export interface DetectorConfig {
  id: string;
  /** Folder of dark files or one dark file; relative paths are resolved against the data folder. */
  dark: string | null;
  evPerAdu: number | 'auto';
}

/** One database value: the ValueSpec forms of bindings/data/calibration.ts. */
export type ValueConfig = ValueSpec;

/** Keep shots whose value is > 0 / drop a scanned motor's acceleration / keep min ≤ v ≤ max. */
export type FilterConfig =
  | { shutter: string }
  | { motorStep: string }
  /** min / max are ±Infinity when omitted or null in the file; NaN is removed. */
  | { value: string; min: number; max: number };

/** The filter's kind and the value it looks at. */
export function filterInfo(f: FilterConfig): { kind: 'shutter' | 'motorStep' | 'value'; value: string } {
  if ('shutter' in f) return { kind: 'shutter', value: f.shutter };
  if ('motorStep' in f) return { kind: 'motorStep', value: f.motorStep };
  return { kind: 'value', value: f.value };
}

export type ConstantConfig =
  | { axis: { length: number; centerIndex: number; centerEv: number; evPerPixel: number } }
  | { histogramCenters: { bins: number; range: [number, number] } }
  | { values: number[] };

export type NanMode = 'skip' | 'propagate';

/**
 * One per-shot transform as the file spells it, `{ "<kind>": params }`, its parameters with
 * defaults filled in (narrow with `'noiseCut' in t` or `transformKind(t)`).
 */
export type TransformConfig =
  | { noiseCut: { threshold: number; fill: number } }
  | { roi: { rows: [number, number]; cols: [number, number] } }
  | { meanAlongAxis: { axis: 0 | 1 } }
  | { sumAlongAxis: { axis: 0 | 1 } }
  | { histogram: { bins: number; range: [number, number] } }
  /** Counts low < v < high (strict); ±Infinity when omitted or null in the file. */
  | { rangeCount: { low: number; high: number } }
  /**
   * `center` null: shape // 2 (for a stack of sensors: of the assembled picture, [row, col]);
   * `centerUm`: [X, Y] in the detector plane (µm), for detectors with geometry.
   */
  | { radialProfile: { center: number[] | null; centerUm: number[] | null; os: number } }
  | { sum: { nan: NanMode } }
  | { mean: { nan: NanMode } }
  /** The sensors of a detector placed into one 2-D picture (gaps NaN), by their geometry. */
  | { assemble: Record<string, never> }
  /** Pixels set in a bad-pixel mask (`.npy`, 1 = bad; or a folder: the mask closest in time) become NaN. */
  | { mask: { file: string } };

type UnionKeys<T> = T extends unknown ? keyof T : never;
export type TransformKind = UnionKeys<TransformConfig>;

/** The kind of a transform (its one key). */
export function transformKind(t: TransformConfig): TransformKind {
  return Object.keys(t)[0] as TransformKind;
}

/** A topK payload: the root dataset named by its key holds this chain's value for the top shots. */
export interface PayloadConfig {
  source: string;
  transforms: TransformConfig[];
}

export type SinkConfig =
  | 'mean'
  | 'variance'
  | 'min'
  | 'max'
  | 'median'
  | 'perShot'
  | { quantile: { p: number } }
  /** Payloads by dataset name, in the order of the config file. */
  | { topK: { k: number; payloads: Record<string, PayloadConfig> } };

export interface OutputConfig {
  name: string;
  /** A detector, a value, 'index' or 'tag'. */
  source: string;
  transforms: TransformConfig[];
  sink: SinkConfig;
  /** Applied once to the sink's value (only for mean/variance/min/max/median/quantile sinks). */
  after: TransformConfig[];
}

export interface ThinningConfig {
  maxShots: number | null;
  step: number;
}

export interface ExperimentConfig {
  /** The file the config was read from (named in errors), or null. */
  source: string | null;
  name: string | null;
  description: string | null;
  detectors: Record<string, DetectorConfig>;
  values: Record<string, ValueConfig>;
  filters: FilterConfig[];
  constants: Record<string, ConstantConfig>;
  outputs: OutputConfig[];
  thinning: ThinningConfig;
}

/**
 * What flows through a chain: one number per shot, or an array of `ndim` dimensions (null: not
 * known before a run is opened; a detector's images are 2-D for one sensor, 3-D for several).
 */
export type DataType = { kind: 'number' } | { kind: 'array'; ndim: number | null };

export type SourceKind = 'detector' | 'value' | 'index' | 'tag';

// ---------------------------------------------------------------------------------------------
// Issues and their messages

type PathSeg = string | number;

interface Issue {
  path: PathSeg[];
  expected: string;
  /** Overrides the description of the value found at `path`. */
  got?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatPath(path: PathSeg[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (IDENT.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s || '(top level)';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A short description of a value found in a config ("got …"). */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}…` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    if (v.length === 0) return 'an empty list';
    const short = v.length <= 8 && v.every((x) => x === null || ['number', 'string', 'boolean'].includes(typeof x));
    const text = short ? JSON.stringify(v).replace(/,/g, ', ') : '';
    return short && text.length <= 60 ? text : `a list of ${v.length}`;
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
    return `an object with ${keys.length === 1 ? 'key' : 'keys'} ${shown}`;
  }
  return typeof v;
}

function at(raw: unknown, path: PathSeg[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSeg, unknown>)[p];
  }
  return v;
}

function didYouMean(key: string, candidates: readonly string[]): string {
  if (!candidates.length) return '';
  const [best] = closestKeys(key, [...candidates], 1);
  const d = editDistance(key.toLowerCase(), best.toLowerCase());
  return best !== key && d <= Math.max(2, Math.floor(Math.min(key.length, best.length) / 3)) ? ` (did you mean "${best}"?)` : '';
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Schemas (zod): leaves with their expectation as the message, objects through `strict`
// (unknown keys are errors, every field is checked) and `oneKey` ({ "<kind>": params }).

const E = (what: string) => ({ error: what });

/** Adds issues found by a nested parse to the current context, keeping their paths. */
function forward(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[], prefix: PathSeg[] = []): void {
  for (const iss of issues) {
    const got = (iss as { params?: { got?: string } }).params?.got;
    ctx.addIssue({
      code: 'custom',
      message: iss.message,
      path: [...prefix, ...(iss.path as PathSeg[])],
      ...(got !== undefined ? { params: { got } } : {}),
    });
  }
}

function issue(ctx: z.RefinementCtx, expected: string, path: PathSeg[] = [], got?: string): void {
  ctx.addIssue({ code: 'custom', message: expected, path, ...(got !== undefined ? { params: { got } } : {}) });
}

/** An object with exactly these keys (unknown keys are errors); every field is checked. */
function strict<S extends z.ZodRawShape>(shape: S, what: string) {
  const inner = z.object(shape);
  const allowed = Object.keys(shape);
  return z.any().transform((v, ctx): z.output<typeof inner> => {
    if (!isPlainObject(v)) {
      issue(ctx, what);
      return z.NEVER;
    }
    let bad = false;
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) {
        issue(ctx, `one of the keys ${list(allowed)}${didYouMean(k, allowed)}`, [k], 'an unknown key');
        bad = true;
      }
    }
    const r = inner.safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    return bad ? z.NEVER : r.data;
  });
}

/** `{ "<kind>": params }` with exactly one known kind; returns it with its params parsed. */
function oneKey<O extends Record<string, z.ZodType>>(options: O, what: string, whatOne: string) {
  const kinds = Object.keys(options);
  return z.any().transform((v, ctx): Record<string, unknown> => {
    if (!isPlainObject(v)) {
      issue(ctx, what);
      return z.NEVER;
    }
    const keys = Object.keys(v);
    const unknown = keys.filter((k) => !kinds.includes(k));
    for (const k of unknown) issue(ctx, `a ${whatOne} (${list(kinds)})${didYouMean(k, kinds)}`, [k], 'an unknown key');
    const known = keys.filter((k) => kinds.includes(k));
    if (known.length === 0) {
      if (!unknown.length) issue(ctx, what);
      return z.NEVER;
    }
    if (known.length > 1) {
      issue(ctx, `exactly one ${whatOne} per object`, [], `${known.join(' and ')} together`);
      return z.NEVER;
    }
    const kind = known[0];
    const r = options[kind].safeParse(v[kind]);
    if (!r.success) {
      forward(ctx, r.error.issues, [kind]);
      return z.NEVER;
    }
    if (unknown.length) return z.NEVER;
    return { [kind]: r.data };
  });
}

const num = (what = 'a number') => z.number(E(what));
const int = (what: string) => z.number(E(what)).int(E(what));
const posInt = (what = 'a positive integer') => int(what).min(1, E(what));
const nonNegInt = (what = 'a non-negative integer') => int(what).min(0, E(what));
const str = (what = 'a non-empty string') => z.string(E(what)).min(1, E(what));
const nameRef = str('a name');

/** `[lo, hi]` of finite numbers with lo < hi (or lo ≤ hi when `allowEqual`). */
function pair(what: string, element: z.ZodNumber, allowEqual = false) {
  return z.any().transform((v, ctx): [number, number] => {
    const r = z.tuple([element, element], E(what)).safeParse(v);
    if (!r.success) {
      // A wrong element type: report the whole pair with the expectation.
      issue(ctx, what);
      return z.NEVER;
    }
    const [a, b] = r.data;
    if (allowEqual ? a > b : a >= b) {
      issue(ctx, what);
      return z.NEVER;
    }
    return [a, b];
  });
}

const nanMode = z.enum(['skip', 'propagate'], E('"skip" or "propagate"'));

const transformParams = {
  noiseCut: strict(
    { threshold: num().default(1000), fill: num().default(0) },
    'noiseCut parameters {threshold?, fill?}',
  ),
  roi: strict(
    {
      rows: pair('[r0, r1]: integers with 0 ≤ r0 < r1 (end exclusive)', nonNegInt()),
      cols: pair('[c0, c1]: integers with 0 ≤ c0 < c1 (end exclusive)', nonNegInt()),
    },
    'roi parameters {rows: [r0, r1], cols: [c0, c1]}',
  ),
  meanAlongAxis: strict(
    { axis: z.union([z.literal(0), z.literal(1)], E('axis 0 or 1')) },
    'meanAlongAxis parameters {axis: 0 | 1}',
  ),
  sumAlongAxis: strict(
    { axis: z.union([z.literal(0), z.literal(1)], E('axis 0 or 1')) },
    'sumAlongAxis parameters {axis: 0 | 1}',
  ),
  histogram: strict(
    { bins: posInt(), range: pair('[lo, hi]: finite numbers with lo ≤ hi', num(), true) },
    'histogram parameters {bins, range: [lo, hi]}',
  ),
  rangeCount: z.any().transform((v, ctx): { low: number; high: number } => {
    const r = strict(
      {
        low: num('a number or null (−∞)').nullish().transform((x) => x ?? -Infinity),
        high: num('a number or null (+∞)').nullish().transform((x) => x ?? Infinity),
      },
      'rangeCount parameters {low?, high?}',
    ).safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    if (!(r.data.low < r.data.high)) {
      issue(ctx, 'low < high', [], `low ${r.data.low} and high ${r.data.high}`);
      return z.NEVER;
    }
    return r.data;
  }),
  radialProfile: z.any().transform((v, ctx): { center: number[] | null; centerUm: number[] | null; os: number } => {
    const r = strict(
      {
        center: z
          .array(num('a list of numbers, one per dimension'), E('a list of numbers, one per dimension, or null'))
          .min(1, E('a list of numbers, one per dimension'))
          .nullish()
          .transform((c) => c ?? null),
        centerUm: z
          .array(num('[X, Y] in µm'), E('[X, Y] in µm (the detector plane), or null'))
          .length(2, E('[X, Y] in µm (the detector plane)'))
          .nullish()
          .transform((c) => c ?? null),
        os: num('a positive number').positive(E('a positive number')).default(1),
      },
      'radialProfile parameters {center?, centerUm?, os?}',
    ).safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    if (r.data.center && r.data.centerUm) {
      issue(ctx, 'the centre in pixels (center) or in µm (centerUm), not both', [], 'both');
      return z.NEVER;
    }
    return r.data;
  }),
  sum: strict({ nan: nanMode.default('skip') }, 'sum parameters {nan?}'),
  mean: strict({ nan: nanMode.default('skip') }, 'mean parameters {nan?}'),
  assemble: strict({}, 'assemble parameters {} (none)'),
  mask: strict({ file: str('a mask file (.npy, 1 = bad pixel) or a folder of masks') }, 'mask parameters {file}'),
};

export const TRANSFORM_KINDS = Object.keys(transformParams) as TransformKind[];

const transformSchema = oneKey(transformParams, 'a transform object with one key, e.g. {"noiseCut": {"threshold": 1000}}', 'transform');
const transformList = z
  .array(transformSchema as unknown as z.ZodType<TransformConfig>, E('a list of transforms'))
  .default([]);

const payloadSchema = strict(
  { source: nameRef, transforms: transformList },
  'a payload {source, transforms?}',
);

const SIMPLE_SINKS = ['mean', 'variance', 'min', 'max', 'median', 'perShot'] as const;
const SINK_EXPECTED = `a sink: ${SIMPLE_SINKS.map((s) => `"${s}"`).join(', ')}, {"quantile": {"p"}} or {"topK": {"k", "payloads"}}`;

const sinkObject = oneKey(
  {
    quantile: strict({ p: num('a number with 0 < p < 1').gt(0, E('a number with 0 < p < 1')).lt(1, E('a number with 0 < p < 1')) }, 'quantile parameters {p}'),
    topK: strict(
      {
        k: posInt(),
        payloads: z
          .record(z.string(), payloadSchema, E('an object of payloads {"<dataset>": {source, transforms?}}'))
          .default({}),
      },
      'topK parameters {k, payloads?}',
    ),
  },
  SINK_EXPECTED,
  'sink',
);

const sinkSchema = z.any().transform((v, ctx): SinkConfig => {
  if (typeof v === 'string') {
    if ((SIMPLE_SINKS as readonly string[]).includes(v)) return v as SinkConfig;
    issue(ctx, SINK_EXPECTED + didYouMean(v, [...SIMPLE_SINKS, 'quantile', 'topK']));
    return z.NEVER;
  }
  if (!isPlainObject(v)) {
    issue(ctx, SINK_EXPECTED);
    return z.NEVER;
  }
  const r = sinkObject.safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER;
  }
  return r.data as SinkConfig;
});

const outputSchema: z.ZodType<OutputConfig> = strict(
  {
    name: nameRef,
    source: nameRef,
    transforms: transformList,
    sink: sinkSchema,
    after: transformList,
  },
  'an output {name, source, transforms?, sink, after?}',
);

const detectorSchema = strict(
  {
    id: str('a facility id (e.g. "MPCCD-2N0-M02-003") or group name'),
    dark: z
      .string(E('a dark folder or file path, or null'))
      .min(1, E('a dark folder or file path, or null'))
      .nullish()
      .transform((d) => d ?? null),
    evPerAdu: z
      .union([z.literal('auto'), num('a positive number or "auto"').positive(E('a positive number or "auto"'))], E('a positive number or "auto"'))
      .default('auto'),
  },
  'a detector {id, dark?, evPerAdu?}',
);

const fnSchema = z.custom<CalibrationFn>((v) => typeof v === 'function', E('a function (only in a .mjs config)'));

const tableSchema = z.any().transform((v, ctx): XYTable => {
  const r = strict(
    {
      x: z.array(num('a list of finite numbers'), E('a list of finite numbers')),
      y: z.array(num('a list of numbers'), E('a list of numbers')),
    },
    'a table {x: [...], y: [...]}',
  ).safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER;
  }
  const { x, y } = r.data;
  if (x.length !== y.length || x.length === 0) {
    issue(ctx, 'x and y of the same non-zero length', [], `${x.length} x and ${y.length} y`);
    return z.NEVER;
  }
  return { x, y };
});

const VALUE_EXPECTED =
  'a key string, [key, factor], {key}, {key, scale}, {key, nearest: {x, y}}, {key, linear: {x, y}}, {key, sidecar} or (.mjs) {key, fn}, each with optional?: true';

const valueObject = strict(
  {
    key: str('an equipment key or run-group path'),
    scale: num('a finite number').optional(),
    nearest: tableSchema.optional(),
    linear: tableSchema.optional(),
    fn: fnSchema.optional(),
    sidecar: str('a path to a "tag, value" text file').optional(),
    optional: z.boolean(E('true or false')).optional(),
  },
  'a value {key, …}',
);

const valueSchema = z.any().transform((v, ctx): ValueConfig => {
  if (typeof v === 'string') {
    if (!v) issue(ctx, 'a non-empty key');
    return v || z.NEVER;
  }
  if (Array.isArray(v)) {
    const ok = v.length === 2 && typeof v[0] === 'string' && v[0] !== '';
    const f = v[1];
    if (!ok || !((typeof f === 'number' && Number.isFinite(f)) || typeof f === 'function')) {
      issue(ctx, '[key, factor] (or [key, function] in a .mjs config)');
      return z.NEVER;
    }
    return [v[0], f] as ValueConfig;
  }
  if (!isPlainObject(v)) {
    issue(ctx, VALUE_EXPECTED);
    return z.NEVER;
  }
  const r = valueObject.safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER;
  }
  const forms = (['scale', 'nearest', 'linear', 'fn'] as const).filter((k) => r.data[k] !== undefined);
  if (forms.length > 1) {
    issue(ctx, 'one calibration (scale, nearest, linear or fn)', [], `${forms.join(' and ')} together`);
    return z.NEVER;
  }
  const out: Exclude<ValueSpec, string | unknown[]> = { key: r.data.key };
  for (const k of ['scale', 'nearest', 'linear', 'fn', 'sidecar', 'optional'] as const) {
    if (r.data[k] !== undefined) (out as Record<string, unknown>)[k] = r.data[k];
  }
  return out;
});

const filterSchema = z.any().transform((v, ctx): FilterConfig => {
  const expected = 'a filter {"shutter": "<value>"}, {"motorStep": "<value>"} or {"value": "<value>", "min"?, "max"?}';
  if (isPlainObject(v) && 'value' in v) {
    const bound = (b: string) => num(`a number or null (no ${b} bound)`).nullish();
    const r = strict({ value: nameRef, min: bound('lower'), max: bound('upper') }, expected).safeParse(v);
    if (!r.success) {
      forward(ctx, r.error.issues);
      return z.NEVER;
    }
    const min = r.data.min ?? -Infinity;
    const max = r.data.max ?? Infinity;
    if (min > max) {
      issue(ctx, 'min ≤ max', [], `min ${min} and max ${max}`);
      return z.NEVER;
    }
    return { value: r.data.value, min, max };
  }
  const r = oneKey({ shutter: nameRef, motorStep: nameRef }, expected, 'filter').safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER;
  }
  return r.data as FilterConfig;
});

const constantSchema = oneKey(
  {
    axis: strict(
      { length: posInt(), centerIndex: num(), centerEv: num(), evPerPixel: num() },
      'axis parameters {length, centerIndex, centerEv, evPerPixel}',
    ),
    histogramCenters: strict(
      { bins: posInt(), range: pair('[lo, hi]: finite numbers with lo ≤ hi', num(), true) },
      'histogramCenters parameters {bins, range: [lo, hi]}',
    ),
    values: z.array(num('a list of numbers'), E('a list of numbers')),
  },
  'a constant {"axis": {…}}, {"histogramCenters": {…}} or {"values": [...]}',
  'constant',
);

const thinningSchema = strict(
  {
    maxShots: posInt('a positive integer or null').nullish().transform((m) => m ?? null),
    step: posInt().default(1),
  },
  'thinning {maxShots?, step?}',
);

const TOP_KEYS = ['name', 'description', 'detectors', 'values', 'filters', 'constants', 'outputs', 'thinning'] as const;

// ---------------------------------------------------------------------------------------------
// Chain typing

function typeName(t: DataType): string {
  if (t.kind === 'number') return 'a number';
  return t.ndim === null ? 'an array (2-D for one sensor, 3-D for several)' : `a ${t.ndim}-D array`;
}

/**
 * The type a transform gives for an input type, or what it expected instead. Detector images
 * have a dimension known only with the run (one sensor or several): such chains are checked
 * again against the run's shapes when the plan is made.
 */
function applyTransform(t: TransformConfig, input: DataType): DataType | { expected: string } {
  const isArr = input.kind === 'array';
  const nd = input.kind === 'array' ? input.ndim : 0;
  const twoD = nd === 2 || nd === null;
  if ('noiseCut' in t || 'mask' in t) return isArr ? input : { expected: 'an array input (it keeps the shape)' };
  if ('roi' in t) return twoD ? { kind: 'array', ndim: 2 } : { expected: 'a 2-D input' };
  if ('meanAlongAxis' in t || 'sumAlongAxis' in t) return twoD ? { kind: 'array', ndim: 1 } : { expected: 'a 2-D input' };
  if ('histogram' in t) return isArr ? { kind: 'array', ndim: 1 } : { expected: 'an array input' };
  if ('assemble' in t) return nd === 2 || nd === 3 || nd === null ? { kind: 'array', ndim: 2 } : { expected: 'a detector image (2-D, or 3-D for several sensors)' };
  if ('radialProfile' in t) {
    if (!isArr) return { expected: 'an array input' };
    const c = t.radialProfile.center;
    // A stack of sensors takes its centre as [row, col] of the assembled picture.
    // A detector image (one sensor, or a stack placed by its geometry) takes [row, col].
    const wanted = nd === null || nd === 3 ? 2 : nd;
    if (c && c.length !== wanted) return { expected: `a center of ${wanted} numbers for ${nd === null ? 'a detector image ([row, col])' : `a ${nd}-D input`}` };
    if (t.radialProfile.centerUm && nd !== null && nd < 2) return { expected: 'a detector image (centerUm needs the sensors\' geometry)' };
    return { kind: 'array', ndim: 1 };
  }
  // rangeCount, sum, mean
  return isArr ? { kind: 'number' } : { expected: 'an array input' };
}

/** The kind of a source name in a config (null: names nothing). */
export function sourceKind(config: Pick<ExperimentConfig, 'detectors' | 'values'>, source: string): SourceKind | null {
  if (source === 'index' || source === 'tag') return source;
  if (Object.hasOwn(config.detectors, source)) return 'detector';
  if (Object.hasOwn(config.values, source)) return 'value';
  return null;
}

/** "the detector "side_ccd"", "the value "i0"", "the index" (for messages). */
function sourceWhat(kind: SourceKind | null, source: string): string {
  return kind === 'detector' || kind === 'value' ? `the ${kind} "${source}"` : `the ${source}`;
}

function sourceType(kind: SourceKind): DataType {
  return kind === 'detector' ? { kind: 'array', ndim: null } : { kind: 'number' };
}

/** The per-shot type of `source` through `transforms` (throws on an inconsistent chain). */
export function chainType(
  config: Pick<ExperimentConfig, 'detectors' | 'values'>,
  source: string,
  transforms: readonly TransformConfig[],
): DataType {
  const kind = sourceKind(config, source);
  if (!kind) throw new UsageError(`source "${source}" names no detector, value, index or tag`);
  let t = sourceType(kind);
  for (const tr of transforms) {
    const r = applyTransform(tr, t);
    if ('expected' in r) throw new UsageError(`${transformKind(tr)}: expected ${r.expected}, got ${typeName(t)}`);
    t = r;
  }
  return t;
}

/** The type of a sink's value over the run for a per-shot type. */
export function sinkType(sink: SinkConfig, perShot: DataType): DataType {
  if (sink === 'perShot') return { kind: 'array', ndim: perShot.kind === 'number' ? 1 : perShot.ndim === null ? null : perShot.ndim + 1 };
  if (typeof sink === 'object' && 'topK' in sink) return { kind: 'array', ndim: 1 };
  return perShot;
}

// ---------------------------------------------------------------------------------------------
// validateConfig

/**
 * Checks a config object (parsed JSON or a .mjs default export) and returns it with defaults
 * filled in. Every mistake is reported in one UsageError, one line each:
 * `<origin>: <path>: expected …, got …`.
 */
export function validateConfig(raw: unknown, origin: string): ExperimentConfig {
  const issues: Issue[] = [];
  const add = (path: PathSeg[], expected: string, got?: string) => issues.push({ path, expected, got });
  const parse = <T>(schema: z.ZodType<T>, value: unknown, path: PathSeg[]): { ok: true; data: T } | { ok: false } => {
    const r = schema.safeParse(value);
    if (r.success) return { ok: true, data: r.data };
    for (const iss of r.error.issues) {
      add([...path, ...(iss.path as PathSeg[])], iss.message, (iss as { params?: { got?: string } }).params?.got);
    }
    return { ok: false };
  };
  const fail = (): never => {
    const lines = issues.map((i) => {
      const got = i.got ?? describe(at(raw, i.path));
      return `${origin}: ${formatPath(i.path)}: expected ${i.expected}, got ${got}`;
    });
    throw new UsageError(lines.join('\n'));
  };

  if (!isPlainObject(raw)) {
    add([], 'a config object {detectors, values, filters, constants, outputs, …}');
    return fail();
  }
  for (const k of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) {
      add([k], `one of the keys ${list(TOP_KEYS)}${didYouMean(k, [...TOP_KEYS])}`, 'an unknown key');
    }
  }

  const config: ExperimentConfig = {
    source: origin,
    name: null,
    description: null,
    detectors: {},
    values: {},
    filters: [],
    constants: {},
    outputs: [],
    thinning: { maxShots: null, step: 1 },
  };
  const optionalText = z.string(E('a string')).nullish();
  for (const k of ['name', 'description'] as const) {
    const r = parse(optionalText, raw[k], [k]);
    if (r.ok) config[k] = r.data ?? null;
  }

  /** An object of named entries: parses each (so one bad entry does not hide the others). */
  const record = <T>(key: 'detectors' | 'values' | 'constants', schema: z.ZodType<T>, what: string): Record<string, T> => {
    const out: Record<string, T> = {};
    const v = raw[key];
    if (v === undefined || v === null) return out;
    if (!isPlainObject(v)) {
      add([key], what);
      return out;
    }
    for (const [name, entry] of Object.entries(v)) {
      const r = parse(schema, entry, [key, name]);
      // defineProperty: a name like "__proto__" stays an own key (it is reported as a mistake anyway).
      if (r.ok) Object.defineProperty(out, name, { value: r.data, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  const array = <T>(key: 'filters' | 'outputs', schema: z.ZodType<T>, what: string): (T | null)[] => {
    const v = raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      add([key], what);
      return [];
    }
    return v.map((entry, i) => {
      const r = parse(schema, entry, [key, i]);
      return r.ok ? r.data : null;
    });
  };

  config.detectors = record('detectors', detectorSchema, 'an object of detectors {"<name>": {id, dark?, evPerAdu?}}');
  config.values = record('values', valueSchema, 'an object of values {"<name>": value}');
  config.constants = record('constants', constantSchema as unknown as z.ZodType<ConstantConfig>, 'an object of constants {"<name>": constant}');
  const filters = array('filters', filterSchema, 'a list of filters');
  const outputs = array('outputs', outputSchema, 'a list of outputs');
  if (raw.thinning !== undefined && raw.thinning !== null) {
    const r = parse(thinningSchema, raw.thinning, ['thinning']);
    if (r.ok) config.thinning = r.data;
  }

  // The last guard on values: the calibration module's own checks.
  for (const [name, spec] of Object.entries(config.values)) {
    try {
      normaliseSpec(name, spec);
    } catch (err) {
      add(['values', name], VALUE_EXPECTED, (err as Error).message);
      delete config.values[name];
    }
  }

  // Names: declared names count even when their entry is invalid (no cascade of errors).
  const declared = (key: 'detectors' | 'values' | 'constants') => (isPlainObject(raw[key]) ? Object.keys(raw[key] as object) : []);
  const detectorNames = declared('detectors');
  const valueNames = declared('values');
  const constantNames = declared('constants');
  const identifier = (path: PathSeg[], name: string) => {
    if (!IDENT.test(name) || name === '__proto__') add(path, 'an identifier ([A-Za-z_][A-Za-z0-9_]*) as name', JSON.stringify(name));
  };
  for (const n of detectorNames) identifier(['detectors', n], n);
  for (const n of valueNames) identifier(['values', n], n);
  for (const n of constantNames) identifier(['constants', n], n);
  for (const [key, names] of [['detectors', detectorNames], ['values', valueNames]] as const) {
    for (const n of names) {
      if (n === 'index' || n === 'tag') add([key, n], 'a name other than the reserved "index" and "tag"', JSON.stringify(n));
    }
  }
  for (const n of valueNames) {
    if (detectorNames.includes(n)) add(['values', n], 'a name not already used by a detector (a shot holds both by name)', JSON.stringify(n));
  }

  // Root datasets: tag, runNR, values, constants, outputs, topK payloads — all distinct.
  const datasets = new Map<string, string>([
    ['tag', 'the tag dataset'],
    ['runNR', 'the run number dataset'],
  ]);
  const dataset = (path: PathSeg[], name: string, what: string) => {
    const prev = datasets.get(name);
    if (prev !== undefined) {
      add(path, `a name not already used by another root dataset (${prev})`, JSON.stringify(name));
    } else datasets.set(name, what);
  };
  for (const n of valueNames) if (n !== 'tag') dataset(['values', n], n, `values.${n}`);
  for (const n of constantNames) dataset(['constants', n], n, `constants.${n}`);

  const declaredSources = (): string[] => [...detectorNames, ...valueNames, 'index', 'tag'];
  const checkSource = (path: PathSeg[], source: string): SourceKind | null => {
    if (source === 'index' || source === 'tag') return source;
    if (detectorNames.includes(source)) return 'detector';
    if (valueNames.includes(source)) return 'value';
    const dets = detectorNames.length ? `a detector (${list(detectorNames)})` : 'a detector';
    const vals = valueNames.length ? `a value (${list(valueNames)})` : 'a value';
    add(path, `${dets}, ${vals}, "index" or "tag"${didYouMean(source, declaredSources())}`);
    return null;
  };
  /** Checks a chain's types; returns its per-shot type or null after an error. */
  const checkChain = (path: PathSeg[], start: DataType | null, startWhat: string, transforms: TransformConfig[], listKey: string): DataType | null => {
    let t = start;
    let what = startWhat;
    for (let i = 0; t && i < transforms.length; i++) {
      const tr = transforms[i];
      const r = applyTransform(tr, t);
      if ('expected' in r) {
        add([...path, listKey, i, transformKind(tr)], r.expected, `${typeName(t)} (${what})`);
        return null;
      }
      t = r;
      what = `the output of ${transformKind(tr)}`;
    }
    return t;
  };

  filters.forEach((f, i) => {
    if (!f) return;
    config.filters.push(f);
    const { kind, value } = filterInfo(f);
    if (!valueNames.includes(value)) {
      const vals = valueNames.length ? ` (${list(valueNames)})` : '';
      add(['filters', i, kind], `the name of a value${vals}${didYouMean(value, valueNames)}`);
    }
  });

  // Output names first, so that a clashing payload is the one reported.
  outputs.forEach((_, i) => {
    const rawName = at(raw, ['outputs', i, 'name']);
    if (typeof rawName === 'string' && rawName) {
      identifier(['outputs', i, 'name'], rawName);
      dataset(['outputs', i, 'name'], rawName, `outputs[${i}]`);
    }
  });
  outputs.forEach((o, i) => {
    if (!o) {
      // Still check what can be checked: the source and the payload names.
      const src = at(raw, ['outputs', i, 'source']);
      if (typeof src === 'string' && src) checkSource(['outputs', i, 'source'], src);
      const payloads = at(raw, ['outputs', i, 'sink', 'topK', 'payloads']);
      if (isPlainObject(payloads)) {
        for (const pn of Object.keys(payloads)) {
          const pp = ['outputs', i, 'sink', 'topK', 'payloads', pn];
          identifier(pp, pn);
          dataset(pp, pn, `a payload of outputs[${i}]`);
        }
      }
      return;
    }
    const base: PathSeg[] = ['outputs', i];
    const kind = checkSource([...base, 'source'], o.source);
    const perShot = checkChain(base, kind && sourceType(kind), sourceWhat(kind, o.source), o.transforms, 'transforms');
    let ok = kind !== null && perShot !== null;
    const sink = o.sink;
    const sinkName = typeof sink === 'string' ? sink : Object.keys(sink)[0];
    if (typeof sink === 'object' && 'topK' in sink) {
      const sp: PathSeg[] = [...base, 'sink', 'topK'];
      if (perShot && perShot.kind !== 'number') {
        add(sp, 'a chain that ends in a number (e.g. add {"sum": {}}) to rank shots by', typeName(perShot));
        ok = false;
      }
      for (const [pname, p] of Object.entries(sink.topK.payloads)) {
        const pp: PathSeg[] = [...sp, 'payloads', pname];
        identifier(pp, pname);
        dataset(pp, pname, `a payload of outputs[${i}]`);
        const pk = checkSource([...pp, 'source'], p.source);
        const pt = checkChain(pp, pk && sourceType(pk), sourceWhat(pk, p.source), p.transforms, 'transforms');
        if (!pk || !pt) ok = false;
      }
    }
    if (o.after.length) {
      if (sinkName === 'perShot' || sinkName === 'topK') {
        add(
          [...base, 'after'],
          'no after transforms with a perShot or topK sink (after applies to mean, variance, min, max, median and quantile)',
          `${o.after.length} transform${o.after.length > 1 ? 's' : ''}`,
        );
        ok = false;
      } else if (perShot) {
        const r = checkChain(base, sinkType(sink, perShot), `the ${sinkName} over the run`, o.after, 'after');
        if (!r) ok = false;
      }
    }
    if (ok) config.outputs.push(o);
  });

  if (issues.length) fail();
  return config;
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function jsonError(text: string, err: Error, origin: string): UsageError {
  const msg = err.message;
  let where: { line: number; column: number } | null = null;
  const lc = /line (\d+) column (\d+)/.exec(msg);
  const pos = /position (\d+)/.exec(msg);
  if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
  else if (pos) where = lineColumn(text, Number(pos[1]));
  else if (/end of (JSON )?input/i.test(msg)) where = lineColumn(text, text.length);
  const reason = msg
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/,\s*".*" is not valid JSON$/s, '');
  const loc = where ? `line ${where.line}, column ${where.column}` : 'JSON';
  return new UsageError(`${origin}: ${loc}: expected valid JSON, got ${reason}`);
}

/**
 * Reads and validates a config: `.json`, or `.mjs` / `.js` whose default export is the config
 * (calibrations may be functions there). Relative dark and sidecar paths are resolved against
 * `options.dataDir` when given. Errors name the file (`path` as given).
 */
export async function loadConfig(path: string, options: { dataDir?: string } = {}): Promise<ExperimentConfig> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const origin = path;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) throw new UsageError(`${origin}: expected a config file, got a folder`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`config file ${path} not found`);
  }
  const ext = nodePath.extname(path).toLowerCase();
  let raw: unknown;
  if (ext === '.json') {
    let text = await fs.readFile(path, 'utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw jsonError(text, err as Error, origin);
    }
  } else if (ext === '.mjs' || ext === '.js') {
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(nodePath.resolve(path)).href);
    } catch (err) {
      throw new UsageError(`${origin}: could not be imported: ${(err as Error).message}`);
    }
    if (mod.default === undefined) throw new UsageError(`${origin}: expected a default export (the config object), got none`);
    raw = mod.default;
  } else {
    throw new UsageError(`${origin}: expected a .json, .mjs or .js config file, got "${ext || 'no extension'}"`);
  }
  const config = validateConfig(raw, origin);
  return options.dataDir === undefined ? config : resolvePaths(config, options.dataDir, nodePath);
}

function resolvePaths(
  config: ExperimentConfig,
  dataDir: string,
  nodePath: { isAbsolute(p: string): boolean; resolve(...p: string[]): string },
): ExperimentConfig {
  const res = (p: string) => (nodePath.isAbsolute(p) ? p : nodePath.resolve(dataDir, p));
  const detectors = Object.fromEntries(
    Object.entries(config.detectors).map(([n, d]) => [n, { ...d, dark: d.dark === null ? null : res(d.dark) }]),
  );
  const values = Object.fromEntries(
    Object.entries(config.values).map(([n, v]) => [
      n,
      typeof v === 'object' && !Array.isArray(v) && v.sidecar !== undefined ? { ...v, sidecar: res(v.sidecar) } : v,
    ]),
  );
  const chain = (ts: TransformConfig[]) => ts.map((t) => ('mask' in t ? { mask: { file: res(t.mask.file) } } : t));
  const outputs = config.outputs.map((o) => ({
    ...o,
    transforms: chain(o.transforms),
    after: chain(o.after),
    sink:
      typeof o.sink === 'object' && 'topK' in o.sink
        ? {
            topK: {
              ...o.sink.topK,
              payloads: Object.fromEntries(Object.entries(o.sink.topK.payloads).map(([n, p]) => [n, { ...p, transforms: chain(p.transforms) }])),
            },
          }
        : o.sink,
  }));
  return { ...config, detectors, values, outputs };
}

/** Every mask file the outputs of a config apply (after resolvePaths: absolute). */
export function maskFiles(config: ExperimentConfig): string[] {
  const files = new Set<string>();
  const chain = (ts: TransformConfig[]) => ts.forEach((t) => 'mask' in t && files.add(t.mask.file));
  for (const o of config.outputs) {
    chain(o.transforms);
    chain(o.after);
    if (typeof o.sink === 'object' && 'topK' in o.sink) for (const p of Object.values(o.sink.topK.payloads)) chain(p.transforms);
  }
  return [...files];
}

/** Absolute path of the shipped `configs/kuschel2023.json` (from sources or from dist/). */
export function defaultConfigPath(): string {
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  const { existsSync } = process.getBuiltinModule('node:fs');
  const candidates = ['../../configs/kuschel2023.json', '../../../configs/kuschel2023.json'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

// ---------------------------------------------------------------------------------------------
// Run options, hash, JSON form, constants

/** The options `openRun` needs for a config (detectors, values, darks, evPerAdu). */
export function toRunOptions(config: ExperimentConfig): OpenRunOptions {
  const dets = Object.entries(config.detectors);
  return {
    detectors: Object.fromEntries(dets.map(([n, d]) => [n, d.id])),
    values: { ...config.values },
    darks: Object.fromEntries(dets.map(([n, d]) => [n, d.dark])),
    evPerAdu: Object.fromEntries(dets.map(([n, d]) => [n, d.evPerAdu])),
    origin: config.source ?? undefined,
  };
}

/** JSON with sorted keys; functions by their source text; non-finite numbers by name. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(`${v}`);
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'function') return `{"$fn":${JSON.stringify(v.toString())}}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `[${Array.from(v as ArrayLike<unknown>, canonical).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
}

/**
 * A stable hash of what a config computes (sha256 hex of its canonical JSON: sorted keys,
 * functions by their source text). `description` and `source` are left out: editing notes or
 * moving the file does not redo runs.
 */
export async function configHash(config: ExperimentConfig): Promise<string> {
  const { description: _description, source: _source, ...rest } = config;
  // WebCrypto: the same digest in Node (globalThis.crypto) and in browsers.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(rest)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The values of a constant dataset (float64). */
export function constantValue(c: ConstantConfig): Float64Array {
  if ('axis' in c) {
    const a = c.axis;
    return Float64Array.from({ length: a.length }, (_, i) => (i - a.centerIndex) * a.evPerPixel + a.centerEv);
  }
  if ('histogramCenters' in c) {
    const { bins } = c.histogramCenters;
    let [lo, hi] = c.histogramCenters.range;
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const e = linspace(lo, hi, bins + 1);
    return Float64Array.from({ length: bins }, (_, i) => (e[i] + e[i + 1]) / 2);
  }
  return Float64Array.from(c.values);
}
