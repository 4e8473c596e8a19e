// reduce.ts: axis means/sums (float64 accumulation, float32 result), image and ROI sums and
// means (NaN rules), cropping and the detector correction (raw − dark) × gain, vs plain
// loops in test/reference/image.ts.
import { describe, expect, test } from 'vitest';
import { correctImage, cropImage, imageSum, meanAlongAxis, roiMean, roiSum, sumAlongAxis, WasmArray } from 'sacla-analysis';
import { detectorImage, rng } from '../helpers/random.js';
import { firstMismatch } from '../helpers/compare.js';
import { correctRef, cropRef, reduceAxisRef, roiRef } from '../reference/index.js';

const ROWS = 1024;
const COLS = 512;
// A spectrometer-like image: a bright band along the energy axis (rows) on noise.
const SPEC = (() => {
  const img = detectorImage(ROWS * COLS, 51, { offset: 20, noise: 15, hits: 0.002 });
  for (let r = 0; r < ROWS; r++) {
    const line = 3000 * Math.exp(-(((r - 600) / 40) ** 2));
    for (let c = 200; c < 320; c++) img[r * COLS + c] += line;
  }
  return img;
})();
const SPEC_IMAGE = { data: SPEC, shape: [ROWS, COLS] };

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0) {
  const i = firstMismatch(actual, expected, rel, abs);
  expect(i, i >= 0 ? `[${i}]: ${actual[i]} vs ${expected[i]}` : i === -2 ? `length ${actual.length} vs ${expected.length}` : '').toBe(-1);
}

describe('meanAlongAxis / sumAlongAxis', () => {
  test('meanAlongAxis(image, 1) of a 1024x512 spectrometer image = float64 mean rounded to float32 (the spectrum)', () => {
    const spectrum = meanAlongAxis(SPEC_IMAGE, 1);
    expect(spectrum).toBeInstanceOf(Float32Array);
    expect(spectrum.length).toBe(ROWS);
    expectClose(spectrum, reduceAxisRef(SPEC, ROWS, COLS, 1, true), 1e-6);
    // the band is where it was put
    let best = 0;
    for (let r = 1; r < ROWS; r++) if (spectrum[r] > spectrum[best]) best = r;
    expect(Math.abs(best - 600)).toBeLessThanOrEqual(2);
  });

  test('meanAlongAxis(image, 0): one value per column', () => {
    const m = meanAlongAxis(SPEC_IMAGE, 0);
    expect(m.length).toBe(COLS);
    expectClose(m, reduceAxisRef(SPEC, ROWS, COLS, 0, true), 1e-6);
  });

  test.each([0, 1] as const)('sumAlongAxis(image, %i)', (axis) => {
    const s = sumAlongAxis(SPEC_IMAGE, axis);
    expect(s.length).toBe(axis === 1 ? ROWS : COLS);
    expectClose(s, reduceAxisRef(SPEC, ROWS, COLS, axis, false), 1e-6);
  });

  test('float64 accumulation: a large offset plus small values is not lost (a float32 sum would be)', () => {
    // each row: 1e8 followed by 1000 ones; float32 running sum stays at 1e8, float64 gives 1e8 + 1000
    const cols = 1001;
    const data = new Float32Array(3 * cols).fill(1);
    for (let r = 0; r < 3; r++) data[r * cols] = 1e8;
    const s = sumAlongAxis({ data, shape: [3, cols] }, 1);
    expect(Array.from(s)).toEqual([1e8 + 1000, 1e8 + 1000, 1e8 + 1000].map(Math.fround));
    const m = meanAlongAxis({ data, shape: [3, cols] }, 1);
    expect(Array.from(m)).toEqual(Array(3).fill(Math.fround((1e8 + 1000) / cols)));
  });

  test('odd sizes (rows, cols not multiples of 2 or 4) and a NaN propagating to its row and column only', () => {
    const rows = 7;
    const cols = 13;
    const data = detectorImage(rows * cols, 52, { offset: 5, noise: 2 });
    data[3 * cols + 5] = NaN;
    const byRow = meanAlongAxis({ data, shape: [rows, cols] }, 1);
    const byCol = sumAlongAxis({ data, shape: [rows, cols] }, 0);
    expectClose(byRow, reduceAxisRef(data, rows, cols, 1, true), 1e-6);
    expectClose(byCol, reduceAxisRef(data, rows, cols, 0, false), 1e-6);
    expect(Array.from(byRow, Number.isNaN)).toEqual(Array.from({ length: rows }, (_, r) => r === 3));
    expect(Array.from(byCol, Number.isNaN)).toEqual(Array.from({ length: cols }, (_, c) => c === 5));
  });

  test('a WasmArray image gives the same spectrum', () => {
    const w = new WasmArray('f32', SPEC.length).set(SPEC);
    try {
      expectClose(meanAlongAxis({ data: w, shape: [ROWS, COLS] }, 1), reduceAxisRef(SPEC, ROWS, COLS, 1, true), 1e-6);
    } finally {
      w.dispose();
    }
  });

  test('non-2-D input or a bad axis → RangeError', () => {
    expect(() => meanAlongAxis(new Float32Array(8), 1)).toThrow(/2-D/);
    expect(() => meanAlongAxis({ data: new Float32Array(8), shape: [2, 2, 2] }, 1)).toThrow(/2-D/);
    expect(() => sumAlongAxis(5, 0)).toThrow(/2-D/);
    expect(() => meanAlongAxis({ data: new Float32Array(8), shape: [2, 4] }, 2 as any)).toThrow(/axis/);
    expect(() => meanAlongAxis({ data: new Float32Array(8), shape: [3, 4] }, 1)).toThrow(/shape/);
  });
});

