// The leak test: after a warm-up, long streams of accumulate calls and many create/dispose
// cycles must not grow wasm memory (memoryBytes() equal before and after). Then the memory
// rule: results the API hands out stay right when wasm memory grows (views are made fresh).
//
// The tests in this file run in order in one process (one wasm instance): the steady-state
// tests come first, the tests that grow memory on purpose last.
import { describe, expect, test } from 'vitest';
import {
  Covariance,
  Histogrammer,
  Maximum,
  Mean,
  MedianEstimator,
  Minimum,
  NoiseCutter,
  radialProfile,
  RadialProfiler,
  Variance,
  WasmArray,
  correctImage,
  imageSum,
  meanAlongAxis,
  memoryBytes,
} from 'sacla-analysis';
import { detectorImage } from './helpers/random.js';

const SMALL = 1024;
const BIG = 1024 * 1024;

// Inputs made once (outside the measured loops).
const smallArrays = Array.from({ length: 16 }, (_, k) => detectorImage(SMALL, 1000 + k, { offset: 100, noise: 10 }));
const bigImages = Array.from({ length: 3 }, (_, k) => detectorImage(BIG, 2000 + k, { offset: 100, noise: 10, hits: 0.01 }));
const vectors64 = Array.from({ length: 16 }, (_, k) => detectorImage(64, 3000 + k, { noise: 1 }));

/** Runs `work` once to warm up, then `work` again under measurement; returns [before, after]. */
function steadyState(work: () => void): [number, number] {
  work();
  const before = memoryBytes();
  work();
  return [before, memoryBytes()];
}

