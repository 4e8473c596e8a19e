// Radial profile around a centre (kernels in assembly/radial.ts). The bin map depends only
// on (shape, centre, os), so RadialProfiler computes it once and reuses it for every shot;
// a map computed elsewhere (e.g. from detector geometry) can be given instead.
import { core, kernel, f64, WasmArray } from '../core/wasm.js';
import { stage, checkShape, sameShape, formatShape } from '../core/input.js';

export interface RadialOptions {
  /** One coordinate per dimension, may be fractional; default shape // 2. */
  center?: ArrayLike<number>;
  /** Oversampling: bins are 1/os pixels wide. Default 1. */
  os?: number;
}

export interface RadialProfile {
  /** Mean of the non-NaN values at each r = 0 .. max r (NaN where there are none). */
  profile: Float64Array;
  /** sqrt(<x²> − <x>²) per r, when asked for with calcStd. */
  std?: Float64Array;
  /** Number of non-NaN values at each r. */
  counts: Float64Array;
}

function resolveCenter(shape: number[], center: ArrayLike<number> | undefined): Float64Array {
  if (center === undefined) return Float64Array.from(shape, (d) => Math.floor(d / 2));
  if (center.length !== shape.length) {
    throw new RangeError(`radialProfile: center has ${center.length} value(s) but the data has ${shape.length} dimension(s) (shape [${shape.join(', ')}])`);
  }
  const c = Float64Array.from(center);
  if (c.some((v) => !Number.isFinite(v))) throw new RangeError(`radialProfile: center must be finite, got [${Array.from(c).join(', ')}]`);
  return c;
}