describe('imageSum', () => {
  test('float64 sum of a 1024x512 image (rel 1e-12)', () => {
    const s = imageSum(SPEC_IMAGE);
    const ref = roiRef(SPEC, COLS, { rows: [0, ROWS], cols: [0, COLS] }, false).sum;
    expect(Math.abs(s - ref) / Math.abs(ref)).toBeLessThan(1e-12);
    // also for flat input (any shape)
    expect(Math.abs(imageSum(SPEC) - ref) / Math.abs(ref)).toBeLessThan(1e-12);
  });

  test('NaN propagates; skipNaN gives the nansum', () => {
    const data = Float32Array.from([1, 2, NaN, 4, 5, NaN, 7]);
    expect(imageSum(data)).toBeNaN();
    expect(imageSum(data, { skipNaN: true })).toBe(19);
    expect(imageSum({ data, shape: [7] }, { skipNaN: true })).toBe(19);
    expect(imageSum(new Float32Array(5).fill(NaN), { skipNaN: true })).toBe(0);
  });

  test('±Inf: Inf, and Inf − Inf = NaN even with skipNaN', () => {
    expect(imageSum([1, Infinity, 2])).toBe(Infinity);
    expect(imageSum([1, Infinity, -Infinity], { skipNaN: true })).toBeNaN();
  });

  test('a 1024x512 image with NaN pixels: skipNaN vs the reference', () => {
    const data = SPEC.slice();
    const random = rng(53);
    for (let k = 0; k < 50; k++) data[Math.floor(random() * data.length)] = NaN;
    const ref = roiRef(data, COLS, { rows: [0, ROWS], cols: [0, COLS] }, true).sum;
    expect(imageSum({ data, shape: [ROWS, COLS] })).toBeNaN();
    expect(Math.abs(imageSum({ data, shape: [ROWS, COLS] }, { skipNaN: true }) - ref) / Math.abs(ref)).toBeLessThan(1e-12);
  });

  test('empty input sums to 0; a number sums to itself', () => {
    expect(imageSum(new Float32Array(0))).toBe(0);
    expect(imageSum(2.5)).toBe(2.5);
  });
});

