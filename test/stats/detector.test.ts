// Real detector shapes (1024×1024 and 1024×512 float32 images, seeded) against the
// plain-TypeScript references: elementwise statistics, per-pixel P² medians, and the
// covariance of 1024-point spectra.
import { describe, expect, it } from 'vitest';
import { Mean, Variance, Minimum, Maximum, MedianEstimator, Covariance, type NDArray } from 'sacla-analysis';
import { detectorImage, rng, normal } from '../helpers/random.js';
import { expectClose, expectExact, maxAbs } from '../helpers/compare.js';
import { covariance, meanVariance, minMax, quantileMarkers, RefP2 } from '../reference/index.js';

for (const [H, W] of [
  [1024, 1024],
  [1024, 512],
] as const) {
  describe(`${H}×${W} float32 images`, () => {
    const K = 8;
    const images = Array.from({ length: K }, (_, k) => detectorImage(H * W, 1000 + 17 * k + W, { offset: 100 }));
    // a dead pixel (NaN) and a saturated one (+Inf) in one image, at non-multiple-of-4 indices
    images[3][H * W - 3] = NaN;
    images[K - 1][12345] = Infinity; // in the last image: the mean is Inf (seed formula gives NaN after Inf then finite)
    const shape = [H, W];

    it(`Mean, Variance, Minimum, Maximum over ${K} images ({data, shape} input)`, () => {
      const mean = new Mean();
      const variance = new Variance();
      const min = new Minimum();
      const max = new Maximum();
      for (const data of images) {
        const x = { data, shape };
        mean.accumulate(x);
        variance.accumulate(x);
        min.accumulate(x);
        max.accumulate(x);
      }
      const ref = meanVariance(images);
      const mm = minMax(images);
      const mv = mean.value as NDArray<Float64Array>;
      expect(mv.shape).toEqual(shape);
      expectClose(mv.data, ref.mean, { rtol: 1e-9, label: 'mean' });
      expectClose((mean.sum as NDArray<Float64Array>).data, ref.mean.map((v) => v * K), { rtol: 1e-9, label: 'sum' });
      const vv = variance.value as NDArray<Float64Array>;
      expect(vv.shape).toEqual(shape);
      // ±Inf and NaN pixels: the reference gives NaN there as well.
      expectClose(vv.data, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
      expectClose((variance.rms as NDArray<Float64Array>).data, ref.varPopulation, { rtol: 1e-9, label: 'rms' });
      expectClose((variance.std as NDArray<Float64Array>).data, ref.varUnbiased.map(Math.sqrt), { rtol: 1e-9, label: 'std' });
      expectClose((variance.mean as NDArray<Float64Array>).data, ref.mean, { rtol: 1e-9, label: 'variance.mean' });
      const minV = min.value as NDArray<Float32Array>;
      const maxV = max.value as NDArray<Float32Array>;
      expect(minV.shape).toEqual(shape);
      expect(minV.data).toBeInstanceOf(Float32Array);
      expectExact(minV.data, mm.min, 'min');
      expectExact(maxV.data, mm.max, 'max');
      expect(minV.data[H * W - 3]).toBeNaN();
      expect(maxV.data[12345]).toBe(Infinity);
      for (const a of [mean, variance, min, max]) a.dispose();
    });
  });
}

describe('MedianEstimator per pixel vs the literal scalar P²', () => {
  const sample = (length: number, count: number, seed: number) => {
    const r = rng(seed);
    const picks = new Set<number>([0, 1, 2, 3, 4, length - 1, length - 2, length - 3]);
    while (picks.size < count) picks.add(Math.floor(r() * length));
    return [...picks];
  };

  const check = (est: MedianEstimator, images: Float32Array[], pixels: number[], length: number) => {
    const h = est.heights as NDArray<Float64Array>;
    const q = est.q_actual as NDArray<Float64Array>;
    const value = (est.value as NDArray<Float64Array>).data;
    const n = images.length;
    const bad: string[] = [];
    for (const j of pixels) {
      const ref = new RefP2(quantileMarkers(0.5));
      for (const img of images) ref.add(img[j]);
      for (let k = 0; k < 5; k++) {
        if (h.data[k * length + j] !== ref.h[k]) bad.push(`pixel ${j} height ${k}: ${h.data[k * length + j]} vs ${ref.h[k]}`);
        if (Math.round(q.data[k * length + j] * (n - 1)) !== ref.p[k]) bad.push(`pixel ${j} position ${k}: ${q.data[k * length + j] * (n - 1)} vs ${ref.p[k]}`);
      }
      if (value[j] !== ref.h[2]) bad.push(`pixel ${j} value ${value[j]} vs ${ref.h[2]}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  };

  it('256×256 stack of 30 images: 600 sampled pixels, bit for bit', () => {
    const L = 256 * 256;
    const images = Array.from({ length: 30 }, (_, k) => detectorImage(L, 77 + k, { offset: 50, hits: 0.05 }));
    const est = new MedianEstimator();
    for (const data of images) est.accumulate({ data, shape: [256, 256] });
    expect((est.heights as NDArray<Float64Array>).shape).toEqual([5, 256, 256]);
    expect((est.value as NDArray<Float64Array>).shape).toEqual([256, 256]);
    check(est, images, sample(L, 600, 5), L);
    est.dispose();
  });

  it('1024×1024 stack of 6 images: 400 sampled pixels, bit for bit', () => {
    const L = 1024 * 1024;
    const images = Array.from({ length: 6 }, (_, k) => detectorImage(L, 900 + k));
    const est = new MedianEstimator();
    for (const data of images) est.accumulate({ data, shape: [1024, 1024] });
    expect(est.n).toBe(6);
    check(est, images, sample(L, 400, 6), L);
    est.dispose();
  });
});

describe('Covariance of 1024-point spectra', () => {
  it('40 spectra vs the two-pass reference (tolerance 1e-9 of max |cov|)', () => {
    const D = 1024;
    const r = rng(4242);
    const g = normal(r);
    // smooth, correlated spectra: a Gaussian peak whose height and position jitter, plus noise
    const spectra = Array.from({ length: 40 }, () => {
      const amp = 1000 * (1 + 0.3 * g());
      const centre = 500 + 20 * g();
      const s = new Float32Array(D);
      for (let i = 0; i < D; i++) s[i] = 200 + amp * Math.exp(-(((i - centre) / 60) ** 2)) + 5 * g();
      return s;
    });
    const cov = new Covariance();
    for (const s of spectra) cov.accumulate(s);
    const ref = covariance(spectra);
    const v = cov.value as NDArray<Float64Array>;
    expect(v.shape).toEqual([D, D]);
    const scale = maxAbs(ref.cov);
    expectClose(v.data, ref.cov, { atol: 1e-9 * scale, label: 'cov' });
    expectClose((cov.rms as NDArray<Float64Array>).data, ref.covPopulation, { atol: 1e-9 * scale, label: 'rms' });
    expectClose(cov.mean as Float64Array, ref.mean, { rtol: 1e-12, label: 'mean' });
    cov.dispose();
  });
});
