// Histogrammer and RangeCounter: NumPy golden fixtures (float32-native semantics, the
// project's decision), a plain edge-comparison reference on detector-sized images,
// conservation, special values and argument checks.
import { describe, expect, test } from 'vitest';
import { Histogrammer, RangeCounter, WasmArray } from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { detectorImage } from '../helpers/random.js';
import { histogramRef, linspaceRef, nextDown32, nextUp32, rangeCountRef } from '../reference/index.js';

const histogramCases = loadFixture('histogram').cases as any[];
const rangeCases = loadFixture('range_counter').cases as any[];

/** Finite float32 values within [float32(lo), float32(hi)] (what a histogram over [lo, hi] must count). */
function countInRange(values: ArrayLike<number>, lo: number, hi: number): number {
  const a = Math.fround(lo);
  const b = Math.fround(hi);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]);
    if (Number.isFinite(v) && v >= a && v <= b) n++;
  }
  return n;
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0);

// Two detector images, shared by several tests (generated once per file).
const IMG_1024 = detectorImage(1024 * 1024, 11, { noise: 40, hits: 0.02 });
const IMG_1024x512 = detectorImage(1024 * 512, 12, { offset: 200, noise: 60, hits: 0.05, hitValue: 9000 });

describe('Histogrammer vs NumPy fixtures (histogram.json, float32-native counts)', () => {
  test.each(histogramCases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const h = new Histogrammer(c.bins, c.range);
    try {
      const values: Float32Array = c.values.data;
      const counts = h.histogram(values);
      expect(counts).toBeInstanceOf(Uint32Array);
      expect(Array.from(counts)).toEqual(Array.from(c.counts_f32native.data as Float64Array));
      // the plain reference agrees with NumPy's float32 histogram too
      expect(histogramRef(values, c.bins, c.range)).toEqual(Array.from(c.counts_f32native.data as Float64Array));
      // edges(): float64 numpy.linspace, bit for bit; centers(): midpoints of those edges
      const edges = h.edges();
      expect(edges).toBeInstanceOf(Float64Array);
      expect(Array.from(edges)).toEqual(Array.from(c.edges.data as Float64Array));
      const e: Float64Array = c.edges.data;
      const centers = h.centers();
      expect(centers.length).toBe(c.bins);
      expect(Array.from(centers)).toEqual(Array.from({ length: c.bins }, (_, i) => (e[i] + e[i + 1]) / 2));
      // the float32 edges NumPy compares against are the float64 edges rounded
      expect(Array.from(edges, Math.fround)).toEqual(Array.from(c.edges_f32native.data as Float32Array));
      // the {data, shape} form gives the same counts
      expect(Array.from(h.histogram({ data: values, shape: c.values.shape }))).toEqual(Array.from(c.counts_f32native.data as Float64Array));
    } finally {
      h.dispose();
    }
  });

  test('the fixture really exercises the float32/float64 difference somewhere', () => {
    // guards the test itself: at least one case where counts_f32native != counts
    expect(histogramCases.some((c) => c.f32native_differs)).toBe(true);
    const c = histogramCases.find((x) => x.name === 'bins7_m1.5_2.25_edges_neighbours');
    const h = new Histogrammer(c.bins, c.range);
    const counts = Array.from(h.histogram(c.values.data as Float32Array));
    h.dispose();
    expect(counts).not.toEqual(Array.from(c.counts.data as Float64Array));
    expect(counts).toEqual(Array.from(c.counts_f32native.data as Float64Array));
  });
});

