// Counting kernels: fixed-bin histogram (NumPy's rules), strict range counter, noise cut.
// Each reads float32 data; its twin `…F64` float64 data, with NumPy's rules for float64.

import { valuesPerV128, vsplat, vlt, joinMasks } from './lanes';

/**
 * Histogram of `length` float32 values into `bins` equal bins over [lo, hi], with NumPy's
 * rules (numpy.histogram with `range`, float32 input): values outside [lo, hi] and NaN are
 * ignored, bins are half-open [e_i, e_i+1) except the last, which includes hi. The bin of
 * a value is the one its float32 `edges` (bins + 1 values, numpy.linspace(lo, hi, bins + 1)
 * in float32) say, exactly as NumPy settles it.
 *
 * `norm` is bins / (hi − lo) of the range as given (before float32 rounding), as NumPy
 * computes it; the estimate (v − lo) × norm is then taken in float32, as NumPy does for
 * float32 data.
 *
 * Four values at a time: the bin is estimated by scaling (SIMD); only when a value lies
 * within `margin` bins of an edge, where the estimate could be off by one, is it settled
 * against the edges one by one. `margin` (from the caller) covers the rounding of the
 * estimate and of the edges.
 *
 * A group of four values that all lie below the first bin's upper edge, or are NaN (the
 * background of a detector image: mostly below the range or in its first bin), is counted by
 * two comparisons with the edges, exact without any estimate; on such images this is 4× faster
 * than the general path, whose scattered increments wait on each other.
 *
 * Counts are added to `counts` (u32 × bins). `lanes` is scratch (u32 × 4·(bins + 1)): each
 * of the four values of a group counts in its own copy, so increments of the same bin do
 * not wait on each other; out-of-range values count in an extra bin that is dropped.
 */
export function histogramAccumulate(x: usize, length: i32, edges: usize, bins: i32, norm: f32, counts: usize, lanes: usize, margin: f32): void {
  histogramOf<f32>(x, length, edges, bins, norm, counts, lanes, margin);
}

/**
 * The same for float64 values with NumPy's rules for float64 input: float64 `edges`
 * (numpy.linspace(lo, hi, bins + 1)), the estimate (v − lo) × norm in float64.
 */
export function histogramAccumulateF64(x: usize, length: i32, edges: usize, bins: i32, norm: f64, counts: usize, lanes: usize, margin: f64): void {
  histogramOf<f64>(x, length, edges, bins, norm, counts, lanes, margin);
}

