// The per-shot transforms of an output chain (docs/config.md, "outputs"). Each step keeps its
// output buffer in wasm memory for the whole run, so a shot flows through the chain without
// an allocation or a copy out of wasm; the arithmetic is the kernels'.
import { core, WasmArray } from '../core/wasm.js';
import { formatShape, sameShape } from '../core/input.js';
import { Histogrammer, RangeCounter, float32Bound } from '../stats/histogram.js';
import { RadialProfiler } from '../image/radialProfile.js';
import type { TransformConfig } from './config.js';

/** One shot's value at some point of a chain: a number, or an array in wasm memory. */
export type ShotValue = number | WasmImage;

export interface WasmImage {
  data: WasmArray<'f32'>;
  shape: number[];
}

export interface Step {
  apply(input: ShotValue): ShotValue;
  dispose(): void;
}

export const isImage = (v: ShotValue): v is WasmImage => typeof v !== 'number';

const describe = (v: ShotValue) => (isImage(v) ? `an array of shape ${formatShape(v.shape)}` : 'a number');

/** A step whose output buffer is sized on the first shot and checked on every later one. */
abstract class BufferedStep implements Step {
  protected out: WasmImage | null = null;
  protected inputShape: number[] | null = null;

  constructor(protected readonly name: string) {}

  protected image(input: ShotValue): WasmImage {
    if (!isImage(input)) throw new TypeError(`${this.name}: expected an array, got a number`);
    if (this.inputShape === null) this.inputShape = [...input.shape];
    else if (!sameShape(this.inputShape, input.shape)) {
      throw new RangeError(`${this.name}: the input changed shape from ${formatShape(this.inputShape)} to ${formatShape(input.shape)}`);
    }
    return input;
  }

  protected output(shape: number[]): WasmImage {
    if (!this.out) this.out = { data: new WasmArray('f32', shape.reduce((a, b) => a * b, 1)), shape };
    return this.out;
  }

  abstract apply(input: ShotValue): ShotValue;

  dispose(): void {
    this.out?.data.dispose();
    this.out = null;
  }
}

class NoiseCutStep extends BufferedStep {
  constructor(private readonly threshold: number, private readonly fill: number) {
    super('noiseCut');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const out = this.output(x.shape);
    core.noiseCut(x.data.ptr, out.data.ptr, x.data.length, float32Bound(this.threshold), this.fill);
    return out;
  }
}

class RoiStep extends BufferedStep {
  constructor(private readonly rows: [number, number], private readonly cols: [number, number]) {
    super('roi');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const [r0, r1] = this.rows;
    const [c0, c1] = this.cols;
    if (x.shape.length !== 2 || r1 > x.shape[0] || c1 > x.shape[1]) {
      throw new RangeError(`roi: rows [${r0}, ${r1}) × cols [${c0}, ${c1}) do not fit ${describe(x)}`);
    }
    const out = this.output([r1 - r0, c1 - c0]);
    core.cropImage(x.data.ptr, x.shape[1], r0, r1, c0, c1, out.data.ptr);
    return out;
  }
}

