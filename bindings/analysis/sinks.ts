// Sinks: what an output keeps over the run (docs/config.md, "outputs"). Each can export its
// state as plain data, so that worker threads' partial results merge in the main thread.
import type { NDArray } from '../core/input.js';
import type { Accumulator, AccumulatorState } from '../stats/accumulator.js';
import { Mean, Variance, Minimum, Maximum } from '../stats/elementwise.js';
import { MedianEstimator, QuantileEstimator } from '../stats/quantile.js';
import { restoreAccumulator } from '../stats/restore.js';
import { TopK, type TopKState } from '../stats/topk.js';
import { isImage, type ShotValue } from './transforms.js';
import type { SinkConfig } from './config.js';

/** A result dataset: flat C-order data and its shape ([] for a scalar). */
export type Dataset = NDArray<Float32Array | Float64Array | Int32Array>;

export type SinkState =
  | { kind: 'accumulator'; state: AccumulatorState }
  | { kind: 'estimate'; n: number; value: Dataset | null }
  | { kind: 'perShot'; shots: Int32Array; numbers: Float64Array | null; arrays: Float32Array | Float64Array | null; shape: number[] | null }
  | { kind: 'topK'; state: TopKState<Record<string, Dataset>> };

/** A payload's value for the current shot, computed when asked for (only shots entering a top k are). */
export type Payload = () => ShotValue;

export interface Sink {
  /** Takes one shot's value; `shot` is its index in the run, `payloads` what top-k keeps. */
  accumulate(value: ShotValue, shot: number, payloads?: Record<string, Payload>): void;
  exportState(): SinkState;
  /** Merges partial results of other workers (over other shots) into this one. */
  merge(states: SinkState[]): void;
  /** The datasets this sink writes; `name` is its output's name. */
  datasets(name: string): Record<string, Dataset>;
  dispose(): void;
}

function asDataset(value: unknown): Dataset {
  if (typeof value === 'number') return { data: Float64Array.of(value), shape: [] };
  if (value instanceof Float64Array || value instanceof Float32Array) return { data: value, shape: [value.length] };
  const nd = value as Dataset;
  return { data: nd.data, shape: [...nd.shape] };
}

/** Copies one shot's value out of wasm memory (what per-shot lists and top-k keep). */
function keep(value: ShotValue): Dataset {
  return isImage(value) ? { data: value.data.copy(), shape: [...value.shape] } : { data: Float64Array.of(value), shape: [] };
}

/** Mean, variance, minimum, maximum: exact merges. */
class AccumulatorSink implements Sink {
  constructor(private readonly accumulator: Accumulator) {}

  accumulate(value: ShotValue): void {
    this.accumulator.accumulate(value);
  }

  exportState(): SinkState {
    return { kind: 'accumulator', state: this.accumulator.exportState() };
  }

  merge(states: SinkState[]): void {
    for (const s of states) {
      if (s.kind !== 'accumulator') throw new TypeError(`cannot merge a ${s.kind} sink state into an accumulator`);
      const other = restoreAccumulator(s.state);
      try {
        this.accumulator.accumulate(other);
      } finally {
        other.dispose();
      }
    }
  }

  datasets(name: string): Record<string, Dataset> {
    const value = this.accumulator.value;
    return value === null ? {} : { [name]: asDataset(value) };
  }

  dispose(): void {
    this.accumulator.dispose();
  }
}

/**
 * P² estimators. They have no exact merge: partial estimates of several workers combine as
 * their count-weighted mean (docs/config.md, "Parallel runs").
 */
class EstimateSink implements Sink {
  #merged: { n: number; value: Dataset } | null = null;

  constructor(private readonly estimator: MedianEstimator | QuantileEstimator) {}

  accumulate(value: ShotValue): void {
    this.estimator.accumulate(value);
  }

  private own(): { n: number; value: Dataset | null } {
    const value = this.estimator.value;
    return { n: this.estimator.n, value: value === null ? null : asDataset(value) };
  }

  exportState(): SinkState {
    return { kind: 'estimate', ...this.own() };
  }

  merge(states: SinkState[]): void {
    const parts = [this.#merged ?? this.own(), ...states.map((s) => {
      if (s.kind !== 'estimate') throw new TypeError(`cannot merge a ${s.kind} sink state into an estimate`);
      return s;
    })].filter((p): p is { n: number; value: Dataset } => p.n > 0 && p.value !== null);
    if (parts.length === 0) return;
    const total = parts.reduce((a, p) => a + p.n, 0);
    const data = new Float64Array(parts[0].value.data.length);
    for (const p of parts) for (let i = 0; i < data.length; i++) data[i] += (p.value.data[i] * p.n) / total;
    this.#merged = { n: total, value: { data, shape: [...parts[0].value.shape] } };
  }

  datasets(name: string): Record<string, Dataset> {
    const result = this.#merged?.value ?? this.own().value;
    return result ? { [name]: result } : {};
  }

  dispose(): void {
    this.estimator.dispose();
  }
}