describe('wasm memory does not grow in steady state', () => {
  test('10,000 accumulate calls each on a Mean, a Variance and a Maximum (1024 elements), values right', () => {
    const mean = new Mean();
    const variance = new Variance();
    const maximum = new Maximum();
    // warm-up: fixes the shapes and the shared input buffer
    for (let k = 0; k < 10; k++) {
      mean.accumulate(smallArrays[k % 16]);
      variance.accumulate(smallArrays[k % 16]);
      maximum.accumulate(smallArrays[k % 16]);
    }
    const before = memoryBytes();
    for (let k = 0; k < 10_000; k++) {
      const x = smallArrays[k % 16];
      mean.accumulate(x);
      variance.accumulate(x);
      maximum.accumulate(x);
    }
    expect(memoryBytes()).toBe(before);
    expect(mean.n).toBe(10_010);
    // value check against sums computed here: object k (k = 0..10009) is smallArrays[k mod 16]
    const times = Array.from({ length: 16 }, (_, j) => Math.floor((10_010 - 1 - j) / 16) + 1);
    expect(times.reduce((a, b) => a + b, 0)).toBe(10_010);
    const m = mean.value as Float64Array;
    const v = variance.value as Float64Array;
    const mx = maximum.value as Float32Array;
    for (const i of [0, 1, 511, 1023]) {
      let s = 0;
      let s2 = 0;
      let top = -Infinity;
      for (let j = 0; j < 16; j++) {
        const x = smallArrays[j][i];
        s += times[j] * x;
        top = Math.max(top, x);
      }
      const exactMean = s / 10_010;
      for (let j = 0; j < 16; j++) s2 += times[j] * (smallArrays[j][i] - exactMean) ** 2;
      expect(Math.abs(m[i] - exactMean)).toBeLessThan(1e-9 * Math.abs(exactMean));
      expect(Math.abs(v[i] - s2 / (10_010 - 1))).toBeLessThan(1e-6 * (s2 / (10_010 - 1)));
      expect(mx[i]).toBe(top);
    }
    mean.dispose();
    variance.dispose();
    maximum.dispose();
  });

  test('10,000 float64 accumulate calls (Float64Array, numbers, a mixed float32/float64 stream), values right', () => {
    const arrays64 = smallArrays.map((x) => Float64Array.from(x, (v, i) => 1e9 + v + i * 1e-6));
    const mean = new Mean();
    const variance = new Variance();
    const maximum = new Maximum();
    const mixed = new Minimum();
    const scalar = new Variance();
    const h = new Histogrammer(200, [1e9, 1e9 + 200]);
    const nc = new NoiseCutter(1e9 + 100, 0);
    // warm-up: fixes the shapes, both input buffers and the promotion of the mixed stream
    for (let k = 0; k < 10; k++) {
      for (const a of [mean, variance, maximum]) a.accumulate(arrays64[k % 16]);
      mixed.accumulate(k % 2 ? arrays64[k % 16] : smallArrays[k % 16]);
      scalar.accumulate(1.32e9 + 2 * k);
      h.histogram(arrays64[k % 16]);
      nc.cut(arrays64[k % 16]);
    }
    const before = memoryBytes();
    for (let k = 0; k < 10_000; k++) {
      const x = arrays64[k % 16];
      mean.accumulate(x);
      variance.accumulate(x);
      maximum.accumulate(x);
      mixed.accumulate(k % 2 ? x : smallArrays[k % 16]);
      scalar.accumulate(1.32e9 + 2 * (k % 10));
      if (k % 50 === 0) {
        h.histogram(x);
        nc.cut(x);
      }
    }
    expect(memoryBytes()).toBe(before);
    expect(mean.n).toBe(10_010);
    const times = Array.from({ length: 16 }, (_, j) => Math.floor((10_010 - 1 - j) / 16) + 1);
    const m = mean.value as Float64Array;
    const mx = maximum.value as Float64Array;
    const mn = mixed.value as Float64Array;
    for (const i of [0, 1, 511, 1023]) {
      let s = 0;
      for (let j = 0; j < 16; j++) s += times[j] * (arrays64[j][i] - 1e9);
      expect(Math.abs(m[i] - (1e9 + s / 10_010))).toBeLessThan(1e-5);
      expect(mx[i]).toBe(Math.max(...arrays64.map((x) => x[i])));
      // even k feed the float32 arrays of even index, odd k the float64 ones of odd index
      const fed = [...smallArrays.filter((_, j) => j % 2 === 0), ...arrays64.filter((_, j) => j % 2 === 1)];
      expect(mn[i]).toBe(Math.min(...fed.map((x) => x[i])));
    }
    // the tags 1.32e9 + 2i, i = 0..9, 1001 times over: np.var(ddof=1) = 33 · 10010/10009
    expect(scalar.value as number).toBeCloseTo((33 * 10_010) / 10_009, 6);
    for (const a of [mean, variance, maximum, mixed, scalar]) a.dispose();
    h.dispose();
  });

  test('a few hundred accumulate calls with 1024x1024 images', () => {
    const mean = new Mean();
    const variance = new Variance();
    const maximum = new Maximum();
    const image = (k: number) => ({ data: bigImages[k % 3], shape: [1024, 1024] });
    for (let k = 0; k < 3; k++) {
      mean.accumulate(image(k));
      variance.accumulate(image(k));
      maximum.accumulate(image(k));
    }
    const before = memoryBytes();
    for (let k = 0; k < 200; k++) {
      mean.accumulate(image(k));
      variance.accumulate(image(k));
      maximum.accumulate(image(k));
    }
    expect(memoryBytes()).toBe(before);
    // objects: 203 images, k mod 3 → image 0: 68, 1: 68, 2: 67 times
    const value = mean.value as { data: Float64Array; shape: number[] };
    expect(value.shape).toEqual([1024, 1024]);
    for (const i of [0, 12345, BIG - 1]) {
      const exact = (68 * bigImages[0][i] + 68 * bigImages[1][i] + 67 * bigImages[2][i]) / 203;
      expect(Math.abs(value.data[i] - exact)).toBeLessThan(1e-9 * Math.abs(exact) + 1e-9);
      expect((maximum.value as { data: Float32Array }).data[i]).toBe(Math.max(bigImages[0][i], bigImages[1][i], bigImages[2][i]));
    }
    mean.dispose();
    variance.dispose();
    maximum.dispose();
  });

  test('1,000 create/accumulate/dispose cycles of Mean, Variance, MedianEstimator, Minimum and Covariance(64)', () => {
    const cycle = () => {
      for (let k = 0; k < 1000; k++) {
        const accumulators = [new Mean(), new Variance(), new MedianEstimator(), new Minimum()];
        for (const a of accumulators) for (let j = 0; j < 6; j++) a.accumulate(smallArrays[(k + j) % 16]);
        const cov = new Covariance();
        for (let j = 0; j < 4; j++) cov.accumulate(vectors64[(k + j) % 16]);
        expect(cov.n).toBe(4);
        for (const a of accumulators) a.dispose();
        cov.dispose();
      }
    };
    const [before, after] = steadyState(cycle);
    expect(after).toBe(before);
  });

  test('1,000 Histogrammer and RadialProfiler create/use/dispose cycles', () => {
    const image = smallArrays[0];
    const cycle = () => {
      for (let k = 0; k < 1000; k++) {
        const h = new Histogrammer(200, [0, 50000]);
        h.histogram(image);
        h.dispose();
        const p = new RadialProfiler([32, 32], { center: [15.5 + (k % 7) / 10, 16] });
        p.profile(image, { calcStd: k % 2 === 0 });
        p.dispose();
      }
    };
    const [before, after] = steadyState(cycle);
    expect(after).toBe(before);
  });

  test('radialProfile with ever new centres keeps a bounded number of bin maps', () => {
    const image = bigImages[0];
    let c = 0;
    const cycle = () => {
      // 12 distinct centres per round, every round new ones: the cache must evict and free
      for (let k = 0; k < 12; k++, c++) radialProfile(image, [1024, 1024], { center: [400 + c * 0.25, 500] });
    };
    const [before, after] = steadyState(cycle);
    expect(after).toBe(before);
  });

  test('per-shot image work on 1024x1024 images (histogram, noise cut, radial profile, reductions, correction) repeated', () => {
    const h = new Histogrammer(200, [0, 50000]);
    const nc = new NoiseCutter();
    const p = new RadialProfiler([1024, 1024], { center: [511.3, 520.7] });
    const dark = bigImages[2];
    const cycle = () => {
      for (let k = 0; k < 20; k++) {
        const img = { data: bigImages[k % 2], shape: [1024, 1024] };
        h.histogram(img);
        nc.cut(img);
        p.profile(img, { calcStd: true });
        meanAlongAxis(img, 1);
        meanAlongAxis(img, 0);
        imageSum(img, { skipNaN: true });
        correctImage(img, { dark, gain: 3.65 });
      }
    };
    const [before, after] = steadyState(cycle);
    expect(after).toBe(before);
    h.dispose();
    p.dispose();
  });
});

