// CDFEstimator, QuantileEstimator, MedianEstimator: the P² estimator with m markers for
// every element of the input (the kernel and its state layout: assembly/quantile.ts).
import { core, kernel, inputBuffer, typedView, f64, i32, type DataType, type WasmArray } from '../core/wasm.js';
import { shaped, stagedView, type NDArray, type Staged } from '../core/input.js';
import { ElementwiseAccumulator, type AccumulatorState, type StateArray } from './accumulator.js';
import { gradient, interp } from '../core/numeric.js';
import type { Value } from './elementwise.js';

/**
 * Objects collected before the kernel runs: it then takes each block of the state through
 * all of them while the block is in cache, instead of streaming the whole state (56 B per
 * element for the median) through memory once per object. Costs BUFFERED copies of an
 * object (32 MB for a 1024×1024 float32 image, 64 MB float64).
 */
const BUFFERED = 8;
/** Below this many elements the state stays in cache anyway (≤ 1 MB for m = 5): objects go in one by one. */
const BUFFER_FROM = 1 << 14;

/** Per-marker arrays: Float64Array(m) for scalar input, else {data, shape: [m, ...shape]}. */
export type MarkerValue = Float64Array | NDArray<Float64Array>;

function desiredMarkers(points: number | ArrayLike<number>): Float64Array {
  if (typeof points === 'number') {
    if (!Number.isInteger(points) || points < 3) throw new RangeError(`CDFEstimator: points must be an integer ≥ 3 (markers), got ${points}`);
    // As numpy.linspace(0, 1, points).
    const q = new Float64Array(points);
    const step = 1 / (points - 1);
    for (let i = 0; i < points; i++) q[i] = i * step;
    q[points - 1] = 1;
    return q;
  }
  const q = Float64Array.from(points as ArrayLike<number>).sort();
  if (q.length < 3) throw new RangeError(`CDFEstimator: need at least 3 markers, got ${q.length}`);
  if (q[0] !== 0 || q[q.length - 1] !== 1) {
    throw new RangeError(`CDFEstimator: marker list must start with 0 and end with 1, got [${Array.from(q).join(', ')}]`);
  }
  if (q.some((v) => !Number.isFinite(v))) throw new RangeError('CDFEstimator: markers must be finite numbers');
  return q;
}

/**
 * P² estimate of the CDF of every element, with `points` markers (a count: evenly spaced
 * from 0 to 1; or an explicit sorted list from 0 to 1). `value` = `cdf` = [heights, q_actual].
 */
export class CDFEstimator<V = [MarkerValue, MarkerValue] | null> extends ElementwiseAccumulator<V> {
  readonly kind: string = 'CDFEstimator';
  /** The desired marker fractions q. */
  readonly markers: Float64Array;

  constructor(points: number | ArrayLike<number>) {
    super();
    this.markers = desiredMarkers(points);
  }

  protected override params() {
    return { markers: Array.from(this.markers) };
  }

  protected override readonly mergeable = false;
  protected override notMergeableReason(): string {
    return `${this.kind} cannot be merged: the P² estimator has no merge rule`;
  }

  /** Objects copied into the `objects` buffer and not yet applied to the state. */
  #pending = 0;
  /** Objects applied to the state (`n` − pending): the kernel's n. */
  #applied = 0;

  protected bufferSpec(length: number, dtype: DataType) {
    const m = this.markers.length;
    const spec: Record<string, ['f64' | DataType, number]> = {
      // Heights and positions in the kernel's blocked layout (f64 words; positions are i32 within).
      state: ['f64', core.p2StateWords(length, m)],
      desired: ['f64', m],
    };
    // Copies of pending objects, in the state's data type (promoted with it).
    if (length >= BUFFER_FROM) spec.objects = [dtype, BUFFERED * length];
    return spec;
  }

  protected override initBuffers(): void {
    this.buffer('desired').set(this.markers);
    core.p2Init(this.buffer('state').ptr, this.length, this.markers.length);
  }