describe('roiSum / roiMean', () => {
  const rois = [
    { rows: [500, 700], cols: [180, 340] },
    { rows: [0, ROWS], cols: [0, COLS] },
    { rows: [1, 2], cols: [3, 4] },
    { rows: [1023, 1024], cols: [0, 511] },
    { rows: [7, 19], cols: [1, 6] },
  ] as { rows: [number, number]; cols: [number, number] }[];

  test.each(rois.map((r) => [JSON.stringify(r), r]))('roi %s vs the reference', (_n, roi) => {
    const ref = roiRef(SPEC, COLS, roi, false);
    const s = roiSum(SPEC_IMAGE, roi);
    expect(Math.abs(s - ref.sum)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.sum));
    const m = roiMean(SPEC_IMAGE, roi);
    expect(Math.abs(m - ref.sum / ref.size)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.sum / ref.size));
  });

  test('NaN inside the ROI: NaN, or with skipNaN the sum and the mean of the non-NaN values', () => {
    const data = Float32Array.from({ length: 20 }, (_, i) => i);
    data[6] = NaN; // (1, 1)
    data[13] = NaN; // (2, 3)
    const image = { data, shape: [4, 5] };
    const roi = { rows: [1, 3], cols: [0, 4] } as { rows: [number, number]; cols: [number, number] };
    // rows 1..2, cols 0..3: 5 6 7 8 | 10 11 12 13 → without NaN: 5+7+8+10+11+12 = 53 over 6
    expect(roiSum(image, roi)).toBeNaN();
    expect(roiMean(image, roi)).toBeNaN();
    expect(roiSum(image, roi, { skipNaN: true })).toBe(53);
    expect(roiMean(image, roi, { skipNaN: true })).toBe(53 / 6);
    // a NaN outside the ROI does not matter
    expect(roiSum(image, { rows: [0, 1], cols: [0, 5] })).toBe(0 + 1 + 2 + 3 + 4);
    // an ROI of only NaN with skipNaN: sum 0, mean NaN
    expect(roiSum(image, { rows: [1, 2], cols: [1, 2] }, { skipNaN: true })).toBe(0);
    expect(roiMean(image, { rows: [1, 2], cols: [1, 2] }, { skipNaN: true })).toBeNaN();
  });

  test('skipNaN on a 1024x512 image with NaN pixels vs the reference', () => {
    const data = SPEC.slice();
    const random = rng(54);
    for (let k = 0; k < 500; k++) data[Math.floor(random() * data.length)] = NaN;
    const roi = { rows: [100, 900], cols: [33, 481] } as { rows: [number, number]; cols: [number, number] };
    const ref = roiRef(data, COLS, roi, true);
    expect(ref.count).toBeLessThan(ref.size);
    const image = { data, shape: [ROWS, COLS] };
    expect(Math.abs(roiSum(image, roi, { skipNaN: true }) - ref.sum)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.sum));
    expect(Math.abs(roiMean(image, roi, { skipNaN: true }) - ref.sum / ref.count)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.sum / ref.count));
  });

  test('empty ROI: sum 0, mean NaN', () => {
    expect(roiSum(SPEC_IMAGE, { rows: [5, 5], cols: [0, 10] })).toBe(0);
    expect(roiSum(SPEC_IMAGE, { rows: [0, 10], cols: [7, 7] })).toBe(0);
    expect(roiMean(SPEC_IMAGE, { rows: [5, 5], cols: [0, 10] })).toBeNaN();
    expect(roiMean(SPEC_IMAGE, { rows: [5, 5], cols: [0, 10] }, { skipNaN: true })).toBeNaN();
  });

  test.each([
    ['rows past the end', { rows: [0, ROWS + 1], cols: [0, 5] }],
    ['cols past the end', { rows: [0, 5], cols: [500, COLS + 1] }],
    ['negative start', { rows: [-1, 5], cols: [0, 5] }],
    ['reversed', { rows: [5, 4], cols: [0, 5] }],
    ['non-integer', { rows: [0, 4.5], cols: [0, 5] }],
    ['missing cols', { rows: [0, 4] }],
  ])('out-of-bounds or malformed ROI (%s) → RangeError', (_n, roi) => {
    expect(() => roiSum(SPEC_IMAGE, roi as any)).toThrow(RangeError);
    expect(() => roiMean(SPEC_IMAGE, roi as any)).toThrow();
    expect(() => cropImage(SPEC_IMAGE, roi as any)).toThrow(RangeError);
  });

  test('non-2-D input → RangeError', () => {
    expect(() => roiSum(new Float32Array(16), { rows: [0, 1], cols: [0, 1] })).toThrow(/2-D/);
    expect(() => roiMean({ data: new Float32Array(8), shape: [2, 2, 2] }, { rows: [0, 1], cols: [0, 1] })).toThrow(/2-D/);
  });
});

describe('cropImage', () => {
  test.each([
    [{ rows: [500, 700], cols: [180, 341] }],
    [{ rows: [0, 1], cols: [0, COLS] }],
    [{ rows: [0, ROWS], cols: [511, 512] }],
    [{ rows: [3, 3], cols: [0, 4] }],
  ] as [{ rows: [number, number]; cols: [number, number] }][])('%j vs the reference', (roi) => {
    const out = cropImage(SPEC_IMAGE, roi);
    expect(out.shape).toEqual([roi.rows[1] - roi.rows[0], roi.cols[1] - roi.cols[0]]);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual(Array.from(cropRef(SPEC, COLS, roi)));
  });

  test('NaN is copied as is; the input is not modified; wasm input works', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    data[5] = NaN;
    const copy = data.slice();
    const out = cropImage({ data, shape: [3, 4] }, { rows: [1, 3], cols: [1, 3] });
    expect(Array.from(out.data)).toEqual([NaN, 6, 9, 10]);
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(data)).toEqual(Array.from(copy));
    const w = new WasmArray('f32', 12).set(data);
    expect(Array.from(cropImage({ data: w, shape: [3, 4] }, { rows: [0, 2], cols: [0, 2] }).data)).toEqual([0, 1, 4, NaN]);
    w.dispose();
  });
});