describe('Histogrammer on detector images vs the edge-comparison reference', () => {
  const images: [string, Float32Array, number[]][] = [
    ['1024x1024', IMG_1024, [1024, 1024]],
    ['1024x512', IMG_1024x512, [1024, 512]],
  ];

  test.each(images)('%s, 200 bins over [0, 50000]', (_n, img, shape) => {
    const h = new Histogrammer(200, [0, 50000]);
    try {
      const counts = h.histogram({ data: img, shape });
      const ref = histogramRef(img, 200, [0, 50000]);
      expect(Array.from(counts)).toEqual(ref);
      // conservation: every finite value inside [0, 50000] is counted exactly once
      expect(sum(counts)).toBe(countInRange(img, 0, 50000));
      // the bright hits (≥ 3650) are there, and nothing near the top of the range
      expect(sum(counts.subarray(14))).toBeGreaterThan(0);
      expect(sum(counts.subarray(150))).toBe(0);
    } finally {
      h.dispose();
    }
  });

  test.each(images)('%s, 200 bins over the range the data fills (min and max on the outer edges)', (_n, img) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of img) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const h = new Histogrammer(200, [lo, hi]);
    try {
      const counts = h.histogram(img);
      expect(Array.from(counts)).toEqual(histogramRef(img, 200, [lo, hi]));
      // every value counted, the minimum in bin 0 and the maximum in the (closed) last bin
      expect(sum(counts)).toBe(img.length);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[199]).toBeGreaterThan(0);
    } finally {
      h.dispose();
    }
  });

  // The kernel counts groups of four values that all lie below the first bin's upper edge (a
  // detector's background) by comparisons alone: groups mixing the first bin's edges, their
  // float32/float64 neighbours, values below the range, NaN and -Inf, and one group in eight
  // with a value at or above that edge (the general path), in float32 and float64.
  test.each([
    ['float32, 200 bins over [0, 50000]', 200, [0, 50000], false],
    ['float32, 10 bins over [-100, 900]', 10, [-100, 900], false],
    ['float32, 1 bin over [0, 1] (its edge is hi, which it includes)', 1, [0, 1], false],
    ['float64, 200 bins over [0, 50000]', 200, [0, 50000], true],
    ['float64, 1 bin over [0, 1]', 1, [0, 1], true],
  ] as const)('background groups: %s', (_name, bins, range, f64) => {
    const edges = linspaceRef(range[0], range[1], bins + 1);
    const [lo, firstEdge] = f64 ? [edges[0], edges[1]] : [Math.fround(edges[0]), Math.fround(edges[1])];
    const below = (v: number) => (f64 ? v - Math.abs(v) * 2 ** -52 - 2 ** -1074 : nextDown32(v));
    const above = (v: number) => (f64 ? v + Math.abs(v) * 2 ** -52 + 2 ** -1074 : nextUp32(v));
    const background = [lo, below(lo), above(lo), below(firstEdge), (lo + firstEdge) / 2, lo - 1e6, NaN, -Infinity];
    const rare = [firstEdge, above(firstEdge), range[1], Infinity];
    let seed = 7;
    const pick = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const n = 4 * 4099 + 3;
    const values = f64 ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = (i >> 2) % 8 === 5 && i % 4 === pick(4) ? rare[pick(rare.length)] : background[pick(background.length)];
    const h = new Histogrammer(bins, [...range]);
    try {
      const counts = Array.from(h.histogram(values));
      expect(counts).toEqual(histogramRef(values, bins, [...range]));
      expect(counts[0]).toBeGreaterThan(n / 4);
    } finally {
      h.dispose();
    }
  });

  test('values exactly on the edges of a 1024x1024 image land in the bin they open', () => {
    // every pixel set to an edge value 250·k (exact in float32) or its float32 neighbours
    const img = new Float32Array(1024 * 1024);
    const expected = new Array<number>(200).fill(0);
    for (let i = 0; i < img.length; i++) {
      const k = i % 201;
      const kind = (i / 201) % 3 | 0;
      const edge = 250 * k;
      if (kind === 0) {
        img[i] = edge;
        expected[Math.min(k, 199)]++;
      } else if (kind === 1) {
        img[i] = nextDown32(edge);
        if (k > 0) expected[k - 1]++;
      } else {
        img[i] = nextUp32(edge);
        if (k < 200) expected[k]++;
      }
    }
    const h = new Histogrammer(200, [0, 50000]);
    const counts = h.histogram(img);
    h.dispose();
    expect(Array.from(counts)).toEqual(expected);
  });
});

