// References for the elementwise streaming statistics (assembly/accumulate.ts).
//
// Two kinds, on purpose:
// - the kernels' twins (meanUpdate … covarianceUpdate): the kernel's update rule and
//   arithmetic on typed arrays, in place and accumulating into the caller's state as the
//   kernel does, so the bench times the same work and test/reference/twins.test.ts can ask
//   for bit-for-bit agreement;
// - independent oracles (two-pass meanVariance and covariance; RefRunningMean and
//   RefRunningVariance, the original's scalar formulas from docs/seed-semantics.md): a
//   different algorithm or rounding from the kernels, so that the tests compare the streaming
//   updates with something not derived from them.
import type { Vec } from './float32.js';

// ------------------------------------------------------------------------- twins

/** mean += w·(x − mean), elementwise (meanUpdate / meanUpdateF64). */
export function meanUpdate(mean: Float64Array, x: Float32Array | Float64Array, w: number): void {
  for (let i = 0; i < x.length; i++) mean[i] += w * (x[i] - mean[i]);
}

/** The Welford step with meanSq = mean of (x − mean_before)(x − mean_after) (varianceUpdate). */
export function varianceUpdate(mean: Float64Array, meanSq: Float64Array, x: Float32Array | Float64Array, w: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const delta = v - mean[i];
    const m = mean[i] + w * delta;
    mean[i] = m;
    meanSq[i] += w * (delta * (v - m) - meanSq[i]);
  }
}

/**
 * state = min(state, x), NaN propagating (np.minimum; minimumUpdate). The sign of a zero
 * may differ from wasm's f32x4.min, which orders −0 below +0; == does not see it.
 */
function minimumUpdate(state: Float32Array | Float64Array, x: Vec): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const s = state[i];
    state[i] = v !== v || s !== s ? NaN : v < s ? v : s;
  }
}

/** state = max(state, x), NaN propagating (np.maximum; maximumUpdate); zeros as minimumUpdate. */
export function maximumUpdate(state: Float32Array | Float64Array, x: Vec): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const s = state[i];
    state[i] = v !== v || s !== s ? NaN : v > s ? v : s;
  }
}

/**
 * delta1 = x − mean; mean += w·delta1; delta2 = x − mean; cov += w·(delta1 ⊗ delta2 − cov)
 * (covarianceUpdate); d1 and d2 are scratch of x.length values, as the kernel's.
 */
export function covarianceUpdate(mean: Float64Array, cov: Float64Array, x: Float32Array | Float64Array, w: number, d1: Float64Array, d2: Float64Array): void {
  const d = x.length;
  for (let i = 0; i < d; i++) {
    const v = x[i];
    const m0 = mean[i];
    const m1 = m0 + w * (v - m0);
    mean[i] = m1;
    d1[i] = v - m0;
    d2[i] = v - m1;
  }
  for (let i = 0; i < d; i++) {
    const a = d1[i];
    const row = i * d;
    for (let j = 0; j < d; j++) cov[row + j] += w * (a * d2[j] - cov[row + j]);
  }
}

// ----------------------------------------------------------------------- oracles

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

/** Elementwise min and max over a stack, NaN propagating (np.minimum.reduce / np.maximum.reduce). */
export function minMax(stack: Vec[]): { min: Float64Array; max: Float64Array } {
  const min = Float64Array.from(stack[0]);
  const max = Float64Array.from(stack[0]);
  for (let k = 1; k < stack.length; k++) {
    minimumUpdate(min, stack[k]);
    maximumUpdate(max, stack[k]);
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

/** RunningMean(lifetime), scalar, the original's form: α = max(1/lifetime, 1/n); acc = acc(1−α) + xα. */
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
