// References for the per-image reductions and the detector correction (assembly/image.ts),
// by direct loops. Float32 data gives float32 results and float64 data float64 ones, with
// sums in float64 either way, as the kernels; plain arrays are taken as float32 data.
import { float32Data, type Vec } from './float32.js';

const f = Math.fround;

type Out<T extends Vec> = T extends Float64Array ? Float64Array : Float32Array;

function outputFor(x: Float32Array | Float64Array, length: number): Float32Array | Float64Array {
  return x instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/**
 * Mean (or sum) along axis 0 or 1 of a rows × cols image (reduceAxis0 / reduceAxis1), summed
 * in float64 in index order, stored in the data's type; into `out` when given. The kernels
 * sum two columns per SIMD lane pair, so a float64 sum may differ in its last bits and, once
 * rounded to float32, by one float32 step at most.
 */
export function reduceAxisRef<T extends Vec>(
  data: T,
  rows: number,
  cols: number,
  axis: 0 | 1,
  mean: boolean,
  out: Float32Array | Float64Array = outputFor(float32Data(data), axis === 1 ? rows : cols),
): Out<T> {
  const x = float32Data(data);
  if (axis === 1) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const start = r * cols;
      for (let c = 0; c < cols; c++) s += x[start + c];
      out[r] = mean ? s / cols : s;
    }
  } else {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * cols + c];
      out[c] = mean ? s / rows : s;
    }
  }
  return out as Out<T>;
}

/** Sum and non-NaN count over rows [r0, r1) × cols [c0, c1) in float64 (roiSum; NaN propagates unless skipNaN). */
export function roiRef(data: Vec, cols: number, roi: { rows: [number, number]; cols: [number, number] }, skipNaN: boolean): { sum: number; count: number; size: number } {
  const x = float32Data(data);
  let sum = 0;
  let count = 0;
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) {
      const v = x[r * cols + c];
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

/** Rows [r0, r1) × cols [c0, c1) of a rows × cols image, row-major (cropImage). */
export function cropRef<T extends Vec>(data: T, cols: number, roi: { rows: [number, number]; cols: [number, number] }): Out<T> {
  const x = float32Data(data);
  const w = roi.cols[1] - roi.cols[0];
  const out = outputFor(x, (roi.rows[1] - roi.rows[0]) * w);
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) out[(r - roi.rows[0]) * w + (c - roi.cols[0])] = x[r * cols + c];
  }
  return out as Out<T>;
}

/**
 * (raw − dark) × gain (correctImage / correctImageF64; no dark: raw × gain), into `out` when
 * given. On float32 data in float32, as NumPy on float32 arrays with a Python-float gain and
 * as the kernel's f32x4 arithmetic: the difference rounded to float32, the gain rounded to
 * float32, the product rounded to float32 (each float64 operation on float32 operands,
 * rounded once, is the float32 operation). On float64 data in float64.
 */
export function correctRef<T extends Vec>(raw: T, dark: Vec | null, gain: number, out?: Float32Array | Float64Array): Out<T> {
  const x = float32Data(raw);
  const o = out ?? outputFor(x, x.length);
  if (x instanceof Float64Array) {
    for (let i = 0; i < x.length; i++) o[i] = (dark ? x[i] - dark[i] : x[i]) * gain;
    return o as Out<T>;
  }
  const g = f(gain);
  if (dark) {
    const d = dark instanceof Float32Array ? dark : Float32Array.from(dark);
    for (let i = 0; i < x.length; i++) o[i] = f(f(x[i] - d[i]) * g);
  } else {
    for (let i = 0; i < x.length; i++) o[i] = f(x[i] * g);
  }
  return o as Out<T>;
}
