// radialProfile / RadialProfiler: NumPy golden fixtures (profile, std, counts, bin map),
// rint half-to-even ties, oversampling, NaN pixels, 1-D/2-D/3-D, the default centre,
// conservation and a direct-loop reference on a 1024×1024 detector image, errors, reuse.
import { describe, expect, test } from 'vitest';
import { radialProfile, RadialProfiler, WasmArray } from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { detectorImage, rng } from '../helpers/random.js';
import { firstMismatch } from '../helpers/compare.js';
import { radialRef, rintHalfEven } from '../reference/index.js';

const cases = loadFixture('radial').cases as any[];

/** std tolerance: sqrt(<x²> − <x>²) loses ~eps·<x²> in the difference, i.e. eps·mean²/(2·std) in std. */
function expectStdClose(actual: Float64Array, expected: Float64Array, mean: Float64Array) {
  expect(actual.length).toBe(expected.length);
  for (let r = 0; r < expected.length; r++) {
    const e = expected[r];
    const a = actual[r];
    if (Number.isNaN(e)) {
      expect(a, `std[${r}]`).toBeNaN();
      continue;
    }
    const tol = 1e-12 * Math.abs(e) + (64 * 2.2e-16 * mean[r] * mean[r]) / Math.max(e, 1e-3) + 1e-12;
    expect(Math.abs(a - e), `std[${r}]: ${a} vs ${e}`).toBeLessThanOrEqual(tol);
  }
}

function expectProfileClose(actual: Float64Array, expected: Float64Array, rel = 1e-12) {
  const i = firstMismatch(actual, expected, rel, 1e-300);
  expect(i, i >= 0 ? `profile[${i}]: ${actual[i]} vs ${expected[i]}` : i === -2 ? `length ${actual.length} vs ${expected.length}` : '').toBe(-1);
}

describe('radialProfile vs NumPy fixtures (radial.json)', () => {
  test.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const data: Float32Array = c.input.data;
    const shape: number[] = c.shape;
    const options = { center: c.center_is_default ? undefined : c.center, os: c.os, calcStd: c.calcStd };
    const result = radialProfile(data, shape, options);
    const expectedProfile: Float64Array = c.profile.data;
    expectProfileClose(result.profile, expectedProfile);
    expect(Array.from(result.counts)).toEqual(Array.from(c.counts.data as Float64Array));
    if (c.calcStd) {
      expect(result.std).toBeInstanceOf(Float64Array);
      expectStdClose(result.std!, c.std.data, expectedProfile);
    } else {
      expect(result.std).toBeUndefined();
    }
    // the bin map, straight from a RadialProfiler
    const p = new RadialProfiler(shape, { center: c.center, os: c.os });
    try {
      expect(Array.from(p.binMap())).toEqual(Array.from(c.rmap.data as Int32Array));
      expect(p.bins).toBe(expectedProfile.length);
      // the profiler gives the same numbers as the function
      const again = p.profile({ data, shape }, { calcStd: c.calcStd });
      expectProfileClose(again.profile, expectedProfile);
      expect(Array.from(again.counts)).toEqual(Array.from(c.counts.data as Float64Array));
    } finally {
      p.dispose();
    }
    // the independent direct-loop reference agrees with the fixture too
    const ref = radialRef(data, shape, c.center, c.os);
    expect(Array.from(ref.rmap)).toEqual(Array.from(c.rmap.data as Int32Array));
  });
});