describe('Histogrammer special values and shapes', () => {
  test('NaN and ±Inf are ignored, the counts sum to the finite values in range', () => {
    const values = [NaN, Infinity, -Infinity, 0, 0.5, 1, 1.5, NaN, -0.0001, 2];
    const h = new Histogrammer(4, [0, 2]);
    const counts = Array.from(h.histogram(values));
    h.dispose();
    // [0,0.5) [0.5,1) [1,1.5) [1.5,2]
    expect(counts).toEqual([1, 1, 1, 2]);
    expect(sum(counts)).toBe(countInRange(values, 0, 2));
  });

  test('a range including only infinities counts nothing but finite values', () => {
    const h = new Histogrammer(3, [-1e30, 1e30]);
    const counts = Array.from(h.histogram(new Float32Array([Infinity, -Infinity, NaN, 0, 3.4e38])));
    h.dispose();
    expect(counts).toEqual([0, 1, 0]);
  });

  test('lo == hi is widened by ±0.5 like NumPy (edges, counts)', () => {
    const h = new Histogrammer(4, [5, 5]);
    try {
      expect(h.range).toEqual([4.5, 5.5]);
      expect(Array.from(h.edges())).toEqual([4.5, 4.75, 5, 5.25, 5.5]);
      expect(Array.from(h.centers())).toEqual([4.625, 4.875, 5.125, 5.375]);
      // numpy 1.24: np.histogram(np.float32([4.5, 4.75, 5, 5.25, 5.5, 4.4, 5.6]), 4, (5, 5))[0] == [1, 1, 1, 2]
      expect(Array.from(h.histogram(new Float32Array([4.5, 4.75, 5, 5.25, 5.5, 4.4, 5.6])))).toEqual([1, 1, 1, 2]);
    } finally {
      h.dispose();
    }
  });

  test('empty input gives all-zero counts', () => {
    const h = new Histogrammer(3, [0, 1]);
    expect(Array.from(h.histogram(new Float32Array(0)))).toEqual([0, 0, 0]);
    expect(Array.from(h.histogram([]))).toEqual([0, 0, 0]);
    expect(Array.from(h.histogram(new WasmArray('f32', 0)))).toEqual([0, 0, 0]);
    h.dispose();
  });

  test.each([1, 2, 3, 5, 6, 7, 9, 1023, 1025])('length %i (not a multiple of 4 where odd) vs the reference', (n) => {
    const values = detectorImage(n, 100 + n, { offset: 500, noise: 300 });
    const h = new Histogrammer(7, [0, 1000]);
    const counts = Array.from(h.histogram(values));
    h.dispose();
    expect(counts).toEqual(histogramRef(values, 7, [0, 1000]));
    expect(sum(counts)).toBe(countInRange(values, 0, 1000));
  });

  test('a single number is a one-element array', () => {
    const h = new Histogrammer(2, [0, 2]);
    expect(Array.from(h.histogram(2))).toEqual([0, 1]);
    expect(Array.from(h.histogram(-1))).toEqual([0, 0]);
    h.dispose();
  });

  test('float64 input is binned as float64 (249.99999999 stays below the edge 250)', () => {
    // numpy 1.24: np.histogram(np.array([249.99999999, 249.99, 50000.000000001, 250.0]), 200, (0, 50000))[0]
    //   has 2 in bin 0, 1 in bin 1 (50000.000000001 is outside)
    const h = new Histogrammer(200, [0, 50000]);
    const counts = h.histogram(new Float64Array([249.99999999, 249.99, 50000.000000001, 250]));
    h.dispose();
    expect(Math.fround(249.99999999)).toBe(250);
    expect(counts[0]).toBe(2);
    expect(counts[1]).toBe(1);
    expect(counts[199]).toBe(0);
    expect(sum(counts)).toBe(3);
  });

  test('every call starts from zero (counts are not accumulated across calls)', () => {
    const h = new Histogrammer(2, [0, 2]);
    expect(Array.from(h.histogram([0.5, 0.5, 1.5]))).toEqual([2, 1]);
    expect(Array.from(h.histogram([1.5]))).toEqual([0, 1]);
    // the wasm-side result is the same and is overwritten by the next call
    const inWasm = h.histogramInWasm([0.1, 0.2, 0.3]);
    expect(Array.from(inWasm.view())).toEqual([3, 0]);
    h.dispose();
  });

  test('WasmArray input gives the same counts as the same values in a Float32Array', () => {
    const values = IMG_1024x512.subarray(0, 4099);
    const w = new WasmArray('f32', values.length).set(values);
    const h = new Histogrammer(200, [0, 50000]);
    try {
      expect(Array.from(h.histogram(w))).toEqual(histogramRef(values, 200, [0, 50000]));
      expect(Array.from(w.view())).toEqual(Array.from(values));
    } finally {
      h.dispose();
      w.dispose();
    }
  });

  test('every float32 in and around [1000, 1000.01], 200 bins (narrower than a float32 step): NumPy float32 counts', () => {
    // numpy 1.24: v = every float32 from float32(999.999) to float32(1000.011);
    //   np.histogram(v, 200, (1000.0, 1000.01))[0]
    const expected =
      '11011111011110111110111101111101111011111011111011110111110111101111101111011111011110111110111101111101111011111011110111110111101111101111101111011111011110111110111101111101111011111011110111110112';
    const values: number[] = [];
    for (let x = Math.fround(999.999); x <= Math.fround(1000.011); x = nextUp32(x)) values.push(x);
    expect(values.length).toBe(197);
    const h = new Histogrammer(200, [1000, 1000.01]);
    const counts = h.histogram(new Float32Array(values));
    h.dispose();
    expect(Array.from(counts).join('')).toBe(expected);
  });

  test('bins narrower than a float32 step (range [1, 1 + 1e-6], 100 bins) give NumPy\'s float32 counts', () => {
    // numpy 1.24: v = the 12 float32 values 1, 1 + 2^-23, ..., 1 + 11·2^-23;
    //   np.histogram(v, 100, (1, 1 + 1e-6))[0] is 1 at bins 1, 12, 24, 36, 48, 60, 72, 84, 96
    // (NumPy scales (v - lo) in float32 by the float64 norm bins/(hi - lo) rounded to float32,
    //  then corrects the index by at most one bin against the float32 edges).
    const values: number[] = [];
    for (let i = 0, x = 1; i < 12; i++, x = nextUp32(x)) values.push(x);
    const h = new Histogrammer(100, [1, 1 + 1e-6]);
    const counts = h.histogram(new Float32Array(values));
    h.dispose();
    const nonzero = Array.from(counts).flatMap((c, i) => (c ? [`${i}:${c}`] : []));
    expect(nonzero).toEqual(['1:1', '12:1', '24:1', '36:1', '48:1', '60:1', '72:1', '84:1', '96:1']);
  });

  test('edges() is numpy.linspace in float64 for an awkward range', () => {
    const h = new Histogrammer(7, [-1.5, 2.25]);
    expect(Array.from(h.edges())).toEqual(Array.from(linspaceRef(-1.5, 2.25, 8)));
    expect(h.edges()[7]).toBe(2.25);
    h.dispose();
  });
});

