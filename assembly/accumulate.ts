// Elementwise streaming statistics: float32 or float64 input (each kernel `k` reads float32,
// its twin `kF64` float64), float64 state (min/max keep the input's type).
//
// One update rule serves the plain and the exponential ("running") versions: the state
// moves toward the new value by a weight w, with w = 1/n for Mean/Variance and
// w = max(1/lifetime, 1/n) for RunningMean/RunningVariance (the caller passes w).
//
// see: B. P. Welford, "Note on a method for calculating corrected sums of squares and
//      products", Technometrics 4 (1962) 419, doi:10.1080/00401706.1962.10490022
// see: T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise
//      algorithm for computing sample variances", Stanford CS tech. rep. STAN-CS-79-773
//      (1979): the merge of two partial results.

import { valuesPerV128, vmin, vmax, loadAsF64x2 } from './lanes';

/** mean += w·(x − mean), elementwise. */
export function meanUpdate(mean: usize, x: usize, length: i32, w: f64): void {
  meanUpdateOf<f32>(mean, x, length, w);
}

export function meanUpdateF64(mean: usize, x: usize, length: i32, w: f64): void {
  meanUpdateOf<f64>(mean, x, length, w);
}

@inline function meanUpdateOf<T>(mean: usize, x: usize, length: i32, w: f64): void {
  const wv = f64x2.splat(w);
  let i = 0;
  for (; i + 2 <= length; i += 2) {
    const m = mean + (<usize>i << 3);
    const xv = loadAsF64x2<T>(x + (<usize>i << alignof<T>()));
    const mv = v128.load(m);
    v128.store(m, f64x2.add(mv, f64x2.mul(wv, f64x2.sub(xv, mv))));
  }
  for (; i < length; i++) {
    const m = mean + (<usize>i << 3);
    const xi = <f64>load<T>(x + (<usize>i << alignof<T>()));
    const mi = load<f64>(m);
    store<f64>(m, mi + w * (xi - mi));
  }
}

/** a = a·wa + b·wb: the count-weighted merge of two means (wa = na/n, wb = nb/n). */
export function meanMerge(a: usize, b: usize, length: i32, wa: f64, wb: f64): void {
  const wav = f64x2.splat(wa);
  const wbv = f64x2.splat(wb);
  let i = 0;
  for (; i + 2 <= length; i += 2) {
    const pa = a + (<usize>i << 3);
    const pb = b + (<usize>i << 3);
    v128.store(pa, f64x2.add(f64x2.mul(v128.load(pa), wav), f64x2.mul(v128.load(pb), wbv)));
  }
  for (; i < length; i++) {
    const pa = a + (<usize>i << 3);
    store<f64>(pa, load<f64>(pa) * wa + load<f64>(b + (<usize>i << 3)) * wb);
  }
}

/**
 * Welford step, in the form of the original: `meanSq` is the mean of the products
 * (x − mean_before)(x − mean_after), so that population variance = meanSq.
 */
export function varianceUpdate(mean: usize, meanSq: usize, x: usize, length: i32, w: f64): void {
  varianceUpdateOf<f32>(mean, meanSq, x, length, w);
}

export function varianceUpdateF64(mean: usize, meanSq: usize, x: usize, length: i32, w: f64): void {
  varianceUpdateOf<f64>(mean, meanSq, x, length, w);
}

@inline function varianceUpdateOf<T>(mean: usize, meanSq: usize, x: usize, length: i32, w: f64): void {
  const wv = f64x2.splat(w);
  let i = 0;
  for (; i + 2 <= length; i += 2) {
    const pm = mean + (<usize>i << 3);
    const pv = meanSq + (<usize>i << 3);
    const xv = loadAsF64x2<T>(x + (<usize>i << alignof<T>()));
    const m0 = v128.load(pm);
    const delta = f64x2.sub(xv, m0);
    const m1 = f64x2.add(m0, f64x2.mul(wv, delta));
    const product = f64x2.mul(delta, f64x2.sub(xv, m1));
    const v0 = v128.load(pv);
    v128.store(pm, m1);
    v128.store(pv, f64x2.add(v0, f64x2.mul(wv, f64x2.sub(product, v0))));
  }
  for (; i < length; i++) {
    const pm = mean + (<usize>i << 3);
    const pv = meanSq + (<usize>i << 3);
    const xi = <f64>load<T>(x + (<usize>i << alignof<T>()));
    const m0 = load<f64>(pm);
    const delta = xi - m0;
    const m1 = m0 + w * delta;
    const v0 = load<f64>(pv);
    store<f64>(pm, m1);
    store<f64>(pv, v0 + w * (delta * (xi - m1) - v0));
  }
}

/**
 * Chan et al. merge of two Welford states with counts na, nb (a ← a ∪ b):
 * meanSq = (na·Sa + nb·Sb + (ma − mb)²·na·nb/n)/n, mean = (na·ma + nb·mb)/n.
 */
