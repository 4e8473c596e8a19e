// The P² estimator with m markers, applied independently to every element of the input.
//
// see: R. Jain and I. Chlamtac, "The P² algorithm for dynamic calculation of quantiles and
//      histograms without storing observations", Comm. ACM 28 (1985) 1076,
//      doi:10.1145/4372.4378 — generalised to m markers exactly as the original
//      (generatorpipeline's CDFEstimator, docs/seed-semantics.md) does it.
//
// State, element-major so that one element's markers share a cache line:
//   heights   f64 × (length·m)   marker heights h[0..m−1] of each element
//   positions i32 × (length·m)   marker positions p[0..m−1] of each element
//   desired   f64 × m            desired fractions q[0..m−1] (shared)
// `n` is the number of objects seen before this one (the same for every element).
// `p2Update` reads float32 objects, `p2UpdateF64` float64 ones; the state is the same.

/** Must be called once on fresh state: p[k] = k for every element. */
export function p2Init(positions: usize, length: i32, m: i32): void {
  for (let j = 0; j < length; j++) {
    const p = positions + ((<usize>j * <usize>m) << 2);
    for (let k = 0; k < m; k++) store<i32>(p + (<usize>k << 2), k);
  }
}

export function p2Update(heights: usize, positions: usize, desired: usize, x: usize, length: i32, m: i32, n: i32): void {
  p2UpdateOf<f32>(heights, positions, desired, x, length, m, n);
}

export function p2UpdateF64(heights: usize, positions: usize, desired: usize, x: usize, length: i32, m: i32, n: i32): void {
  p2UpdateOf<f64>(heights, positions, desired, x, length, m, n);
}

@inline function p2UpdateOf<T>(heights: usize, positions: usize, desired: usize, x: usize, length: i32, m: i32, n: i32): void {
  if (n < m - 1) {
    // Filling: store the object as h[n].
    for (let j = 0; j < length; j++) {
      store<f64>(heights + ((<usize>j * <usize>m + <usize>n) << 3), <f64>load<T>(x + (<usize>j << alignof<T>())));
    }
    return;
  }
  const nf = <f64>n;
  const top = m - 1;
  if (m == 5 && n >= m) {
    p2Update5<T>(heights, positions, desired, x, length, nf);
    return;
  }
  for (let j = 0; j < length; j++) {
    const h = heights + ((<usize>j * <usize>m) << 3);
    const p = positions + ((<usize>j * <usize>m) << 2);
    const v = <f64>load<T>(x + (<usize>j << alignof<T>()));
    if (n == m - 1) {
      store<f64>(h + (<usize>n << 3), v);
      sortHeights(h, m);
    } else {
      if (v < load<f64>(h)) store<f64>(h, v);
      else if (v > load<f64>(h + (<usize>top << 3))) store<f64>(h + (<usize>top << 3), v);
      for (let i = 1; i < m; i++) {
        const pi = p + (<usize>i << 2);
        store<i32>(pi, load<i32>(pi) + <i32>(v <= load<f64>(h + (<usize>i << 3))));
      }
    }
    adjustMarkers(h, p, desired, m, nf);
  }
}

/** Ascending insertion sort of m heights; NaN sorts last, as numpy.sort. */
@inline function sortHeights(h: usize, m: i32): void {
  for (let i = 1; i < m; i++) {
    const v = load<f64>(h + (<usize>i << 3));
    let k = i - 1;
    while (k >= 0) {
      const u = load<f64>(h + (<usize>k << 3));
      // u goes after v if u > v, or u is NaN and v is not.
      if (!(u > v || (u != u && v == v))) break;
      store<f64>(h + (<usize>(k + 1) << 3), u);
      k--;
    }
    store<f64>(h + (<usize>(k + 1) << 3), v);
  }
}

