// Every twin `npm run bench` times beside a kernel (bench/kernels.ts) against that kernel,
// both called as the bench calls them, on seeded detector-like data of bench size with NaN,
// values on and next to the histogram edges and values at the thresholds: if they agree,
// the bench's speed-up column compares the same work.
//
// Exact (bit for bit, or == where only the sign of a zero could differ) wherever twin and
// kernel do the same float operations in the same order. The two that sum in another order
// (the kernels keep several partial sums) are held to a bound on that order's
// rounding, derived at each test.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  core,
  Covariance,
  correctImageInWasm,
  Histogrammer,
  Maximum,
  Mean,
  meanAlongAxis,
  MedianEstimator,
  NoiseCutter,
  RadialProfiler,
  RangeCounter,
  Variance,
  WasmArray,
} from 'sacla-analysis';
import { detectorImage, rng } from '../helpers/random.js';
import { expectClose, expectExact } from '../helpers/compare.js';
import * as twin from './index.js';

const ROWS = 512;
const COLS = 512;
const PIXELS = ROWS * COLS;
// Enough objects for P² to fill its markers, sort them and run in its steady state.
const STACK = 16;
const U64 = 2 ** -53;
const HIST = { bins: 200, range: [0, 50000] as [number, number] };

/** The bench's images, plus at seeded pixels NaN, every histogram edge and its float32 neighbours, the thresholds and theirs. */
function benchImage(k: number): Float32Array {
  const image = detectorImage(PIXELS, 100 + k, { offset: 50, noise: 30, hits: 0.01 });
  const random = rng(500 + k);
  const at = () => Math.floor(random() * PIXELS);
  for (let i = 0; i < PIXELS / 1000; i++) image[at()] = NaN;
  const specials: number[] = [twin.nextDown32(0), twin.nextUp32(50000)];
  for (let e = 0; e <= HIST.range[1]; e += HIST.range[1] / HIST.bins) specials.push(e, twin.nextUp32(e), ...(e > 0 ? [twin.nextDown32(e)] : []));
  for (const t of [40, 1000, Math.fround(40.1), Math.fround(999.99), Math.fround(1000.3)]) specials.push(t, twin.nextDown32(t), twin.nextUp32(t));
  for (const v of specials) image[at()] = v;
  return image;
}

/** The same images as float64, plus values just off the float64 edges that float32 rounds onto them (where float32 and float64 binning part). */
function benchImage64(image: Float32Array, k: number): Float64Array {
  const out = Float64Array.from(image);
  const random = rng(700 + k);
  const edges = twin.linspaceRef(HIST.range[0], HIST.range[1], HIST.bins + 1);
  for (const e of edges) {
    for (const v of [e * (1 - 2 ** -52), e * (1 + 2 ** -52), e - 1e-8]) out[Math.floor(random() * PIXELS)] = v;
  }
  return out;
}

const images = Array.from({ length: STACK }, (_, k) => benchImage(k));
const images64 = images.map((x, k) => benchImage64(x, k));
function inWasm(x: Float32Array): WasmArray<'f32'>;
function inWasm(x: Float64Array): WasmArray<'f64'>;
function inWasm(x: Float32Array | Float64Array): WasmArray<'f32'> | WasmArray<'f64'>;
function inWasm(x: Float32Array | Float64Array): WasmArray<'f32'> | WasmArray<'f64'> {
  return x instanceof Float64Array ? new WasmArray('f64', x.length).set(x) : new WasmArray('f32', x.length).set(x);
}

/** Same value at every index, telling −0 from 0 and taking NaN as equal to NaN. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  expect(actual.length, label).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 8; i++) if (!Object.is(actual[i], expected[i])) bad.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  expect(bad, label).toEqual([]);
}

const dataOf = (v: unknown) => ((v as { data?: Float64Array }).data ?? v) as Float64Array;

/** Any order of n additions is within (n − 1)·u·Σ|x| of the exact sum, so two orders differ by at most this. */
const orderBound = (n: number, absSum: number) => 2 * n * U64 * absSum;

/** The twins compared with their kernels below, as the tests are collected (the last test holds the bench to this list). */
const checked = new Set<string>();