describe('radial bins: rint half to even, oversampling', () => {
  test('rintHalfEven (the reference helper) is numpy.rint', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 2.4999999, 2.5000001, 724.077].map(rintHalfEven)).toEqual([0, 2, 2, 4, 4, 2, 3, 724]);
  });

  test('1-D, centre 2.5: distances 2.5 1.5 0.5 0.5 1.5 2.5 → r 2 2 0 0 2 2; r = 1 empty → NaN, count 0', () => {
    const data = [1, 2, 3, 5, 7, 11];
    const p = new RadialProfiler([6], { center: [2.5] });
    expect(Array.from(p.binMap())).toEqual([2, 2, 0, 0, 2, 2]);
    const { profile, counts, std } = p.profile(data, { calcStd: true });
    p.dispose();
    expect(Array.from(counts)).toEqual([2, 0, 4]);
    expect(profile[0]).toBe(4);
    expect(profile[1]).toBeNaN();
    expect(profile[2]).toBe((1 + 2 + 7 + 11) / 4);
    expect(std![0]).toBeCloseTo(1, 12);
    expect(std![1]).toBeNaN();
  });

  test.each([
    [2, [5, 3, 1, 1, 3, 5]],
    [3, [8, 4, 2, 2, 4, 8]], // 7.5 → 8, 4.5 → 4, 1.5 → 2
    [0.5, [1, 1, 0, 0, 1, 1]], // 1.25 → 1, 0.75 → 1, 0.25 → 0
  ])('os %d: 1-D centre 2.5 bin map %j', (os, expected) => {
    const p = new RadialProfiler([6], { center: [2.5], os });
    expect(Array.from(p.binMap())).toEqual(expected);
    expect(p.bins).toBe(Math.max(...expected) + 1);
    p.dispose();
  });

  test('2-D exact half-integer distances (3-4-5 triangles, centre (0.5, 0))', () => {
    // (2, 2): sqrt(1.5² + 2²) = 2.5 → 2;  (3, 6): sqrt(2.5² + 6²) = 6.5 → 6;  (6, 12): sqrt(5.5² + ...) no tie
    const p = new RadialProfiler([8, 8], { center: [0.5, 0] });
    const map = p.binMap();
    p.dispose();
    expect(map[2 * 8 + 2]).toBe(2);
    expect(map[3 * 8 + 6]).toBe(6);
    const ref = radialRef(new Float32Array(64), [8, 8], [0.5, 0]);
    expect(Array.from(map)).toEqual(Array.from(ref.rmap));
    // with os = 3: 7.5 → 8 and 19.5 → 20
    const p3 = new RadialProfiler([8, 8], { center: [0.5, 0], os: 3 });
    const map3 = p3.binMap();
    p3.dispose();
    expect(map3[2 * 8 + 2]).toBe(8);
    expect(map3[3 * 8 + 6]).toBe(20);
  });

  test('default centre is shape // 2 (odd and even sizes)', () => {
    for (const shape of [[7, 9], [6, 5], [8, 8], [5, 6, 7], [20]]) {
      const p = new RadialProfiler(shape);
      const q = new RadialProfiler(shape, { center: shape.map((d) => Math.floor(d / 2)) });
      expect(Array.from(p.center!)).toEqual(shape.map((d) => Math.floor(d / 2)));
      expect(Array.from(p.binMap())).toEqual(Array.from(q.binMap()));
      expect(Array.from(p.binMap())).toEqual(Array.from(radialRef(new Float32Array(p.length), shape).rmap));
      p.dispose();
      q.dispose();
    }
  });
});

describe('NaN pixels', () => {
  test('an r holding only NaN gives NaN profile and std, count 0; other r ignore NaN', () => {
    // 5x5, centre (2, 2): r = 0 is the centre pixel only; make it NaN, and one pixel at r = 1
    const data = Float32Array.from({ length: 25 }, (_, i) => i + 1);
    data[12] = NaN;
    data[7] = NaN; // (1, 2): r = 1 (r = 1 also holds the diagonal neighbours, √2 → 1)
    const { profile, counts, std } = radialProfile(data, [5, 5], { calcStd: true });
    const ref = radialRef(data, [5, 5]);
    expect(profile[0]).toBeNaN();
    expect(std![0]).toBeNaN();
    expect(counts[0]).toBe(0);
    expect(counts[1]).toBe(7);
    expect(profile[1]).toBe((7 + 9 + 12 + 14 + 17 + 18 + 19) / 7);
    expectProfileClose(profile, ref.profile);
    expect(Array.from(counts)).toEqual(Array.from(ref.counts));
  });

  test('all NaN → every r NaN, counts 0', () => {
    const { profile, counts } = radialProfile(new Float32Array(12).fill(NaN), [3, 4]);
    expect(Array.from(profile).every(Number.isNaN)).toBe(true);
    expect(Array.from(counts).every((c) => c === 0)).toBe(true);
  });
});

