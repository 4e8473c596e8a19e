// The image kernels on float64 data against NumPy on the same float64 arrays
// (test/fixtures/numpy/*_f64.json from test/fixtures/make_fixtures.py): the histogram,
// RangeCounter and NoiseCutter with NumPy's float64 rules, the radial profile (also from a
// given bin map), axis reductions, crop and correction, and the gather kernel.
import { describe, expect, test } from 'vitest';
import {
  core,
  correctImage,
  correctImageInWasm,
  cropImage,
  Histogrammer,
  imageSum,
  meanAlongAxis,
  NoiseCutter,
  radialProfile,
  RadialProfiler,
  RangeCounter,
  roiMean,
  roiSum,
  sumAlongAxis,
  WasmArray,
} from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { expectClose, expectExact } from '../helpers/compare.js';

const histogramCases = loadFixture('histogram_f64').cases as any[];
const thresholds = loadFixture('thresholds_f64').cases as any[];
const images = loadFixture('image_f64').cases as any[];
const byName = (cases: any[], name: string) => cases.find((c) => c.name === name) ?? (() => { throw new Error(`no case ${name}`); })();

describe('Histogrammer on float64 data vs np.histogram (histogram_f64.json)', () => {
  test.each(histogramCases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const values: Float64Array = c.values.data;
    const expected = Array.from(c.counts.data as Float64Array);
    const h = new Histogrammer(c.bins, c.range);
    const w = new WasmArray('f64', values.length).set(values);
    try {
      expect(Array.from(h.histogram(values)), 'Float64Array').toEqual(expected);
      expect(Array.from(h.histogram(Array.from(values))), 'number[]').toEqual(expected);
      expect(Array.from(h.histogramInWasm(w).view()), 'WasmArray<f64>').toEqual(expected);
      expect(Array.from(h.histogram({ data: w, shape: [values.length] })), '{data: WasmArray<f64>, shape}').toEqual(expected);
      expect(Array.from(h.edges())).toEqual(Array.from(c.edges.data as Float64Array));
      // where float32 would count otherwise, the float32 path does
      if (c.float32_differs) expect(Array.from(h.histogram(Float32Array.from(values)))).not.toEqual(expected);
    } finally {
      h.dispose();
      w.dispose();
    }
  });

  test('the fixture exercises the edge correction of the float64 estimate', () => {
    expect(histogramCases.filter((c) => c.n_scaling_index_corrected > 0).length).toBeGreaterThan(3);
  });

  test('7 bins over [0.1, 0.7]: float64 values within float32 rounding of an edge land by the float64 edge', () => {
    // np.linspace(0.1, 0.7, 8)[3] = 0.3571428571428571; numpy 1.24:
    //   np.histogram([e3 - 2e-9, e3, e3 + 2e-9], 7, (0.1, 0.7))[0] == [0, 0, 1, 2, 0, 0, 0]
    const e3 = 0.3571428571428571;
    expect(Math.fround(e3 - 2e-9)).toBe(Math.fround(e3 + 2e-9));
    const h = new Histogrammer(7, [0.1, 0.7]);
    expect(h.edges()[3]).toBe(e3);
    expect(Array.from(h.histogram([e3 - 2e-9, e3, e3 + 2e-9]))).toEqual([0, 0, 1, 2, 0, 0, 0]);
    h.dispose();
  });
});

