// The per-shot computation of a config: sources → transform chains → sinks. Chains that share
// a prefix (the same source and first transforms) share its steps, so e.g. one noise cut
// feeds the mean, the per-shot total and the top-k payloads. Steps only a top-k payload needs
// run only once the shots are over, for the final top k (fillPayloads). A plan may be one worker's part of a run
// (`PlanShare`): see `splitOf` for which sinks it feeds with which shots and pixels.
import { ConfigError, DataError } from '../core/errors.js';
import { WasmArray } from '../core/wasm.js';
import { bytesOf, newArray } from './ops/transforms/step.js';
import { formatShape } from '../core/input.js';
import type { Run } from '../data/run.js';
import type { DetectorGeometry } from '../image/geometry.js';
import {
  isImage,
  makeSink,
  makeStep,
  ParamError,
  sinkOp,
  transformKind,
  transformOp,
  type ChainContext,
  type Dataset,
  type PayloadConfig,
  type ShotValue,
  type Sink,
  type SinkState,
  type Step,
  type TransformConfig,
  type ValueSize,
  type WasmImage,
} from './ops/index.js';
import type { OutputConfig } from './config/index.js';
import { checkMemory, machineMemory, type MemoryEntry } from './config/limits.js';

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
  /** The name of that output. */
  output: string;
  /** The transform this step applies (null for a source). */
  transform: TransformConfig | null;
  /** Computed for every shot (false: only for top-k payloads, once the shots are over). */
  eager: boolean;
  value: ShotValue;
}

interface PlannedSink {
  key: string;
  sink: Sink;
  node: ChainNode;
  payloads: Record<string, ChainNode>;
  /** The first output that keeps it, and where its sink is ("outputs[3].sink.median"). */
  spec: OutputConfig;
  where: string;
  /** How the run is split for it across workers (set for the plan's share). */
  split: Split;
  /** For a sink split by elements: this worker's block of the pixels and its own chain for them. */
  block: BlockChain | null;
}

/** A worker's part of a run (docs/config.md, "Parallel runs"): worker `index` of `count`. */
export interface PlanShare {
  index: number;
  count: number;
}

/**
 * How a run is split across workers for one sink: `shots`, each worker feeds it its own shots
 * (w, w + N, …) and the states merge exactly; `elements`, each worker feeds it every shot in
 * order but only its block of rows of the image (`rows[w]`), and the blocks are joined; `whole`,
 * one worker (`owner`) feeds it every shot.
 */
export type Split = { kind: 'shots' } | { kind: 'elements'; rows: [number, number][]; rowLength: number } | { kind: 'whole'; owner: number };

/** A worker's chain for its block of the pixels: rows of the source, and the pixelwise steps. */
interface BlockChain {
  source: string;
  rows: [number, number];
  input: WasmImage;
  steps: Step[];
  /** Where each step is in the config, for errors. */
  where: string[];
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
  /** The shots the plan will see (what per-shot lists and top-k keep grows with); default 1. */
  shots?: number;
  /** The memory the plan may use with what JavaScript keeps (default: the machine's; null: not checked). */
  memory?: number | null;
}

/** Errors already named after their config entry, passed on unchanged by enclosing handlers. */
const located = new WeakSet<Error>();

/**
 * An error of a step or sink, named after the output and the config entry it came from
 * (`output side_mean: outputs[2].transforms[0].noiseCut: …`), keeping its message. A
 * ConfigError stays one; anything else becomes one when `config` (a chain that does not fit the
 * run, found before any shot is read), else a DataError.
 */