class AxisStep extends BufferedStep {
  #scratch: WasmArray<'f64'> | null = null;
  constructor(private readonly axis: 0 | 1, private readonly mean: boolean) {
    super(mean ? 'meanAlongAxis' : 'sumAlongAxis');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    if (x.shape.length !== 2) throw new RangeError(`${this.name}: expected a 2-D image, got ${describe(x)}`);
    const [rows, cols] = x.shape;
    if (this.axis === 1) {
      const out = this.output([rows]);
      core.reduceAxis1(x.data.ptr, rows, cols, out.data.ptr, this.mean);
      return out;
    }
    const out = this.output([cols]);
    this.#scratch ??= new WasmArray('f64', cols);
    core.reduceAxis0(x.data.ptr, rows, cols, out.data.ptr, this.#scratch.ptr, this.mean);
    return out;
  }
  override dispose(): void {
    this.#scratch?.dispose();
    this.#scratch = null;
    super.dispose();
  }
}

class HistogramStep extends BufferedStep {
  readonly histogrammer: Histogrammer;
  constructor(bins: number, range: [number, number]) {
    super('histogram');
    this.histogrammer = new Histogrammer(bins, range);
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const counts = this.histogrammer.histogramInWasm(x.data);
    const out = this.output([this.histogrammer.bins]);
    core.countsToFloat(counts.ptr, out.data.ptr, this.histogrammer.bins);
    return out;
  }
  override dispose(): void {
    this.histogrammer.dispose();
    super.dispose();
  }
}

class RadialStep extends BufferedStep {
  #profiler: RadialProfiler | null = null;
  constructor(private readonly center: number[] | null, private readonly os: number) {
    super('radialProfile');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    this.#profiler ??= new RadialProfiler(x.shape, { center: this.center ?? undefined, os: this.os });
    const { profile } = this.#profiler.profile(x);
    const out = this.output([profile.length]);
    out.data.set(profile);
    return out;
  }
  override dispose(): void {
    this.#profiler?.dispose();
    this.#profiler = null;
    super.dispose();
  }
}

class RangeCountStep extends BufferedStep {
  private readonly counter: RangeCounter;
  constructor(low: number, high: number) {
    super('rangeCount');
    this.counter = new RangeCounter(low, high);
  }
  apply(input: ShotValue): ShotValue {
    return this.counter.count(this.image(input).data);
  }
}

class SumStep extends BufferedStep {
  constructor(private readonly skipNaN: boolean, private readonly mean: boolean) {
    super(mean ? 'mean' : 'sum');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const n = x.data.length;
    const total = core.roiSum(x.data.ptr, n, 0, 1, 0, n, this.skipNaN);
    if (!this.mean) return total;
    return total / (this.skipNaN ? n - core.countNaN(x.data.ptr, n) : n);
  }
}

/** The step for one transform of a chain (validated, defaults filled in, by the config loader). */
export function makeStep(spec: TransformConfig): Step {
  if ('noiseCut' in spec) return new NoiseCutStep(spec.noiseCut.threshold, spec.noiseCut.fill);
  if ('roi' in spec) return new RoiStep(spec.roi.rows, spec.roi.cols);
  if ('meanAlongAxis' in spec) return new AxisStep(spec.meanAlongAxis.axis, true);
  if ('sumAlongAxis' in spec) return new AxisStep(spec.sumAlongAxis.axis, false);
  if ('histogram' in spec) return new HistogramStep(spec.histogram.bins, spec.histogram.range);
  if ('radialProfile' in spec) return new RadialStep(spec.radialProfile.center, spec.radialProfile.os);
  if ('rangeCount' in spec) return new RangeCountStep(spec.rangeCount.low, spec.rangeCount.high);
  if ('sum' in spec) return new SumStep(spec.sum.nan !== 'propagate', false);
  if ('mean' in spec) return new SumStep(spec.mean.nan !== 'propagate', true);
  throw new TypeError(`unknown transform ${JSON.stringify(spec)}`);
}

/** Runs a chain once on a finished value (an output's `after`), returning a plain copy. */
export function applyOnce(
  specs: readonly TransformConfig[],
  value: { data: ArrayLike<number>; shape: number[] } | number,
): { data: Float32Array; shape: number[] } | number {
  let current: ShotValue;
  let owned: WasmArray<'f32'> | null = null;
  if (typeof value === 'number') current = value;
  else {
    owned = new WasmArray('f32', value.data.length).set(value.data);
    current = { data: owned, shape: value.shape };
  }
  const steps = specs.map(makeStep);
  try {
    for (const step of steps) current = step.apply(current);
    return isImage(current) ? { data: current.data.copy(), shape: [...current.shape] } : current;
  } finally {
    for (const step of steps) step.dispose();
    owned?.dispose();
  }
}
