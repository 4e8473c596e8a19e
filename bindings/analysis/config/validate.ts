// Experiment configs: validation with every mistake reported at once, one line each:
// `<origin>: <path>: expected …, got …` (docs/config.md). The transforms and sinks are those of
// the ops registry (analysis/ops); detectors, values, filters, constants and thinning are here.
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import { normaliseSpec, type CalibrationFn, type ValueSpec, type XYTable } from '../../data/calibration.js';
import { SINKS, sinkOp, sinkSchema, transformKind, transformList, typeName, type DataType, type TransformConfig } from '../ops/index.js';
import { sinkType, sourceType, sourceWhat, typeChain } from './chain.js';
import { at, describe, didYouMean, formatPath, IDENT, isPlainObject, list, type Issue, type PathSeg } from './issues.js';
import { E, forward, issue, length, nameRef, num, oneKey, pair, posInt, str, strict } from './schema.js';
import { filterInfo, type ConstantConfig, type ExperimentConfig, type FilterConfig, type OutputConfig, type SourceKind, type ValueConfig } from './types.js';

const outputSchema: z.ZodType<OutputConfig> = strict(
  {
    name: nameRef,
    source: nameRef,
    transforms: transformList,
    sink: sinkSchema,
    after: transformList,
    axis: nameRef.optional(),
  },
  'an output {name, source, transforms?, sink, after?, axis?}',
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
      { length: length(), centerIndex: num(), centerEv: num(), evPerPixel: num() },
      'axis parameters {length, centerIndex, centerEv, evPerPixel}',
    ),
    histogramCenters: strict(
      { bins: length(), range: pair('[lo, hi]: finite numbers with lo ≤ hi', num(), true) },
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


/**
 * Checks a config object (parsed JSON or a .mjs default export) and returns it with defaults
 * filled in. Every mistake is reported in one ConfigError, one line each:
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
    throw new ConfigError(lines.join('\n'));
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
    if (!start) return null;
    const r = typeChain(start, startWhat, transforms);
    if ('type' in r) return r.type;
    add([...path, listKey, r.index, transformKind(transforms[r.index])], r.expected, r.got);
    return null;
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
    const { op } = sinkOp(sink);
    const sinkName = op.kind;
    if (op.ranks && perShot && perShot.kind !== 'number') {
      add([...base, 'sink', sinkName], 'a chain that ends in a number (e.g. add {"sum": {}}) to rank shots by', typeName(perShot));
      ok = false;
    }
    if (typeof sink === 'object' && 'topK' in sink) {
      const sp: PathSeg[] = [...base, 'sink', 'topK'];
      for (const [pname, p] of Object.entries(sink.topK.payloads)) {
        const pp: PathSeg[] = [...sp, 'payloads', pname];
        identifier(pp, pname);
        dataset(pp, pname, `a payload of outputs[${i}]`);
        const pk = checkSource([...pp, 'source'], p.source);
        const pt = checkChain(pp, pk && sourceType(pk), sourceWhat(pk, p.source), p.transforms, 'transforms');
        if (!pk || !pt) ok = false;
      }
    }
    // The axis a 1-D output is plotted against (its NXdata axes in the result file): a constant.
    if (o.axis !== undefined && !constantNames.includes(o.axis)) {
      add([...base, 'axis'], `the name of a constant to plot it against${constantNames.length ? ` (${constantNames.join(', ')})` : ' (the config has none)'}`, JSON.stringify(o.axis));
      ok = false;
    }
    if (o.after.length) {
      if (!op.after) {
        const allowing = Object.values(SINKS).filter((s) => s.after).map((s) => s.kind);
        add(
          [...base, 'after'],
          `no after transforms with a ${sinkName} sink (after applies to ${allowing.slice(0, -1).join(', ')} and ${allowing.at(-1)})`,
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

