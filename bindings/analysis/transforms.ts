// The per-shot transforms of an output chain (docs/config.md, "outputs"). Each step keeps its
// output buffer in wasm memory for the whole run, so a shot flows through the chain without
// an allocation or a copy out of wasm; the arithmetic is the kernels'. Images stay in the
// arithmetic they came in: float32, or float64 for float64 data (never rounded to float32).
import { core, WasmArray } from '../core/wasm.js';
import { formatShape, sameShape } from '../core/input.js';
import { Histogrammer, RangeCounter, float32Bound } from '../stats/histogram.js';
import { RadialProfiler } from '../image/radialProfile.js';
import type { DetectorGeometry } from '../image/geometry.js';
import type { TransformConfig } from './config.js';

export type Dtype = 'f32' | 'f64';

/** One shot's value at some point of a chain: a number, or an array in wasm memory. */
export type ShotValue = number | WasmImage;

export interface WasmImage {
  data: WasmArray<'f32'> | WasmArray<'f64'>;
  shape: number[];
}

/** What a chain's steps may need to know about the detector the chain starts from. */
export interface ChainContext {
  /** Where the detector's pixels lie (null: the file has no geometry for its sensors). */
  geometry?: () => DetectorGeometry | null;
  /** Bad-pixel masks by file path (loaded with the run): 1 = masked. */
  masks?: Record<string, { data: Uint8Array; shape: number[] }>;
  /** The chain's source, for messages ("the detector side_ccd"). */
  what?: string;
}

export interface Step {
  apply(input: ShotValue): ShotValue;
  dispose(): void;
}

export const isImage = (v: ShotValue): v is WasmImage => typeof v !== 'number';

const describe = (v: ShotValue) => (isImage(v) ? `an array of shape ${formatShape(v.shape)}` : 'a number');

const newArray = (dtype: Dtype, length: number) => (dtype === 'f64' ? new WasmArray('f64', length) : new WasmArray('f32', length));

/** The kernel for the data's arithmetic: `name` for float32, `nameF64` for float64. */
const kernel = (name: string, dtype: Dtype): ((...args: number[]) => number) => core[dtype === 'f64' ? `${name}F64` : name];

/** A bound compared with float32 data as NumPy does (rounded to float32), or float64 data (as is). */
const bound = (x: number, dtype: Dtype) => (dtype === 'f64' ? x : float32Bound(x));

/** A step whose output buffer is sized on the first shot and checked on every later one. */
abstract class BufferedStep implements Step {
  protected out: WasmImage | null = null;
  protected inputShape: number[] | null = null;
  protected inputDtype: Dtype | null = null;

  constructor(protected readonly name: string) {}

  protected image(input: ShotValue): WasmImage {
    if (!isImage(input)) throw new TypeError(`${this.name}: expected an array, got a number`);
    if (this.inputShape === null) {
      this.inputShape = [...input.shape];
      this.inputDtype = input.data.dtype;
    } else if (!sameShape(this.inputShape, input.shape) || this.inputDtype !== input.data.dtype) {
      throw new RangeError(`${this.name}: the input changed from ${formatShape(this.inputShape)} ${this.inputDtype} to ${formatShape(input.shape)} ${input.data.dtype}`);
    }
    return input;
  }

