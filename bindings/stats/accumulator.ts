// The accumulator contract shared by every statistic: `accumulate(x)` takes one object
// (or another accumulator of the same kind, to merge), `n` counts objects, `value` is
// computed on demand, and the state can be exported as plain typed arrays and rebuilt
// (how workers send partial results to each other).
import { WasmArray, type DType, type DataType } from '../core/wasm.js';
import { stage, formatShape, sameShape, type Form, type Staged, type ArrayInput, type WasmImage } from '../core/input.js';

export type StateArray = Float32Array | Float64Array | Int32Array | Uint32Array;

/** A plain-data snapshot of an accumulator (structured-clone and transfer friendly). */
export interface AccumulatorState {
  kind: string;
  n: number;
  shape: number[] | null;
  form: Form | null;
  /**
   * The data type of the objects an elementwise state holds (float64 once any object or merged
   * state was float64); Minimum/Maximum keep their arrays in it. Absent (accumulators without
   * elementwise state): float32.
   */
  dtype?: DataType;
  params: Record<string, unknown>;
  arrays: Record<string, StateArray>;
}

export abstract class Accumulator<V = unknown> {
  /** The class name, spelled out so that minified builds keep it. */
  abstract readonly kind: string;
  /** Whether `accumulate(other)` is defined; order-dependent estimators say no. */
  protected readonly mergeable: boolean = true;
  protected count = 0;

  /** Number of objects accumulated. */
  get n(): number {
    return this.count;
  }

  abstract get value(): V;

  /** Adds one object, or merges another accumulator of the same kind. Returns `this`. */
  accumulate(x: unknown): this {
    if (x instanceof Accumulator) {
      if (x.kind !== this.kind) throw new TypeError(`cannot merge a ${x.kind} into a ${this.kind}: accumulators must be of the same kind`);
      if (!this.mergeable) throw new TypeError(this.notMergeableReason());
      if (x === this) throw new TypeError(`${this.kind}: cannot merge an accumulator into itself`);
      this.mergeFrom(x as this);
      return this;
    }
    this.accumulateObject(x);
    return this;
  }

  protected notMergeableReason(): string {
    return `${this.kind} cannot be merged: its value depends on the order of the objects`;
  }

  protected abstract accumulateObject(x: unknown): void;
  protected abstract mergeFrom(other: this): void;
  abstract exportState(): AccumulatorState;
  /** Replaces this accumulator's state by an exported one of the same kind and parameters. */
  abstract restoreFrom(state: AccumulatorState): this;
  /** Frees wasm memory held by this accumulator (a no-op for TypeScript-only ones). */
  dispose(): void {}

  toString(): string {
    return `<${this.kind} of ${this.n} objects>`;
  }
}

type BufferSpec = Record<string, [DType, number]>;

/**
 * An accumulator whose state lives in wasm memory, one entry per element of the input.
 * The first object fixes the shape; a later object of another shape is an error. The state
 * starts in the first object's data type; a float64 object or state joining a float32 one
 * promotes it to float64 (losslessly), and float32 objects are then read as float64.
 */
export abstract class ElementwiseAccumulator<V = unknown> extends Accumulator<V> {
  protected shape: number[] | null = null;
  protected form: Form | null = null;
  protected length = 0;
  protected dtype: DataType = 'f32';
  protected buffers: Record<string, WasmArray> = {};

  /** The wasm buffers this accumulator needs for `length` elements of data type `dtype`. */
  protected abstract bufferSpec(length: number, dtype: DataType): BufferSpec;
  /** Called once when buffers are fresh (not when restored from a state). */
  protected initBuffers(): void {}
  /** Feeds one staged object (of any dtype: the state's is `this.dtype`); `count` already includes it. */
  protected abstract update(input: Staged): void;
  /** Merges a non-empty `other` of the same shape into this non-empty accumulator. */
  protected abstract mergeState(other: this): void;
  /** Parameters that must agree for a merge and that a restored state needs. */
  protected params(): Record<string, unknown> {
    return {};
  }

  protected buffer<D extends DType>(name: string): WasmArray<D> {
    return this.buffers[name] as WasmArray<D>;
  }

  /**
   * The value where it is in wasm memory, not copied, for an accumulator whose state is its
   * value (Mean, Minimum, Maximum); null for the others, before any object, and for numbers.
   * Valid until the accumulator changes or is disposed; do not change it.
   */
  valueInWasm(): WasmImage | null {
    return null;
  }

  /** The value buffer `name` as valueInWasm gives it. */
  protected stateValue(name: string): WasmImage | null {
    if (this.count === 0 || !this.shape || this.form === 'scalar') return null;
    return { data: this.buffer<'f32' | 'f64'>(name) as WasmImage['data'], shape: [...this.shape] };
  }