function checkProfileShape(shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`radialProfile: shape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

export class RadialProfiler {
  readonly shape: number[];
  /** The centre and oversampling the bin map was computed for (null for a given map). */
  readonly center: Float64Array | null;
  readonly os: number | null;
  /** Number of radius bins (max r + 1). */
  readonly bins: number;
  readonly length: number;
  /**
   * The bin of every element as the kernel reads it: elements without a bin (a negative entry
   * of a given map) go to an extra bin `bins`, summed and never reported, so that the per-shot
   * pass needs no test.
   */
  #map: WasmArray<'i32'>;
  #unbinned: boolean;
  #sums: WasmArray<'f64'>;
  #counts: WasmArray<'f64'>;
  #squares: WasmArray<'f64'>;
  #profile: WasmArray<'f64'>;
  #lanes: WasmArray<'f64'>;

  constructor(shape: number[], options: RadialOptions | { binMap: Int32Array } = {}) {
    this.shape = checkProfileShape(shape);
    this.length = this.shape.reduce((a, b) => a * b, 1);
    if ('binMap' in options) {
      const map = options.binMap;
      if (!(map instanceof Int32Array)) throw new TypeError(`RadialProfiler.fromBinMap: the bin map must be an Int32Array, got ${(map as object)?.constructor?.name ?? typeof map}`);
      checkShape(this.shape, map.length, 'RadialProfiler.fromBinMap');
      let maxBin = -1;
      let unbinned = false;
      for (let i = 0; i < map.length; i++) {
        const r = map[i];
        if (r > maxBin) maxBin = r;
        if (r < 0) unbinned = true;
      }
      this.center = null;
      this.os = null;
      this.bins = maxBin + 1;
      this.#unbinned = unbinned;
      this.#map = new WasmArray('i32', this.length).set(this.#unbinned ? map.map((r) => (r < 0 ? this.bins : r)) : map);
    } else {
      const { center, os = 1 } = options;
      if (!(typeof os === 'number' && os > 0 && Number.isFinite(os))) throw new RangeError(`radialProfile: os must be a positive number, got ${os}`);
      this.center = resolveCenter(this.shape, center);
      this.os = os;
      this.#unbinned = false;
      this.#map = new WasmArray('i32', this.length);
      const shapeBuffer = new WasmArray('i32', this.shape.length).set(this.shape);
      const centerBuffer = new WasmArray('f64', this.shape.length).set(this.center);
      try {
        this.bins = core.radialBinMap(this.#map.ptr, shapeBuffer.ptr, centerBuffer.ptr, this.shape.length, os) + 1;
      } finally {
        shapeBuffer.dispose();
        centerBuffer.dispose();
      }
    }
    const kernelBins = this.#kernelBins;
    this.#sums = new WasmArray('f64', kernelBins);
    this.#counts = new WasmArray('f64', kernelBins);
    this.#squares = new WasmArray('f64', kernelBins);
    this.#profile = new WasmArray('f64', this.bins);
    this.#lanes = new WasmArray('f64', 12 * kernelBins);
  }

  /**
   * A profiler for a precomputed bin map of `shape` (one radius bin per element, C order;
   * bins = max + 1; a negative entry puts its element in no bin).
   */
  static fromBinMap(map: Int32Array, shape: number[]): RadialProfiler {
    return new RadialProfiler(shape, { binMap: map });
  }

  get #kernelBins(): number {
    return this.#unbinned ? this.bins + 1 : this.bins;
  }

  /** The radius bin of every element (a copy; −1 for elements in no bin). */
  binMap(): Int32Array {
    const map = this.#map.copy();
    return this.#unbinned ? map.map((r) => (r === this.bins ? -1 : r)) : map;
  }

  /** The profile of one array of this shape (flat data, a {data, shape} or float32/float64 wasm data). */
  profile(data: unknown, { calcStd = false }: { calcStd?: boolean } = {}): RadialProfile {
    const input = stage(data, 'radialProfile');
    if (input.form === 'ndarray' ? !sameShape(input.shape, this.shape) : input.length !== this.length) {
      const given = input.form === 'ndarray' ? `has shape ${formatShape(input.shape)}` : `has ${input.length} values`;
      throw new RangeError(`radialProfile: data ${given} but the profiler is for shape ${formatShape(this.shape)} (${this.length} values)`);
    }
    this.#sums.fill(0);
    this.#counts.fill(0);
    this.#squares.fill(0);
    const squares = calcStd ? this.#squares.ptr : 0;
    kernel('radialAccumulate', input.dtype)(input.ptr, this.#map.ptr, this.length, this.#kernelBins, this.#sums.ptr, this.#counts.ptr, squares, this.#lanes.ptr);
    core.radialFinish(this.#sums.ptr, this.#counts.ptr, squares, this.bins, this.#profile.ptr);
    const result: RadialProfile = { profile: this.#profile.copy(), counts: f64(this.#counts.ptr, this.bins).slice() };
    if (calcStd) result.std = f64(this.#squares.ptr, this.bins).slice();
    return result;
  }

  dispose(): void {
    for (const buffer of [this.#map, this.#sums, this.#counts, this.#squares, this.#profile, this.#lanes]) buffer.dispose();
  }
}

// A few recent bin maps, so that calling radialProfile shot after shot reuses its map.
const recent: { key: string; profiler: RadialProfiler }[] = [];
const RECENT = 4;

/**
 * Radial profile of an N-dimensional array: r = rint(os · |index − center|) (half to even),
 * then the mean of the non-NaN values at each r. With `calcStd`, also the std per r.
 */
export function radialProfile(data: unknown, shape: number[], options: RadialOptions & { calcStd?: boolean } = {}): RadialProfile {
  const given = data as { length?: number; shape?: unknown };
  if (typeof given?.length === 'number') checkShape(shape, given.length, 'radialProfile');
  if (Array.isArray(given?.shape) && !sameShape(given.shape, shape)) {
    throw new RangeError(`radialProfile: data has shape ${formatShape(given.shape)} but shape ${formatShape(shape)} was given`);
  }
  const center = resolveCenter(shape, options.center);
  const key = JSON.stringify([shape, Array.from(center), options.os ?? 1]);
  let entry = recent.find((e) => e.key === key);
  if (!entry) {
    entry = { key, profiler: new RadialProfiler(shape, { center, os: options.os }) };
    recent.unshift(entry);
    if (recent.length > RECENT) recent.pop()!.profiler.dispose();
  }
  return entry.profiler.profile(data, { calcStd: options.calcStd });
}
