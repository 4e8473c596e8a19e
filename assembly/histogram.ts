// Counting kernels: fixed-bin histogram (NumPy's rules), strict range counter, noise cut.

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
 * Counts are added to `counts` (u32 × bins). `lanes` is scratch (u32 × 4·(bins + 1)): each
 * of the four values of a group counts in its own copy, so increments of the same bin do
 * not wait on each other; out-of-range values count in an extra bin that is dropped.
 */
export function histogramAccumulate(x: usize, length: i32, edges: usize, bins: i32, norm: f32, counts: usize, lanes: usize, margin: f32): void {
  const lo = load<f32>(edges);
  const hi = load<f32>(edges + (<usize>bins << 2));
  const stride = <usize>(bins + 1) << 2;
  memory.fill(lanes, 0, stride << 2);
  const lane0 = lanes;
  const lane1 = lanes + stride;
  const lane2 = lanes + 2 * stride;
  const lane3 = lanes + 3 * stride;
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  const normv = f32x4.splat(norm);
  const lastv = i32x4.splat(bins - 1);
  const dropv = i32x4.splat(bins);
  const lowMargin = f32x4.splat(margin);
  const highMargin = f32x4.splat(<f32>1 - margin);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const inside = v128.and(f32x4.ge(v, lov), f32x4.le(v, hiv));
    const scaled = f32x4.mul(f32x4.sub(v, lov), normv);
    const k = i32x4.min_s(i32x4.trunc_sat_f32x4_s(scaled), lastv);
    const fraction = f32x4.sub(scaled, f32x4.convert_i32x4_s(k));
    const nearEdge = v128.or(f32x4.lt(fraction, lowMargin), f32x4.gt(fraction, highMargin));
    if (v128.any_true(v128.and(nearEdge, inside))) {
      countExact(load<f32>(x + (<usize>i << 2)), edges, bins, norm, lane0);
      countExact(load<f32>(x + (<usize>(i + 1) << 2)), edges, bins, norm, lane1);
      countExact(load<f32>(x + (<usize>(i + 2) << 2)), edges, bins, norm, lane2);
      countExact(load<f32>(x + (<usize>(i + 3) << 2)), edges, bins, norm, lane3);
      continue;
    }
    const bin = v128.bitselect(k, dropv, inside);
    increment(lane0, i32x4.extract_lane(bin, 0));
    increment(lane1, i32x4.extract_lane(bin, 1));
    increment(lane2, i32x4.extract_lane(bin, 2));
    increment(lane3, i32x4.extract_lane(bin, 3));
  }
  for (; i < length; i++) countExact(load<f32>(x + (<usize>i << 2)), edges, bins, norm, lane0);
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

/** One value, binned as NumPy does: float32 estimate, then one step either way by the edges. */
@inline function countExact(v: f32, edges: usize, bins: i32, norm: f32, lane: usize): void {
  const lo = load<f32>(edges);
  const hi = load<f32>(edges + (<usize>bins << 2));
  // NaN fails both comparisons.
  if (!(v >= lo && v <= hi)) return;
  const last = bins - 1;
  let k = <i32>((v - lo) * norm);
  if (k > last) k = last;
  if (v < load<f32>(edges + (<usize>k << 2))) k--;
  else if (k != last && v >= load<f32>(edges + (<usize>(k + 1) << 2))) k++;
  increment(lane, k);
}

/** Number of values with low < v < high (strict; NaN never counts), compared in float32. */
export function rangeCount(x: usize, length: i32, low: f32, high: f32): f64 {
  const lowv = f32x4.splat(low);
  const highv = f32x4.splat(high);
  let total: f64 = 0;
  let i = 0;
  // Lane counters are i32: flush them before they could overflow.
  while (i + 4 <= length) {
    let acc = i32x4.splat(0);
    const end = min(length - 3, i + (1 << 28));
    for (; i < end; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const inside = v128.and(f32x4.gt(v, lowv), f32x4.lt(v, highv));
      acc = i32x4.sub(acc, inside);
    }
    total += <f64>(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1)) + <f64>(i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  }
  for (; i < length; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > low && v < high) total += 1;
  }
  return total;
}

/** out = v < threshold ? fill : v, elementwise (NaN stays NaN). `out` may equal `x`. */
export function noiseCut(x: usize, out: usize, length: i32, threshold: f32, fill: f32): void {
  const thresholdv = f32x4.splat(threshold);
  const fillv = f32x4.splat(fill);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    v128.store(out + (<usize>i << 2), v128.bitselect(fillv, v, f32x4.lt(v, thresholdv)));
  }
  for (; i < length; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v < threshold ? fill : v);
  }
}