describe('elementwise accumulators (exact: the same update rule, operation for operation)', () => {
  ['meanUpdate', 'varianceUpdate', 'maximumUpdate', 'covarianceUpdate'].forEach((name) => checked.add(name));
  test.each([
    ['float32', images],
    ['float64', images64],
  ] as const)('Mean, %s images: mean += w·(x − mean) with w = 1/n', (_kind, stack) => {
    const mean = new Mean();
    const ts = new Float64Array(PIXELS);
    stack.forEach((x, k) => {
      const w = inWasm(x);
      mean.accumulate(w);
      w.dispose();
      twin.meanUpdate(ts, x, 1 / (k + 1));
    });
    expectSameValues(mean.value as Float64Array, ts, 'mean');
    mean.dispose();
  });

  test('Variance (Welford): mean and meanSq', () => {
    const variance = new Variance();
    const ts = { mean: new Float64Array(PIXELS), meanSq: new Float64Array(PIXELS) };
    images.forEach((x, k) => {
      const w = inWasm(x);
      variance.accumulate(w);
      w.dispose();
      twin.varianceUpdate(ts.mean, ts.meanSq, x, 1 / (k + 1));
    });
    expectSameValues(variance.mean as Float64Array, ts.mean, 'mean');
    expectSameValues(variance.rms as Float64Array, ts.meanSq, 'meanSq (population variance)');
    variance.dispose();
  });

  test('Maximum: NaN propagating, the bench twin starting from −∞ (== : wasm max orders −0 below 0)', () => {
    const maximum = new Maximum();
    const ts = new Float32Array(PIXELS).fill(-Infinity);
    for (const x of images) {
      const w = inWasm(x);
      maximum.accumulate(w);
      w.dispose();
      twin.maximumUpdate(ts, x);
    }
    expectExact(maximum.value as Float32Array, ts, 'max');
    maximum.dispose();
  });

  test('Covariance update, 8 spectra of 1024 points (one NaN): mean and the population matrix', () => {
    const spectra = Array.from({ length: 8 }, (_, i) => detectorImage(1024, 900 + i, { offset: 100, noise: 10, hits: 0 }));
    spectra[3][17] = NaN;
    const covariance = new Covariance();
    const d = 1024;
    const ts = { mean: new Float64Array(d), cov: new Float64Array(d * d), d1: new Float64Array(d), d2: new Float64Array(d) };
    spectra.forEach((x, k) => {
      const w = inWasm(x);
      covariance.accumulate(w);
      w.dispose();
      twin.covarianceUpdate(ts.mean, ts.cov, x, 1 / (k + 1), ts.d1, ts.d2);
    });
    expectSameValues(covariance.mean as Float64Array, ts.mean, 'mean');
    expectSameValues(dataOf(covariance.rms), ts.cov, 'cov');
    covariance.dispose();
  });
});

describe('P² median (exact: the same steps, operation for operation)', () => {
  checked.add('p2Update');
  // Bench data without the NaN: the P² order of a NaN is not specified (docs), the bench has none.
  test.each(['float32', 'float64'] as const)(`${STACK} %s images: every height and position`, (kind) => {
    const median = new MedianEstimator();
    const m = 5;
    const h = new Float64Array(PIXELS * m);
    const p = new Int32Array(PIXELS * m).map((_, i) => i % m);
    const q = Float64Array.from(twin.quantileMarkers(0.5));
    for (let n = 0; n < STACK; n++) {
      const x32 = detectorImage(PIXELS, 100 + n, { offset: 50, noise: 30, hits: 0.01 });
      // Off the float32 grid, so that float64 data takes no float32 shortcut.
      const x = kind === 'float32' ? x32 : Float64Array.from(x32, (v, j) => v + (j % 7) * 1e-9);
      const w = inWasm(x);
      median.accumulate(w);
      w.dispose();
      twin.p2Update(h, p, q, x, m, n);
    }
    const heights = dataOf(median.heights);
    const qActual = dataOf(median.q_actual);
    const scale = 1 / (STACK - 1);
    const marker = (state: ArrayLike<number>, k: number, factor = 1) => Float64Array.from({ length: PIXELS }, (_, j) => state[j * m + k] * factor);
    for (let k = 0; k < m; k++) {
      expectSameValues(heights.subarray(k * PIXELS, (k + 1) * PIXELS), marker(h, k), `height ${k}`);
      expectSameValues(qActual.subarray(k * PIXELS, (k + 1) * PIXELS), marker(p, k, scale), `position ${k}`);
    }
    median.dispose();
  });
});

