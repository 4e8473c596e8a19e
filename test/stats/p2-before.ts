// The P² kernel as it was before the blocked structure-of-arrays kernel (assembly/quantile.ts
// at commit c898988), transliterated line for line into TypeScript: the reference the new
// kernel must match bit for bit. Same element-major state (each element's m heights and m
// positions side by side), the same m = 5 fast path, the same operations in the same order;
// JavaScript numbers are IEEE binary64 like the kernel's f64, and neither fuses operations
// (checked when it was written: byte for byte that kernel's compiled wasm, NaN payloads
// included, on 1024×1024 detector data with NaN and ±Inf, float32 and float64). The getters
// below are the public getters of bindings/stats/quantile.ts as they were, on this state.
import { gradient, interp } from '../../bindings/core/numeric.js';

/** The old kernel's state of `length` elements with the markers `q`, updated by `update(x)`. */
export class P2Before {
  readonly m: number;
  readonly q: Float64Array;
  readonly heights: Float64Array;
  readonly positions: Int32Array;
  /** Objects seen. */
  n = 0;

  constructor(
    readonly length: number,
    q: ArrayLike<number>,
  ) {
    this.m = q.length;
    this.q = Float64Array.from(q);
    // CDFEstimator.initBuffers + p2Init
    this.heights = new Float64Array(length * this.m).fill(NaN);
    this.positions = new Int32Array(length * this.m);
    for (let j = 0; j < length; j++) for (let k = 0; k < this.m; k++) this.positions[j * this.m + k] = k;
  }

  /** One object (float32 or float64 values: read as f64, as the kernel's `<f64>load<T>`). */
  update(x: ArrayLike<number>): void {
    p2UpdateOf(this.heights, this.positions, this.q, x, this.length, this.m, this.n);
    this.n++;
  }

  /** Marker k of every element. */
  markerHeights(k: number): Float64Array {
    return Float64Array.from({ length: this.length }, (_, j) => this.heights[j * this.m + k]);
  }

  markerPositions(k: number): Int32Array {
    return Int32Array.from({ length: this.length }, (_, j) => this.positions[j * this.m + k]);
  }

  /** Marker-major [m × length], as the old `markerMajor(name, scale)` getter built it. */
  markerMajor(name: 'heights' | 'positions', scale = 1): Float64Array {
    const state = name === 'heights' ? this.heights : this.positions;
    const out = new Float64Array(this.m * this.length);
    for (let j = 0; j < this.length; j++) for (let k = 0; k < this.m; k++) out[k * this.length + j] = state[j * this.m + k] * scale;
    return out;
  }

  /** `heights` (flat data). */
  get heightsValue(): Float64Array {
    return this.markerMajor('heights');
  }

  /** `q_actual`: positions × 1/(n − 1). */
  get qActual(): Float64Array {
    return this.markerMajor('positions', 1 / (this.n - 1));
  }

  /** Per element f(heights, positions / (n − 1)), as the old `perElement`. */
  perElement(f: (h: Float64Array, q: Float64Array) => number): Float64Array {
    const m = this.m;
    const out = new Float64Array(this.length);
    const h = new Float64Array(m);
    const q = new Float64Array(m);
    for (let j = 0; j < this.length; j++) {
      for (let k = 0; k < m; k++) {
        h[k] = this.heights[j * m + k];
        q[k] = this.positions[j * m + k] / (this.n - 1);
      }
      out[j] = f(h, q);
    }
    return out;
  }

  cdfInterp(v: number): Float64Array {
    return this.perElement((h, q) => interp(v, h, q));
  }

  quantileInterp(q: number): Float64Array {
    return this.perElement((h, qa) => interp(q, qa, h));
  }

  /** `pdf`: [heights, gradient(q_actual)/gradient(heights)] per element. */
  get pdf(): [Float64Array, Float64Array] {
    const m = this.m;
    const L = this.length;
    const heights = this.markerMajor('heights');
    const q = this.markerMajor('positions', 1 / (this.n - 1));
    const density = new Float64Array(m * L);
    const h = new Float64Array(m);
    const p = new Float64Array(m);
    for (let j = 0; j < L; j++) {
      for (let k = 0; k < m; k++) {
        h[k] = heights[k * L + j];
        p[k] = q[k * L + j];
      }
      const dq = gradient(p);
      const dh = gradient(h);
      for (let k = 0; k < m; k++) density[k * L + j] = dq[k] / dh[k];
    }
    return [heights, density];
  }
}