  protected output(shape: number[], dtype: Dtype): WasmImage {
    if (!this.out) this.out = { data: newArray(dtype, shape.reduce((a, b) => a * b, 1)), shape };
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
    const dtype = x.data.dtype;
    const out = this.output(x.shape, dtype);
    kernel('noiseCut', dtype)(x.data.ptr, out.data.ptr, x.data.length, bound(this.threshold, dtype), this.fill);
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
    const out = this.output([r1 - r0, c1 - c0], x.data.dtype);
    kernel('cropImage', x.data.dtype)(x.data.ptr, x.shape[1], r0, r1, c0, c1, out.data.ptr);
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
    const dtype = x.data.dtype;
    if (this.axis === 1) {
      const out = this.output([rows], dtype);
      kernel('reduceAxis1', dtype)(x.data.ptr, rows, cols, out.data.ptr, this.mean ? 1 : 0);
      return out;
    }
    const out = this.output([cols], dtype);
    this.#scratch ??= new WasmArray('f64', cols);
    kernel('reduceAxis0', dtype)(x.data.ptr, rows, cols, out.data.ptr, this.#scratch.ptr, this.mean ? 1 : 0);
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
    // Counts are integers below 2^24 (images have fewer pixels): exact in float32.
    const out = this.output([this.histogrammer.bins], 'f32');
    core.countsToFloat(counts.ptr, out.data.ptr, this.histogrammer.bins);
    return out;
  }
  override dispose(): void {
    this.histogrammer.dispose();
    super.dispose();
  }
}

/**
 * The radial profile (float64): of a 2-D image about its index centre, as the original's
 * radial_profile; of a stack of sensors with geometry, in real pixel positions (picture
 * pixels of the assembled image) about a centre in pixels or µm.
 */
class RadialStep extends BufferedStep {
  #profiler: RadialProfiler | null = null;
  constructor(
    private readonly center: number[] | null,
    private readonly centerUm: number[] | null,
    private readonly os: number,
    private readonly context: ChainContext,
  ) {
    super('radialProfile');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    this.#profiler ??= this.profiler(x.shape);
    const { profile } = this.#profiler.profile(x);
    const out = this.output([profile.length], 'f64');
    out.data.set(profile);
    return out;
  }
  private profiler(shape: number[]): RadialProfiler {
    if (shape.length === 2 && !this.centerUm) return new RadialProfiler(shape, { center: this.center ?? undefined, os: this.os });
    const geometry = this.context.geometry?.() ?? null;
    if (!geometry || geometry.size !== shape.reduce((a, b) => a * b, 1)) {
      throw new RangeError(
        `radialProfile: an array of shape ${formatShape(shape)} (${this.context.what ?? 'this source'}) needs the sensors' geometry ` +
          '(detector_coordinate_in_micro_meter, detector_rotation_angle_in_degree in detector_info), which the run file does not hold',
      );
    }
    const centre = geometry.center(this.center, this.centerUm);
    const [rows, cols] = geometry.shape;
    if (!(centre[0] >= 0 && centre[0] <= rows - 1 && centre[1] >= 0 && centre[1] <= cols - 1)) {
      throw new RangeError(`radialProfile: the centre [${centre.map((c) => +c.toFixed(2))}] (row, col) lies outside the assembled picture [${rows}, ${cols}]`);
    }
    return RadialProfiler.fromBinMap(geometry.radialBinMap(centre, this.os), shape);
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
    const dtype = x.data.dtype;
    const total = kernel('roiSum', dtype)(x.data.ptr, n, 0, 1, 0, n, this.skipNaN ? 1 : 0);
    if (!this.mean) return total;
    return total / (this.skipNaN ? n - kernel('countNaN', dtype)(x.data.ptr, n) : n);
  }
}

/**
 * Places each pixel by a map of the output's cells (an index into the input, or −1 for NaN):
 * assembling a detector's sensors into one picture, or masking bad pixels.
 */
abstract class GatherStep extends BufferedStep {
  #map: WasmArray<'i32'> | null = null;
  #shape: number[] | null = null;
  protected abstract map(shape: number[]): { map: Int32Array; shape: number[] };
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    if (!this.#map) {
      const { map, shape } = this.map(x.shape);
      this.#map = new WasmArray('i32', map.length).set(map);
      this.#shape = shape;
    }
    const out = this.output(this.#shape!, x.data.dtype);
    kernel('gather', x.data.dtype)(x.data.ptr, this.#map.ptr, out.data.ptr, this.#map.length);
    return out;
  }
  override dispose(): void {
    this.#map?.dispose();
    this.#map = null;
    super.dispose();
  }
}

class AssembleStep extends GatherStep {
  constructor(private readonly context: ChainContext) {
    super('assemble');
  }
  protected map(shape: number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const geometry = this.context.geometry?.() ?? null;
    if (!geometry) {
      if (shape.length === 2) return { map: Int32Array.from({ length: size }, (_, i) => i), shape };
      throw new RangeError(
        `assemble: ${this.context.what ?? 'the input'} has ${shape[0]} sensors but the run file holds no geometry for them ` +
          '(detector_coordinate_in_micro_meter, detector_rotation_angle_in_degree in detector_info)',
      );
    }
    if (geometry.size !== size) throw new RangeError(`assemble: expected the detector's own pixels (${geometry.size}), got an array of shape ${formatShape(shape)}`);
    return { map: geometry.assemblyMap(), shape: [...geometry.shape] };
  }
}

class MaskStep extends GatherStep {
  constructor(private readonly file: string, private readonly context: ChainContext) {
    super('mask');
  }
  protected map(shape: number[]) {
    const mask = this.context.masks?.[this.file];
    if (!mask) throw new RangeError(`mask: ${this.file} was not loaded with the run`);
    if (!sameShape(mask.shape, shape)) {
      throw new RangeError(`mask: ${this.file} has shape ${formatShape(mask.shape)} but ${this.context.what ?? 'the input'} is ${formatShape(shape)}`);
    }
    return { map: Int32Array.from(mask.data, (masked, i) => (masked ? -1 : i)), shape };
  }
}

/** The step for one transform of a chain (validated, defaults filled in, by the config loader). */
export function makeStep(spec: TransformConfig, context: ChainContext = {}): Step {
  if ('noiseCut' in spec) return new NoiseCutStep(spec.noiseCut.threshold, spec.noiseCut.fill);
  if ('roi' in spec) return new RoiStep(spec.roi.rows, spec.roi.cols);
  if ('meanAlongAxis' in spec) return new AxisStep(spec.meanAlongAxis.axis, true);
  if ('sumAlongAxis' in spec) return new AxisStep(spec.sumAlongAxis.axis, false);
  if ('histogram' in spec) return new HistogramStep(spec.histogram.bins, spec.histogram.range);
  if ('radialProfile' in spec) return new RadialStep(spec.radialProfile.center, spec.radialProfile.centerUm, spec.radialProfile.os, context);
  if ('rangeCount' in spec) return new RangeCountStep(spec.rangeCount.low, spec.rangeCount.high);
  if ('sum' in spec) return new SumStep(spec.sum.nan !== 'propagate', false);
  if ('mean' in spec) return new SumStep(spec.mean.nan !== 'propagate', true);
  if ('assemble' in spec) return new AssembleStep(context);
  if ('mask' in spec) return new MaskStep(spec.mask.file, context);
  throw new TypeError(`unknown transform ${JSON.stringify(spec)}`);
}

/** Runs a chain once on a finished value (an output's `after`), returning a plain copy. */
export function applyOnce(
  specs: readonly TransformConfig[],
  value: { data: Float32Array | Float64Array | Int32Array; shape: number[] } | number,
  context: ChainContext = {},
): { data: Float32Array | Float64Array; shape: number[] } | number {
  let current: ShotValue;
  let owned: WasmArray<'f32'> | WasmArray<'f64'> | null = null;
  if (typeof value === 'number') current = value;
  else {
    owned = newArray(value.data instanceof Float32Array ? 'f32' : 'f64', value.data.length).set(value.data);
    current = { data: owned, shape: value.shape };
  }
  const steps = specs.map((s) => makeStep(s, context));
  try {
    for (const step of steps) current = step.apply(current);
    return isImage(current) ? { data: current.data.copy(), shape: [...current.shape] } : current;
  } finally {
    for (const step of steps) step.dispose();
    owned?.dispose();
  }
}