describe('1024x1024 detector image', () => {
  const N = 1024;
  const IMG = detectorImage(N * N, 31, { offset: 100, noise: 30, hits: 0.01 });
  // about 100 NaN pixels at seeded positions
  const random = rng(32);
  const nanAt = new Set<number>();
  while (nanAt.size < 100) nanAt.add(Math.floor(random() * N * N));
  for (const i of nanAt) IMG[i] = NaN;

  test('conservation: counts sum = non-NaN pixels, Σ profile·counts = nansum (rel 1e-9)', () => {
    const { profile, counts } = radialProfile(IMG, [N, N]);
    let nonNaN = 0;
    let nansum = 0;
    for (const v of IMG) {
      if (Number.isNaN(v)) continue;
      nonNaN++;
      nansum += v;
    }
    expect(nonNaN).toBe(N * N - 100);
    expect(Array.from(counts).reduce((a, b) => a + b, 0)).toBe(nonNaN);
    let total = 0;
    for (let r = 0; r < profile.length; r++) if (counts[r] > 0) total += profile[r] * counts[r];
    expect(Math.abs(total - nansum) / Math.abs(nansum)).toBeLessThan(1e-9);
    // default centre (512, 512): the far corner is at sqrt(2)·512 → 724
    expect(profile.length).toBe(rintHalfEven(Math.hypot(512, 512)) + 1);
  });

  test('fractional centre (511.3, 520.7) with std vs the direct-loop reference', () => {
    const center = [511.3, 520.7];
    const ref = radialRef(IMG, [N, N], center);
    const p = new RadialProfiler([N, N], { center });
    try {
      expect(Array.from(p.binMap())).toEqual(Array.from(ref.rmap));
      const result = p.profile({ data: IMG, shape: [N, N] }, { calcStd: true });
      expect(Array.from(result.counts)).toEqual(Array.from(ref.counts));
      expectProfileClose(result.profile, ref.profile, 1e-11);
      expectStdClose(result.std!, ref.std, ref.profile);
      // the function form with the same centre gives the same numbers
      const viaFunction = radialProfile(IMG, [N, N], { center, calcStd: true });
      expectProfileClose(viaFunction.profile, ref.profile, 1e-11);
    } finally {
      p.dispose();
    }
  });

  test('os = 2 with a fractional centre vs the reference', () => {
    const center = [300.25, 700.5];
    const { profile, counts } = radialProfile(IMG, [N, N], { center, os: 2 });
    const ref = radialRef(IMG, [N, N], center, 2);
    expect(Array.from(counts)).toEqual(Array.from(ref.counts));
    expectProfileClose(profile, ref.profile, 1e-11);
  });

  test('reuse: one RadialProfiler, two different images, each right; the first again gives identical numbers', () => {
    const other = detectorImage(N * N, 33, { offset: 5000, noise: 100 });
    const center = [400.5, 600];
    const p = new RadialProfiler([N, N], { center });
    try {
      const mapBefore = p.binMap();
      const a = p.profile(IMG, { calcStd: true });
      const b = p.profile(other);
      const a2 = p.profile(IMG, { calcStd: true });
      const refA = radialRef(IMG, [N, N], center);
      const refB = radialRef(other, [N, N], center);
      expectProfileClose(a.profile, refA.profile, 1e-11);
      expectProfileClose(b.profile, refB.profile, 1e-11);
      expect(Array.from(b.counts)).toEqual(Array.from(refB.counts));
      expect(b.std).toBeUndefined();
      // no state leaks from one call into the next
      expect(Array.from(a2.profile)).toEqual(Array.from(a.profile));
      expect(Array.from(a2.counts)).toEqual(Array.from(a.counts));
      expect(Array.from(a2.std!)).toEqual(Array.from(a.std!));
      expect(Array.from(p.binMap())).toEqual(Array.from(mapBefore));
      // results are copies: later calls do not overwrite earlier results
      expect(Array.from(a.profile)).toEqual(Array.from(a2.profile));
    } finally {
      p.dispose();
    }
  });

  test('input in wasm memory (WasmArray and {data: WasmArray, shape}) gives the same profile and is not modified', () => {
    const w = new WasmArray('f32', N * N).set(IMG);
    try {
      const ref = radialRef(IMG, [N, N]);
      const viaArray = radialProfile(w, [N, N]);
      expectProfileClose(viaArray.profile, ref.profile, 1e-11);
      const p = new RadialProfiler([N, N]);
      const viaImage = p.profile({ data: w, shape: [N, N] });
      p.dispose();
      expectProfileClose(viaImage.profile, ref.profile, 1e-11);
      expect(Array.from(w.view().subarray(0, 4096))).toEqual(Array.from(IMG.subarray(0, 4096)));
    } finally {
      w.dispose();
    }
  });
});