describe('counting kernels (exact)', () => {
  ['histogramAccumulate', 'rangeCountRef', 'noiseCutRef'].forEach((name) => checked.add(name));
  test.each([
    ['float32', images],
    ['float64', images64],
  ] as const)('Histogram (200 bins over [0, 50000]), %s images: the edges, their neighbours, NaN and out-of-range values', (kind, stack) => {
    const histogrammer = new Histogrammer(HIST.bins, HIST.range);
    const edges = kind === 'float32' ? Float32Array.from(histogrammer.edges()) : histogrammer.edges();
    const norm = histogrammer.bins / (histogrammer.range[1] - histogrammer.range[0]);
    const counts = new Uint32Array(HIST.bins);
    for (const x of stack) {
      const w = inWasm(x);
      const wasm = histogrammer.histogramInWasm(w).copy();
      w.dispose();
      counts.fill(0);
      twin.histogramAccumulate(x, edges, norm, counts);
      expect(Array.from(counts)).toEqual(Array.from(wasm));
    }
    histogrammer.dispose();
  });

  test.each([
    [40, Infinity],
    [40.1, 1000.3],
    [-Infinity, 999.99],
  ])('RangeCounter(%s, %s), float32 images (bounds rounded to float32 as NumPy compares them)', (low, high) => {
    const counter = new RangeCounter(low, high);
    for (const x of images) {
      const w = inWasm(x);
      expect(twin.rangeCountRef(x, low, high)).toBe(counter.count(w));
      w.dispose();
    }
  });

  test.each([
    [1000, 0],
    [999.99, -1],
  ])('NoiseCutter(%s, %s), float32 images, into an output array', (threshold, fill) => {
    const cutter = new NoiseCutter(threshold, fill);
    const out = new WasmArray('f32', PIXELS);
    const ts = new Float32Array(PIXELS);
    for (const x of images) {
      const w = inWasm(x);
      cutter.cutInWasm(w, out);
      w.dispose();
      twin.noiseCutRef(x, threshold, fill, ts);
      expectSameValues(out.view(), ts, 'noise cut');
    }
    out.dispose();
  });
});

describe('radial profile with a precomputed map (counts exact; sums in another order)', () => {
  ['radialAccumulate', 'radialFinish'].forEach((name) => checked.add(name));
  // The kernel sums each bin in four interleaved partial sums, the twin in index order: the
  // sums of n values differ by at most orderBound(n, Σ|x|), the means by that over n plus a
  // rounding of each.
  test(`${STACK} images`, () => {
    const profiler = new RadialProfiler([ROWS, COLS]);
    const map = profiler.binMap();
    const bins = profiler.bins;
    const sums = new Float64Array(bins);
    const counts = new Float64Array(bins);
    const profile = new Float64Array(bins);
    for (const x of images) {
      const wasm = profiler.profile({ data: x, shape: [ROWS, COLS] });
      sums.fill(0);
      counts.fill(0);
      twin.radialAccumulate(x, map, sums, counts);
      twin.radialFinish(sums, counts, profile);
      expectSameValues(wasm.counts, counts, 'counts');
      const absSums = new Float64Array(bins);
      twin.radialAccumulate(x.map(Math.abs), map, absSums, new Float64Array(bins));
      const bad: string[] = [];
      for (let r = 0; r < bins && bad.length < 8; r++) {
        const tol = orderBound(counts[r], absSums[r]) / counts[r] + 2 * U64 * Math.abs(profile[r]);
        const ok = Number.isNaN(profile[r]) ? Number.isNaN(wasm.profile[r]) : Math.abs(wasm.profile[r] - profile[r]) <= tol;
        if (!ok) bad.push(`profile[${r}] ${wasm.profile[r]} vs ${profile[r]} (tolerance ${tol})`);
      }
      expect(bad).toEqual([]);
    }
    profiler.dispose();
  });
});

describe('per-image reductions and the correction', () => {
  ['reduceAxisRef', 'correctRef'].forEach((name) => checked.add(name));
  // Both sum in float64 (the kernel in two partial sums, even and odd columns), far below
  // float32 resolution; the float32 result can still differ by one float32 step when the two
  // sums fall on either side of a rounding boundary.
  test('mean along axis 1 (the spectrum): within one float32 step', () => {
    const out = new Float32Array(ROWS);
    for (const x of images) {
      const w = inWasm(x);
      const wasm = meanAlongAxis({ data: w, shape: [ROWS, COLS] }, 1);
      w.dispose();
      twin.reduceAxisRef(x, ROWS, COLS, 1, true, out);
      expectClose(wasm, out, { rtol: 2 ** -23, label: 'spectrum' });
    }
  });

  test('dark + gain correction into an output array (float32 arithmetic, exact)', () => {
    const dark = detectorImage(PIXELS, 77, { offset: 100, noise: 5, hits: 0 });
    const wasmDark = inWasm(dark);
    const out = new WasmArray('f32', PIXELS);
    const ts = new Float32Array(PIXELS);
    for (const x of images) {
      const w = inWasm(x);
      correctImageInWasm(w, out, { dark: wasmDark, gain: 3.65 });
      w.dispose();
      twin.correctRef(x, dark, 3.65, ts);
      expectSameValues(out.view(), ts, 'corrected');
    }
    out.dispose();
    wasmDark.dispose();
  });
});