  protected update(input: Staged): void {
    const objects = this.buffers.objects as WasmArray<DataType> | undefined;
    if (!objects) {
      this.apply(input.dtype, input.ptr, 1);
      return;
    }
    // A copy, never the caller's array: it may change before the flush. Float32 objects of a
    // float64 state are converted (exactly) on the way.
    const offset = objects.ptr + this.#pending * this.length * (objects.dtype === 'f64' ? 8 : 4);
    typedView(objects.dtype, offset, this.length).set(stagedView(input));
    if (++this.#pending === BUFFERED) this.flush();
  }

  /** Runs the kernel over `count` objects at `ptr`. */
  private apply(dtype: DataType, ptr: number, count: number): void {
    const m = this.markers.length;
    kernel('p2Update', dtype)(this.buffer('state').ptr, this.buffer('desired').ptr, ptr, count, this.length, m, this.#applied);
    this.#applied += count;
  }

  /** Applies the pending objects: every getter and `exportState()` see all objects accumulated. */
  private flush(): void {
    if (this.#pending === 0) return;
    const objects = this.buffer<DataType>('objects');
    const count = this.#pending;
    this.#pending = 0;
    this.apply(objects.dtype, objects.ptr, count);
  }

  protected mergeState(): void {
    throw new TypeError(this.notMergeableReason());
  }

  /**
   * Marker k of every element, as views of the shared scratch buffer (valid until the next
   * wasm allocation): heights (float64) and positions (int32).
   */
  private readMarker(k: number): { heights: Float64Array; positions: Int32Array } {
    this.flush();
    const L = this.length;
    const scratch = inputBuffer(L + Math.ceil(L / 2), 'f64');
    const positions = scratch.ptr + 8 * L;
    core.p2Get(this.buffer('state').ptr, L, this.markers.length, k, scratch.ptr, positions);
    return { heights: f64(scratch.ptr, L), positions: i32(positions, L) };
  }

  /** Marker-major arrays [m, ...shape] of the heights or of the positions × scale. */
  private markerMajor(name: 'heights' | 'positions', scale = 1): Float64Array {
    const m = this.markers.length;
    const L = this.length;
    const out = new Float64Array(m * L);
    for (let k = 0; k < m; k++) {
      const marker = this.readMarker(k);
      if (name === 'heights') out.set(marker.heights, k * L);
      else for (let j = 0; j < L; j++) out[k * L + j] = marker.positions[j] * scale;
    }
    return out;
  }

  /** The state as marker-major arrays (heights f64 [m, ...shape], positions i32 [m, ...shape]): independent of the kernel's layout. */
  protected override exportArrays(): Record<string, StateArray> {
    if (this.shape === null) return {};
    const m = this.markers.length;
    const L = this.length;
    const heights = new Float64Array(m * L);
    const positions = new Int32Array(m * L);
    for (let k = 0; k < m; k++) {
      const marker = this.readMarker(k);
      heights.set(marker.heights, k * L);
      positions.set(marker.positions, k * L);
    }
    return { heights, positions, desired: this.buffer('desired').copy() as Float64Array };
  }

  protected override restoreArrays(arrays: Record<string, StateArray>): void {
    const m = this.markers.length;
    const L = this.length;
    const expect = (name: string, type: typeof Float64Array | typeof Int32Array, length: number): StateArray => {
      const saved = arrays[name];
      if (!saved || saved.length !== length) throw new RangeError(`${this.kind} state: array '${name}' should hold ${length} values, has ${saved?.length ?? 'none'}`);
      if (saved.constructor !== type) throw new TypeError(`${this.kind} state: array '${name}' is a ${saved.constructor.name}, should be a ${type.name}`);
      return saved;
    };
    const heights = expect('heights', Float64Array, m * L);
    const positions = expect('positions', Int32Array, m * L);
    this.buffer('desired').set(expect('desired', Float64Array, m));
    const scratch = inputBuffer(L + Math.ceil(L / 2), 'f64');
    const positionsPtr = scratch.ptr + 8 * L;
    for (let k = 0; k < m; k++) {
      f64(scratch.ptr, L).set(heights.subarray(k * L, (k + 1) * L));
      i32(positionsPtr, L).set(positions.subarray(k * L, (k + 1) * L));
      core.p2Set(this.buffer('state').ptr, L, m, k, scratch.ptr, positionsPtr);
    }
  }

  /** Pending objects belong to the state being replaced: they are dropped. */
  override restoreFrom(state: AccumulatorState): this {
    this.#pending = 0;
    super.restoreFrom(state);
    this.#applied = this.count;
    return this;
  }

  override dispose(): void {
    this.#pending = 0;
    this.#applied = 0;
    super.dispose();
  }

  private markerValue(values: Float64Array): MarkerValue {
    if (this.form === 'scalar') return values;
    return { data: values, shape: [this.markers.length, ...this.shape!] };
  }

  /** Marker heights, [m, ...shape]. */
  get heights(): MarkerValue | null {
    return this.count === 0 ? null : this.markerValue(this.markerMajor('heights'));
  }

  /** Actual marker fractions p/(n−1), [m, ...shape]. */
  get q_actual(): MarkerValue | null {
    return this.count === 0 ? null : this.markerValue(this.markerMajor('positions', 1 / (this.count - 1)));
  }

  /** [heights, q_actual]. */
  get cdf(): [MarkerValue, MarkerValue] | null {
    if (this.count === 0) return null;
    return [this.heights!, this.q_actual!];
  }

  /** [q_actual, heights]. */
  get quantile(): [MarkerValue, MarkerValue] | null {
    if (this.count === 0) return null;
    return [this.q_actual!, this.heights!];
  }

  get value(): V {
    return this.cdf as V;
  }

  /** Height of marker k of every element, in the input's form. */
  protected marker(k: number): Value<Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    return shaped(this.readMarker(k).heights.slice(), this.shape, this.form);
  }

  get min(): Value<Float64Array> {
    return this.marker(0);
  }

  get max(): Value<Float64Array> {
    return this.marker(this.markers.length - 1);
  }

  /** Per element: f(heights of that element, q_actual of that element). */
  private perElement(f: (h: Float64Array, q: Float64Array) => number): Value<Float64Array> {
    if (this.count === 0 || !this.shape || !this.form) return null;
    const m = this.markers.length;
    const L = this.length;
    const heights = this.markerMajor('heights');
    const positions = this.markerMajor('positions');
    const out = new Float64Array(L);
    const h = new Float64Array(m);
    const q = new Float64Array(m);
    for (let j = 0; j < L; j++) {
      for (let k = 0; k < m; k++) {
        h[k] = heights[k * L + j];
        q[k] = positions[k * L + j] / (this.count - 1);
      }
      out[j] = f(h, q);
    }
    return shaped(out, this.shape, this.form);
  }

  /** The quantile at which value `v` lies, per element (linear interpolation of the CDF). */
  cdf_interp(v: number): Value<Float64Array> {
    return this.perElement((h, q) => interp(v, h, q));
  }

  /** The value at quantile `q`, per element (linear interpolation of the inverse CDF). */
  quantile_interp(q: number): Value<Float64Array> {
    return this.perElement((h, qa) => interp(q, qa, h));
  }

  /** [heights, gradient(q_actual)/gradient(heights)]: the derivative of the CDF. */
  get pdf(): [MarkerValue, MarkerValue] | null {
    if (this.count === 0) return null;
    const m = this.markers.length;
    const heights = this.markerMajor('heights');
    const q = this.markerMajor('positions', 1 / (this.count - 1));
    const density = new Float64Array(m * this.length);
    const h = new Float64Array(m);
    const p = new Float64Array(m);
    for (let j = 0; j < this.length; j++) {
      for (let k = 0; k < m; k++) {
        h[k] = heights[k * this.length + j];
        p[k] = q[k * this.length + j];
      }
      const dq = gradient(p);
      const dh = gradient(h);
      for (let k = 0; k < m; k++) density[k * this.length + j] = dq[k] / dh[k];
    }
    return [this.markerValue(heights), this.markerValue(density)];
  }

}

/** P² estimate of the p-quantile: markers [0, p/2, p, (1+p)/2, 1]; `value` = third marker. */
export class QuantileEstimator extends CDFEstimator<Value<Float64Array>> {
  override readonly kind: string = 'QuantileEstimator';
  readonly p: number;

  constructor(p: number) {
    if (!(typeof p === 'number' && p > 0 && p < 1)) throw new RangeError(`QuantileEstimator: p must be in (0, 1), got ${p}`);
    super([0, 0.5 * p, p, 0.5 * (p + 1), 1]);
    this.p = p;
  }

  override get value(): Value<Float64Array> {
    return this.marker(2);
  }
}

/** QuantileEstimator(0.5). */
export class MedianEstimator extends QuantileEstimator {
  override readonly kind = 'MedianEstimator';
  constructor() {
    super(0.5);
  }
}