describe('RangeCounter on float64 data (thresholds_f64.json)', () => {
  const c = byName(thresholds, 'range_counter_near_bounds');
  const values: Float64Array = c.values.data;
  const bounds: Float64Array = c.bounds.data;

  test('bounds compared in float64 as given: counts = NumPy\'s', () => {
    const w = new WasmArray('f64', values.length).set(values);
    try {
      for (let j = 0; j < bounds.length / 2; j++) {
        const rc = new RangeCounter(bounds[2 * j], bounds[2 * j + 1]);
        const label = `(${bounds[2 * j]}, ${bounds[2 * j + 1]})`;
        expect(rc.count(values), label).toBe(c.counts.data[j]);
        expect(rc.count(w), `${label} WasmArray<f64>`).toBe(c.counts.data[j]);
        expect(rc.count({ data: w, shape: [values.length] }), `${label} {data: WasmArray<f64>}`).toBe(c.counts.data[j]);
      }
    } finally {
      w.dispose();
    }
    expect(c.float32_differs.filter(Boolean).length).toBeGreaterThan(5);
  });

  test('a number is float64 data: 40 + 1e-9 is above 40, 3e38 is below 1e39', () => {
    expect(Math.fround(40 + 1e-9)).toBe(40);
    expect(new RangeCounter(40).count(40 + 1e-9)).toBe(1);
    expect(new RangeCounter(40).count(new Float32Array([40 + 1e-9]))).toBe(0);
    expect(new RangeCounter(-Infinity, 1e39).count([3e38, 2e39, Infinity])).toBe(1);
  });
});

describe('NoiseCutter on float64 data (thresholds_f64.json)', () => {
  const cuts = thresholds.filter((c) => c.name.startsWith('noise_cut'));

  test.each(cuts.map((c) => [c.name, c]))('%s: cut() and cutInWasm() give np.where(v < t, fill, v) as float64', (_n, c) => {
    const values: Float64Array = c.values.data;
    const nc = new NoiseCutter(c.threshold, c.fill);
    const out = nc.cut(values) as Float64Array;
    expect(out).toBeInstanceOf(Float64Array);
    expectExact(out, c.cut.data, 'cut');
    const shaped = nc.cut({ data: values, shape: [1, values.length] }) as { data: Float64Array; shape: number[] };
    expect(shaped.shape).toEqual([1, values.length]);
    expectExact(shaped.data, c.cut.data, 'cut {data, shape}');
    const x = new WasmArray('f64', values.length).set(values);
    const into = new WasmArray('f64', values.length);
    try {
      expectExact(nc.cutInWasm(x, into).view(), c.cut.data, 'cutInWasm into another buffer');
      expectExact(x.view(), values, 'input untouched');
      expectExact(nc.cutInWasm(x).view(), c.cut.data, 'cutInWasm in place');
      expect(() => nc.cutInWasm(x, new WasmArray('f32', values.length) as any)).toThrow(/f32.*f64/);
    } finally {
      x.dispose();
      into.dispose();
    }
  });
});

describe('radial profile of float64 data (image_f64.json)', () => {
  for (const c of images.filter((x) => x.kind === 'radial')) {
    test(`${c.name}: profile${c.calcStd ? ', std' : ''} and counts`, () => {
      const result = radialProfile(c.input.data as Float64Array, c.shape, { center: c.center, os: c.os, calcStd: c.calcStd });
      // the sum of ~10 values of 1e9 differs from NumPy's bincount order by a few ulps
      expectClose(result.profile, c.profile.data, { rtol: 4e-16 * 8, label: 'profile' });
      expectExact(result.counts, c.counts.data, 'counts');
      if (c.calcStd) expectClose(result.std!, c.std.data, { rtol: 1e-12, atol: 1e-13, label: 'std' });
    });
  }
});