function p2UpdateOf(h: Float64Array, p: Int32Array, desired: Float64Array, x: ArrayLike<number>, length: number, m: number, n: number): void {
  if (n < m - 1) {
    for (let j = 0; j < length; j++) h[j * m + n] = x[j];
    return;
  }
  const nf = n;
  const top = m - 1;
  if (m === 5 && n >= m) {
    p2Update5(h, p, desired, x, length, nf);
    return;
  }
  for (let j = 0; j < length; j++) {
    const o = j * m;
    const v = x[j];
    if (n === m - 1) {
      h[o + n] = v;
      sortHeights(h, o, m);
    } else {
      if (v < h[o]) h[o] = v;
      else if (v > h[o + top]) h[o + top] = v;
      for (let i = 1; i < m; i++) p[o + i] += v <= h[o + i] ? 1 : 0;
    }
    adjustMarkers(h, p, o, desired, m, nf);
  }
}

/** Ascending insertion sort of m heights; NaN sorts last. */
function sortHeights(h: Float64Array, o: number, m: number): void {
  for (let i = 1; i < m; i++) {
    const v = h[o + i];
    let k = i - 1;
    while (k >= 0) {
      const u = h[o + k];
      if (!(u > v || (u !== u && v === v))) break;
      h[o + k + 1] = u;
      k--;
    }
    h[o + k + 1] = v;
  }
}

function adjustMarkers(h: Float64Array, p: Int32Array, o: number, desired: Float64Array, m: number, n: number): void {
  for (let i = 1; i < m - 1; i++) {
    const pPrev = p[o + i - 1];
    const pi = p[o + i];
    const pNext = p[o + i + 1];
    const d = desired[i] * n - pi;
    if ((d >= 1 && pNext - pi > 1) || (d <= -1 && pPrev - pi < -1)) {
      const s = d >= 1 ? 1 : -1;
      h[o + i] = moveMarker(h[o + i - 1], h[o + i], h[o + i + 1], pPrev, pi, pNext, s);
      p[o + i] = pi + s;
    }
  }
}

function p2Update5(h: Float64Array, p: Int32Array, desired: Float64Array, x: ArrayLike<number>, length: number, n: number): void {
  const d1 = desired[1] * n;
  const d2 = desired[2] * n;
  const d3 = desired[3] * n;
  for (let j = 0; j < length; j++) {
    const o = j * 5;
    const v = x[j];
    let h0 = h[o];
    let h1 = h[o + 1];
    let h2 = h[o + 2];
    let h3 = h[o + 3];
    let h4 = h[o + 4];
    if (v < h0) {
      h0 = v;
      h[o] = v;
    } else if (v > h4) {
      h4 = v;
      h[o + 4] = v;
    }
    let p1 = p[o + 1] + (v <= h1 ? 1 : 0);
    let p2 = p[o + 2] + (v <= h2 ? 1 : 0);
    let p3 = p[o + 3] + (v <= h3 ? 1 : 0);
    const p4 = p[o + 4] + (v <= h4 ? 1 : 0);
    const p0 = 0;
    let d = d1 - p1;
    if ((d >= 1 && p2 - p1 > 1) || (d <= -1 && p1 > 1)) {
      h1 = moveMarker(h0, h1, h2, p0, p1, p2, d >= 1 ? 1 : -1);
      p1 += d >= 1 ? 1 : -1;
      h[o + 1] = h1;
    }
    d = d2 - p2;
    if ((d >= 1 && p3 - p2 > 1) || (d <= -1 && p1 - p2 < -1)) {
      h2 = moveMarker(h1, h2, h3, p1, p2, p3, d >= 1 ? 1 : -1);
      p2 += d >= 1 ? 1 : -1;
      h[o + 2] = h2;
    }
    d = d3 - p3;
    if ((d >= 1 && p4 - p3 > 1) || (d <= -1 && p2 - p3 < -1)) {
      h3 = moveMarker(h2, h3, h4, p2, p3, p4, d >= 1 ? 1 : -1);
      p3 += d >= 1 ? 1 : -1;
      h[o + 3] = h3;
    }
    p[o + 1] = p1;
    p[o + 2] = p2;
    p[o + 3] = p3;
    p[o + 4] = p4;
  }
}

function moveMarker(hPrev: number, hi: number, hNext: number, pPrev: number, pi: number, pNext: number, s: number): number {
  const candidate = hi + (s / (pNext - pPrev)) * (((pi - pPrev + s) * (hNext - hi)) / (pNext - pi) + ((pNext - pi - s) * (hi - hPrev)) / (pi - pPrev));
  if (hPrev < candidate && candidate < hNext) return candidate;
  return s > 0 ? hi + (hNext - hi) / (pNext - pi) : hi - (hPrev - hi) / (pPrev - pi);
}
