// The per-shot computation of a config: sources → transform chains → sinks. Chains that share
// a prefix (the same source and first transforms) share its steps, so e.g. one noise cut
// feeds the mean, the per-shot total and the top-k payloads.
import { WasmArray } from '../core/wasm.js';
import type { Run } from '../data/run.js';
import { makeStep, type ShotValue, type Step } from './transforms.js';
import { makeSink, type Dataset, type Sink, type SinkState } from './sinks.js';
import type { OutputConfig, PayloadConfig } from './config.js';

interface Node {
  /** Canonical JSON of source + transforms: equal chains share a node. */
  key: string;
  parent: Node | null;
  step: Step | null;
  source: string;
  value: ShotValue;
}

interface PlannedSink {
  key: string;
  sink: Sink;
  node: Node;
  payloads: Record<string, Node>;
}

export class Plan {
  readonly nodes: Node[] = [];
  readonly sinks: PlannedSink[] = [];
  /** Output name → the sink it reads (outputs with equal chain and sink share one). */
  readonly outputs: { spec: OutputConfig; sink: PlannedSink }[] = [];
  /** Detector name → its image buffer in wasm memory, read once per shot. */
  readonly images: Record<string, { data: WasmArray<'f32'>; shape: number[] }> = {};
  #byKey = new Map<string, Node>();

  /** `detectors`: the shape and size of each detector's images in this run. */
  constructor(outputs: readonly OutputConfig[], readonly detectors: Record<string, { shape: number[]; size: number }>) {
    const sinksByKey = new Map<string, PlannedSink>();
    for (const spec of outputs) {
      const node = this.chain(spec);
      const payloadSpecs = typeof spec.sink === 'object' && 'topK' in spec.sink ? spec.sink.topK.payloads : {};
      const payloads = Object.fromEntries(Object.entries(payloadSpecs).map(([name, chain]) => [name, this.chain(chain)]));
      const key = JSON.stringify([node.key, spec.sink]);
      let planned = sinksByKey.get(key);
      if (!planned) {
        planned = { key, sink: makeSink(spec.sink), node, payloads };
        sinksByKey.set(key, planned);
        this.sinks.push(planned);
      }
      this.outputs.push({ spec, sink: planned });
    }
  }

  private chain({ source, transforms }: PayloadConfig): Node {
    let parent: Node | null = null;
    let key = JSON.stringify(source);
    let node = this.#byKey.get(key);
    if (!node) {
      const detector = this.detectors[source];
      if (detector && !this.images[source]) this.images[source] = { data: new WasmArray('f32', detector.size), shape: detector.shape };
      node = { key, parent: null, step: null, source, value: NaN };
      this.#byKey.set(key, node);
      this.nodes.push(node);
    }
    for (const transform of transforms) {
      parent = node!;
      key = `${key}>${JSON.stringify(transform)}`;
      node = this.#byKey.get(key);
      if (!node) {
        node = { key, parent, step: makeStep(transform), source, value: NaN };
        this.#byKey.set(key, node);
        this.nodes.push(node);
      }
    }
    return node!;
  }

  /** Reads shot `shot` of the run and feeds every sink. */
  process(run: Run, shot: number): void {
    for (const [name, image] of Object.entries(this.images)) run.detectors[name].read(shot, image.data);
    for (const node of this.nodes) {
      if (node.step) node.value = node.step.apply(node.parent!.value);
      else node.value = this.sourceValue(run, node.source, shot);
    }
    for (const { sink, node, payloads } of this.sinks) {
      const payloadValues = Object.fromEntries(Object.entries(payloads).map(([name, n]) => [name, n.value]));
      sink.accumulate(node.value, shot, payloadValues);
    }
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

  /** Every output's datasets (sinks' values; topK payloads included). */
  datasets(): Record<string, Dataset> {
    const out: Record<string, Dataset> = {};
    for (const { spec, sink } of this.outputs) Object.assign(out, sink.sink.datasets(spec.name));
    return out;
  }

  dispose(): void {
    for (const node of this.nodes) node.step?.dispose();
    for (const { sink } of this.sinks) sink.dispose();
    for (const image of Object.values(this.images)) image.data.dispose();
  }
}
