// Histogrammer (fixed equal bins, NumPy's rules) and RangeCounter (strict range count).
import { core, WasmArray } from '../core/wasm.js';
import { stage } from '../core/input.js';
import { linspace } from '../core/numeric.js';

/**
 * How close (in bins) to an edge a value must be for the kernel to check it against the
 * edges: a bound on the rounding (unit roundoff `eps`) of the scaled estimate and of the
 * edges, in bins, with a factor 8 to spare.
 */
function edgeMargin(eps: number, bins: number, lo: number, hi: number): number {
  return 8 * eps * (bins + (Math.max(Math.abs(lo), Math.abs(hi)) * bins) / (hi - lo));
}

/** The range NumPy bins over: an empty range is widened by 0.5 on each side. */
function binRange([lo, hi]: [number, number]): [number, number] {
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** The centres of `bins` equal bins over `range` (from numpy.linspace's edges), as a Histogrammer bins. */
export function histogramCenters(bins: number, range: [number, number]): Float64Array {
  const [lo, hi] = binRange(range);
  const e = linspace(lo, hi, bins + 1);
  return Float64Array.from({ length: bins }, (_, i) => (e[i] + e[i + 1]) / 2);
}

/**
 * Counts of an array in `bins` equal bins over `range` = [lo, hi], exactly as
 * `numpy.histogram(x, bins, range)`: values outside and NaN are ignored, the last bin
 * includes hi. Float32 data is binned against the float32 edges NumPy uses for float32
 * input, float64 data against the float64 edges (numpy.linspace), as NumPy does for each.
 */
/** The most bins whose lanes (4 × (bins + 1) uint32) fit the largest block of the kernel's allocator (1 GiB − 16). */
const MAX_BINS = (2 ** 30 - 16) / 16 - 1;

export class Histogrammer {
  readonly bins: number;
  readonly range: [number, number];
  #edges32: WasmArray<'f32'>;
  #edges64: WasmArray<'f64'>;
  #counts: WasmArray<'u32'>;
  #lanes: WasmArray<'u32'>;
  #margin32: number;
  #margin64: number;

  constructor(bins: number, range: [number, number]) {
    if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError(`Histogrammer: bins must be an integer ≥ 1, got ${bins}`);
    // Refused before its edges are computed: the kernel's allocator would abort on the lanes anyway.
    if (bins > MAX_BINS) throw new RangeError(`Histogrammer: bins must be ≤ ${MAX_BINS.toLocaleString('en-US')} (4 lanes of counts per edge in one wasm buffer of at most 1 GiB), got ${bins}`);
    if (!Array.isArray(range) || range.length !== 2) throw new TypeError(`Histogrammer: range must be [lo, hi], got ${JSON.stringify(range)}`);
    if (!(Number.isFinite(range[0]) && Number.isFinite(range[1])) || range[0] > range[1]) {
      throw new RangeError(`Histogrammer: range must be finite with lo ≤ hi, got [${range[0]}, ${range[1]}]`);
    }
    const [lo, hi] = binRange(range);
    this.bins = bins;
    this.range = [lo, hi];
    const edges = linspace(lo, hi, bins + 1);
    this.#edges32 = new WasmArray('f32', bins + 1).set(edges);
    this.#edges64 = new WasmArray('f64', bins + 1).set(edges);
    this.#counts = new WasmArray('u32', bins);
    this.#lanes = new WasmArray('u32', 4 * (bins + 1));
    // Capped at 0.5, every float32 value is checked against the edges but one whose estimate
    // lies exactly halfway between two; capped at 1, every float64 value is.
    this.#margin32 = Math.min(0.5, edgeMargin(2 ** -24, bins, lo, hi));
    this.#margin64 = Math.min(1, edgeMargin(2 ** -53, bins, lo, hi));
  }

  /** The bins + 1 edges (float64, as numpy.linspace(lo, hi, bins + 1)). */
  edges(): Float64Array {
    return linspace(this.range[0], this.range[1], this.bins + 1);
  }

  /** The bin centres. */
  centers(): Float64Array {
    return histogramCenters(this.bins, this.range);
  }

  /** Counts of one array (a number, typed array, {data, shape} or float32/float64 wasm array). */
  histogram(x: unknown): Uint32Array {
    this.histogramInWasm(x);
    return this.#counts.copy();
  }

  /** Like `histogram`, leaving the counts in wasm memory (valid until the next call). */
  histogramInWasm(x: unknown): WasmArray<'u32'> {
    const input = stage(x, 'Histogrammer.histogram');
    this.#counts.fill(0);
    const norm = this.bins / (this.range[1] - this.range[0]);
    if (input.dtype === 'f64') {
      core.histogramAccumulateF64(input.ptr, input.length, this.#edges64.ptr, this.bins, norm, this.#counts.ptr, this.#lanes.ptr, this.#margin64);
    } else {
      core.histogramAccumulate(input.ptr, input.length, this.#edges32.ptr, this.bins, norm, this.#counts.ptr, this.#lanes.ptr, this.#margin32);
    }
    return this.#counts;
  }

  dispose(): void {
    this.#edges32.dispose();
    this.#edges64.dispose();
    this.#counts.dispose();
    this.#lanes.dispose();
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A bound as NumPy compares it with float32 data: rounded to float32, unless it lies beyond
 * the float32 range, where NumPy compares in float64 and it acts as ±∞.
 */
export function float32Bound(x: number): number {
  return Math.abs(x) > FLOAT32_MAX ? Math.sign(x) * Infinity : x;
}

/**
 * Number of elements with low < v < high (strict; NaN never counts), compared as NumPy does:
 * for float32 data with the bounds as `float32Bound` gives them, for float64 data as they are.
 */
export class RangeCounter {
  readonly low: number;
  readonly high: number;

  constructor(low = -Infinity, high = Infinity) {
    if (typeof low !== 'number' || typeof high !== 'number' || low !== low || high !== high) {
      throw new TypeError(`RangeCounter: low and high must be numbers, got ${low}, ${high}`);
    }
    this.low = low;
    this.high = high;
  }

  /** The count in one array (a number, typed array, {data, shape} or float32/float64 wasm array). */
  count(x: unknown): number {
    const input = stage(x, 'RangeCounter.count');
    if (input.dtype === 'f64') return core.rangeCountF64(input.ptr, input.length, this.low, this.high);
    return core.rangeCount(input.ptr, input.length, float32Bound(this.low), float32Bound(this.high));
  }
}

