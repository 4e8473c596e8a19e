// What the sinks share: copying a shot's value out of wasm, stacking per-shot values, and the
// two sink kinds that wrap an estimator of bindings/stats (exact merges for accumulators; P²
// estimates, which take the one estimate of the worker that saw every shot).
import type { WasmImage } from '../../../core/input.js';
import { ElementwiseAccumulator, type Accumulator } from '../../../stats/accumulator.js';
import type { MedianEstimator, QuantileEstimator } from '../../../stats/quantile.js';
import { restoreAccumulator } from '../../../stats/restore.js';
import { count } from '../../config/limits.js';
import { isImage, type DataType, type Dataset, type ShotValue, type Sink, type SinkState, type ValueSize } from '../types.js';

export function asDataset(value: unknown): Dataset {
  if (typeof value === 'number') return { data: Float64Array.of(value), shape: [] };
  if (value instanceof Float64Array || value instanceof Float32Array) return { data: value, shape: [value.length] };
  const nd = value as Dataset;
  return { data: nd.data, shape: [...nd.shape] };
}

/**
 * Copies one shot's value out of wasm memory (what per-shot lists and top-k keep), into `reuse`
 * when it is a dataset of the same type and size that nothing else holds (a fresh 4 MB array
 * per copy costs its page faults every time).
 */
export function keep(value: ShotValue, reuse?: Dataset): Dataset {
  if (!isImage(value)) return { data: Float64Array.of(value), shape: [] };
  const view = value.data.view();
  if (reuse && reuse.data.constructor === view.constructor && reuse.data.length === view.length) {
    (reuse.data as Float32Array | Float64Array).set(view);
    return { data: reuse.data, shape: [...value.shape] };
  }
  return { data: view.slice(), shape: [...value.shape] };
}

/** One array of the parts in order: float64 if any part is float64, else float32. */
export function concat(parts: (Float32Array | Float64Array)[]): Float32Array | Float64Array {
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
export function stack(values: Dataset[]): Dataset {
  if (values.length === 0) return { data: new Float64Array(0), shape: [0] };
  const shape = values[0].shape;
  if (shape.length === 0) return { data: Float64Array.from(values, (v) => v.data[0]), shape: [values.length] };
  return { data: concat(values.map((v) => v.data as Float32Array | Float64Array)), shape: [values.length, ...shape] };
}

/**
 * The footprint of an elementwise state: `buffers` (bytes per element of each wasm buffer) and
 * the result's copy in JavaScript (`result` bytes per element).
 */
export function elementwise(what: string, v: ValueSize, buffers: number[], result: number) {
  const n = v.elements;
  return { wasm: buffers.reduce((a, b) => a + b * n, 0), block: Math.max(...buffers) * n, js: result * n, what: `${what} of ${count(n)} element${n === 1 ? '' : 's'}` };
}

/**
 * A P² estimator's footprint (bindings/stats/quantile.ts): 5 heights and 4 positions (56 bytes)
 * per element padded to fours; from 16,384 elements on, 8 pending copies of the input; the
 * float64 scratch its value is read through (12 bytes per element).
 */
export function p2(v: ValueSize) {
  const n = v.elements;
  const state = 56 * (Math.ceil(n / 4) * 4);
  const pending = n >= 1 << 14 ? 8 * v.bytes * n : 0;
  return { wasm: state + pending + 12 * n, block: Math.max(state, pending, 12 * n), js: 8 * n, what: `a P² state of ${count(n)} element${n === 1 ? '' : 's'}` };
}

/** A sink whose value over the run has the per-shot value's type (an image stays an image). */
export const sameType = (perShot: DataType): DataType => perShot;

/** Mean, variance, minimum, maximum: exact merges. */
export class AccumulatorSink implements Sink {
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

  valueInWasm(): WasmImage | null {
    return this.accumulator instanceof ElementwiseAccumulator ? this.accumulator.valueInWasm() : null;
  }

  dispose(): void {
    this.accumulator.dispose();
  }
}

/**
 * P² estimators. Their estimate depends on the order of the shots, so states over parts of the
 * shots do not merge: a parallel run feeds each element's estimator every shot in one worker
 * (Plan's split by elements or whole), and `merge` takes that one finished estimate.
 */
export class EstimateSink implements Sink {
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
    if (states.length !== 1 || this.estimator.n > 0 || this.#merged) {
      throw new TypeError('P² estimates over parts of the shots do not merge: one estimator must see every shot, in order');
    }
    const [state] = states;
    if (state.kind !== 'estimate') throw new TypeError(`cannot merge a ${state.kind} sink state into an estimate`);
    if (state.value) this.#merged = { n: state.n, value: { data: state.value.data, shape: [...state.value.shape] } };
  }

  datasets(name: string): Record<string, Dataset> {
    const result = this.#merged?.value ?? this.own().value;
    return result ? { [name]: result } : {};
  }

  dispose(): void {
    this.estimator.dispose();
  }
}