describe('memory growth: what the API hands out stays right', () => {
  test('Mean.value is right after a 64 MB allocation grows memory', () => {
    const mean = new Mean();
    for (let k = 0; k < 8; k++) mean.accumulate(Float32Array.from({ length: SMALL }, (_, i) => i + k));
    // the mean of i + k over k = 0..7 is i + 3.5
    const beforeGrowth = memoryBytes();
    // 64 MB, or more if that much is free already: growth is the point
    const big = new WasmArray('f32', Math.max(16 * 1024 * 1024, Math.ceil(beforeGrowth / 4) + 1024));
    try {
      expect(memoryBytes()).toBeGreaterThan(beforeGrowth);
      big.fill(1);
      const value = mean.value as Float64Array;
      expect(value.length).toBe(SMALL);
      let worst = 0;
      for (let i = 0; i < SMALL; i++) worst = Math.max(worst, Math.abs(value[i] - (i + 3.5)) / (i + 3.5));
      expect(worst).toBeLessThan(1e-12);
      // and accumulating after the growth still works
      mean.accumulate(Float32Array.from({ length: SMALL }, (_, i) => i + 8));
      expect((mean.value as Float64Array)[10]).toBeCloseTo(14, 10);
    } finally {
      big.dispose();
      mean.dispose();
    }
  });

  test('a Float32Array view of wasm memory passed as input is read correctly even if staging it grows memory', () => {
    // An input larger than the whole current memory: allocating it grows memory, and staging
    // a copy of it (the shared input buffer must grow to its size) grows memory again.
    const h = new Histogrammer(4, [0, 4]);
    const length = Math.ceil(memoryBytes() / 4) + SMALL * SMALL;
    const w = new WasmArray('f32', length);
    try {
      w.fill(3);
      const view = w.view(); // valid now: nothing has allocated since
      let counts: number[] | undefined;
      let error: unknown;
      try {
        counts = Array.from(h.histogram(view));
      } catch (e) {
        error = e;
      }
      expect(error, String(error)).toBeUndefined();
      expect(counts).toEqual([0, 0, 0, length]);
    } finally {
      w.dispose();
      h.dispose();
    }
  });

  test('a view taken before growth is detached; the WasmArray and copies stay right', () => {
    const h = new Histogrammer(2, [0, 2]);
    const counts = h.histogramInWasm([0.5, 1.5, 1.5]);
    const staleView = counts.view();
    const copy = h.histogram([0.5, 1.5, 1.5]);
    expect(Array.from(staleView)).toEqual([1, 2]);
    const grow = new WasmArray('f32', Math.ceil(memoryBytes() / 4) + 1024);
    try {
      // the old view's buffer is gone (what the memory rule is about) ...
      expect(staleView.length).toBe(0);
      // ... but a fresh view of the same wasm data and the copy handed out earlier are right
      expect(Array.from(counts.view())).toEqual([1, 2]);
      expect(Array.from(copy)).toEqual([1, 2]);
    } finally {
      grow.dispose();
      h.dispose();
    }
  });
});
