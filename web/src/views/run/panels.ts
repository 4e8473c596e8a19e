// What to draw for a result, and against what: the config (stored in every result file) says
// what each dataset is; the file's NXdata groups and `units` attributes, when it has them, give
// the axes and units (else the config's constants do: an axis constant is in eV by definition).
import { TRANSFORMS, type TransformKind } from '../../../../bindings/analysis/ops/index.js';

interface ChainLike {
  source: string;
  transforms?: Record<string, Record<string, unknown>>[];
}

interface OutputLike extends ChainLike {
  name: string;
  sink: unknown;
  after?: Record<string, Record<string, unknown>>[];
}

interface ConfigLike {
  values?: Record<string, unknown>;
  detectors?: Record<string, { evPerAdu?: unknown }>;
  constants?: Record<string, Record<string, Record<string, unknown>>>;
  outputs?: OutputLike[];
}

/** An axis: the values of a dataset, or the index (times `scale`) when `dataset` is null. */
export interface AxisSpec {
  label: string;
  unit: string;
  dataset: string | null;
  scale?: number;
}

export interface ImagePanel {
  kind: 'image';
  name: string;
  title: string;
  unit: string;
  x: AxisSpec | null;
  y: AxisSpec | null;
  /** One row per shot (a per-shot spectrum): fill the panel rather than square pixels. */
  perShot: boolean;
}

export interface CurvePanel {
  kind: 'curve';
  /** Stable key (the first name). */
  key: string;
  title: string;
  names: string[];
  x: AxisSpec;
  yUnit: string;
  yLabel: string;
  /** Histograms: steps over the bins, log y. */
  histogram: boolean;
}

export interface TopKPanel {
  kind: 'topk';
  name: string;
  /** The ranking's chain, to find the per-shot output with the same values (./topk.ts). */
  chain: string;
  images: string[];
  numbers: string[];
}

/** An output the view has no plot for (its name and why), said in the summary rather than dropped. */
export interface Skipped {
  name: string;
  why: string;
}

export interface Panels {
  images: ImagePanel[];
  curves: CurvePanel[];
  /** Per-shot 1-D datasets (outputs and database values) and those shown at first. */
  traces: string[];
  defaultTraces: string[];
  topk: TopKPanel[];
  /** Outputs that are one number for the run (shown in the summary). */
  scalars: string[];
  skipped: Skipped[];
  /** Per-shot outputs by their chain (JSON of source and transforms). */
  perShotByChain: Record<string, string>;
}

export interface PanelInput {
  config: unknown;
  shapes: Record<string, number[]>;
  units: Record<string, string>;
  axes: Record<string, (string | null)[]>;
}

const lastKey = (chain?: Record<string, unknown>[]) => (chain?.length ? Object.keys(chain[chain.length - 1])[0] : null);
const sinkName = (sink: unknown) => (typeof sink === 'string' ? sink : Object.keys(sink as object)[0]);
export const chainKey = (c: ChainLike) => JSON.stringify([c.source, c.transforms ?? []]);
const dims = (shape: number[]) => `[${shape.join(', ')}]`;

function describe(o: OutputLike): string {
  const steps = [...(o.transforms ?? []), ...(o.after ?? [])].map((t) => Object.keys(t)[0]);
  return `${o.name}: ${sinkName(o.sink)} of ${o.source}${steps.length ? ' → ' + steps.join(' → ') : ''}`;
}

