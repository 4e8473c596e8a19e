// The few NumPy functions the library relies on, with NumPy's exact conventions.

/** numpy.linspace(lo, hi, count) in float64 (the last value is exactly hi). */
export function linspace(lo: number, hi: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = (hi - lo) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = i * step + lo;
  out[count - 1] = hi;
  return out;
}

/** numpy.gradient with unit spacing: central differences inside, one-sided at both ends. */
export function gradient(y: ArrayLike<number>): Float64Array {
  const n = y.length;
  const g = new Float64Array(n);
  if (n < 2) return g;
  g[0] = y[1] - y[0];
  g[n - 1] = y[n - 1] - y[n - 2];
  for (let i = 1; i < n - 1; i++) g[i] = (y[i + 1] - y[i - 1]) / 2;
  return g;
}

/** numpy.median (the mean of the two middle values for an even count; NaN if any NaN). */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0 || Number.isNaN(sorted[n - 1])) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** numpy.interp(x, xs, ys) for ascending xs: linear (NumPy's slope form), clamped at both ends; NaN stays NaN. */
export function interp(x: number, xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const last = xs.length - 1;
  if (!(x > xs[0])) return x === x ? ys[0] : NaN;
  if (x >= xs[last]) return ys[last];
  // The interval [xs[lo], xs[lo + 1]) holding x, by bisection.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return ((ys[hi] - ys[lo]) / (xs[hi] - xs[lo])) * (x - xs[lo]) + ys[lo];
}
