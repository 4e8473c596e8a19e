// What the sinks share: copying a shot's value out of wasm, stacking per-shot values, and the
// two sink kinds that wrap an estimator of bindings/stats (exact merges for accumulators; P²
// estimates combined by count).
import type { Accumulator } from '../../../stats/accumulator.js';
import type { MedianEstimator, QuantileEstimator } from '../../../stats/quantile.js';
import { restoreAccumulator } from '../../../stats/restore.js';
import { isImage, type DataType, type Dataset, type ShotValue, type Sink, type SinkState } from '../types.js';

export function asDataset(value: unknown): Dataset {
  if (typeof value === 'number') return { data: Float64Array.of(value), shape: [] };
  if (value instanceof Float64Array || value instanceof Float32Array) return { data: value, shape: [value.length] };
  const nd = value as Dataset;
  return { data: nd.data, shape: [...nd.shape] };
}

/** Copies one shot's value out of wasm memory (what per-shot lists and top-k keep). */
export function keep(value: ShotValue): Dataset {
  return isImage(value) ? { data: value.data.copy(), shape: [...value.shape] } : { data: Float64Array.of(value), shape: [] };
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

  dispose(): void {
    this.accumulator.dispose();
  }
}

/**
 * P² estimators. They have no exact merge: partial estimates of several workers combine as
 * their count-weighted mean (docs/config.md, "Parallel runs").
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
    const parts = [
      this.#merged ?? this.own(),
      ...states.map((s) => {
        if (s.kind !== 'estimate') throw new TypeError(`cannot merge a ${s.kind} sink state into an estimate`);
        return s;
      }),
    ].filter((p): p is { n: number; value: Dataset } => p.n > 0 && p.value !== null);
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