export function panels({ config: raw, shapes, units, axes }: PanelInput): Panels {
  const config = (raw ?? {}) as ConfigLike;
  const has = (n: string) => n in shapes;
  const outputs = (config.outputs ?? []).filter((o) => has(o.name));
  const constants = config.constants ?? {};
  const out: Panels = { images: [], curves: [], traces: [], defaultTraces: [], topk: [], scalars: [], skipped: [], perShotByChain: {} };
  const used = new Set<string>();
  // Units the file states; an axis constant is in eV (centerEv, evPerPixel).
  const unitOf = (n: string | null) => (n === null ? '' : (units[n] ?? (constants[n]?.axis ? 'eV' : '')));
  const axis = (name: string | null, fallback: string): AxisSpec => (name ? { label: name, unit: unitOf(name), dataset: name } : { label: fallback, unit: '', dataset: null });
  const axisOfLength = (n: number) => Object.entries(constants).find(([name, c]) => has(name) && (c.axis || c.values) && shapes[name][0] === n)?.[0] ?? null;
  const histCenters = (bins: unknown, range: unknown) =>
    Object.entries(constants).find(([n, c]) => has(n) && c.histogramCenters && c.histogramCenters.bins === bins && JSON.stringify(c.histogramCenters.range) === JSON.stringify(range))?.[0] ?? null;
  const fileAxis = (name: string, dim: number) => axes[name]?.[dim] ?? null;

  const histGroups = new Map<string, CurvePanel>();
  for (const o of outputs) {
    const shape = shapes[o.name];
    const sink = sinkName(o.sink);
    used.add(o.name);
    if (sink === 'topK') {
      const payloads = Object.keys((o.sink as { topK: { payloads?: Record<string, unknown> } }).topK.payloads ?? {}).filter(has);
      payloads.forEach((p) => used.add(p));
      // Per shot: an assembled picture [k, rows, cols] or a stack of sensors [k, sensors, rows, cols].
      const images = payloads.filter((p) => shapes[p].length === 3 || shapes[p].length === 4);
      const numbers = payloads.filter((p) => shapes[p].length === 1);
      for (const p of payloads) if (!images.includes(p) && !numbers.includes(p)) out.skipped.push({ name: p, why: `a top-k payload of shape ${dims(shapes[p])}` });
      out.topk.push({ kind: 'topk', name: o.name, chain: chainKey(o), images, numbers });
      continue;
    }
    if (sink === 'perShot') {
      if (shape.length === 1) {
        out.traces.push(o.name);
        out.defaultTraces.push(o.name);
        out.perShotByChain[chainKey(o)] ??= o.name;
      } else if (shape.length === 2) {
        // One row per shot, e.g. the spectrum of every shot: against the axis of its length.
        const x = fileAxis(o.name, 1) ?? axisOfLength(shape[1]);
        out.images.push({ kind: 'image', name: o.name, title: `${describe(o)} (one row per shot)`, unit: unitOf(o.name), x: x ? axis(x, '') : null, y: { label: 'good shot', unit: '', dataset: null }, perShot: true });
      } else out.skipped.push({ name: o.name, why: `one ${dims(shape.slice(1))} array per shot` });
      continue;
    }
    if (shape.length === 2 || shape.length === 3) {
      const [yName, xName] = [fileAxis(o.name, shape.length - 2), fileAxis(o.name, shape.length - 1)];
      const title = shape.length === 3 ? `${describe(o)} (${shape[0]} sensors side by side, not assembled)` : describe(o);
      out.images.push({ kind: 'image', name: o.name, title, unit: unitOf(o.name), x: xName ? axis(xName, '') : null, y: yName ? axis(yName, '') : null, perShot: false });
    } else if (shape.length === 0) out.scalars.push(o.name);
    else if (shape.length > 3) out.skipped.push({ name: o.name, why: `an array of shape ${dims(shape)}` });
    else {
      const afterKey = lastKey(o.after);
      const key = afterKey ?? lastKey(o.transforms);
      // The op that made the curve says how it is drawn (analysis/ops: `panel`).
      const kind = key && key in TRANSFORMS ? TRANSFORMS[key as TransformKind].panel : undefined;
      if (kind === 'histogram' && !afterKey) {
        const h = o.transforms![o.transforms!.length - 1].histogram;
        const x = fileAxis(o.name, 0) ?? histCenters(h.bins, h.range);
        const group = `${x}|${h.bins}|${JSON.stringify(h.range)}`;
        const panel = histGroups.get(group);
        if (panel) {
          panel.names.push(o.name);
          panel.title = `histograms: ${panel.names.join(', ')} (mean count per shot)`;
        } else {
          const p: CurvePanel = { kind: 'curve', key: o.name, title: `histogram: ${describe(o)} (mean count per shot)`, names: [o.name], x: axis(x, 'bin'), yUnit: unitOf(o.name), yLabel: 'mean per shot', histogram: true };
          histGroups.set(group, p);
          out.curves.push(p);
        }
      } else if (kind === 'radius') {
        const step = (afterKey ? o.after! : o.transforms!).at(-1)!.radialProfile;
        const os = Number(step.os ?? 1) || 1;
        const x = fileAxis(o.name, 0);
        out.curves.push({ kind: 'curve', key: o.name, title: describe(o), names: [o.name], x: x ? axis(x, '') : { label: 'radius', unit: 'pixel', dataset: null, scale: 1 / os }, yUnit: unitOf(o.name), yLabel: o.name, histogram: false });
      } else {
        const x = fileAxis(o.name, 0) ?? axisOfLength(shape[0]);
        out.curves.push({ kind: 'curve', key: o.name, title: describe(o), names: [o.name], x: axis(x, 'index'), yUnit: unitOf(o.name), yLabel: o.name, histogram: false });
      }
    }
  }
  // Values of the good shots (database values) and per-shot lists: traces too.
  const goodShots = shapes.tag?.[0];
  for (const [name, shape] of Object.entries(shapes)) {
    if (used.has(name) || name in constants || name === 'runNR' || name === 'tag') continue;
    if (shape.length === 1 && (goodShots === undefined || shape[0] === goodShots)) out.traces.push(name);
    else if (!config.outputs && shape.length === 2) out.images.push({ kind: 'image', name, title: name, unit: unitOf(name), x: null, y: null, perShot: false });
  }
  if (!out.defaultTraces.length && out.traces.length) out.defaultTraces.push(out.traces[0]);
  return out;
}