describe('Histogrammer argument checks', () => {
  test.each([
    ['bins 0', 0, [0, 1]],
    ['bins negative', -3, [0, 1]],
    ['bins non-integer', 2.5, [0, 1]],
    ['bins NaN', NaN, [0, 1]],
    ['bins as a string', '10', [0, 1]],
  ])('%s → RangeError naming bins', (_n, bins, range) => {
    expect(() => new Histogrammer(bins as any, range as any)).toThrow(RangeError);
    expect(() => new Histogrammer(bins as any, range as any)).toThrow(/bins/);
  });

  test.each([
    ['reversed', [1, 0]],
    ['lo NaN', [NaN, 1]],
    ['hi NaN', [0, NaN]],
    ['infinite', [0, Infinity]],
    ['-infinite', [-Infinity, 0]],
  ])('range %s → RangeError naming the range', (_n, range) => {
    expect(() => new Histogrammer(10, range as any)).toThrow(RangeError);
    expect(() => new Histogrammer(10, range as any)).toThrow(/range/);
  });

  test.each([
    ['not an array', 5],
    ['one value', [0]],
    ['three values', [0, 1, 2]],
  ])('range %s → TypeError', (_n, range) => {
    expect(() => new Histogrammer(10, range as any)).toThrow(TypeError);
  });

  test('unsupported input → TypeError naming the call', () => {
    const h = new Histogrammer(10, [0, 1]);
    expect(() => h.histogram('abc')).toThrow(/Histogrammer\.histogram/);
    expect(() => h.histogram(null)).toThrow(TypeError);
    expect(() => h.histogram({ data: [1, 2, 3], shape: [2, 2] })).toThrow(/shape/);
    expect(() => h.histogram(new WasmArray('i32', 4))).toThrow(/float32 or float64/);
    h.dispose();
  });
});

