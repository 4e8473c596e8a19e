// What to draw for a result: the config (stored in every result file) says what each dataset is.
import type { ResultData } from '../types.js';
import { TRANSFORMS, type TransformKind } from '../../../bindings/analysis/ops/index.js';

interface OutputLike {
  name: string;
  source: string;
  transforms?: Record<string, Record<string, unknown>>[];
  sink: unknown;
  after?: Record<string, Record<string, unknown>>[];
}

interface ConfigLike {
  name?: string;
  values?: Record<string, unknown>;
  constants?: Record<string, Record<string, Record<string, unknown>>>;
  outputs?: OutputLike[];
}

export interface CurvePanel {
  kind: 'curve';
  title: string;
  names: string[];
  x: string | null;
  xLabel: string;
  logY: boolean;
  /** Scale applied to the index when there is no x dataset (radial profile: 1/os). */
  xScale: number;
}

export interface ImagePanel {
  kind: 'image';
  name: string;
  title: string;
}

/** An output the view has no plot for (its name and why), said in the summary rather than dropped. */
export interface Skipped {
  name: string;
  why: string;
}

export interface TopKPanel {
  kind: 'topk';
  name: string;
  images: string[];
  numbers: string[];
}

export interface Classified {
  images: ImagePanel[];
  curves: CurvePanel[];
  traces: string[];
  defaultTraces: string[];
  topk: TopKPanel[];
  /** Outputs that are one number for the run (shown in the summary). */
  scalars: string[];
  skipped: Skipped[];
}

const lastKey = (chain?: Record<string, unknown>[]) => (chain?.length ? Object.keys(chain[chain.length - 1])[0] : null);
const sinkName = (sink: unknown) => (typeof sink === 'string' ? sink : Object.keys(sink as object)[0]);

function describe(o: OutputLike): string {
  const steps = [...(o.transforms ?? []), ...(o.after ?? [])].map((t) => Object.keys(t)[0]);
  return `${o.name} — ${sinkName(o.sink)} of ${o.source}${steps.length ? ' → ' + steps.join(' → ') : ''}`;
}

export function classify(result: ResultData): Classified {
  const config = (result.config ?? {}) as ConfigLike;
  const shapes = result.shapes;
  const has = (n: string) => n in shapes;
  const outputs = (config.outputs ?? []).filter((o) => has(o.name));
  const constants = config.constants ?? {};
  const images: ImagePanel[] = [];
  const curves: CurvePanel[] = [];
  const traces: string[] = [];
  const defaultTraces: string[] = [];
  const topk: TopKPanel[] = [];
  const skipped: Skipped[] = [];
  const scalars: string[] = [];
  const used = new Set<string>();
  const dims = (shape: number[]) => `[${shape.join(', ')}]`;

  const histCenters = (bins: unknown, range: unknown) =>
    Object.entries(constants).find(([n, c]) => has(n) && c.histogramCenters && c.histogramCenters.bins === bins && JSON.stringify(c.histogramCenters.range) === JSON.stringify(range))?.[0] ?? null;
  const axisOfLength = (n: number) =>
    Object.entries(constants).find(([name, c]) => has(name) && (c.axis || c.values) && shapes[name][0] === n)?.[0] ?? null;

  const histGroups = new Map<string, CurvePanel>();
  for (const o of outputs) {
    const shape = shapes[o.name];
    const sink = sinkName(o.sink);
    used.add(o.name);
    if (sink === 'topK') {
      const payloads = Object.keys((o.sink as { topK: { payloads: Record<string, unknown> } }).topK.payloads ?? {}).filter(has);
      payloads.forEach((p) => used.add(p));
      // Per shot: an assembled picture [k, rows, cols] or a stack of sensors [k, sensors, rows, cols].
      const images = payloads.filter((p) => shapes[p].length === 3 || shapes[p].length === 4);
      const numbers = payloads.filter((p) => shapes[p].length === 1);
      for (const p of payloads) if (!images.includes(p) && !numbers.includes(p)) skipped.push({ name: p, why: `a top-k payload of shape ${dims(shapes[p])}` });
      topk.push({ kind: 'topk', name: o.name, images, numbers });
      continue;
    }
    if (sink === 'perShot') {
      if (shape.length === 1) {
        traces.push(o.name);
        defaultTraces.push(o.name);
      } else if (shape.length === 2) images.push({ kind: 'image', name: o.name, title: `${describe(o)} (one row per shot)` });
      else skipped.push({ name: o.name, why: `one ${dims(shape.slice(1))} array per shot` });
      continue;
    }
    if (shape.length === 2) images.push({ kind: 'image', name: o.name, title: describe(o) });
    else if (shape.length === 3) images.push({ kind: 'image', name: o.name, title: `${describe(o)} (${shape[0]} sensors side by side, not assembled)` });
    else if (shape.length === 0) scalars.push(o.name);
    else if (shape.length > 3) skipped.push({ name: o.name, why: `an array of shape ${dims(shape)}` });
    else if (shape.length === 1) {
      const afterKey = lastKey(o.after);
      const key = afterKey ?? lastKey(o.transforms);
      // The op that made the curve says how it is drawn (analysis/ops: `panel`).
      const panel = key && key in TRANSFORMS ? TRANSFORMS[key as TransformKind].panel : undefined;
      if (panel === 'histogram' && !afterKey) {
        const h = o.transforms![o.transforms!.length - 1].histogram;
        const x = histCenters(h.bins, h.range);
        const group = `${x}|${h.bins}|${JSON.stringify(h.range)}`;
        const panel = histGroups.get(group);
        if (panel) panel.names.push(o.name);
        else {
          const p: CurvePanel = { kind: 'curve', title: `histograms (${sink} per shot)`, names: [o.name], x, xLabel: x ? 'value (eV)' : 'bin', logY: true, xScale: 1 };
          histGroups.set(group, p);
          curves.push(p);
        }
      } else if (panel === 'radius') {
        const step = (afterKey ? o.after! : o.transforms!).at(-1)!.radialProfile;
        const os = Number(step.os ?? 1) || 1;
        curves.push({ kind: 'curve', title: `${describe(o)}`, names: [o.name], x: null, xLabel: 'radius (pixels)', logY: false, xScale: 1 / os });
      } else {
        const x = axisOfLength(shape[0]);
        curves.push({ kind: 'curve', title: describe(o), names: [o.name], x, xLabel: x ? (constants[x]?.axis ? `${x} (eV)` : x) : 'index', logY: false, xScale: 1 });
      }
    }
  }
  // Values of the good shots (database values), tag: traces too.
  const goodShots = shapes.tag?.[0];
  for (const [name, shape] of Object.entries(shapes)) {
    if (used.has(name) || name in constants || name === 'runNR') continue;
    if (shape.length === 1 && (goodShots === undefined || shape[0] === goodShots)) traces.push(name);
    else if (!config.outputs && shape.length === 2) images.push({ kind: 'image', name, title: name });
  }
  if (!defaultTraces.length && traces.length) defaultTraces.push(traces[0]);
  return { images, curves, traces, defaultTraces, topk, scalars, skipped };
}
