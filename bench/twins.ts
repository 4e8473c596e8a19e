// Plain-TypeScript twins of the wasm kernels: the same algorithm, written the obvious way
// on typed arrays, so the benchmark shows what the wasm core buys.

export function meanUpdate(mean: Float64Array, x: Float32Array | Float64Array, w: number): void {
  for (let i = 0; i < x.length; i++) mean[i] += w * (x[i] - mean[i]);
}

export function varianceUpdate(mean: Float64Array, meanSq: Float64Array, x: Float32Array, w: number): void {
  for (let i = 0; i < x.length; i++) {
    const delta = x[i] - mean[i];
    mean[i] += w * delta;
    meanSq[i] += w * (delta * (x[i] - mean[i]) - meanSq[i]);
  }
}

export function maximumUpdate(state: Float32Array, x: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const s = state[i];
    state[i] = v !== v || s !== s ? NaN : v > s ? v : s;
  }
}

/** Float32 data with float32 edges, or float64 data with float64 edges (NumPy's rule for each). */
export function histogram(x: Float32Array | Float64Array, edges: Float32Array | Float64Array, counts: Uint32Array): void {
  const bins = counts.length;
  const lo = edges[0];
  const hi = edges[bins];
  const norm = bins / (hi - lo);
  counts.fill(0);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= lo && v <= hi)) continue;
    let k = Math.min(Math.trunc((v - lo) * norm), bins - 1);
    if (v < edges[k]) k--;
    else if (k !== bins - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
}

export function rangeCount(x: Float32Array, low: number, high: number): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > low && x[i] < high) n++;
  return n;
}

export function noiseCut(x: Float32Array, out: Float32Array, threshold: number, fill: number): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] < threshold ? fill : x[i];
}

export function radialAccumulate(x: Float32Array, map: Int32Array, sums: Float64Array, counts: Float64Array): void {
  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === v) {
      sums[map[i]] += v;
      counts[map[i]]++;
    }
  }
}

export function meanAlongAxis1(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < cols; c++) total += x[r * cols + c];
    out[r] = total / cols;
  }
}

export function correctImage(raw: Float32Array, dark: Float32Array, out: Float32Array, gain: number): void {
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] - dark[i]) * gain;
}

/** P² update, element-major state, as assembly/quantile.ts. */
export function p2Update(h: Float64Array, p: Int32Array, q: Float64Array, x: Float32Array, m: number, n: number): void {
  for (let j = 0; j < x.length; j++) {
    const o = j * m;
    const v = x[j];
    if (n < m - 1) {
      h[o + n] = v;
      continue;
    }
    if (n === m - 1) {
      h[o + n] = v;
      const sorted = Array.from(h.subarray(o, o + m)).sort((a, b) => a - b);
      h.set(sorted, o);
    } else {
      if (v < h[o]) h[o] = v;
      else if (v > h[o + m - 1]) h[o + m - 1] = v;
      for (let i = 1; i < m; i++) if (v <= h[o + i]) p[o + i]++;
    }
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

export function covarianceUpdate(mean: Float64Array, cov: Float64Array, x: Float32Array, w: number, d1: Float64Array, d2: Float64Array): void {
  const d = x.length;
  for (let i = 0; i < d; i++) {
    d1[i] = x[i] - mean[i];
    mean[i] += w * d1[i];
    d2[i] = x[i] - mean[i];
  }
  for (let i = 0; i < d; i++) {
    const a = d1[i];
    const row = i * d;
    for (let j = 0; j < d; j++) cov[row + j] += w * (a * d2[j] - cov[row + j]);
  }
}
