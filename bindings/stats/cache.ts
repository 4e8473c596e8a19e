import { Accumulator, type AccumulatorState } from './accumulator.js';
import { WasmArray } from '../core/wasm.js';

interface Entry {
  /** Arrival time (ms since the epoch, sub-ms resolution): comparable across threads. */
  at: number;
  object: unknown;
}

function copyOf(x: unknown): unknown {
  // Data in wasm memory is the pipeline's reused shot buffer: keep a copy outside wasm.
  if (x instanceof WasmArray) return x.copy();
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return (x as Float32Array).slice();
  if (Array.isArray(x)) return [...x];
  if (x && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const { data, shape } = x as { data: unknown; shape: number[] };
    return { data: copyOf(data), shape: [...shape] };
  }
  return x;
}

/**
 * Keeps the last `length` objects, oldest first. Arrays are copied, so a caller that reuses
 * its buffer does not change what was kept. Merging interleaves both caches by arrival time.
 */
export class CacheAccumulator extends Accumulator<unknown[]> {
  readonly kind = 'CacheAccumulator';
  readonly length: number;
  #entries: Entry[] = [];

  constructor(length = 1) {
    super();
    if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`CacheAccumulator: length must be an integer ≥ 1, got ${length}`);
    this.length = length;
  }

  get value(): unknown[] {
    return this.#entries.map((e) => e.object);
  }

  protected accumulateObject(x: unknown): void {
    this.count++;
    this.#entries.push({ at: performance.timeOrigin + performance.now(), object: copyOf(x) });
    if (this.#entries.length > this.length) this.#entries.shift();
  }

  protected mergeFrom(other: this): void {
    if (other.length !== this.length) throw new TypeError(`cannot merge CacheAccumulators of length ${this.length} and ${other.length}`);
    this.count += other.count;
    this.#entries = [...this.#entries, ...other.#entries].sort((a, b) => a.at - b.at).slice(-this.length);
  }

  exportState(): AccumulatorState {
    return {
      kind: this.kind,
      n: this.count,
      shape: null,
      form: null,
      params: { length: this.length, entries: this.#entries.map((e) => ({ at: e.at, object: e.object })) },
      arrays: {},
    };
  }

  restoreFrom(state: AccumulatorState): this {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore a ${state.kind} state into a CacheAccumulator`);
    this.count = state.n;
    this.#entries = (state.params.entries as Entry[]).map((e) => ({ at: e.at, object: e.object }));
    return this;
  }
}