describe('RangeCounter vs NumPy fixtures (range_counter.json, float32-native counts)', () => {
  test.each(rangeCases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const values: Float32Array = c.values.data;
    const bounds: Float64Array = c.bounds.data;
    const expected = Array.from(c.counts_f32native.data as Float64Array);
    const got: number[] = [];
    const ref: number[] = [];
    for (let j = 0; j < expected.length; j++) {
      const rc = new RangeCounter(bounds[2 * j], bounds[2 * j + 1]);
      got.push(rc.count(values));
      ref.push(rangeCountRef(values, bounds[2 * j], bounds[2 * j + 1]));
    }
    expect(ref).toEqual(expected);
    expect(got).toEqual(expected);
  });

  test('the float32 decision matters in the fixture: bounds (0.1, 0.7) differ from float64 semantics', () => {
    const c = rangeCases.find((x) => x.name === 'specials_and_normal');
    const bounds: Float64Array = c.bounds.data;
    const j = Array.from({ length: bounds.length / 2 }, (_, k) => k).find((k) => bounds[2 * k] === 0.1 && bounds[2 * k + 1] === 0.7)!;
    expect(c.counts.data[j]).not.toBe(c.counts_f32native.data[j]);
    expect(new RangeCounter(0.1, 0.7).count(c.values.data)).toBe(c.counts_f32native.data[j]);
  });
});