describe('RadialProfiler.fromBinMap', () => {
  const c = byName(images, 'bin_map_6x10');
  const map: Int32Array = c.map.data;

  test('a given map with negative entries (no bin): profile and counts = NumPy\'s, for float64 and float32 data', () => {
    const p = RadialProfiler.fromBinMap(map, c.shape);
    try {
      expect(p.bins).toBe(4);
      expect(p.center).toBeNull();
      expect(p.os).toBeNull();
      expectExact(p.binMap(), Array.from(map, (r) => (r < 0 ? -1 : r)), 'binMap (no bin as -1)');
      const result = p.profile({ data: c.input.data, shape: c.shape });
      expectClose(result.profile, c.profile.data, { rtol: 4e-16 * 8, label: 'profile' });
      expectExact(result.counts, c.counts.data, 'counts');
      const rounded = p.profile(Float32Array.from(c.input.data as Float64Array));
      expectClose(rounded.profile, c.profile_f32.data, { rtol: 4e-16 * 8, label: 'profile of float32 data' });
      // the same map again gives the same profile (the scratch is reset per call)
      expectExact(p.profile(c.input.data).profile, result.profile, 'again');
    } finally {
      p.dispose();
    }
  });

  test('a map without negative entries equals the computed one', () => {
    const computed = new RadialProfiler([7, 9], { center: [3, 4.5] });
    const given = RadialProfiler.fromBinMap(computed.binMap(), [7, 9]);
    const data = Float64Array.from({ length: 63 }, (_, i) => 1e9 + i * 1e-3);
    try {
      expect(given.bins).toBe(computed.bins);
      expectExact(given.profile(data).profile, computed.profile(data).profile, 'profile');
    } finally {
      computed.dispose();
      given.dispose();
    }
  });

  test('every element in no bin: zero bins, an empty profile', () => {
    const p = RadialProfiler.fromBinMap(new Int32Array(6).fill(-1), [2, 3]);
    expect(p.bins).toBe(0);
    expect(p.profile(new Float64Array(6).fill(1)).profile.length).toBe(0);
    p.dispose();
  });

  test('validation: Int32Array only, shape must match its length', () => {
    expect(() => RadialProfiler.fromBinMap([0, 1] as any, [2])).toThrow(TypeError);
    expect(() => RadialProfiler.fromBinMap(new Float64Array(2) as any, [2])).toThrow(/Int32Array/);
    expect(() => RadialProfiler.fromBinMap(new Int32Array(6), [2, 2])).toThrow(/shape/);
    expect(() => RadialProfiler.fromBinMap(new Int32Array(6), [])).toThrow(/shape/);
    expect(() => RadialProfiler.fromBinMap(new Int32Array(0), [0])).toThrow(/shape/);
    const p = RadialProfiler.fromBinMap(new Int32Array(6), [2, 3]);
    expect(() => p.profile(new Float64Array(5))).toThrow(/shape \[2, 3\]/);
    p.dispose();
  });
});

