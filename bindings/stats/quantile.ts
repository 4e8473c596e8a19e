// CDFEstimator, QuantileEstimator, MedianEstimator: the P² estimator with m markers for
// every element of the input (kernel and reference in assembly/quantile.ts).
import { core, kernel } from '../core/wasm.js';
import { shaped, type NDArray, type Staged } from '../core/input.js';
import { ElementwiseAccumulator } from './accumulator.js';
import { gradient, interp } from '../core/numeric.js';
import type { Value } from './elementwise.js';

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

  protected bufferSpec(length: number) {
    const m = this.markers.length;
    return {
      heights: ['f64', length * m] as ['f64', number],
      positions: ['i32', length * m] as ['i32', number],
      desired: ['f64', m] as ['f64', number],
    };
  }

  protected override initBuffers(): void {
    // Markers not yet filled read as NaN.
    this.buffer('heights').fill(NaN);
    this.buffer('desired').set(this.markers);
    core.p2Init(this.buffer('positions').ptr, this.length, this.markers.length);
  }

  protected update(input: Staged): void {
    const m = this.markers.length;
    kernel('p2Update', input.dtype)(this.buffer('heights').ptr, this.buffer('positions').ptr, this.buffer('desired').ptr, input.ptr, this.length, m, this.count - 1);
  }

  protected mergeState(): void {
    throw new TypeError(this.notMergeableReason());
  }

  /** Element-major wasm state → marker-major arrays [m, ...shape]. */
  private markerMajor(name: 'heights' | 'positions', scale = 1): Float64Array {
    const m = this.markers.length;
    const state = this.buffer<'f64' | 'i32'>(name).view();
    const out = new Float64Array(m * this.length);
    for (let j = 0; j < this.length; j++) {
      for (let k = 0; k < m; k++) out[k * this.length + j] = state[j * m + k] * scale;
    }
    return out;
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
    const m = this.markers.length;
    const state = this.buffer<'f64'>('heights').view();
    const out = new Float64Array(this.length);
    for (let j = 0; j < this.length; j++) out[j] = state[j * m + k];
    return shaped(out, this.shape, this.form);
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
    const heights = this.buffer<'f64'>('heights').copy();
    const positions = this.buffer<'i32'>('positions').copy();
    const out = new Float64Array(this.length);
    const h = new Float64Array(m);
    const q = new Float64Array(m);
    for (let j = 0; j < this.length; j++) {
      for (let k = 0; k < m; k++) {
        h[k] = heights[j * m + k];
        q[k] = positions[j * m + k] / (this.count - 1);
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