function locate(err: unknown, output: string, where: string, { config = false, kind = '', input = '' } = {}): Error {
  if (err instanceof Error && located.has(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const param = err instanceof ParamError ? `.${err.param}` : '';
  // A step's own messages may start with its kind, which `where` names already.
  const text = kind && message.startsWith(`${kind}: `) ? message.slice(kind.length + 2) : message;
  const Class = config || err instanceof ConfigError ? ConfigError : DataError;
  const out = new Class(`output ${output}: ${where}${param}: ${text}${input}`);
  located.add(out);
  return out;
}

export class Plan {
  readonly nodes: ChainNode[] = [];
  readonly sinks: PlannedSink[] = [];
  /** Output name → the sink it reads (outputs with equal chain and sink share one). */
  readonly outputs: { spec: OutputConfig; sink: PlannedSink; where: string }[] = [];
  /** Detector name → its image buffer in wasm memory, read once per shot. */
  readonly images = new Map<string, WasmImage>();
  readonly detectors: Record<string, DetectorShape>;
  readonly share: PlanShare;
  #byKey = new Map<string, ChainNode>();
  #eager: ChainNode[] = [];
  /** Steps of the sinks this worker feeds every shot (`whole` sinks it owns), and the images they read. */
  #everyShot: ChainNode[] = [];
  #everyShotImages: string[] = [];
  #ownImages: string[] = [];
  #masks: ChainContext['masks'];
  #shots: number;
  #memory: number | null;

  constructor(outputs: readonly OutputConfig[], context: PlanContext, share: PlanShare = { index: 0, count: 1 }) {
    if (!(Number.isInteger(share.count) && share.count >= 1 && Number.isInteger(share.index) && share.index >= 0 && share.index < share.count)) {
      throw new ConfigError(`a share of a run is worker K of N with 0 ≤ K < N, got ${share.index} of ${share.count}`);
    }
    this.share = share;
    this.detectors = context.detectors;
    this.#masks = context.masks;
    this.#shots = context.shots ?? 1;
    this.#memory = context.memory === undefined ? machineMemory() : context.memory;
    const sinksByKey = new Map<string, PlannedSink>();
    try {
      outputs.forEach((spec, i) => {
        const where = `outputs[${i}]`;
        const node = this.chain(spec, spec.name, where, true);
        const payloadSpecs = typeof spec.sink === 'object' && 'topK' in spec.sink ? spec.sink.topK.payloads : {};
        const payloads = Object.fromEntries(
          Object.entries(payloadSpecs).map(([name, chain]) => [name, this.chain(chain, spec.name, `${where}.sink.topK.payloads.${name}`, false)]),
        );
        const key = JSON.stringify([node.key, spec.sink]);
        let planned = sinksByKey.get(key);
        if (!planned) {
          const sinkWhere = `${where}.sink.${sinkOp(spec.sink).op.kind}`;
          let sink: Sink;
          try {
            sink = makeSink(spec.sink);
          } catch (err) {
            throw locate(err, spec.name, sinkWhere, { config: true });
          }
          planned = { key, sink, node, payloads, spec, where: sinkWhere, split: { kind: 'shots' }, block: null };
          sinksByKey.set(key, planned);
          this.sinks.push(planned);
        }
        this.outputs.push({ spec, sink: planned, where });
      });
      this.splitSinks();
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /**
   * How the run is split for each sink across `share.count` workers: by shots where the sink's
   * states merge exactly; by elements for order-dependent sinks (P²) over a pixelwise chain from
   * a detector; else (an order-dependent sink of a reduced value) whole, one worker round-robin.
   * Then which steps this worker computes for its own shots and for every shot.
   */
  private splitSinks(): void {
    const { index, count } = this.share;
    let wholes = 0;
    for (const planned of this.sinks) {
      planned.split = splitOf(planned, count, this.detector(rootOf(planned.node).source), () => wholes++);
      if (planned.split.kind === 'elements') planned.block = this.blockChain(planned, planned.split.rows[index], planned.split.rowLength);
    }
    const own = new Set<ChainNode>();
    const every = new Set<ChainNode>();
    for (const planned of this.sinks) {
      const { split } = planned;
      if (split.kind === 'elements' || (split.kind === 'whole' && split.owner !== index)) continue;
      for (let n: ChainNode | null = planned.node; n; n = n.parent) (split.kind === 'whole' ? every : own).add(n);
    }
    for (const n of every) own.add(n);
    // Only the steps of the sinks this worker feeds run; payload steps (and a detector only
    // payloads read) wait for the end (fillPayloads).
    for (const n of this.nodes) n.eager = own.has(n) && (n.eager || !n.step);
    this.#eager = this.nodes.filter((n) => n.eager);
    this.#everyShot = this.#eager.filter((n) => every.has(n));
    const detectorsOf = (nodes: ChainNode[]) => [...new Set(nodes.filter((n) => !n.step && this.images.has(n.source)).map((n) => n.source))];
    this.#ownImages = detectorsOf(this.#eager);
    this.#everyShotImages = detectorsOf(this.#everyShot);
  }

  /** This worker's chain for rows `rows` of a sink split by elements: a copy of its pixelwise steps. */
  private blockChain(planned: PlannedSink, rows: [number, number], rowLength: number): BlockChain {
    const chain: ChainNode[] = [];
    for (let n: ChainNode | null = planned.node; n?.step; n = n.parent) chain.unshift(n);
    const source = rootOf(planned.node).source;
    const detector = this.detector(source)!;
    const [start, end] = [rows[0] * rowLength, rows[1] * rowLength];
    const input: WasmImage = { data: newArray(detector.dtype, end - start), shape: [end - start] };
    const context = { ...this.context(source), block: { start, end, shape: detector.shape } };
    const steps: Step[] = [];
    try {
      for (const n of chain) steps.push(makeStep(n.transform!, context));
    } catch (err) {
      for (const step of steps) step.dispose();
      input.data.dispose();
      throw locate(err, planned.spec.name, chain[steps.length].where, { config: true });
    }
    return { source, rows, input, steps, where: chain.map((n) => n.where) };
  }

  /** Whether this worker feeds some sink with every shot of the run, not only its own. */
  get needsEveryShot(): boolean {
    return this.sinks.some(({ split }) => split.kind === 'elements' || (split.kind === 'whole' && split.owner === this.share.index));
  }

  /** The detector `name` of the run (own entries only: a source "toString" is no detector of {}). */
  private detector(name: string): DetectorShape | undefined {
    return Object.hasOwn(this.detectors, name) ? this.detectors[name] : undefined;
  }

  /** The context of chains from `source`: its geometry, the run's masks, its name for messages. */
  context(source: string): ChainContext {
    const d = this.detector(source);
    return { geometry: d?.geometry, masks: this.#masks, what: d ? `the detector ${source}` : `the value ${source}` };
  }

  private chain({ source, transforms }: PayloadConfig, output: string, where: string, eager: boolean): ChainNode {
    let key = JSON.stringify(source);
    let node = this.#byKey.get(key);
    if (!node) {
      const detector = this.detector(source);
      if (detector && !this.images.has(source)) {
        const data = detector.dtype === 'f64' ? new WasmArray('f64', detector.size) : new WasmArray('f32', detector.size);
        this.images.set(source, { data, shape: detector.shape });
      }
      node = { key, parent: null, step: null, transform: null, source, where: `${where}.source`, output, eager: true, value: NaN };
      this.#byKey.set(key, node);
      this.nodes.push(node);
    }
    transforms.forEach((transform: TransformConfig, j: number) => {
      const parent: ChainNode = node!;
      key = `${key}>${JSON.stringify(transform)}`;
      node = this.#byKey.get(key);
      if (!node) {
        const stepWhere = `${where}.transforms[${j}].${transformKind(transform)}`;
        let step: Step;
        try {
          step = makeStep(transform, this.context(source));
        } catch (err) {
          throw locate(err, output, stepWhere, { config: true, kind: transformKind(transform) });
        }
        node = { key, parent, step, transform, source, where: stepWhere, output, eager, value: NaN };
        this.#byKey.set(key, node);
        this.nodes.push(node);
      } else if (eager && !node.eager) {
        // A payload's step that another output needs every shot becomes eager, with its parents.
        for (let n: ChainNode | null = node; n && !n.eager; n = n.parent) n.eager = true;
      }
    });
    return node!;
  }

  /** A step's value for its parent's, its errors named after its entry. */
  private run(node: ChainNode, config = false): ShotValue {
    try {
      return node.step!.apply(node.parent!.value);
    } catch (err) {
      const input = config ? ` (its input: ${describe(node.parent!.value)} from ${this.context(node.source).what})` : '';
      throw locate(err, node.output, node.where, { config, kind: node.where.slice(node.where.lastIndexOf('.') + 1), input });
    }
  }

  /**
   * Runs every step once on an empty image of each detector, so that a chain that does not
   * fit the run (a 2-D transform on a stack of sensors, an ROI larger than the image, a mask
   * of another shape, a missing geometry, a radial centre outside the image) is reported before
   * any shot is read, naming the config entry, as a ConfigError. Then holds the memory the plan
   * needs for the run against what there is (config/limits.ts), and checks the `after` chains
   * on the sinks' value shapes. Returns what each output computes per shot and what it writes.
   */
  check(): OutputCheck[] {
    for (const image of this.images.values()) image.data.fill(0);
    for (const node of this.nodes) {
      // Steps only a top-k payload needs run at the end; share 0 checks them for the run.
      if (this.share.index > 0 && !node.eager) continue;
      node.value = node.step ? this.run(node, true) : (this.images.get(node.source) ?? 0);
    }
    checkMemory(this.memory(), this.#memory);
    return this.outputs.map(({ spec, sink, where }) => {
      const value = sink.node.value;
      const sinkName = typeof spec.sink === 'string' ? spec.sink : Object.keys(spec.sink)[0];
      // Means, variances and P² estimates are float64; minima and maxima keep the data's dtype.
      const f64 = ['mean', 'variance', 'median', 'quantile'].includes(sinkName);
      let written = isImage(value) ? describeArray(value.shape, f64 ? 'f64' : value.data.dtype) : 'a number';
      // `after` runs once, on the merged value: share 0 checks it for the run (the other
      // shares would only build the same geometry and maps again).
      if (spec.after.length && this.share.index === 0) {
        // A probe of the sink's value in wasm memory (zeros, as the images), and only the
        // shape of what comes out: nothing is copied out of wasm for the check.
        const probe = isImage(value) ? { data: newArray(f64 ? 'f64' : value.data.dtype, value.data.length).fill(0), shape: value.shape } : value;
        try {
          const at = { output: spec.name, where: `${where}.after`, config: true, input: ` (its input: the ${sinkName}, ${written})` };
          written = runOnce(spec.after, probe, this.context(spec.source), at, describe);
        } finally {
          if (isImage(probe)) probe.data.dispose();
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

  /**
   * What the plan holds for a run of its shots, entry by entry: the detectors' image buffers,
   * each step's buffers (after `check()` ran them), each sink's state and what JavaScript keeps.
   */
  memory(): MemoryEntry[] {
    const entries: MemoryEntry[] = [];
    for (const [name, image] of this.images) {
      const bytes = bytesOf(image.data);
      entries.push({ where: `detectors.${name}`, what: `its image buffer, ${describe(image)}`, wasm: bytes, js: 0, block: bytes });
    }
    for (const node of this.nodes) {
      if (!node.step) continue;
      entries.push({ where: `output ${node.output}: ${node.where}`, what: `its buffers for ${describe(node.value)}`, wasm: node.step.bytes(), js: 0, block: 0 });
    }
    for (const { spec, node, payloads, where } of this.sinks) {
      const { op, params } = sinkOp(spec.sink);
      const { what, ...footprint } = op.memory(valueSize(node.value), this.#shots, params, Object.values(payloads).map((n) => valueSize(n.value)));
      entries.push({ where: `output ${spec.name}: ${where}`, what, ...footprint });
    }
    return entries;
  }

  /**
   * Reads shot `shot` of the run and feeds the sinks: all of them, for a plan of the whole run
   * or a worker's own shot (`own`); for another worker's shot, only the sinks this worker feeds
   * with every shot (its blocks of the pixels, its whole sinks).
   */
  process(run: Run, shot: number, own = true): void {
    const nodes = own ? this.#eager : this.#everyShot;
    for (const name of own ? this.#ownImages : this.#everyShotImages) run.detectors[name].read(shot, this.images.get(name)!.data);
    for (const node of nodes) {
      node.value = node.step ? this.run(node) : this.sourceValue(run, node.source, shot);
    }
    for (const planned of this.sinks) {
      const { sink, node, spec, where, split } = planned;
      try {
        if (split.kind === 'elements') sink.accumulate(this.blockValue(planned, run, shot, own), shot);
        else if (split.kind === 'whole' ? split.owner === this.share.index : own) sink.accumulate(node.value, shot);
      } catch (err) {
        throw locate(err, spec.name, where, { kind: sinkOp(spec.sink).op.kind });
      }
    }
  }

  /** This worker's block of a sink's per-shot value: its rows of the source (copied from the whole image when read), then the steps. */
  private blockValue(planned: PlannedSink, run: Run, shot: number, own: boolean): ShotValue {
    const block = planned.block!;
    const image = this.images.get(block.source)!;
    if (own && this.#ownImages.includes(block.source)) {
      const start = block.rows[0] * (block.input.data.length / (block.rows[1] - block.rows[0]));
      block.input.data.view().set(image.data.view().subarray(start, start + block.input.data.length));
    } else {
      run.detectors[block.source].readRows(shot, block.rows, block.input.data);
    }
    let value: ShotValue = block.input;
    block.steps.forEach((step, j) => {
      try {
        value = step.apply(value);
      } catch (err) {
        throw locate(err, planned.spec.name, block.where[j]);
      }
    });
    return value;
  }

  /**
   * Computes the top-k payloads of the kept shots that lack them. While the shots come in, a top
   * k keeps only its ranking values; the final k shots are read here again (k reads, where
   * keeping payloads on the way would compute and copy them for every shot that enters the
   * top k, in every worker). `run` is the run the shots came from; null when no payload can be
   * missing (every state merged in came with its payloads).
   */
  fillPayloads(run: Run | null): void {
    for (const planned of this.sinks) {
      for (const { rank, shot } of planned.sink.pendingShots?.() ?? []) {
        if (!run) throw new Error(`output ${planned.spec.name}: the payloads of its top shots need the run, to read those shots again`);
        // Each node of the payloads' chains once for this shot (payloads may share a prefix).
        const done = new Set<ChainNode>();
        const evaluate = (node: ChainNode): ShotValue => {
          if (done.has(node)) return node.value;
          if (node.step) {
            evaluate(node.parent!);
            node.value = this.run(node);
          } else {
            const image = this.images.get(node.source);
            if (image) run.detectors[node.source].read(shot, image.data);
            node.value = this.sourceValue(run, node.source, shot);
          }
          done.add(node);
          return node.value;
        };
        try {
          const payloads = Object.fromEntries(Object.entries(planned.payloads).map(([name, node]) => [name, evaluate(node)]));
          try {
            planned.sink.fill!(rank, payloads);
          } catch (err) {
            throw locate(err, planned.spec.name, planned.where);
          }
        } catch (err) {
          // Named as the shot loop names a shot's errors (pipeline.ts, processShots).
          const message = (err as Error).message.replace(`${run.path}: `, '');
          const Class = err instanceof ConfigError ? ConfigError : DataError;
          throw new Class(`${run.path}: run ${run.runNumber}, shot ${shot} (tag ${run.tags[shot]}), read again for its top-k payloads: ${message}`);
        }
      }
    }
  }

  private sourceValue(run: Run, source: string, shot: number): ShotValue {
    const image = this.images.get(source);
    if (image) return image;
    if (source === 'index') return shot;
    if (source === 'tag') return run.tags[shot];
    const values = Object.hasOwn(run.values, source) ? run.values[source] : undefined;
    if (!values) throw new Error(`no detector or value named "${source}" in run ${run.runNumber}`);
    return values[shot];
  }

  /** The sinks' states (null for a sink another worker owns). */
  exportStates(): (SinkState | null)[] {
    return this.sinks.map((_, k) => this.stateOf(k));
  }

  private stateOf(k: number): SinkState | null {
    const { sink, split } = this.sinks[k];
    return split.kind === 'whole' && split.owner !== this.share.index ? null : sink.exportState();
  }

  /**
   * Merges the `exportStates()` of the workers of a run, worker 0 first: a plan of the whole run
   * (same config, so the same sinks in the same order) that was fed no shots itself. The
   * workers' split is the one of `parts.length` workers.
   *
   * `first`: worker 0's own plan, when it ran in this thread, and `parts` are then the states of
   * workers 1, 2, …. Its sinks split by shots are taken over as they are, not exported and
   * restored (merging worker 0's state into an empty sink gives that state: the same numbers
   * without copying every mean image out of wasm memory and back); `first` keeps this plan's
   * empty sinks in their place, and is disposed by its owner as before.
   */
  merge(parts: (SinkState | null)[][], first?: Plan): void {
    const count = parts.length + (first ? 1 : 0);
    let wholes = 0;
    this.sinks.forEach((planned, k) => {
      const split = splitOf(planned, count, this.detector(rootOf(planned.node).source), () => wholes++);
      try {
        const others = parts.map((states) => states[k]);
        if (first && split.kind === 'shots') {
          const mine = first.sinks[k];
          [planned.sink, mine.sink] = [mine.sink, planned.sink];
          planned.sink.merge(others.map((state, w) => required(state, w + 1)));
          return;
        }
        const states = first ? [first.stateOf(k), ...others] : others;
        if (split.kind === 'whole') planned.sink.merge([required(states[split.owner], split.owner)]);
        else if (split.kind === 'elements') planned.sink.merge([joinBlocks(states.map(required), this.detector(rootOf(planned.node).source)!.shape)]);
        else planned.sink.merge(states.map(required));
      } catch (err) {
        throw locate(err, planned.spec.name, planned.where);
      }
    });
  }

  /** Every output's datasets (sinks' values; topK payloads included, see fillPayloads), with `after` applied. */
  datasets(): Record<string, Dataset> {
    const out: Record<string, Dataset> = {};
    for (const { spec, sink, where } of this.outputs) {
      // A sink whose value is in wasm memory writes only that value: `after` starts from it there.
      const inWasm = spec.after.length ? sink.sink.valueInWasm?.() : null;
      let sets: Record<string, Dataset> = {};
      if (!inWasm) {
        try {
          sets = sink.sink.datasets(spec.name);
        } catch (err) {
          throw locate(err, spec.name, sink.where);
        }
      }
      const value = Object.hasOwn(sets, spec.name) ? sets[spec.name] : undefined;
      if (spec.after.length && (inWasm || value)) {
        const at = { output: spec.name, where: `${where}.after` };
        const context = this.context(spec.source);
        const result = inWasm
          ? runOnce(spec.after, inWasm, context, at, plainCopy)
          : applyOnce(spec.after, value!.shape.length === 0 ? value!.data[0] : value!, context, at);
        sets[spec.name] = typeof result === 'number' ? { data: Float64Array.of(result), shape: [] } : result;
      }
      Object.assign(out, sets);
    }
    return out;
  }

  dispose(): void {
    for (const node of this.nodes) node.step?.dispose();
    for (const { sink, block } of this.sinks) {
      sink.dispose();
      for (const step of block?.steps ?? []) step.dispose();
      block?.input.data.dispose();
    }
    for (const image of this.images.values()) image.data.dispose();
  }
}

function describeArray(shape: number[], dtype: 'f32' | 'f64'): string {
  return `an array of shape ${formatShape(shape)} (${dtype === 'f64' ? 'float64' : 'float32'})`;
}

function describe(v: ShotValue): string {
  return isImage(v) ? describeArray(v.shape, v.data.dtype) : 'a number';
}

function valueSize(v: ShotValue): ValueSize {
  return isImage(v) ? { elements: v.data.length, bytes: v.data.dtype === 'f64' ? 8 : 4 } : { elements: 1, bytes: 8 };
}

/** Runs a chain once on a finished value (an output's `after`), returning a plain copy. */
export function applyOnce(
  specs: readonly TransformConfig[],
  value: { data: Float32Array | Float64Array | Int32Array; shape: number[] } | number,
  context: ChainContext = {},
  /** Where the chain is in the config (`outputs[3].after`), for its errors; `config`: see `locate`. */
  at?: { output: string; where: string; config?: boolean; input?: string },
): { data: Float32Array | Float64Array; shape: number[] } | number {
  if (typeof value === 'number') return runOnce(specs, value, context, at, plainCopy);
  const input = newArray(value.data instanceof Float32Array ? 'f32' : 'f64', value.data.length).set(value.data);
  try {
    return runOnce(specs, { data: input, shape: value.shape }, context, at, plainCopy);
  } finally {
    input.dispose();
  }
}

const plainCopy = (v: ShotValue) => (isImage(v) ? { data: v.data.copy(), shape: [...v.shape] } : v);

/** A chain made for `value` and run on it once; `finish` takes the result before the steps are disposed. */
function runOnce<T>(
  specs: readonly TransformConfig[],
  value: ShotValue,
  context: ChainContext,
  at: { output: string; where: string; config?: boolean; input?: string } | undefined,
  finish: (result: ShotValue) => T,
): T {
  let current = value;
  const steps: Step[] = [];
  try {
    for (const [j, spec] of specs.entries()) {
      const kind = transformKind(spec);
      try {
        const step = makeStep(spec, context);
        steps.push(step);
        current = step.apply(current);
      } catch (err) {
        if (!at) throw err;
        throw locate(err, at.output, `${at.where}[${j}].${kind}`, { config: at.config, kind, input: j === 0 ? at.input : '' });
      }
    }
    return finish(current);
  } finally {
    for (const step of steps) step.dispose();
  }
}

function rootOf(node: ChainNode): ChainNode {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}

/**
 * The split of one sink across `count` workers (see `Split`). `nextWhole` numbers the sinks
 * split whole, in plan order, which spreads them over the workers.
 */
function splitOf(planned: PlannedSink, count: number, detector: DetectorShape | undefined, nextWhole: () => number): Split {
  if (count === 1 || sinkOp(planned.spec.sink).op.split === 'shots') return { kind: 'shots' };
  let pixelwise = detector !== undefined;
  for (let n: ChainNode | null = planned.node; n?.step && pixelwise; n = n.parent) pixelwise = transformOp(n.transform!).op.pixelwise === true;
  const rowLength = detector ? detector.shape[detector.shape.length - 1] : 0;
  const rows = detector ? detector.size / rowLength : 0;
  if (!pixelwise || rows < count) return { kind: 'whole', owner: nextWhole() % count };
  return { kind: 'elements', rows: Array.from({ length: count }, (_, w) => [Math.floor((w * rows) / count), Math.floor(((w + 1) * rows) / count)]), rowLength };
}

function required(state: SinkState | null, worker: number): SinkState {
  if (!state) throw new Error(`worker ${worker} sent no state for a sink it feeds`);
  return state;
}

/** The estimates of the workers' blocks of the pixels (in worker order), joined into one of `shape`. */
function joinBlocks(states: SinkState[], shape: number[]): SinkState {
  const parts = states.map((s) => {
    if (s.kind !== 'estimate') throw new TypeError(`cannot join a ${s.kind} sink state as a block of pixels`);
    return s;
  });
  const n = parts[0].n;
  if (parts.some((p) => p.n !== n)) throw new Error(`the blocks of the pixels saw different numbers of shots (${parts.map((p) => p.n).join(', ')})`);
  if (parts.some((p) => p.value === null)) return { kind: 'estimate', n, value: null };
  const length = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(length);
  let offset = 0;
  for (const p of parts) {
    data.set(p.value!.data, offset);
    offset += p.value!.data.length;
  }
  if (offset !== length) throw new Error(`the blocks of the pixels hold ${offset} values, the image ${length}`);
  return { kind: 'estimate', n, value: { data, shape: [...shape] } };
}