describe('axis reductions, sums, crop and correction of float64 images (image_f64.json reduce_6x7)', () => {
  const c = byName(images, 'reduce_6x7');
  const image = { data: c.input.data as Float64Array, shape: c.shape as number[] };
  // NumPy sums 7 or 6 values of ~1e9 in another order: a few ulps apart
  const rtol = 8 * 2.2e-16;

  test('meanAlongAxis / sumAlongAxis are float64 and NumPy\'s', () => {
    for (const [got, expected, label] of [
      [meanAlongAxis(image, 1), c.mean_axis1.data, 'mean axis 1'],
      [meanAlongAxis(image, 0), c.mean_axis0.data, 'mean axis 0'],
      [sumAlongAxis(image, 1), c.sum_axis1.data, 'sum axis 1'],
      [sumAlongAxis(image, 0), c.sum_axis0.data, 'sum axis 0'],
    ] as const) {
      expect(got, label).toBeInstanceOf(Float64Array);
      expectClose(got, expected, { rtol, label });
    }
    const w = new WasmArray('f64', image.data.length).set(image.data);
    expectClose(meanAlongAxis({ data: w, shape: image.shape }, 1), c.mean_axis1.data, { rtol, label: 'wasm f64' });
    w.dispose();
  });

  test('imageSum, roiSum, roiMean', () => {
    expect(Math.abs(imageSum(image) - c.sum)).toBeLessThanOrEqual(rtol * Math.abs(c.sum));
    const roi = c.roi as { rows: [number, number]; cols: [number, number] };
    expect(Math.abs(roiSum(image, roi) - c.roi_sum)).toBeLessThanOrEqual(rtol * Math.abs(c.roi_sum));
    const size = (roi.rows[1] - roi.rows[0]) * (roi.cols[1] - roi.cols[0]);
    expect(Math.abs(roiMean(image, roi, { skipNaN: true }) - c.roi_sum / size)).toBeLessThanOrEqual((rtol * Math.abs(c.roi_sum)) / size);
  });

  test('cropImage keeps float64 values exactly', () => {
    const roi = c.roi as { rows: [number, number]; cols: [number, number] };
    const crop = cropImage(image, roi);
    expect(crop.data).toBeInstanceOf(Float64Array);
    expect(crop.shape).toEqual([3, 4]);
    const expected: number[] = [];
    for (let r = roi.rows[0]; r < roi.rows[1]; r++) for (let col = roi.cols[0]; col < roi.cols[1]; col++) expected.push(image.data[r * 7 + col]);
    expectExact(crop.data, expected, 'crop');
    expect(crop.data).toContain(0.1);
  });

  test('correctImage / correctImageInWasm: (raw − dark) × gain in float64, bit for bit', () => {
    const raw: Float64Array = c.raw.data;
    const dark: Float64Array = c.dark.data;
    const out = correctImage(raw, { dark, gain: c.gain });
    expect(out).toBeInstanceOf(Float64Array);
    expectExact(out, c.corrected.data, 'correctImage');
    const rawW = new WasmArray('f64', raw.length).set(raw);
    const darkW = new WasmArray('f64', dark.length).set(dark);
    const outW = new WasmArray('f64', raw.length);
    try {
      expectExact(correctImageInWasm(rawW, outW, { dark: darkW, gain: c.gain }).view(), c.corrected.data, 'in wasm');
      expectExact(correctImageInWasm(rawW, outW, { dark, gain: c.gain }).view(), c.corrected.data, 'in wasm, dark copied in');
      expect(() => correctImageInWasm(rawW, new WasmArray('f32', raw.length) as any)).toThrow(/f32.*f64/);
    } finally {
      for (const w of [rawW, darkW, outW]) w.dispose();
    }
    // a float32 image with a float64 dark is computed in float64, as NumPy promotes
    const raw32 = Float32Array.from(raw);
    const mixed = correctImage(raw32, { dark, gain: c.gain });
    expect(mixed).toBeInstanceOf(Float64Array);
    expectExact(mixed, Array.from(raw32, (v, i) => (v - dark[i]) * c.gain), 'float32 image, float64 dark');
  });
});

describe('gather kernel (core.gather / core.gatherF64)', () => {
  test('float32: out[j] = x[map[j]], NaN where map[j] < 0', () => {
    const x = new WasmArray('f32', 4).set([10, 20, 30, 40]);
    const map = new WasmArray('i32', 7).set([3, -1, 0, 0, 2, -5, 1]);
    const out = new WasmArray('f32', 7).fill(123);
    try {
      core.gather(x.ptr, map.ptr, out.ptr, 7);
      expectExact(out.view(), [40, NaN, 10, 10, 30, NaN, 20], 'gather');
      expectExact(x.view(), [10, 20, 30, 40], 'x untouched');
    } finally {
      for (const w of [x, map, out]) w.dispose();
    }
  });

  test('float64: values float32 cannot hold come through exactly; length 0 writes nothing', () => {
    const x = new WasmArray('f64', 3).set([0.1, 1e39, 2 ** 53 - 1]);
    const map = new WasmArray('i32', 5).set([2, 1, -1, 0, 2]);
    const out = new WasmArray('f64', 5).fill(7);
    try {
      core.gatherF64(x.ptr, map.ptr, out.ptr, 5);
      expectExact(out.view(), [2 ** 53 - 1, 1e39, NaN, 0.1, 2 ** 53 - 1], 'gatherF64');
      out.fill(7);
      core.gatherF64(x.ptr, map.ptr, out.ptr, 0);
      expectExact(out.view(), [7, 7, 7, 7, 7], 'length 0');
    } finally {
      for (const w of [x, map, out]) w.dispose();
    }
  });
});
