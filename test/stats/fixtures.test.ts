// Every accumulator against the golden NumPy fixtures (test/fixtures/numpy/*.json,
// written by test/fixtures/make_fixtures.py: NumPy, not this package).
import { describe, expect, it } from 'vitest';
import {
  Mean,
  Variance,
  Minimum,
  Maximum,
  Covariance,
  RunningMean,
  RunningVariance,
  CDFEstimator,
  QuantileEstimator,
  MedianEstimator,
  type NDArray,
} from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { expectClose, expectExact, maxAbs, rows } from '../helpers/compare.js';

const variance = loadFixture('variance');
const covariance = loadFixture('covariance');
const running = loadFixture('running');
const p2 = loadFixture('p2');
const minmaxMean = loadFixture('minmax_mean');

const byName = (fixture: any, name: string) => {
  const c = fixture.cases.find((x: any) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

describe('Mean vs minmax_mean.json', () => {
  for (const c of minmaxMean.cases) {
    it(`${c.name}: value, sum and the running value after every object`, () => {
      const stack: Float32Array[] = rows(c.stack);
      const mean = new Mean();
      stack.forEach((x, k) => {
        mean.accumulate(x);
        expect(mean.n).toBe(k + 1);
        expectClose(mean.value as Float64Array, rows(c.mean_running)[k] as Float64Array, { rtol: 1e-12, atol: 1e-300, label: `mean after ${k + 1}` });
      });
      expect(mean.value).toBeInstanceOf(Float64Array);
      expectClose(mean.value as Float64Array, c.mean.data, { rtol: 1e-12, label: 'mean' });
      expectClose(mean.sum as Float64Array, c.sum.data, { rtol: 1e-12, label: 'sum' });
      mean.dispose();
    });
  }

  it('K20_L7_offset: also close to np.mean', () => {
    const c = byName(minmaxMean, 'K20_L7_offset');
    const mean = new Mean();
    for (const x of rows(c.stack)) mean.accumulate(x);
    expectClose(mean.value as Float64Array, c.np_mean.data, { rtol: 1e-12, label: 'np_mean' });
  });

  it('K8_L12_nan_inf: NaN propagates, +Inf in the last object gives Inf, Inf then finite gives NaN', () => {
    const c = byName(minmaxMean, 'K8_L12_nan_inf');
    const mean = new Mean();
    for (const x of rows(c.stack)) mean.accumulate(x);
    const v = mean.value as Float64Array;
    for (const j of [0, 1, 2, 3, 4, 5]) expect(v[j]).toBeNaN();
    expect(v[6]).toBe(Infinity);
  });
});

describe('Minimum / Maximum vs fixtures', () => {
  for (const c of minmaxMean.cases) {
    it(`minmax_mean ${c.name}: exact, after every object`, () => {
      const stack: Float32Array[] = rows(c.stack);
      const min = new Minimum();
      const max = new Maximum();
      stack.forEach((x, k) => {
        min.accumulate(x);
        max.accumulate(x);
        expectExact(min.value as Float32Array, rows(c.min_running)[k], `min after ${k + 1}`);
        expectExact(max.value as Float32Array, rows(c.max_running)[k], `max after ${k + 1}`);
      });
      expect(min.value).toBeInstanceOf(Float32Array);
      expectExact(min.value as Float32Array, c.min.data, 'min');
      expectExact(max.value as Float32Array, c.max.data, 'max');
    });
  }

  for (const c of variance.cases) {
    it(`variance.json ${c.name}: min and max exact (NaN propagates)`, () => {
      const min = new Minimum();
      const max = new Maximum();
      for (const x of rows(c.stack)) {
        min.accumulate(x);
        max.accumulate(x);
      }
      expectExact(min.value as Float32Array, c.min.data, 'min');
      expectExact(max.value as Float32Array, c.max.data, 'max');
    });
  }

  it('the caller\'s first array is not modified (and later changes to it do not leak in)', () => {
    const c = byName(variance, 'minmax_with_nan_K11_L13');
    const stack: Float32Array[] = (rows(c.stack) as Float32Array[]).map((r) => r.slice());
    const first = stack[0];
    const firstCopy = first.slice();
    const min = new Minimum();
    const max = new Maximum();
    for (const x of stack) {
      min.accumulate(x);
      max.accumulate(x);
    }
    expectExact(first, firstCopy, 'first array after accumulating');
    first.fill(-12345);
    expectExact(min.value as Float32Array, c.min.data, 'min after the caller reused its array');
    expectExact(max.value as Float32Array, c.max.data, 'max after the caller reused its array');
  });
});

describe('Variance vs variance.json', () => {
  for (const name of ['K37_L53_offset_1e4', 'K2_L5']) {
    it(`${name}: value (unbiased), rms (population), std, mean`, () => {
      const c = byName(variance, name);
      const v = new Variance();
      for (const x of rows(c.stack)) v.accumulate(x);
      expect(v.n).toBe(c.n);
      // The population variance of element 1 is ~1e-4 on a 1e4 offset: absolute error of
      // a float64 Welford is ~1e-16·1e8, so allow 1e-9 relative plus a tiny absolute term.
      const atol = 1e-10;
      expectClose(v.value as Float64Array, c.var_unbiased.data, { rtol: 1e-9, atol, label: 'value' });
      expectClose(v.rms as Float64Array, c.var_population.data, { rtol: 1e-9, atol, label: 'rms' });
      expectClose(v.std as Float64Array, c.std.data, { rtol: 1e-9, atol: 1e-5, label: 'std' });
      expectClose(v.mean as Float64Array, c.mean.data, { rtol: 1e-12, label: 'mean' });
      // the constant element has variance exactly 0
      if (name === 'K37_L53_offset_1e4') {
        expect((v.value as Float64Array)[0]).toBe(0);
        expect((v.std as Float64Array)[0]).toBe(0);
      }
      v.dispose();
    });
  }
});

describe('Covariance vs covariance.json', () => {
  for (const c of covariance.cases) {
    it(`${c.name}: value = np.cov, rms = np.cov(ddof=0), mean`, () => {
      const cov = new Covariance();
      for (const x of rows(c.vectors)) cov.accumulate(x);
      expect(cov.n).toBe(c.n);
      const value = cov.value as NDArray<Float64Array>;
      expect(value.shape).toEqual([c.dim, c.dim]);
      const scale = maxAbs(c.cov.data);
      expectClose(value.data, c.cov.data, { rtol: 1e-9, atol: 1e-9 * scale, label: 'cov' });
      const rms = cov.rms as NDArray<Float64Array>;
      expect(rms.shape).toEqual([c.dim, c.dim]);
      expectClose(rms.data, c.cov_population.data, { rtol: 1e-9, atol: 1e-9 * scale, label: 'cov_population' });
      expectClose(cov.mean as Float64Array, c.mean.data, { rtol: 1e-12, label: 'mean' });
      cov.dispose();
    });
  }
});

describe('RunningMean / RunningVariance vs running.json', () => {
  for (const c of running.cases) {
    it(`${c.name}: after 5 objects and at the end`, () => {
      const rm = new RunningMean(c.lifetime);
      const rv = new RunningVariance(c.lifetime);
      expect(rm.lifetime).toBe(c.lifetime);
      const stack: Float32Array[] = rows(c.stack);
      stack.forEach((x, k) => {
        rm.accumulate(x);
        rv.accumulate(x);
        if (k + 1 === c.after5.n) {
          expectClose(rm.value as Float64Array, c.after5.mean.data, { rtol: 1e-12, atol: 1e-12, label: 'mean after 5' });
          expectClose(rv.value as Float64Array, c.after5.var.data, { rtol: 1e-9, atol: 1e-12, label: 'var after 5' });
        }
      });
      expect(rm.n).toBe(c.n);
      expect(rv.n).toBe(c.n);
      expectClose(rm.value as Float64Array, c.mean.data, { rtol: 1e-12, atol: 1e-12, label: 'mean' });
      expectClose(rv.value as Float64Array, c.var.data, { rtol: 1e-9, atol: 1e-12, label: 'var' });
      expectClose(rv.rms as Float64Array, c.var_raw.data, { rtol: 1e-9, atol: 1e-12, label: 'var_raw (rms)' });
      expectClose(rv.mean as Float64Array, c.mean.data, { rtol: 1e-12, atol: 1e-12, label: 'running variance mean' });
    });
  }

  it('lifetime 3 and 10 differ once n > 3 (the lifetime is used)', () => {
    const [a, b] = running.cases;
    expect(Array.from(a.mean.data)).not.toEqual(Array.from(b.mean.data));
    const r3 = new RunningMean(3);
    const r10 = new RunningMean(10);
    for (const x of rows(running.cases[0].stack)) {
      r3.accumulate(x);
      r10.accumulate(x);
    }
    const v3 = r3.value as Float64Array;
    const v10 = r10.value as Float64Array;
    expect(v3[1]).not.toBeCloseTo(v10[1], 3); // the ramp: the short lifetime lags less
  });
});

// ------------------------------------------------------------------------- P²

function makeEstimator(c: any): CDFEstimator<any> {
  switch (c.kind) {
    case 'MedianEstimator':
      return new MedianEstimator();
    case 'QuantileEstimator':
      return new QuantileEstimator(c.p);
    case 'CDFEstimator':
      return new CDFEstimator(c.points);
    default:
      throw new Error(c.kind);
  }
}

function expectMarkerState(est: CDFEstimator<any>, heights: { data: Float64Array; shape: number[] }, positions: { data: Float64Array; shape: number[] }, n: number, label: string) {
  const h = est.heights as NDArray<Float64Array>;
  expect(h.shape, `${label}: heights shape`).toEqual(heights.shape);
  expectClose(h.data, heights.data, { rtol: 1e-12, atol: 1e-300, label: `${label}: heights` });
  const q = est.q_actual as NDArray<Float64Array>;
  expect(q.shape, `${label}: q_actual shape`).toEqual(positions.shape);
  const expectedQ = positions.data.map((p) => p / (n - 1));
  expectClose(q.data, expectedQ, { rtol: 1e-12, label: `${label}: q_actual` });
  // the positions themselves are integers: exact after undoing the division
  const pos = q.data.map((v) => Math.round(v * (n - 1)));
  expectExact(pos, positions.data, `${label}: positions`);
}

describe('P² estimators vs p2.json', () => {
  for (const c of p2.cases) {
    it(`${c.name} (${c.kind}): heights, q_actual, min, max${c.value ? ', value' : ''}${c.checkpoints ? ', checkpoints' : ''}`, () => {
      const est = makeEstimator(c);
      expectExact(est.markers, c.markers.data, 'markers');
      const stack: Float32Array[] = rows(c.inputs);
      const checkpoints = new Map<number, any>((c.checkpoints ?? []).map((s: any) => [s.after, s]));
      stack.forEach((x, k) => {
        est.accumulate(x);
        const snap = checkpoints.get(k + 1);
        if (snap) expectMarkerState(est, snap.heights, snap.positions, snap.n, `after ${snap.after}`);
      });
      expect(est.n).toBe(c.n);
      expectMarkerState(est, c.heights, c.positions, c.n, 'final');
      const m = c.heights.shape[0];
      const L = c.heights.shape[1];
      expectClose(est.min as Float64Array, c.heights.data.subarray(0, L), { rtol: 1e-12, label: 'min' });
      expectClose(est.max as Float64Array, c.heights.data.subarray((m - 1) * L), { rtol: 1e-12, label: 'max' });
      if (c.value) expectClose(est.value as Float64Array, c.value.data, { rtol: 1e-12, label: 'value' });
      else {
        const [heights, q] = est.value as [NDArray<Float64Array>, NDArray<Float64Array>];
        expectClose(heights.data, c.heights.data, { rtol: 1e-12, label: 'cdf heights' });
        expectClose(q.data, c.q_actual.data, { rtol: 1e-12, label: 'cdf q_actual' });
      }
      est.dispose();
    });
  }

  it('q_actual equals the fixture q_actual', () => {
    for (const c of p2.cases) {
      const est = makeEstimator(c);
      for (const x of rows(c.inputs)) est.accumulate(x);
      expectClose((est.q_actual as NDArray<Float64Array>).data, c.q_actual.data, { rtol: 1e-12, label: c.name });
      est.dispose();
    }
  });

  it('median_long_K500: the estimate is within 10% of np.median', () => {
    const c = byName(p2, 'median_long_K500_L8_exponential');
    const est = new MedianEstimator();
    for (const x of rows(c.inputs)) est.accumulate(x);
    const v = est.value as Float64Array;
    for (let j = 0; j < v.length; j++) {
      expect(Math.abs(v[j] - c.np_median.data[j]) / Math.abs(c.np_median.data[j]), `element ${j}`).toBeLessThan(0.1);
    }
    // min and max are exact sample statistics
    const stack: Float32Array[] = rows(c.inputs);
    const L = v.length;
    const mins = Array.from({ length: L }, (_, j) => Math.min(...stack.map((r) => r[j])));
    const maxs = Array.from({ length: L }, (_, j) => Math.max(...stack.map((r) => r[j])));
    expectExact(est.min as Float64Array, mins, 'min');
    expectExact(est.max as Float64Array, maxs, 'max');
  });

  it('cdf_interp / quantile_interp = linear interpolation of the fixture (heights, q_actual), clamped at the ends', () => {
    // numpy.interp, written out: xs ascending, clamp outside, linear inside
    const npInterp = (x: number, xs: ArrayLike<number>, ys: ArrayLike<number>) => {
      const last = xs.length - 1;
      if (x <= xs[0]) return ys[0];
      if (x >= xs[last]) return ys[last];
      let k = 0;
      while (!(x >= xs[k] && x < xs[k + 1])) k++;
      return ys[k] + ((ys[k + 1] - ys[k]) * (x - xs[k])) / (xs[k + 1] - xs[k]);
    };
    const c = byName(p2, 'cdf_points7_K70_L13');
    const est = new CDFEstimator(7);
    for (const x of rows(c.inputs)) est.accumulate(x);
    const L = c.heights.shape[1];
    const column = (a: { data: Float64Array }, j: number) => Array.from({ length: 7 }, (_, k) => a.data[k * L + j]);
    for (const v of [-10, 0.3, 1.7, 2, 2.5, 10]) {
      const got = est.cdf_interp(v) as Float64Array;
      for (let j = 0; j < L; j++) {
        const h = column(c.heights, j);
        if (new Set(h).size < h.length) continue; // ties: the interpolation is ill-posed
        expect(got[j], `cdf_interp(${v}) element ${j}`).toBeCloseTo(npInterp(v, h, column(c.q_actual, j)), 12);
      }
    }
    for (const q of [0, 0.1, 0.5, 0.77, 1]) {
      const got = est.quantile_interp(q) as Float64Array;
      for (let j = 0; j < L; j++) {
        expect(got[j], `quantile_interp(${q}) element ${j}`).toBeCloseTo(npInterp(q, column(c.q_actual, j), column(c.heights, j)), 12);
      }
    }
  });

  it('quantile estimators: p and the markers [0, p/2, p, (1+p)/2, 1]', () => {
    const q = new QuantileEstimator(0.1);
    expect(q.p).toBe(0.1);
    expectExact(q.markers, [0, 0.05, 0.1, 0.55, 1], 'markers p=0.1');
    expectExact(new MedianEstimator().markers, [0, 0.25, 0.5, 0.75, 1], 'median markers');
    expectExact(new CDFEstimator(7).markers, [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1].map((v, i) => (i === 6 ? 1 : i * (1 / 6))), 'linspace(0,1,7)');
  });
});