@inline function adjustMarkers(h: usize, p: usize, desired: usize, m: i32, n: f64): void {
  for (let i = 1; i < m - 1; i++) {
    const hOffset = <usize>i << 3;
    const pOffset = <usize>i << 2;
    const pPrev = <f64>load<i32>(p + pOffset - 4);
    const pi = <f64>load<i32>(p + pOffset);
    const pNext = <f64>load<i32>(p + pOffset + 4);
    const d = load<f64>(desired + hOffset) * n - pi;
    if ((d >= 1 && pNext - pi > 1) || (d <= -1 && pPrev - pi < -1)) {
      const s: f64 = d >= 1 ? 1 : -1;
      const candidate = moveMarker(load<f64>(h + hOffset - 8), load<f64>(h + hOffset), load<f64>(h + hOffset + 8), pPrev, pi, pNext, s);
      store<f64>(h + hOffset, candidate);
      store<i32>(p + pOffset, <i32>(pi + s));
    }
  }
}

/**
 * The steady state (n ≥ m) for m = 5, the quantile and median estimators: the same steps
 * as p2Update with the five markers held in locals, so the common case (no marker moves)
 * runs without touching memory more than once.
 */
function p2Update5<T>(heights: usize, positions: usize, desired: usize, x: usize, length: i32, n: f64): void {
  const d1 = load<f64>(desired, 8) * n;
  const d2 = load<f64>(desired, 16) * n;
  const d3 = load<f64>(desired, 24) * n;
  for (let j = 0; j < length; j++) {
    const h = heights + (<usize>j * 40);
    const p = positions + (<usize>j * 20);
    const v = <f64>load<T>(x + (<usize>j << alignof<T>()));
    let h0 = load<f64>(h);
    let h1 = load<f64>(h, 8);
    let h2 = load<f64>(h, 16);
    let h3 = load<f64>(h, 24);
    let h4 = load<f64>(h, 32);
    // Heights are written only when they change (most updates move no marker): clean cache
    // lines are not written back, and the state is tens of MB per 1024×1024 image.
    if (v < h0) {
      h0 = v;
      store<f64>(h, v);
    } else if (v > h4) {
      h4 = v;
      store<f64>(h, v, 32);
    }
    let p1 = load<i32>(p, 4) + <i32>(v <= h1);
    let p2 = load<i32>(p, 8) + <i32>(v <= h2);
    let p3 = load<i32>(p, 12) + <i32>(v <= h3);
    const p4 = load<i32>(p, 16) + <i32>(v <= h4);
    const p0: f64 = 0;
    // Marker 1 (neighbours 0 and 2), then 2 (1, 3), then 3 (2, 4), each seeing the ones before.
    let d = d1 - <f64>p1;
    if ((d >= 1 && p2 - p1 > 1) || (d <= -1 && p1 > 1)) {
      h1 = moveMarker(h0, h1, h2, p0, <f64>p1, <f64>p2, d >= 1 ? 1 : -1);
      p1 += d >= 1 ? 1 : -1;
      store<f64>(h, h1, 8);
    }
    d = d2 - <f64>p2;
    if ((d >= 1 && p3 - p2 > 1) || (d <= -1 && p1 - p2 < -1)) {
      h2 = moveMarker(h1, h2, h3, <f64>p1, <f64>p2, <f64>p3, d >= 1 ? 1 : -1);
      p2 += d >= 1 ? 1 : -1;
      store<f64>(h, h2, 16);
    }
    d = d3 - <f64>p3;
    if ((d >= 1 && p4 - p3 > 1) || (d <= -1 && p2 - p3 < -1)) {
      h3 = moveMarker(h2, h3, h4, <f64>p2, <f64>p3, <f64>p4, d >= 1 ? 1 : -1);
      p3 += d >= 1 ? 1 : -1;
      store<f64>(h, h3, 24);
    }
    store<i32>(p, p1, 4);
    store<i32>(p, p2, 8);
    store<i32>(p, p3, 12);
    store<i32>(p, p4, 16);
  }
}

/** The new height of a marker moved by s: parabolic if it stays between its neighbours, else linear. */
@inline function moveMarker(hPrev: f64, hi: f64, hNext: f64, pPrev: f64, pi: f64, pNext: f64, s: f64): f64 {
  const candidate = hi + (s / (pNext - pPrev)) * ((pi - pPrev + s) * (hNext - hi) / (pNext - pi) + (pNext - pi - s) * (hi - hPrev) / (pi - pPrev));
  if (hPrev < candidate && candidate < hNext) return candidate;
  return s > 0 ? hi + (hNext - hi) / (pNext - pi) : hi - (hPrev - hi) / (pPrev - pi);
}
