// References for the radial profile (assembly/radial.ts): the bin map, the per-shot
// accumulation and the finish, by direct loops, and the whole profile built from them.
import { float32Data, type Vec } from './float32.js';

/** numpy.rint: round half to even. */
export function rintHalfEven(x: number): number {
  const lo = Math.floor(x);
  const diff = x - lo;
  if (diff < 0.5) return lo;
  if (diff > 0.5) return lo + 1;
  return lo % 2 === 0 ? lo : lo + 1;
}

/**
 * The bin of every element (C order): the squared distance from the centre summed over the
 * axes in axis order in float64, r = rint(os · sqrt(.)) (half to even). Default centre shape // 2.
 */
function radialBinMap(shape: number[], center?: Vec, os = 1): { map: Int32Array; bins: number } {
  const ndim = shape.length;
  const c = center ? Array.from(center) : shape.map((d) => Math.floor(d / 2));
  const total = shape.reduce((a, b) => a * b, 1);
  const map = new Int32Array(total);
  const index = new Array<number>(ndim).fill(0);
  let maxR = 0;
  for (let i = 0; i < total; i++) {
    let s = 0;
    for (let d = 0; d < ndim; d++) s += (index[d] - c[d]) * (index[d] - c[d]);
    const r = rintHalfEven(os * Math.sqrt(s));
    map[i] = r;
    if (r > maxR) maxR = r;
    for (let d = ndim - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { map, bins: maxR + 1 };
}

/**
 * Adds every non-NaN value into its bin, as radialAccumulate(F64) does: sums[r] += v,
 * counts[r] += 1 and, when given, squares[r] += v². Each bin's values are added in index
 * order; the kernel adds them in four interleaved partial sums, so float64 sums may differ
 * in the last bits (counts never do).
 */
export function radialAccumulate(x: Float32Array | Float64Array, map: Int32Array, sums: Float64Array, counts: Float64Array, squares?: Float64Array): void {
  // Two loops, so that the profile without std (what the bench times) tests nothing per value.
  if (squares) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v !== v) continue;
      const r = map[i];
      sums[r] += v;
      counts[r]++;
      squares[r] += v * v;
    }
  } else {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v !== v) continue;
      const r = map[i];
      sums[r] += v;
      counts[r]++;
    }
  }
}

/**
 * profile[r] = sums[r] / counts[r] (NaN where the count is 0), for r < profile.length, and
 * with `squares`, sqrt(<x²> − <x>²) written over them, as radialFinish does.
 */
export function radialFinish(sums: Float64Array, counts: Float64Array, profile: Float64Array, squares?: Float64Array): void {
  for (let r = 0; r < profile.length; r++) {
    const count = counts[r];
    const mean = count > 0 ? sums[r] / count : NaN;
    profile[r] = mean;
    if (squares) {
      const meanSq = count > 0 ? squares[r] / count : NaN;
      squares[r] = Math.sqrt(meanSq - mean * mean);
    }
  }
}

export interface RadialReference {
  rmap: Int32Array;
  profile: Float64Array;
  counts: Float64Array;
  std: Float64Array;
}

/** The radial profile with std of `data` (float32 unless a Float64Array), as radialProfile(data, shape, {center, os, calcStd}). */
export function radialRef(data: Vec, shape: number[], center?: Vec, os = 1): RadialReference {
  const { map, bins } = radialBinMap(shape, center, os);
  const sums = new Float64Array(bins);
  const counts = new Float64Array(bins);
  const std = new Float64Array(bins);
  const profile = new Float64Array(bins);
  radialAccumulate(float32Data(data), map, sums, counts, std);
  radialFinish(sums, counts, profile, std);
  return { rmap: map, profile, counts, std };
}
