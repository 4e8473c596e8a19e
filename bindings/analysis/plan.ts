// The per-shot computation of a config: sources → transform chains → sinks. Chains that share
// a prefix (the same source and first transforms) share its steps, so e.g. one noise cut
// feeds the mean, the per-shot total and the top-k payloads. Steps only a top-k payload needs
// run only for the shots that enter the top k.
import { DataError } from '../core/errors.js';
import { WasmArray } from '../core/wasm.js';
import { newArray } from './ops/transforms/step.js';
import { formatShape } from '../core/input.js';
import type { Run } from '../data/run.js';
import type { DetectorGeometry } from '../image/geometry.js';
import {
  isImage,
  makeSink,
  makeStep,
  transformKind,
  type ChainContext,
  type Dataset,
  type PayloadConfig,
  type ShotValue,
  type Sink,
  type SinkState,
  type Step,
  type TransformConfig,
  type WasmImage,
} from './ops/index.js';
import type { OutputConfig } from './config/index.js';

/** What the plan needs to know of a detector of the run. */
export interface DetectorShape {
  shape: number[];
  size: number;
  dtype: 'f32' | 'f64';
  geometry?: () => DetectorGeometry | null;
}

/** A step of the plan: a source (no step) or a transform of its parent's value. */
interface ChainNode {
  /** Canonical JSON of source + transforms: equal chains share a node. */
  key: string;
  parent: ChainNode | null;
  step: Step | null;
  source: string;
  /** Where the config first asks for this step ("outputs[3].transforms[1].noiseCut"), for messages. */
  where: string;
  /** Computed for every shot (false: only on demand, for top-k payloads). */
  eager: boolean;
  value: ShotValue;
  /** The shot `value` belongs to (on-demand nodes). */
  shot: number;
}

interface PlannedSink {
  key: string;
  sink: Sink;
  node: ChainNode;
  payloads: Record<string, ChainNode>;
}

/** What an output computes in a run (from `Plan.check`). */
export interface OutputCheck {
  name: string;
  /** Where the config defines it ("outputs[3]"). */
  where: string;
  /** What its chain gives per shot ("an array of shape [2, 1024, 512] (float32)"). */
  perShot: string;
  sink: string;
  /** What the result file holds for it. */
  written: string;
}

export interface PlanContext {
  /** The run's detectors by name. */
  detectors: Record<string, DetectorShape>;
  /** Bad-pixel masks by (absolute) file path. */
  masks?: ChainContext['masks'];
}

export class Plan {
  readonly nodes: ChainNode[] = [];
  readonly sinks: PlannedSink[] = [];
  /** Output name → the sink it reads (outputs with equal chain and sink share one). */
  readonly outputs: { spec: OutputConfig; sink: PlannedSink; where: string }[] = [];
  /** Detector name → its image buffer in wasm memory, read once per shot. */
  readonly images: Record<string, WasmImage> = {};
  readonly detectors: Record<string, DetectorShape>;
  #byKey = new Map<string, ChainNode>();
  #eager: ChainNode[] = [];
  #masks: ChainContext['masks'];

  constructor(outputs: readonly OutputConfig[], context: PlanContext) {
    this.detectors = context.detectors;
    this.#masks = context.masks;
    const sinksByKey = new Map<string, PlannedSink>();
    outputs.forEach((spec, i) => {
      const where = `outputs[${i}]`;
      const node = this.chain(spec, where, true);
      const payloadSpecs = typeof spec.sink === 'object' && 'topK' in spec.sink ? spec.sink.topK.payloads : {};
      const payloads = Object.fromEntries(
        Object.entries(payloadSpecs).map(([name, chain]) => [name, this.chain(chain, `${where}.sink.topK.payloads.${name}`, false)]),
      );
      const key = JSON.stringify([node.key, spec.sink]);
      let planned = sinksByKey.get(key);
      if (!planned) {
        planned = { key, sink: makeSink(spec.sink), node, payloads };
        sinksByKey.set(key, planned);
        this.sinks.push(planned);
      }
      this.outputs.push({ spec, sink: planned, where });
    });
    this.#eager = this.nodes.filter((n) => n.eager);
  }