describe('correctImage', () => {
  const RAW = detectorImage(ROWS * COLS, 55, { offset: 250, noise: 40, hits: 0.01, hitValue: 1000 });
  const DARK = detectorImage(ROWS * COLS, 56, { offset: 240, noise: 5, hits: 0 });
  const GAIN = 3.65 * 1.3; // eV per ADU: a non-float32 value

  test('(raw − dark) × gain in float32 on a 1024x512 image, bit for bit vs Math.fround', () => {
    const copy = RAW.slice();
    const out = correctImage({ data: RAW, shape: [ROWS, COLS] }, { dark: DARK, gain: GAIN });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(RAW.length);
    expectClose(out, correctRef(RAW, DARK, GAIN), 0);
    // and within float32 rounding of the exact float64 product
    for (let i = 0; i < 1000; i++) {
      const exact = (RAW[i] - DARK[i]) * GAIN;
      expect(Math.abs(out[i] - exact)).toBeLessThanOrEqual(2 ** -22 * Math.abs(exact) + 1e-30);
    }
    expect(Array.from(RAW.subarray(0, 1000))).toEqual(Array.from(copy.subarray(0, 1000)));
    expect(RAW.every((v, i) => Object.is(v, copy[i]))).toBe(true);
  });

  test('without dark: raw × gain; default gain 1 returns the raw values', () => {
    expectClose(correctImage(RAW, { gain: GAIN }), correctRef(RAW, null, GAIN), 0);
    expectClose(correctImage(RAW), RAW, 0);
    expectClose(correctImage(RAW, { dark: null }), RAW, 0);
  });

  test('dark in wasm memory (WasmArray f32) gives the same result; raw in wasm memory is not modified', () => {
    const dark = new WasmArray('f32', DARK.length).set(DARK);
    const raw = new WasmArray('f32', RAW.length).set(RAW);
    try {
      expectClose(correctImage(RAW, { dark, gain: GAIN }), correctRef(RAW, DARK, GAIN), 0);
      expectClose(correctImage(raw, { dark, gain: GAIN }), correctRef(RAW, DARK, GAIN), 0);
      expect(Array.from(raw.view().subarray(0, 2048))).toEqual(Array.from(RAW.subarray(0, 2048)));
      expect(Array.from(dark.view().subarray(0, 2048))).toEqual(Array.from(DARK.subarray(0, 2048)));
    } finally {
      dark.dispose();
      raw.dispose();
    }
  });

  test.each([2, 3, 5, 7, 9])('length %i (SIMD tail), NaN and Inf pass through the arithmetic', (n) => {
    const raw = Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? NaN : 100 + i));
    const dark = Float32Array.from({ length: n }, (_, i) => (i === 0 ? Infinity : 3));
    const out = correctImage(raw, { dark, gain: 0.5 });
    expect(Array.from(out)).toEqual(Array.from(correctRef(raw, dark, 0.5)));
    expect(out[0]).toBe(-Infinity);
    expect(out[n - 1]).toBeNaN();
  });

  test('dark length mismatch → RangeError naming both lengths', () => {
    expect(() => correctImage(new Float32Array(10), { dark: new Float32Array(9) })).toThrow(RangeError);
    expect(() => correctImage(new Float32Array(10), { dark: new Float32Array(9) })).toThrow(/9.*10/);
  });

  test('non-finite or non-number gain → TypeError', () => {
    expect(() => correctImage(new Float32Array(4), { gain: NaN })).toThrow(TypeError);
    expect(() => correctImage(new Float32Array(4), { gain: Infinity })).toThrow(TypeError);
    expect(() => correctImage(new Float32Array(4), { gain: '2' as any })).toThrow(TypeError);
  });

  test('a float64 dark in wasm memory is read as float64: the result is float64, never reinterpreted bytes', () => {
    const raw = new Float32Array([10, 10, 10, 10.5]);
    const dark = new WasmArray('f64', 4).set([1, 2, 3, 0.1]);
    try {
      const result = correctImage(raw, { dark });
      expect(result).toBeInstanceOf(Float64Array);
      expect(Array.from(result)).toEqual([9, 8, 7, 10.5 - 0.1]);
      expect(() => correctImage(raw, { dark: new WasmArray('i32', 4) as any })).toThrow(TypeError);
    } finally {
      dark.dispose();
    }
  });

});
