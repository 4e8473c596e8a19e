// References for the counting kernels (assembly/histogram.ts): fixed-bin histogram, strict
// range count, noise cut. Float32 data follows NumPy's rules for float32 arrays, float64
// data NumPy's rules for float64 ones, as the kernels and their …F64 versions do.
import { float32Data, numpyBound32, type Vec } from './float32.js';

/** numpy.linspace(lo, hi, count) in float64: k * ((hi - lo) / (count - 1)) + lo, last = hi. */
export function linspaceRef(lo: number, hi: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = (hi - lo) / (count - 1);
  for (let k = 0; k < count; k++) out[k] = k * step + lo;
  out[count - 1] = hi;
  return out;
}

/**
 * Adds the histogram of x to `counts` (bins = counts.length) as numpy.histogram bins with a
 * range, and as histogramAccumulate(F64) takes it: `edges` (bins + 1, float32 for float32
 * data, float64 for float64 data) and norm = bins / (hi − lo) of the range as given. The bin
 * is estimated as trunc((v − lo)·norm) in the data's precision (float32: lo and norm rounded
 * to float32, as NumPy's value-based casting does), then moved by at most one bin so that
 * edges[k] ≤ v < edges[k + 1]; the last bin includes hi; NaN and values outside are skipped.
 * The kernel does the same, scaling four values at a time and checking the edges only near one.
 */
export function histogramAccumulate(x: Float32Array | Float64Array, edges: Float32Array | Float64Array, norm: number, counts: Uint32Array): void {
  const bins = counts.length;
  const last = bins - 1;
  const lo = edges[0];
  const hi = edges[bins];
  // Two loops rather than a rounding function per value: the bench times this.
  if (x instanceof Float64Array) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!(v >= lo && v <= hi)) continue;
      let k = Math.min(Math.trunc((v - lo) * norm), last);
      if (v < edges[k]) k--;
      else if (k !== last && v >= edges[k + 1]) k++;
      counts[k]++;
    }
  } else {
    const norm32 = Math.fround(norm);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!(v >= lo && v <= hi)) continue;
      let k = Math.min(Math.trunc(Math.fround(Math.fround(v - lo) * norm32)), last);
      if (v < edges[k]) k--;
      else if (k !== last && v >= edges[k + 1]) k++;
      counts[k]++;
    }
  }
}

/**
 * numpy.histogram(x, bins, (lo, hi)) of float32 data (plain arrays are rounded to float32;
 * Float64Array data is binned as float64): edges linspace(lo, hi, bins + 1), rounded to
 * float32 for float32 data; lo == hi is widened by 0.5 on each side.
 */
export function histogramRef(values: Vec, bins: number, range: [number, number]): number[] {
  let [lo, hi] = range;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const x = float32Data(values);
  const edges64 = linspaceRef(lo, hi, bins + 1);
  const counts = new Uint32Array(bins);
  histogramAccumulate(x, x instanceof Float64Array ? edges64 : Float32Array.from(edges64), bins / (hi - lo), counts);
  return Array.from(counts);
}

/**
 * Number of values with low < v < high (rangeCount / rangeCountF64): float32 data against
 * the bounds as NumPy compares them with float32 arrays (numpyBound32), float64 data
 * against the bounds as given; NaN never counts.
 */
export function rangeCountRef(values: Vec, low: number, high: number): number {
  const x = float32Data(values);
  const lo = x instanceof Float64Array ? low : numpyBound32(low);
  const hi = x instanceof Float64Array ? high : numpyBound32(high);
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v > lo && v < hi) n++;
  }
  return n;
}

/**
 * out[i] = v < threshold ? fill : v (noiseCut / noiseCutF64), the threshold compared as
 * rangeCountRef compares bounds, fill stored in out's type; NaN stays NaN. Writes into `out`
 * (of the data's type) when given, as the kernel does, else into a new array.
 */
export function noiseCutRef<T extends Float32Array | Float64Array>(values: Vec, threshold: number, fill: number, out?: T): T {
  const x = float32Data(values);
  const t = x instanceof Float64Array ? threshold : numpyBound32(threshold);
  const o = out ?? ((x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length)) as T);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    o[i] = v < t ? fill : v;
  }
  return o;
}
