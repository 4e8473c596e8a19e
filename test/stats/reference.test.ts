// Randomised comparisons with the plain-TypeScript references for what the fixtures do
// not cover: RunningCovariance, P² with many markers and extreme quantiles, digitize.
import { describe, expect, it } from 'vitest';
import { RunningCovariance, RunningMean, RunningVariance, CDFEstimator, QuantileEstimator, digitize, type NDArray } from 'sacla-analysis';
import { rng, normal } from '../helpers/random.js';
import { expectClose, expectExact } from '../helpers/compare.js';
import { quantileMarkers, RefP2, RefRunningMean, RefRunningVariance } from '../reference/index.js';

describe('RunningMean / RunningVariance / RunningCovariance vs the references', () => {
  it('default lifetime is 10', () => {
    expect(new RunningMean().lifetime).toBe(10);
    expect(new RunningVariance().lifetime).toBe(10);
    expect(new RunningCovariance().lifetime).toBe(10);
  });

  for (const lifetime of [1, 2.5, 7]) {
    it(`lifetime ${lifetime}: running mean, variance and covariance of 30 vectors of 5`, () => {
      const g = normal(rng(60 + lifetime));
      const stack = Array.from({ length: 30 }, (_, k) => Float32Array.from({ length: 5 }, (_, j) => 10 * j + (k > 15 ? 3 : 0) + g()));
      const rm = new RunningMean(lifetime);
      const rv = new RunningVariance(lifetime);
      const rc = new RunningCovariance(lifetime);
      for (const x of stack) for (const a of [rm, rv, rc]) a.accumulate(x);
      const d = 5;
      // reference covariance: Welford's outer-product form with running means
      const means = Array.from({ length: d }, () => new RefRunningMean(lifetime));
      const covs = Array.from({ length: d * d }, () => new RefRunningMean(lifetime));
      for (const x of stack) {
        const delta1 = Array.from(x, (v, j) => v - means[j].acc);
        means.forEach((m, j) => m.add(x[j]));
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) covs[i * d + j].add(delta1[i] * (x[j] - means[j].acc));
      }
      const n = stack.length;
      const refMean = means.map((m) => m.acc);
      const refVar = Array.from({ length: d }, (_, j) => {
        const r = new RefRunningVariance(lifetime);
        for (const x of stack) r.add(x[j]);
        return r.value;
      });
      expectClose(rm.value as Float64Array, refMean, { rtol: 1e-12, label: 'running mean' });
      expectClose(rv.value as Float64Array, refVar, { rtol: 1e-9, label: 'running variance' });
      const cov = rc.value as NDArray<Float64Array>;
      expect(cov.shape).toEqual([d, d]);
      expectClose(cov.data, covs.map((c) => (c.acc * n) / (n - 1)), { rtol: 1e-9, atol: 1e-12, label: 'running covariance' });
      expectClose((rc.rms as NDArray<Float64Array>).data, covs.map((c) => c.acc), { rtol: 1e-9, atol: 1e-12, label: 'running covariance rms' });
      expectClose(rc.mean as Float64Array, refMean, { rtol: 1e-12, label: 'running covariance mean' });
    });
  }
});

describe('P² vs the literal scalar reference', () => {
  const columns = (K: number, L: number, seed: number) => {
    const r = rng(seed);
    const g = normal(r);
    return Array.from({ length: K }, (_, k) =>
      Float32Array.from({ length: L }, (_, j) => {
        if (j === 0) return Math.round(3 * g()); // ties
        if (j === 1) return k; // increasing
        if (j === 2) return -k; // decreasing
        if (j === 3) return 2.5; // constant
        if (j === 4) return -Math.log(1 - r()); // skewed
        return 100 + 20 * g();
      }),
    );
  };
  const compare = (est: CDFEstimator<any>, markers: number[], stack: Float32Array[]) => {
    const L = stack[0].length;
    const m = markers.length;
    const h = est.heights as NDArray<Float64Array>;
    const q = est.q_actual as NDArray<Float64Array>;
    for (let j = 0; j < L; j++) {
      const ref = new RefP2(markers);
      for (const x of stack) ref.add(x[j]);
      expectExact(Array.from({ length: m }, (_, k) => h.data[k * L + j]), ref.h, `heights of element ${j}`);
      expectClose(Array.from({ length: m }, (_, k) => q.data[k * L + j]), ref.qActual, { rtol: 1e-14, label: `q_actual of element ${j}` });
    }
  };

  for (const points of [3, 11, 21]) {
    it(`CDFEstimator(${points}) over 400 objects of 9 elements: bit for bit`, () => {
      const stack = columns(400, 9, points);
      const est = new CDFEstimator(points);
      for (const x of stack) est.accumulate(x);
      compare(est, Array.from(est.markers), stack);
    });
  }

  for (const p of [0.01, 0.25, 0.99]) {
    it(`QuantileEstimator(${p}) over 300 objects: bit for bit, value = third marker`, () => {
      const stack = columns(300, 9, 1000 * p);
      const est = new QuantileEstimator(p);
      for (const x of stack) est.accumulate(x);
      compare(est, quantileMarkers(p), stack);
      const h = (est.heights as NDArray<Float64Array>).data;
      expectExact(est.value as Float64Array, h.subarray(2 * 9, 3 * 9), 'value');
    });
  }
});

describe('digitize', () => {
  it('as numpy.digitize for ascending edges (right=False)', () => {
    const edges = [0, 1, 3];
    const cases: [number, number][] = [
      [-1, 0],
      [0, 1],
      [0.5, 1],
      [1, 2],
      [2.9, 2],
      [3, 3],
      [100, 3],
      [-Infinity, 0],
      [Infinity, 3],
      [NaN, 3],
    ];
    for (const [s, i] of cases) expect(digitize(s, edges), `digitize(${s})`).toBe(i);
  });
});
