/**
 * Plain-TypeScript reference implementations of the streaming statistics, written
 * straight from docs/seed-semantics.md (and the textbook two-pass formulas), with no
 * dependency on the package. Every input is a stack of objects (arrays of equal
 * length); every computation is in float64 from the given values. Tests that feed the
 * accumulators float32 data must hand the same float32 values to these references.
 *
 * Also: a few comparison helpers for typed arrays with NaN/±Inf.
 */
import { expect } from 'vitest';

export type Vec = ArrayLike<number>;

/** float32 rounding of a list of numbers (what the package does to every input once). */
export function toF32(x: Vec): Float64Array {
  return Float64Array.from(Array.from(x), (v) => Math.fround(v));
}

// ------------------------------------------------------------------ elementwise

/** Two-pass elementwise mean, unbiased and population variance (float64). */
export function meanVariance(stack: Vec[]): { n: number; mean: Float64Array; varUnbiased: Float64Array; varPopulation: Float64Array } {
  const n = stack.length;
  const L = stack[0].length;
  const mean = new Float64Array(L);
  for (const x of stack) for (let j = 0; j < L; j++) mean[j] += x[j];
  for (let j = 0; j < L; j++) mean[j] /= n;
  const ss = new Float64Array(L);
  for (const x of stack) {
    for (let j = 0; j < L; j++) {
      const d = x[j] - mean[j];
      ss[j] += d * d;
    }
  }
  const varUnbiased = ss.map((s) => s / (n - 1));
  const varPopulation = ss.map((s) => s / n);
  return { n, mean, varUnbiased, varPopulation };
}

/** NumPy's minimum / maximum of two numbers: NaN if either is NaN. */
export const npMinimum = (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b);
export const npMaximum = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);

/** Elementwise min and max over a stack, NaN propagating (np.minimum.reduce / np.maximum.reduce). */
export function minMax(stack: Vec[]): { min: Float64Array; max: Float64Array } {
  const L = stack[0].length;
  const min = Float64Array.from(stack[0] as ArrayLike<number>);
  const max = Float64Array.from(stack[0] as ArrayLike<number>);
  for (let k = 1; k < stack.length; k++) {
    const x = stack[k];
    for (let j = 0; j < L; j++) {
      min[j] = npMinimum(min[j], x[j]);
      max[j] = npMaximum(max[j], x[j]);
    }
  }
  return { min, max };
}

