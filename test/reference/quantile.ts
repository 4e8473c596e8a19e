// Reference for the P² estimator (assembly/quantile.ts), following the steps of
// docs/seed-semantics.md for every element of an object.
import type { Vec } from './float32.js';

/** numpy.sort's order: ascending, NaN last (the kernel's insertion sort). */
const ascendingNaNLast = (a: number, b: number) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a - b);

/**
 * One P² update of every element, one element after another (the kernel keeps its state
 * in blocks of pixels, a layout private to it; this twin does the same arithmetic): heights h and positions p
 * (length·m each, element-major; p[k] = k on fresh state), desired fractions q (m), and n the
 * number of objects seen before x.
 */
export function p2Update(h: Float64Array, p: Int32Array, q: Float64Array, x: Float32Array | Float64Array, m: number, n: number): void {
  for (let j = 0; j < x.length; j++) {
    const o = j * m;
    const v = x[j];
    // 1. Filling: the object is marker n.
    if (n < m - 1) {
      h[o + n] = v;
      continue;
    }
    if (n === m - 1) {
      // 2. The m-th object: the markers are the sorted first m objects.
      h[o + n] = v;
      h.set(Array.from(h.subarray(o, o + m)).sort(ascendingNaNLast), o);
    } else {
      // 3. Extend the extremes; every marker above v moves up one position.
      if (v < h[o]) h[o] = v;
      else if (v > h[o + m - 1]) h[o + m - 1] = v;
      for (let i = 1; i < m; i++) if (v <= h[o + i]) p[o + i]++;
    }
    // 4. Inner markers more than one position from their desired place move by one,
    //    parabolically if that stays between the neighbours, else linearly.
    for (let i = 1; i < m - 1; i++) {
      const pi = p[o + i];
      const pPrev = p[o + i - 1];
      const pNext = p[o + i + 1];
      const d = q[i] * n - pi;
      if ((d >= 1 && pNext - pi > 1) || (d <= -1 && pPrev - pi < -1)) {
        const s = d >= 1 ? 1 : -1;
        const hPrev = h[o + i - 1];
        const hi = h[o + i];
        const hNext = h[o + i + 1];
        let c = hi + (s / (pNext - pPrev)) * (((pi - pPrev + s) * (hNext - hi)) / (pNext - pi) + ((pNext - pi - s) * (hi - hPrev)) / (pi - pPrev));
        if (!(hPrev < c && c < hNext)) c = s > 0 ? hi + (hNext - hi) / (pNext - pi) : hi - (hPrev - hi) / (pPrev - pi);
        h[o + i] = c;
        p[o + i] = pi + s;
      }
    }
  }
}

/** The P² estimator of one element (p2Update on a length-1 object), as the tests read it. */
export class RefP2 {
  readonly q: Float64Array;
  /** Marker heights; NaN until filled, as the package's. */
  readonly h: Float64Array;
  readonly p: Int32Array;
  n = 0;
  readonly #x = new Float64Array(1);

  constructor(q: Vec) {
    this.q = Float64Array.from(q);
    this.h = new Float64Array(this.q.length).fill(NaN);
    this.p = Int32Array.from(this.q, (_, i) => i);
  }

  add(x: number): void {
    this.#x[0] = x;
    p2Update(this.h, this.p, this.q, this.#x, this.q.length, this.n);
    this.n++;
  }

  get qActual(): number[] {
    return Array.from(this.p, (v) => v / (this.n - 1));
  }
}

/** Markers of QuantileEstimator(p). */
export const quantileMarkers = (p: number) => [0, 0.5 * p, p, 0.5 * (p + 1), 1];