@inline function histogramOf<T>(x: usize, length: i32, edges: usize, bins: i32, norm: T, counts: usize, lanes: usize, margin: T): void {
  const lo = load<T>(edges);
  const hi = load<T>(edges + (<usize>bins << alignof<T>()));
  const stride = <usize>(bins + 1) << 2;
  memory.fill(lanes, 0, stride << 2);
  const lane0 = lanes;
  const lane1 = lanes + stride;
  const lane2 = lanes + 2 * stride;
  const lane3 = lanes + 3 * stride;
  const lov = vsplat<T>(lo);
  const hiv = vsplat<T>(hi);
  const normv = vsplat<T>(norm);
  const lastv = i32x4.splat(bins - 1);
  const dropv = i32x4.splat(bins);
  const lowMargin = vsplat<T>(margin);
  const highMargin = vsplat<T>(<T>1 - margin);
  // Detector images are mostly background: below the range or in its first bin. A group whose
  // values all lie below the first bin's upper edge (or are NaN) is counted by comparisons
  // with the edges alone, in a vector of counts of bin 0.
  const firstEdgev = vsplat<T>(load<T>(edges, sizeof<T>()));
  let firstBin = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    if (sizeof<T>() == 4) {
      const v = v128.load(x + (<usize>i << 2));
      if (!v128.any_true(f32x4.ge(v, firstEdgev))) {
        firstBin = i32x4.sub(firstBin, f32x4.ge(v, lov));
        continue;
      }
    } else {
      const a = v128.load(x + (<usize>i << 3));
      const b = v128.load(x + (<usize>i << 3), 16);
      if (!v128.any_true(v128.or(f64x2.ge(a, firstEdgev), f64x2.ge(b, firstEdgev)))) {
        firstBin = i32x4.sub(firstBin, joinMasks(f64x2.ge(a, lov), f64x2.ge(b, lov)));
        continue;
      }
    }
    // Per value of the group (i32x4): inside [lo, hi], the estimated bin, near an edge.
    let inside: v128;
    let k: v128;
    let nearEdge: v128;
    if (sizeof<T>() == 4) {
      const v = v128.load(x + (<usize>i << 2));
      inside = v128.and(f32x4.ge(v, lov), f32x4.le(v, hiv));
      const scaled = f32x4.mul(f32x4.sub(v, lov), normv);
      k = i32x4.min_s(i32x4.trunc_sat_f32x4_s(scaled), lastv);
      const fraction = f32x4.sub(scaled, f32x4.convert_i32x4_s(k));
      nearEdge = v128.or(f32x4.lt(fraction, lowMargin), f32x4.gt(fraction, highMargin));
    } else {
      const a = v128.load(x + (<usize>i << 3));
      const b = v128.load(x + (<usize>i << 3), 16);
      inside = joinMasks(v128.and(f64x2.ge(a, lov), f64x2.le(a, hiv)), v128.and(f64x2.ge(b, lov), f64x2.le(b, hiv)));
      const scaledA = f64x2.mul(f64x2.sub(a, lov), normv);
      const scaledB = f64x2.mul(f64x2.sub(b, lov), normv);
      const kA = i32x4.min_s(i32x4.trunc_sat_f64x2_s_zero(scaledA), lastv);
      const kB = i32x4.min_s(i32x4.trunc_sat_f64x2_s_zero(scaledB), lastv);
      k = i32x4.shuffle(kA, kB, 0, 1, 4, 5);
      const fractionA = f64x2.sub(scaledA, f64x2.convert_low_i32x4_s(kA));
      const fractionB = f64x2.sub(scaledB, f64x2.convert_low_i32x4_s(kB));
      nearEdge = joinMasks(
        v128.or(f64x2.lt(fractionA, lowMargin), f64x2.gt(fractionA, highMargin)),
        v128.or(f64x2.lt(fractionB, lowMargin), f64x2.gt(fractionB, highMargin)),
      );
    }
    if (v128.any_true(v128.and(nearEdge, inside))) {
      countExact<T>(load<T>(x + (<usize>i << alignof<T>())), edges, bins, norm, lane0);
      countExact<T>(load<T>(x + (<usize>(i + 1) << alignof<T>())), edges, bins, norm, lane1);
      countExact<T>(load<T>(x + (<usize>(i + 2) << alignof<T>())), edges, bins, norm, lane2);
      countExact<T>(load<T>(x + (<usize>(i + 3) << alignof<T>())), edges, bins, norm, lane3);
      continue;
    }
    const bin = v128.bitselect(k, dropv, inside);
    increment(lane0, i32x4.extract_lane(bin, 0));
    increment(lane1, i32x4.extract_lane(bin, 1));
    increment(lane2, i32x4.extract_lane(bin, 2));
    increment(lane3, i32x4.extract_lane(bin, 3));
  }
  for (; i < length; i++) countExact<T>(load<T>(x + (<usize>i << alignof<T>())), edges, bins, norm, lane0);
  store<u32>(
    lane0,
    load<u32>(lane0) +
      <u32>(i32x4.extract_lane(firstBin, 0) + i32x4.extract_lane(firstBin, 1) + i32x4.extract_lane(firstBin, 2) + i32x4.extract_lane(firstBin, 3)),
  );
  for (let k = 0; k < bins; k++) {
    const offset = <usize>k << 2;
    const total = load<u32>(lane0 + offset) + load<u32>(lane1 + offset) + load<u32>(lane2 + offset) + load<u32>(lane3 + offset);
    store<u32>(counts + offset, load<u32>(counts + offset) + total);
  }
}