describe('radialProfile: several centres in turn (cache of bin maps) stay right', () => {
  test('6 centres cycled twice on a 64x48 image', () => {
    const shape = [64, 48];
    const data = detectorImage(64 * 48, 41, { offset: 10, noise: 3 });
    const centers = [[32, 24], [0, 0], [10.5, 40.25], [63, 47], [31.5, 23.5], [-5, 60]];
    for (let round = 0; round < 2; round++) {
      for (const center of centers) {
        const ref = radialRef(data, shape, center);
        const { profile, counts } = radialProfile(data, shape, { center });
        expect(Array.from(counts)).toEqual(Array.from(ref.counts));
        expectProfileClose(profile, ref.profile, 1e-12);
      }
    }
  });

  test('same shape, different os → different maps', () => {
    const data = detectorImage(20 * 20, 42);
    const a = radialProfile(data, [20, 20], { os: 1 });
    const b = radialProfile(data, [20, 20], { os: 2 });
    expect(b.profile.length).toBeGreaterThan(a.profile.length);
    expectProfileClose(b.profile, radialRef(data, [20, 20], undefined, 2).profile);
  });
});

describe('radialProfile errors', () => {
  test('wrong centre length → RangeError naming both lengths', () => {
    expect(() => radialProfile(new Float32Array(12), [3, 4], { center: [1] })).toThrow(RangeError);
    expect(() => radialProfile(new Float32Array(12), [3, 4], { center: [1] })).toThrow(/center has 1 value.*2 dimension/);
    expect(() => new RadialProfiler([3, 4], { center: [1, 2, 3] })).toThrow(/center has 3 value.*2 dimension/);
  });

  test('non-finite centre → RangeError', () => {
    expect(() => new RadialProfiler([3, 4], { center: [NaN, 1] })).toThrow(RangeError);
  });

  test('data length ≠ product of shape → error naming both sizes', () => {
    expect(() => radialProfile(new Float32Array(11), [3, 4])).toThrow(/12.*11|11.*12/);
    const p = new RadialProfiler([3, 4]);
    expect(() => p.profile(new Float32Array(13))).toThrow(/13.*12|12.*13/);
    expect(() => p.profile({ data: new Float32Array(12), shape: [2, 5] })).toThrow(/shape/);
    p.dispose();
  });

  test('an {data, shape} of the same size but another shape is an error, not a silently wrong profile', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    const p = new RadialProfiler([3, 4]);
    try {
      expect(() => p.profile({ data, shape: [4, 3] })).toThrow(/shape/);
    } finally {
      p.dispose();
    }
    expect(() => radialProfile({ data, shape: [4, 3] }, [3, 4])).toThrow(/shape/);
  });

  test('bad shape or os → RangeError', () => {
    expect(() => new RadialProfiler([])).toThrow(RangeError);
    expect(() => new RadialProfiler([3, 0])).toThrow(RangeError);
    expect(() => new RadialProfiler([3, 2.5])).toThrow(RangeError);
    expect(() => new RadialProfiler([3, 4], { os: 0 })).toThrow(RangeError);
    expect(() => new RadialProfiler([3, 4], { os: -1 })).toThrow(RangeError);
    expect(() => new RadialProfiler([3, 4], { os: NaN })).toThrow(RangeError);
    expect(() => radialProfile('abc', [3])).toThrow();
  });
});