describe('RangeCounter', () => {
  test.each([
    ['> 40 (the bright count)', 40, Infinity],
    ['(-50, 50)', -50, 50],
    ['default (−∞, ∞)', undefined, undefined],
    ['< 0', -Infinity, 0],
  ])('1024x1024 image, %s vs the reference', (_n, low, high) => {
    const rc = new RangeCounter(low, high);
    expect(rc.count(IMG_1024)).toBe(rangeCountRef(IMG_1024, low ?? -Infinity, high ?? Infinity));
    expect(rc.count({ data: IMG_1024x512, shape: [1024, 512] })).toBe(rangeCountRef(IMG_1024x512, low ?? -Infinity, high ?? Infinity));
  });

  test('bounds just beyond the float32 range (±3.4028235e38, as np.finfo(float32).max prints) count ±float32 max, as NumPy does', () => {
    // NumPy 1.24 value-based casting: a Python-float bound that does not fit in float32 makes
    // the comparison float64, so float32 max < 3.4028235e38 is true there:
    //   x = np.float32([3.4028235e38, -3.4028235e38, 1, np.inf]); ((x > -3.4028235e38) & (x < 3.4028235e38)).sum() == 3
    const max = 3.4028234663852886e38;
    expect(Math.fround(3.4028235e38)).toBe(max);
    const values = new Float32Array([max, -max, 1, Infinity]);
    expect(rangeCountRef(values, -3.4028235e38, 3.4028235e38)).toBe(3);
    expect(new RangeCounter(-3.4028235e38, 3.4028235e38).count(values)).toBe(3);
    // bounds well outside the float32 range behave like ±∞ (same answer in float32 and float64)
    expect(new RangeCounter(-1e39, 1e39).count(values)).toBe(3);
  });

  test('bounds are strict', () => {
    const values = new Float32Array([40, nextUp32(40), nextDown32(40), 100, nextDown32(100), nextUp32(100), 70]);
    expect(new RangeCounter(40, 100).count(values)).toBe(3); // up(40), down(100), 70
    expect(new RangeCounter(40, 40).count(values)).toBe(0);
    expect(new RangeCounter(nextDown32(40), nextUp32(40)).count(values)).toBe(1);
  });

  test('NaN never counts; defaults count every finite value but not ±Inf (−∞ < −∞ is false)', () => {
    const values = [NaN, NaN, Infinity, -Infinity, 0, -0, 3.4e38, -3.4e38, 1e-45, 5];
    const rc = new RangeCounter();
    expect(rc.low).toBe(-Infinity);
    expect(rc.high).toBe(Infinity);
    expect(rc.count(values)).toBe(6);
    expect(new RangeCounter(-Infinity, Infinity).count([NaN])).toBe(0);
    // an infinite value counts against a finite bound on the other side only if it is inside
    expect(new RangeCounter(0).count([Infinity, -Infinity, NaN])).toBe(0);
    expect(new RangeCounter(-1e38, Infinity).count([Infinity])).toBe(0);
    expect(new RangeCounter(-Infinity, Infinity).count(new Float32Array(1000).fill(NaN))).toBe(0);
  });

  test('low > high counts nothing; (−0, 0) counts nothing', () => {
    expect(new RangeCounter(1, 0).count([0.5, 1, 0])).toBe(0);
    expect(new RangeCounter(-0, 0).count([0, -0, 1e-45, -1e-45])).toBe(0);
  });

  test.each([0, 1, 2, 3, 4, 5, 7, 8, 9, 1021])('length %i: SIMD body and scalar tail agree with the reference', (n) => {
    const values = detectorImage(n, 300 + n, { noise: 50 });
    expect(new RangeCounter(-20, 30).count(values)).toBe(rangeCountRef(values, -20, 30));
    // a value only in the tail
    if (n % 4) {
      const v = new Float32Array(n).fill(-1000);
      v[n - 1] = 0;
      expect(new RangeCounter(-20, 30).count(v)).toBe(1);
    }
  });

  test('input in every form; WasmArray input unchanged', () => {
    const values = IMG_1024.subarray(0, 5003);
    const expected = rangeCountRef(values, 40, Infinity);
    const rc = new RangeCounter(40);
    expect(rc.count(Array.from(values))).toBe(expected);
    expect(rc.count(Float64Array.from(values))).toBe(expected);
    const w = new WasmArray('f32', values.length).set(values);
    expect(rc.count(w)).toBe(expected);
    expect(rc.count({ data: w, shape: [5003] })).toBe(expected);
    expect(Array.from(w.view())).toEqual(Array.from(values));
    w.dispose();
    expect(rc.count(41)).toBe(1);
    expect(rc.count(40)).toBe(0);
  });

  test('bad bounds → TypeError', () => {
    expect(() => new RangeCounter(NaN, 1)).toThrow(TypeError);
    expect(() => new RangeCounter(0, NaN)).toThrow(TypeError);
    expect(() => new RangeCounter('0' as any, 1)).toThrow(TypeError);
    expect(() => new RangeCounter().count('x')).toThrow(/RangeCounter\.count/);
  });
});