/** Two-pass covariance matrix of stacked vectors (rows = observations), as np.cov(X, rowvar=False). */
export function covariance(vectors: Vec[]): { n: number; mean: Float64Array; cov: Float64Array; covPopulation: Float64Array; dim: number } {
  const n = vectors.length;
  const d = vectors[0].length;
  const mean = new Float64Array(d);
  for (const x of vectors) for (let j = 0; j < d; j++) mean[j] += x[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = vectors.map((x) => Float64Array.from({ length: d }, (_, j) => x[j] - mean[j]));
  const s = new Float64Array(d * d);
  for (const c of centred) {
    for (let i = 0; i < d; i++) {
      const ci = c[i];
      const row = i * d;
      for (let j = 0; j < d; j++) s[row + j] += ci * c[j];
    }
  }
  return { n, dim: d, mean, cov: s.map((v) => v / (n - 1)), covPopulation: s.map((v) => v / n) };
}

// ---------------------------------------------------------------- running stats

/** RunningMean(lifetime), scalar: α = max(1/lifetime, 1/n); acc = acc(1−α) + xα. */
export class RefRunningMean {
  acc = 0;
  n = 0;
  constructor(readonly lifetime: number) {}
  add(x: number): void {
    this.n++;
    const alpha = Math.max(1 / this.lifetime, 1 / this.n);
    this.acc = this.acc * (1 - alpha) + x * alpha;
  }
}

/** RunningVariance(lifetime), scalar: Welford with both means replaced by running means. */
export class RefRunningVariance {
  readonly mean: RefRunningMean;
  readonly var: RefRunningMean;
  constructor(lifetime: number) {
    this.mean = new RefRunningMean(lifetime);
    this.var = new RefRunningMean(lifetime);
  }
  add(x: number): void {
    const delta1 = x - this.mean.acc;
    this.mean.add(x);
    this.var.add(delta1 * (x - this.mean.acc));
  }
  get value(): number {
    const n = this.mean.n;
    return this.var.acc * (n / (n - 1));
  }
}

// --------------------------------------------------------------------------- P²

/** The P² estimator of seed-semantics.md for one element, followed literally (float64). */
export class RefP2 {
  readonly q: number[];
  readonly h: number[];
  readonly p: number[];
  n = 0;

  constructor(q: Vec) {
    this.q = Array.from(q);
    this.h = this.q.map(() => NaN);
    this.p = this.q.map((_, i) => i);
  }

  add(x: number): void {
    const { q, h, p } = this;
    const m = q.length;
    const n = this.n;
    // 1.
    if (n < m - 1) {
      h[n] = x;
      this.n++;
      return;
    }
    if (n === m - 1) {
      // 2.
      h[n] = x;
      h.sort((a, b) => a - b);
    } else {
      // 3.
      if (x < h[0]) h[0] = x;
      if (x > h[m - 1]) h[m - 1] = x;
      for (let i = 1; i < m; i++) if (x <= h[i]) p[i] += 1;
    }
    // 4.
    for (let i = 1; i < m - 1; i++) {
      const d = q[i] * n - p[i];
      if ((d >= 1 && p[i + 1] - p[i] > 1) || (d <= -1 && p[i - 1] - p[i] < -1)) {
        const s = d > 0 ? 1 : -1;
        const hp =
          h[i] +
          (s / (p[i + 1] - p[i - 1])) *
            (((p[i] - p[i - 1] + s) * (h[i + 1] - h[i])) / (p[i + 1] - p[i]) + ((p[i + 1] - p[i] - s) * (h[i] - h[i - 1])) / (p[i] - p[i - 1]));
        if (h[i - 1] < hp && hp < h[i + 1]) h[i] = hp;
        else h[i] = h[i] + (s * (h[i + s] - h[i])) / (p[i + s] - p[i]);
        p[i] += s;
      }
    }
    // 5.
    this.n++;
  }

  get qActual(): number[] {
    return this.p.map((v) => v / (this.n - 1));
  }
}

/** Markers of QuantileEstimator(p). */
export const quantileMarkers = (p: number) => [0, 0.5 * p, p, 0.5 * (p + 1), 1];

// ------------------------------------------------------------- comparison helpers

const fmt = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/**
 * Elementwise |actual − expected| ≤ atol + rtol·|expected|; NaN must match NaN and ±Inf
 * must match exactly. Reports the first few offending indices.
 */
export function expectClose(actual: Vec, expected: Vec, { rtol = 0, atol = 0, label = '' } = {}): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (e !== e) ok = a !== a;
    else if (!Number.isFinite(e)) ok = a === e;
    else ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad.length < 8) bad.push(`[${i}] got ${fmt(a)}, expected ${fmt(e)}`);
  }
  expect(bad, `${label}: elements out of tolerance (rtol ${rtol}, atol ${atol})`).toEqual([]);
}

/** Exact elementwise equality (== for numbers, so 0 equals −0; NaN equals NaN). */
export function expectExact(actual: Vec, expected: Vec, label = ''): void {
  expectClose(actual, expected, { rtol: 0, atol: 0, label });
}

/** Largest absolute value (ignoring NaN). */
export function maxAbs(x: Vec): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > m) m = Math.abs(x[i]);
  return m;
}

/** Row k of a flat [rows, cols] array. */
export function row<T extends Float32Array | Float64Array | Int32Array>(data: T, cols: number, k: number): T {
  return data.subarray(k * cols, (k + 1) * cols) as T;
}

/** The rows of a flat [rows, cols] array, as views. */
export function rows<T extends Float32Array | Float64Array | Int32Array>(a: { data: T; shape: number[] }): T[] {
  const [K, ...rest] = a.shape;
  const cols = rest.reduce((x, y) => x * y, 1);
  return Array.from({ length: K }, (_, k) => row(a.data, cols, k));
}