  private allocate(shape: number[], form: Form, length: number, dtype: DataType): void {
    this.shape = shape;
    this.form = form;
    this.length = length;
    this.dtype = dtype;
    for (const [name, [type, size]] of Object.entries(this.bufferSpec(length, dtype))) {
      this.buffers[name] = new WasmArray(type, size);
    }
  }

  /** Float32 state → float64: the buffers whose type follows the data type are converted. */
  private promote(): void {
    for (const [name, [type]] of Object.entries(this.bufferSpec(this.length, 'f64'))) {
      const old = this.buffers[name];
      if (old.dtype === type) continue;
      const promoted = new WasmArray(type, old.length);
      promoted.set(old.view());
      old.dispose();
      this.buffers[name] = promoted;
    }
    this.dtype = 'f64';
  }

  protected accumulateObject(x: unknown): void {
    const input = stage(x, `${this.kind}.accumulate`);
    if (this.shape === null) {
      this.allocate(input.shape, input.form, input.length, input.dtype);
      this.initBuffers();
    } else if (!sameShape(this.shape, input.shape)) {
      throw new RangeError(
        `${this.kind}.accumulate: shape changed mid-stream: started with ${formatShape(this.shape)}, got ${formatShape(input.shape)}`,
      );
    } else if (input.dtype === 'f64' && this.dtype === 'f32') {
      // Promoting allocates; the staged pointer stays valid (memory growth moves no data).
      this.promote();
    }
    this.count++;
    this.update(input);
  }

  protected mergeFrom(other: this): void {
    if (other.count === 0 || other.shape === null) return;
    const mine = JSON.stringify(this.params());
    const theirs = JSON.stringify(other.params());
    if (mine !== theirs) throw new TypeError(`cannot merge ${this.kind}s with different parameters: ${mine} vs ${theirs}`);
    if (this.shape === null || this.count === 0) {
      this.restoreFrom(other.exportState());
      return;
    }
    if (!sameShape(this.shape, other.shape)) {
      throw new RangeError(`cannot merge ${this.kind}s of different shapes: ${formatShape(this.shape)} and ${formatShape(other.shape)}`);
    }
    if (other.dtype === 'f64' && this.dtype === 'f32') this.promote();
    this.mergeState(other);
    this.count += other.count;
  }

  exportState(): AccumulatorState {
    return { kind: this.kind, n: this.count, shape: this.shape, form: this.form, dtype: this.dtype, params: this.params(), arrays: this.exportArrays() };
  }

  /** The arrays of an exported state: by default a copy of every buffer. */
  protected exportArrays(): Record<string, StateArray> {
    const arrays: Record<string, StateArray> = {};
    for (const [name, buffer] of Object.entries(this.buffers)) arrays[name] = buffer.copy() as StateArray;
    return arrays;
  }

  restoreFrom(state: AccumulatorState): this {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore a ${state.kind} state into a ${this.kind}`);
    this.disposeBuffers();
    this.count = state.n;
    if (state.shape === null || state.form === null) return this;
    const length = state.shape.reduce((a, b) => a * b, 1);
    const dtype = state.dtype ?? 'f32';
    if (dtype !== 'f32' && dtype !== 'f64') throw new TypeError(`${this.kind} state: dtype must be 'f32' or 'f64', got ${JSON.stringify(dtype)}`);
    this.allocate(state.shape, state.form, length, dtype);
    this.restoreArrays(state.arrays);
    return this;
  }

  /** Fills the freshly allocated buffers from an exported state's arrays (the reverse of `exportArrays`). */
  protected restoreArrays(arrays: Record<string, StateArray>): void {
    for (const [name, buffer] of Object.entries(this.buffers)) {
      const saved = arrays[name];
      if (!saved || saved.length !== buffer.length) {
        throw new RangeError(`${this.kind} state: array '${name}' should hold ${buffer.length} values, has ${saved?.length ?? 'none'}`);
      }
      // A float64 array into a float32 buffer would round it: the state's dtype is wrong.
      const view = buffer.view();
      if (saved.constructor !== view.constructor) {
        throw new TypeError(`${this.kind} state: array '${name}' is a ${saved.constructor.name}, a ${this.dtype} state holds a ${view.constructor.name}`);
      }
      view.set(saved);
    }
  }

  private disposeBuffers(): void {
    for (const buffer of Object.values(this.buffers)) buffer.dispose();
    this.buffers = {};
    this.shape = null;
    this.form = null;
    this.length = 0;
    this.dtype = 'f32';
  }

  override dispose(): void {
    this.disposeBuffers();
  }
}

export type { ArrayInput };