  /** The context of chains from `source`: its geometry, the run's masks, its name for messages. */
  context(source: string): ChainContext {
    const d = this.detectors[source];
    return { geometry: d?.geometry, masks: this.#masks, what: d ? `the detector ${source}` : `the value ${source}` };
  }

  private chain({ source, transforms }: PayloadConfig, where: string, eager: boolean): ChainNode {
    let key = JSON.stringify(source);
    let node = this.#byKey.get(key);
    if (!node) {
      const detector = this.detectors[source];
      if (detector && !this.images[source]) {
        const data = detector.dtype === 'f64' ? new WasmArray('f64', detector.size) : new WasmArray('f32', detector.size);
        this.images[source] = { data, shape: detector.shape };
      }
      node = { key, parent: null, step: null, source, where: `${where}.source`, eager: true, value: NaN, shot: -1 };
      this.#byKey.set(key, node);
      this.nodes.push(node);
    }
    transforms.forEach((transform: TransformConfig, j: number) => {
      const parent: ChainNode = node!;
      key = `${key}>${JSON.stringify(transform)}`;
      node = this.#byKey.get(key);
      if (!node) {
        const step = makeStep(transform, this.context(source));
        node = { key, parent, step, source, where: `${where}.transforms[${j}].${transformKind(transform)}`, eager, value: NaN, shot: -1 };
        this.#byKey.set(key, node);
        this.nodes.push(node);
      } else if (eager && !node.eager) {
        // A payload's step that another output needs every shot becomes eager, with its parents.
        for (let n: ChainNode | null = node; n && !n.eager; n = n.parent) n.eager = true;
      }
    });
    return node!;
  }

  /**
   * Runs every step once on an empty image of each detector, so that a chain that does not
   * fit the run (a 2-D transform on a stack of sensors, an ROI larger than the image, a mask
   * of another shape, a missing geometry) is reported before any shot is read, naming the
   * config entry. Also checks the `after` chains on the sinks' value shapes. Returns what
   * each output computes per shot and what it writes.
   */
  check(): OutputCheck[] {
    for (const image of Object.values(this.images)) image.data.fill(0);
    for (const node of this.nodes) {
      try {
        node.value = node.step ? node.step.apply(node.parent!.value) : this.images[node.source] ?? 0;
      } catch (err) {
        // The step's own messages start with its kind, which `where` names already.
        const text = (err as Error).message.replace(/^\w+: /, '');
        const input = node.parent ? ` (its input: ${describe(node.parent.value)} from ${this.context(node.source).what})` : '';
        throw new DataError(`${node.where}: ${text}${input}`);
      }
    }
    return this.outputs.map(({ spec, sink, where }) => {
      const value = sink.node.value;
      const sinkName = typeof spec.sink === 'string' ? spec.sink : Object.keys(spec.sink)[0];
      // Means, variances and P² estimates are float64; minima and maxima keep the data's dtype.
      const f64 = ['mean', 'variance', 'median', 'quantile'].includes(sinkName);
      let written = isImage(value) ? describeArray(value.shape, f64 ? 'f64' : value.data.dtype) : 'a number';
      if (spec.after.length) {
        const probe = isImage(value) ? { data: f64 ? new Float64Array(value.data.length) : value.data.copy(), shape: value.shape } : value;
        try {
          const after = applyOnce(spec.after, probe, this.context(spec.source));
          written = typeof after === 'number' ? 'a number' : describeArray(after.shape, after.data instanceof Float64Array ? 'f64' : 'f32');
        } catch (err) {
          throw new DataError(`${where}.after: ${(err as Error).message} (its input: the ${sinkName}, ${written})`);
        }
      }
      if (sinkName === 'perShot') written = `one per shot of ${written}`;
      if (sinkName === 'topK') {
        const k = (spec.sink as { topK: { k: number } }).topK.k;
        const payloads = Object.entries(sink.payloads).map(([name, n]) => `${name}: ${describe(n.value)}`);
        written = `the indices of the top ${k} shots${payloads.length ? `, and for each ${payloads.join('; ')}` : ''}`;
      }
      return { name: spec.name, where, perShot: describe(value), sink: sinkName, written };
    });
  }

  /** Reads shot `shot` of the run and feeds every sink. */
  process(run: Run, shot: number): void {
    for (const [name, image] of Object.entries(this.images)) run.detectors[name].read(shot, image.data);
    for (const node of this.#eager) {
      node.value = node.step ? node.step.apply(node.parent!.value) : this.sourceValue(run, node.source, shot);
      node.shot = shot;
    }
    for (const { sink, node, payloads } of this.sinks) {
      const payloadValues = Object.fromEntries(Object.entries(payloads).map(([name, n]) => [name, () => this.valueOf(n, shot)]));
      sink.accumulate(node.value, shot, payloadValues);
    }
  }

  /** A node's value for this shot, computing on-demand steps (and their parents) when asked. */
  private valueOf(node: ChainNode, shot: number): ShotValue {
    if (node.eager || node.shot === shot) return node.value;
    node.value = node.step!.apply(this.valueOf(node.parent!, shot));
    node.shot = shot;
    return node.value;
  }

  private sourceValue(run: Run, source: string, shot: number): ShotValue {
    const image = this.images[source];
    if (image) return image;
    if (source === 'index') return shot;
    if (source === 'tag') return run.tags[shot];
    const values = run.values[source];
    if (!values) throw new Error(`no detector or value named "${source}" in run ${run.runNumber}`);
    return values[shot];
  }

  exportStates(): SinkState[] {
    return this.sinks.map((s) => s.sink.exportState());
  }

  /** Merges other workers' `exportStates()` (same config, so the same sinks in the same order). */
  merge(parts: SinkState[][]): void {
    this.sinks.forEach((planned, k) => planned.sink.merge(parts.map((states) => states[k])));
  }

  /** Every output's datasets (sinks' values; topK payloads included), with `after` applied. */
  datasets(): Record<string, Dataset> {
    const out: Record<string, Dataset> = {};
    for (const { spec, sink } of this.outputs) {
      const sets = sink.sink.datasets(spec.name);
      const value = sets[spec.name];
      if (spec.after.length && value) {
        const result = applyOnce(spec.after, value.shape.length === 0 ? value.data[0] : value, this.context(spec.source));
        sets[spec.name] = typeof result === 'number' ? { data: Float64Array.of(result), shape: [] } : result;
      }
      Object.assign(out, sets);
    }
    return out;
  }

  dispose(): void {
    for (const node of this.nodes) node.step?.dispose();
    for (const { sink } of this.sinks) sink.dispose();
    for (const image of Object.values(this.images)) image.data.dispose();
  }
}

function describeArray(shape: number[], dtype: 'f32' | 'f64'): string {
  return `an array of shape ${formatShape(shape)} (${dtype === 'f64' ? 'float64' : 'float32'})`;
}

function describe(v: ShotValue): string {
  return isImage(v) ? describeArray(v.shape, v.data.dtype) : 'a number';
}

/** Runs a chain once on a finished value (an output's `after`), returning a plain copy. */
export function applyOnce(
  specs: readonly TransformConfig[],
  value: { data: Float32Array | Float64Array | Int32Array; shape: number[] } | number,
  context: ChainContext = {},
): { data: Float32Array | Float64Array; shape: number[] } | number {
  let current: ShotValue;
  let owned: WasmArray<'f32'> | WasmArray<'f64'> | null = null;
  if (typeof value === 'number') current = value;
  else {
    owned = newArray(value.data instanceof Float32Array ? 'f32' : 'f64', value.data.length).set(value.data);
    current = { data: owned, shape: value.shape };
  }
  const steps = specs.map((s) => makeStep(s, context));
  try {
    for (const step of steps) current = step.apply(current);
    return isImage(current) ? { data: current.data.copy(), shape: [...current.shape] } : current;
  } finally {
    for (const step of steps) step.dispose();
    owned?.dispose();
  }
}