@inline function increment(lane: usize, bin: i32): void {
  const p = lane + (<usize>bin << 2);
  store<u32>(p, load<u32>(p) + 1);
}

/** One value, binned as NumPy does: estimate in T, then one step either way by the edges. */
@inline function countExact<T>(v: T, edges: usize, bins: i32, norm: T, lane: usize): void {
  const lo = load<T>(edges);
  const hi = load<T>(edges + (<usize>bins << alignof<T>()));
  // NaN fails both comparisons.
  if (!(v >= lo && v <= hi)) return;
  const last = bins - 1;
  let k = <i32>((v - lo) * norm);
  if (k > last) k = last;
  if (v < load<T>(edges + (<usize>k << alignof<T>()))) k--;
  else if (k != last && v >= load<T>(edges + (<usize>(k + 1) << alignof<T>()))) k++;
  increment(lane, k);
}

/** Number of values with low < v < high (strict; NaN never counts), compared in float32. */
export function rangeCount(x: usize, length: i32, low: f32, high: f32): f64 {
  return rangeCountOf<f32>(x, length, low, high);
}

/** The same for float64 values, compared in float64. */
export function rangeCountF64(x: usize, length: i32, low: f64, high: f64): f64 {
  return rangeCountOf<f64>(x, length, low, high);
}

@inline function rangeCountOf<T>(x: usize, length: i32, low: T, high: T): f64 {
  const lowv = vsplat<T>(low);
  const highv = vsplat<T>(high);
  let total: f64 = 0;
  let i = 0;
  // Lane counters are i32: flush them before they could overflow.
  while (i + 4 <= length) {
    let acc = i32x4.splat(0);
    const end = min(length - 3, i + (1 << 28));
    for (; i < end; i += 4) {
      let inside: v128;
      if (sizeof<T>() == 4) {
        const v = v128.load(x + (<usize>i << 2));
        inside = v128.and(f32x4.gt(v, lowv), f32x4.lt(v, highv));
      } else {
        const a = v128.load(x + (<usize>i << 3));
        const b = v128.load(x + (<usize>i << 3), 16);
        inside = joinMasks(v128.and(f64x2.gt(a, lowv), f64x2.lt(a, highv)), v128.and(f64x2.gt(b, lowv), f64x2.lt(b, highv)));
      }
      acc = i32x4.sub(acc, inside);
    }
    total += <f64>(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1)) + <f64>(i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  }
  for (; i < length; i++) {
    const v = load<T>(x + (<usize>i << alignof<T>()));
    if (v > low && v < high) total += 1;
  }
  return total;
}

/** out = v < threshold ? fill : v, elementwise on float32 (NaN stays NaN). `out` may equal `x`. */
export function noiseCut(x: usize, out: usize, length: i32, threshold: f32, fill: f32): void {
  noiseCutOf<f32>(x, out, length, threshold, fill);
}

/** The same on float64. */
export function noiseCutF64(x: usize, out: usize, length: i32, threshold: f64, fill: f64): void {
  noiseCutOf<f64>(x, out, length, threshold, fill);
}

@inline function noiseCutOf<T>(x: usize, out: usize, length: i32, threshold: T, fill: T): void {
  const thresholdv = vsplat<T>(threshold);
  const fillv = vsplat<T>(fill);
  const step = valuesPerV128<T>();
  let i = 0;
  for (; i + step <= length; i += step) {
    const v = v128.load(x + (<usize>i << alignof<T>()));
    v128.store(out + (<usize>i << alignof<T>()), v128.bitselect(fillv, v, vlt<T>(v, thresholdv)));
  }
  for (; i < length; i++) {
    const v = load<T>(x + (<usize>i << alignof<T>()));
    store<T>(out + (<usize>i << alignof<T>()), v < threshold ? fill : v);
  }
}