/** One entry per shot, put back in shot order when merged. */
class PerShotSink implements Sink {
  #shots: number[] = [];
  #values: Dataset[] = [];

  accumulate(value: ShotValue, shot: number): void {
    this.#shots.push(shot);
    this.#values.push(keep(value));
  }

  exportState(): SinkState {
    const shape = this.#values[0]?.shape ?? null;
    const numbers = shape && shape.length === 0;
    return {
      kind: 'perShot',
      shots: Int32Array.from(this.#shots),
      numbers: numbers ? Float64Array.from(this.#values, (v) => v.data[0]) : null,
      arrays: shape && !numbers ? concat(this.#values.map((v) => v.data as Float32Array | Float64Array)) : null,
      shape,
    };
  }

  merge(states: SinkState[]): void {
    for (const s of states) {
      if (s.kind !== 'perShot') throw new TypeError(`cannot merge a ${s.kind} sink state into a per-shot list`);
      if (!s.shape) continue;
      const size = s.shape.reduce((a, b) => a * b, 1);
      s.shots.forEach((shot, k) => {
        this.#shots.push(shot);
        this.#values.push(
          s.numbers ? { data: Float64Array.of(s.numbers[k]), shape: [] } : { data: s.arrays!.slice(k * size, (k + 1) * size), shape: s.shape! },
        );
      });
    }
    const order = this.#shots.map((_, k) => k).sort((a, b) => this.#shots[a] - this.#shots[b]);
    this.#shots = order.map((k) => this.#shots[k]);
    this.#values = order.map((k) => this.#values[k]);
  }

  datasets(name: string): Record<string, Dataset> {
    return { [name]: stack(this.#values) };
  }

  dispose(): void {
    this.#values = [];
    this.#shots = [];
  }
}

/** The k shots with the largest value: their indices under the output's name, and their payloads. */
class TopKSink implements Sink {
  private topK: TopK<Record<string, Dataset>>;

  constructor(readonly k: number, private readonly payloadNames: string[]) {
    this.topK = new TopK(k);
  }

  accumulate(value: ShotValue, shot: number, payloads: Record<string, Payload> = {}): void {
    if (isImage(value)) throw new TypeError('topK: the ranking value must be a number per shot');
    // Payloads are computed and copied out of wasm only for shots that enter the top k.
    this.topK.add(value, () => Object.fromEntries(this.payloadNames.map((name) => [name, keep(payloads[name]())])), shot);
  }

  exportState(): SinkState {
    return { kind: 'topK', state: this.topK.exportState() };
  }

  merge(states: SinkState[]): void {
    for (const s of states) {
      if (s.kind !== 'topK') throw new TypeError(`cannot merge a ${s.kind} sink state into a top-k`);
      this.topK.merge(TopK.fromState(s.state));
    }
  }

  datasets(name: string): Record<string, Dataset> {
    const entries = this.topK.entries;
    const out: Record<string, Dataset> = { [name]: { data: Int32Array.from(entries, (e) => e.order), shape: [entries.length] } };
    for (const payload of this.payloadNames) out[payload] = stack(entries.map((e) => e.payload[payload]));
    return out;
  }

  dispose(): void {
    this.topK = new TopK(this.k);
  }
}

/** One array of the parts in order: float64 if any part is float64, else float32. */
function concat(parts: (Float32Array | Float64Array)[]): Float32Array | Float64Array {
  const length = parts.reduce((a, p) => a + p.length, 0);
  const out = parts.some((p) => p instanceof Float64Array) ? new Float64Array(length) : new Float32Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Stacks per-shot values along a new first axis: numbers → float64 [n], arrays → [n, …shape] in their dtype. */
function stack(values: Dataset[]): Dataset {
  if (values.length === 0) return { data: new Float64Array(0), shape: [0] };
  const shape = values[0].shape;
  if (shape.length === 0) return { data: Float64Array.from(values, (v) => v.data[0]), shape: [values.length] };
  return { data: concat(values.map((v) => v.data as Float32Array | Float64Array)), shape: [values.length, ...shape] };
}

export function makeSink(spec: SinkConfig): Sink {
  if (spec === 'mean') return new AccumulatorSink(new Mean());
  if (spec === 'variance') return new AccumulatorSink(new Variance());
  if (spec === 'min') return new AccumulatorSink(new Minimum());
  if (spec === 'max') return new AccumulatorSink(new Maximum());
  if (spec === 'median') return new EstimateSink(new MedianEstimator());
  if (spec === 'perShot') return new PerShotSink();
  if (typeof spec === 'object' && 'quantile' in spec) return new EstimateSink(new QuantileEstimator(spec.quantile.p));
  if (typeof spec === 'object' && 'topK' in spec) return new TopKSink(spec.topK.k, Object.keys(spec.topK.payloads));
  throw new TypeError(`unknown sink ${JSON.stringify(spec)}`);
}
