// Plain-TypeScript reference implementations for the image/calculator tests. They are
// written straight from docs/seed-semantics.md (and NumPy's rules for float32 arrays),
// deliberately simple (direct loops, no SIMD tricks, no shared code with bindings/), so
// that the tests compare the wasm kernels with something computed independently.

const f = Math.fround;

/** numpy.rint: round half to even. */
export function rintHalfEven(x: number): number {
  const lo = Math.floor(x);
  const diff = x - lo;
  if (diff < 0.5) return lo;
  if (diff > 0.5) return lo + 1;
  return lo % 2 === 0 ? lo : lo + 1;
}

/** numpy.linspace(lo, hi, count) in float64: k * ((hi - lo) / (count - 1)) + lo, last = hi. */
export function linspaceRef(lo: number, hi: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = (hi - lo) / (count - 1);
  for (let k = 0; k < count; k++) out[k] = k * step + lo;
  out[count - 1] = hi;
  return out;
}

/**
 * numpy.histogram(x, bins, (lo, hi)) for a float32 array x, by plain edge comparison:
 * the edges are linspace(lo, hi, bins + 1) rounded to float32 (what NumPy uses for
 * float32 input), bin k = [e_k, e_k+1), the last bin closed, values outside and NaN
 * ignored; lo == hi is widened by 0.5 on each side. Values are rounded to float32 first.
 */
export function histogramRef(values: ArrayLike<number>, bins: number, range: [number, number]): number[] {
  let [lo, hi] = range;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from(linspaceRef(lo, hi, bins + 1), f);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = f(values[i]);
    if (Number.isNaN(v) || v < edges[0] || v > edges[bins]) continue;
    // largest k with edges[k] <= v (binary search), the last bin takes v == hi
    let a = 0;
    let b = bins;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (edges[m] <= v) a = m;
      else b = m;
    }
    counts[a]++;
  }
  return counts;
}

const F32_MAX = 3.4028234663852886e38;

/**
 * How NumPy 1.24 compares a float32 array with a Python-float bound (value-based casting):
 * in float32 (bound rounded) when the bound fits the float32 range (or is ±Inf), in float64
 * otherwise.
 */
export const numpyBound32 = (b: number): number => (Math.abs(b) <= F32_MAX || !Number.isFinite(b) ? f(b) : b);

/** Number of float32 values with low < v < high, with NumPy 1.24's float32-array comparison rules. */
export function rangeCountRef(values: ArrayLike<number>, low: number, high: number): number {
  const lo = numpyBound32(low);
  const hi = numpyBound32(high);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = f(values[i]);
    if (v > lo && v < hi) n++;
  }
  return n;
}

/** img[img < threshold] = fill on a float32 copy (threshold compared as NumPy does, fill as float32). */
export function noiseCutRef(values: ArrayLike<number>, threshold: number, fill: number): Float32Array {
  const t = numpyBound32(threshold);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = f(values[i]);
    out[i] = v < t ? fill : v;
  }
  return out;
}

export interface RadialReference {
  rmap: Int32Array;
  profile: Float64Array;
  counts: Float64Array;
  std: Float64Array;
  /** Per-bin sums of the non-NaN values (float64). */
  sums: Float64Array;
}

/**
 * The radial profile by direct loops: for every element (C order), the squared distance
 * is summed over the axes in axis order in float64, r = rint(os · sqrt(.)) (half to even);
 * per r the mean of the non-NaN values (NaN when there are none) and sqrt(<x²> − <x>²).
 */