describe('the raw kernels add to their state, and so do the twins', () => {
  test('histogramAccumulate(F64) into counts that are not zero', () => {
    const bins = HIST.bins;
    const [lo, hi] = HIST.range;
    const edges64 = twin.linspaceRef(lo, hi, bins + 1);
    const norm = bins / (hi - lo);
    const start = Uint32Array.from({ length: bins }, (_, k) => 1000 + k);
    // Margins 0.5 and 1 are the widest the kernels take: every value is settled by the edges.
    for (const [x, edges, name, margin] of [
      [images[0], Float32Array.from(edges64), 'histogramAccumulate', 0.5],
      [images64[0], edges64, 'histogramAccumulateF64', 1],
    ] as const) {
      const wx = inWasm(x);
      const we = inWasm(edges);
      const counts = new WasmArray('u32', bins).set(start);
      const lanes = new WasmArray('u32', 4 * (bins + 1));
      core[name](wx.ptr, x.length, we.ptr, bins, norm, counts.ptr, lanes.ptr, margin);
      const ts = start.slice();
      twin.histogramAccumulate(x, edges, norm, ts);
      expect(Array.from(ts), name).toEqual(Array.from(counts.view()));
      for (const a of [wx, we, counts, lanes]) a.dispose();
    }
  });

  test('radialAccumulate with and without squares into sums that are not zero', () => {
    const profiler = new RadialProfiler([ROWS, COLS]);
    const map = profiler.binMap();
    const bins = profiler.bins;
    profiler.dispose();
    const x = images[1];
    const start = Float64Array.from({ length: bins }, (_, r) => 1e6 + r);
    const abs = { sums: start.slice(), squares: start.slice() };
    twin.radialAccumulate(x.map(Math.abs), map, abs.sums, new Float64Array(bins), abs.squares);
    for (const withSquares of [false, true]) {
      const wx = inWasm(x);
      const wm = new WasmArray('i32', PIXELS).set(map);
      const [sums, counts, squares] = [0, 1, 2].map(() => new WasmArray('f64', bins).set(start));
      const lanes = new WasmArray('f64', 12 * bins);
      core.radialAccumulate(wx.ptr, wm.ptr, PIXELS, bins, sums.ptr, counts.ptr, withSquares ? squares.ptr : 0, lanes.ptr);
      const ts = { sums: start.slice(), counts: start.slice(), squares: start.slice() };
      twin.radialAccumulate(x, map, ts.sums, ts.counts, withSquares ? ts.squares : undefined);
      expectSameValues(counts.view(), ts.counts, 'counts');
      // The start value is one more term of each sum, in another order as above.
      const within = (actual: Float64Array, expected: Float64Array, absSums: Float64Array, label: string) => {
        const bad: string[] = [];
        for (let r = 0; r < bins && bad.length < 8; r++) {
          const tol = orderBound(ts.counts[r] - start[r] + 1, absSums[r]);
          if (!(Math.abs(actual[r] - expected[r]) <= tol)) bad.push(`${label}[${r}] ${actual[r]} vs ${expected[r]} (tolerance ${tol})`);
        }
        expect(bad).toEqual([]);
      };
      within(sums.view(), ts.sums, abs.sums, 'sums');
      within(squares.view(), ts.squares, withSquares ? abs.squares : start, 'squares');
      for (const a of [wx, wm, sums, counts, squares, lanes]) a.dispose();
    }
  });
});

test('every twin the bench times is checked above', () => {
  const bench = readFileSync(new URL('../../bench/kernels.ts', import.meta.url), 'utf8');
  const timed = new Set([...bench.matchAll(/\btwin\.(\w+)\(/g)].map((m) => m[1]));
  expect(timed.size).toBeGreaterThan(0);
  expect([...timed].filter((name) => !checked.has(name))).toEqual([]);
});