export function varianceMerge(meanA: usize, meanSqA: usize, meanB: usize, meanSqB: usize, length: i32, na: f64, nb: f64): void {
  const n = na + nb;
  const wa = na / n;
  const wb = nb / n;
  const cross = (na * nb) / (n * n);
  for (let i = 0; i < length; i++) {
    const offset = <usize>i << 3;
    const ma = load<f64>(meanA + offset);
    const mb = load<f64>(meanB + offset);
    const d = ma - mb;
    store<f64>(meanSqA + offset, load<f64>(meanSqA + offset) * wa + load<f64>(meanSqB + offset) * wb + d * d * cross);
    store<f64>(meanA + offset, ma * wa + mb * wb);
  }
}

/** state = min(state, x), NaN propagating (as NumPy's minimum); state and x float32. */
export function minimumUpdate(state: usize, x: usize, length: i32): void {
  extremumUpdate<f32>(state, x, length, false);
}

/** The same on float64 state and data. */
export function minimumUpdateF64(state: usize, x: usize, length: i32): void {
  extremumUpdate<f64>(state, x, length, false);
}

/** state = max(state, x), NaN propagating (as NumPy's maximum); state and x float32. */
export function maximumUpdate(state: usize, x: usize, length: i32): void {
  extremumUpdate<f32>(state, x, length, true);
}

/** The same on float64 state and data. */
export function maximumUpdateF64(state: usize, x: usize, length: i32): void {
  extremumUpdate<f64>(state, x, length, true);
}

@inline function extremumUpdate<T>(state: usize, x: usize, length: i32, maximum: bool): void {
  const step = valuesPerV128<T>();
  let i = 0;
  for (; i + step <= length; i += step) {
    const p = state + (<usize>i << alignof<T>());
    const v = v128.load(x + (<usize>i << alignof<T>()));
    v128.store(p, maximum ? vmax<T>(v128.load(p), v) : vmin<T>(v128.load(p), v));
  }
  for (; i < length; i++) {
    const p = state + (<usize>i << alignof<T>());
    const v = load<T>(x + (<usize>i << alignof<T>()));
    store<T>(p, maximum ? max<T>(load<T>(p), v) : min<T>(load<T>(p), v));
  }
}

/**
 * Covariance of a vector stream of dimension d (the original's outer-product form):
 * delta1 = x − mean; mean += w·delta1; delta2 = x − mean; cov += w·(delta1 ⊗ delta2 − cov).
 * `scratch` holds 2·d float64 (delta1, delta2).
 */
export function covarianceUpdate(mean: usize, cov: usize, scratch: usize, x: usize, d: i32, w: f64): void {
  covarianceUpdateOf<f32>(mean, cov, scratch, x, d, w);
}

export function covarianceUpdateF64(mean: usize, cov: usize, scratch: usize, x: usize, d: i32, w: f64): void {
  covarianceUpdateOf<f64>(mean, cov, scratch, x, d, w);
}

@inline function covarianceUpdateOf<T>(mean: usize, cov: usize, scratch: usize, x: usize, d: i32, w: f64): void {
  const delta1 = scratch;
  const delta2 = scratch + (<usize>d << 3);
  for (let i = 0; i < d; i++) {
    const offset = <usize>i << 3;
    const xi = <f64>load<T>(x + (<usize>i << alignof<T>()));
    const m0 = load<f64>(mean + offset);
    const m1 = m0 + w * (xi - m0);
    store<f64>(mean + offset, m1);
    store<f64>(delta1 + offset, xi - m0);
    store<f64>(delta2 + offset, xi - m1);
  }
  const wv = f64x2.splat(w);
  for (let i = 0; i < d; i++) {
    const row = cov + ((<usize>i * <usize>d) << 3);
    const a = load<f64>(delta1 + (<usize>i << 3));
    const av = f64x2.splat(a);
    let j = 0;
    for (; j + 2 <= d; j += 2) {
      const p = row + (<usize>j << 3);
      const c = v128.load(p);
      const product = f64x2.mul(av, v128.load(delta2 + (<usize>j << 3)));
      v128.store(p, f64x2.add(c, f64x2.mul(wv, f64x2.sub(product, c))));
    }
    for (; j < d; j++) {
      const p = row + (<usize>j << 3);
      const c = load<f64>(p);
      store<f64>(p, c + w * (a * load<f64>(delta2 + (<usize>j << 3)) - c));
    }
  }
}

/** Chan et al. merge of two covariance states: cov = (na·Ca + nb·Cb + (Δm ⊗ Δm)·na·nb/n)/n. */
export function covarianceMerge(meanA: usize, covA: usize, meanB: usize, covB: usize, d: i32, na: f64, nb: f64): void {
  const n = na + nb;
  const wa = na / n;
  const wb = nb / n;
  const cross = (na * nb) / (n * n);
  for (let i = 0; i < d; i++) {
    const di = load<f64>(meanA + (<usize>i << 3)) - load<f64>(meanB + (<usize>i << 3));
    for (let j = 0; j < d; j++) {
      const dj = load<f64>(meanA + (<usize>j << 3)) - load<f64>(meanB + (<usize>j << 3));
      const offset = (<usize>i * <usize>d + <usize>j) << 3;
      store<f64>(covA + offset, load<f64>(covA + offset) * wa + load<f64>(covB + offset) * wb + di * dj * cross);
    }
  }
  meanMerge(meanA, meanB, d, wa, wb);
}