export function radialRef(data: ArrayLike<number>, shape: number[], center?: ArrayLike<number>, os = 1): RadialReference {
  const ndim = shape.length;
  const c = center ? Array.from(center) : shape.map((d) => Math.floor(d / 2));
  const total = shape.reduce((a, b) => a * b, 1);
  const rmap = new Int32Array(total);
  const index = new Array<number>(ndim).fill(0);
  let maxR = 0;
  for (let i = 0; i < total; i++) {
    let s = 0;
    for (let d = 0; d < ndim; d++) s += (index[d] - c[d]) * (index[d] - c[d]);
    const r = rintHalfEven(os * Math.sqrt(s));
    rmap[i] = r;
    if (r > maxR) maxR = r;
    // advance the C-order multi-index
    for (let d = ndim - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  const bins = maxR + 1;
  const sums = new Float64Array(bins);
  const squares = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < total; i++) {
    const v = f(data[i]);
    if (Number.isNaN(v)) continue;
    sums[rmap[i]] += v;
    squares[rmap[i]] += v * v;
    counts[rmap[i]] += 1;
  }
  const profile = new Float64Array(bins);
  const std = new Float64Array(bins);
  for (let r = 0; r < bins; r++) {
    if (counts[r] === 0) {
      profile[r] = NaN;
      std[r] = NaN;
      continue;
    }
    const mean = sums[r] / counts[r];
    profile[r] = mean;
    std[r] = Math.sqrt(squares[r] / counts[r] - mean * mean);
  }
  return { rmap, profile, counts, std, sums };
}

/** Mean (or sum) along axis 0 or 1 of a rows × cols float32 image, summed in float64 in index order, rounded to float32. */
export function reduceAxisRef(data: ArrayLike<number>, rows: number, cols: number, axis: 0 | 1, mean: boolean): Float32Array {
  if (axis === 1) {
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += f(data[r * cols + c]);
      out[r] = mean ? s / cols : s;
    }
    return out;
  }
  const out = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += f(data[r * cols + c]);
    out[c] = mean ? s / rows : s;
  }
  return out;
}

/** Sum and non-NaN count over rows [r0, r1) × cols [c0, c1) in float64. */
export function roiRef(
  data: ArrayLike<number>,
  cols: number,
  roi: { rows: [number, number]; cols: [number, number] },
  skipNaN: boolean,
): { sum: number; count: number; size: number } {
  let sum = 0;
  let count = 0;
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) {
      const v = f(data[r * cols + c]);
      if (Number.isNaN(v)) {
        if (!skipNaN) sum += v;
        continue;
      }
      sum += v;
      count++;
    }
  }
  return { sum, count, size: (roi.rows[1] - roi.rows[0]) * (roi.cols[1] - roi.cols[0]) };
}

/** Rows [r0, r1) × cols [c0, c1) of a rows × cols image, row-major. */
export function cropRef(data: ArrayLike<number>, cols: number, roi: { rows: [number, number]; cols: [number, number] }): Float32Array {
  const w = roi.cols[1] - roi.cols[0];
  const out = new Float32Array((roi.rows[1] - roi.rows[0]) * w);
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) out[(r - roi.rows[0]) * w + (c - roi.cols[0])] = data[r * cols + c];
  }
  return out;
}

/**
 * (raw − dark) × gain as NumPy computes it on float32 arrays with a Python-float gain:
 * the subtraction in float32, the gain cast to float32, the product rounded to float32.
 */
export function correctRef(raw: ArrayLike<number>, dark: ArrayLike<number> | null, gain: number): Float32Array {
  const g = f(gain);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const d = dark ? f(f(raw[i]) - f(dark[i])) : f(raw[i]);
    out[i] = f(d * g);
  }
  return out;
}

/** The next float32 above x (x a finite float32). */
export function nextUp32(x: number): number {
  const b = new Float32Array([x]);
  const u = new Int32Array(b.buffer);
  if (x === 0) return 1.401298464324817e-45;
  u[0] += x > 0 ? 1 : -1;
  return b[0];
}

/** The next float32 below x (x a finite float32). */
export function nextDown32(x: number): number {
  return -nextUp32(-x);
}

/** Relative (or absolute near zero) closeness check; NaN matches NaN. Returns the first mismatch index or -1. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      return i;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= Math.max(abs, rel * Math.abs(e)))) return i;
  }
  return -1;
}
