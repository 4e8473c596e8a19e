// The scan view's per-run statistics (web/src/scan.ts).
import { describe, test, expect } from 'vitest';
import { mean, median, roiMean, roiValues, runStatistic, statistic } from '../../web/src/scan.js';

describe('scan statistics', () => {
  test('median as NumPy computes it (odd and even counts), NaN and infinities left out', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median(Float64Array.of(5, NaN, 1, Infinity, 3))).toBe(3);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(Number.isNaN(median([NaN]))).toBe(true);
  });

  test('mean of the finite values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean(Float32Array.of(1, NaN, 3))).toBe(2);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(statistic([1, 2, 10], 'mean')).toBeCloseTo(13 / 3, 12);
    expect(statistic([1, 2, 10], 'median')).toBe(2);
  });

  test('mean over a rectangular ROI of an image (rows, cols end exclusive)', () => {
    // 4 × 5 image holding 10·row + col.
    const data = Float64Array.from({ length: 20 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5));
    const image = { data, shape: [4, 5] };
    expect(Array.from(roiValues(image, { rows: [1, 3], cols: [2, 4] }))).toEqual([12, 13, 22, 23]);
    expect(roiMean(image, { rows: [1, 3], cols: [2, 4] })).toBe(17.5);
    // The whole image when no ROI is given.
    expect(roiMean(image, null)).toBe(mean(data));
    // Bounds beyond the image are clipped.
    expect(roiMean(image, { rows: [3, 99], cols: [-5, 1] })).toBe(30);
    // NaN pixels (bad pixels) are left out of the mean.
    const withNaN = { data: Float32Array.of(1, NaN, 3, 5), shape: [2, 2] };
    expect(roiMean(withNaN, { rows: [0, 2], cols: [0, 2] })).toBe(3);
  });

  test('an empty ROI or a non-image is an error naming the problem', () => {
    const image = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => roiMean(image, { rows: [1, 1], cols: [0, 3] })).toThrow(/empty inside a 2×3 image/);
    expect(() => roiMean({ data: new Float64Array(3), shape: [3] }, null)).toThrow(/needs a 2-D image/);
  });

  test('one number per run from a scalar, a per-shot list or an image', () => {
    expect(runStatistic({ data: Int32Array.of(42), shape: [] }, 'median')).toBe(42);
    expect(runStatistic({ data: Float64Array.of(1, 5, 2, 8), shape: [4] }, 'median')).toBe(3.5);
    expect(runStatistic({ data: Float64Array.of(1, 5, 2, 8), shape: [4] }, 'mean')).toBe(4);
    const image = { data: Float64Array.of(1, 2, 3, 4), shape: [2, 2] };
    expect(runStatistic(image, 'mean', { rows: [0, 1], cols: [0, 2] })).toBe(1.5);
    expect(runStatistic(image, 'median', null)).toBe(2.5);
  });
});
