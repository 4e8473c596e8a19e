// Edge cases of the elementwise accumulators: NaN, ±Inf, empty input, lengths that are
// not a multiple of the SIMD width, scalars, {data, shape}, number[] and non-float32 input.
import { describe, expect, it } from 'vitest';
import {
  Mean,
  Variance,
  Minimum,
  Maximum,
  Covariance,
  MedianEstimator,
  CDFEstimator,
  RunningMean,
  RunningVariance,
  WasmArray,
  type NDArray,
} from 'sacla-analysis';
import { rng, normal } from '../helpers/random.js';
import { expectClose, expectExact } from '../helpers/compare.js';
import { covariance, meanVariance, minMax, quantileMarkers, RefP2, toF32 } from '../reference/index.js';

const seededStack = (K: number, L: number, seed: number) => {
  const g = normal(rng(seed));
  return Array.from({ length: K }, () => Float32Array.from({ length: L }, () => 100 + 10 * g()));
};

describe('lengths that are not a multiple of 4 (SIMD tails)', () => {
  for (const L of [1, 2, 3, 5, 7, 1023]) {
    it(`length ${L}: Mean, Variance, Minimum, Maximum, MedianEstimator`, () => {
      const stack = seededStack(9, L, 10 + L);
      // NaN and ±Inf at the last element (in the scalar tail) and, for long arrays, inside the vector part
      if (L >= 3) {
        stack[4][L - 1] = NaN;
        stack[8][L - 2] = -Infinity; // ±Inf in the last object: the seed mean formula gives NaN for Inf followed by finite values
        stack[8][0] = Infinity;
      }
      const mean = new Mean();
      const variance = new Variance();
      const min = new Minimum();
      const max = new Maximum();
      const med = new MedianEstimator();
      for (const x of stack) for (const a of [mean, variance, min, max, med]) a.accumulate(x);
      const ref = meanVariance(stack);
      const mm = minMax(stack);
      expectClose(mean.value as Float64Array, ref.mean, { rtol: 1e-12, label: 'mean' });
      expectClose(variance.value as Float64Array, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
      expectClose(variance.rms as Float64Array, ref.varPopulation, { rtol: 1e-9, label: 'rms' });
      expectExact(min.value as Float32Array, mm.min, 'min');
      expectExact(max.value as Float32Array, mm.max, 'max');
      const h = (med.heights as NDArray<Float64Array>).data;
      for (let j = 0; j < L; j++) {
        if (L >= 3 && j === L - 1) continue; // NaN element: the P² order of a NaN is not specified
        const p = new RefP2(quantileMarkers(0.5));
        for (const x of stack) p.add(x[j]);
        expectExact([0, 1, 2, 3, 4].map((k) => h[k * L + j]), p.h, `P² heights of element ${j}`);
      }
    });
  }

  it('Minimum/Maximum: NaN in the state or in the input, at every position of a length-7 array', () => {
    for (let j = 0; j < 7; j++) {
      const a = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
      const b = Float32Array.from([7, 6, 5, 4, 3, 2, 1]);
      const c = Float32Array.from([0, 0, 0, 0, 0, 0, 0]);
      for (const nanIn of ['first', 'second'] as const) {
        const x = (nanIn === 'first' ? a : b).slice();
        x[j] = NaN;
        const stack = nanIn === 'first' ? [x, b, c] : [a, x, c];
        const min = new Minimum();
        const max = new Maximum();
        for (const s of stack) {
          min.accumulate(s);
          max.accumulate(s);
        }
        const mm = minMax(stack);
        expectExact(min.value as Float32Array, mm.min, `min, NaN at ${j} in the ${nanIn} object`);
        expectExact(max.value as Float32Array, mm.max, `max, NaN at ${j} in the ${nanIn} object`);
        expect((min.value as Float32Array)[j]).toBeNaN();
      }
    }
  });

  it('Covariance of vectors of length 1, 3, 5 and 7', () => {
    for (const d of [1, 3, 5, 7]) {
      const stack = seededStack(6, d, 300 + d);
      const cov = new Covariance();
      for (const x of stack) cov.accumulate(x);
      const ref = covariance(stack);
      const v = cov.value as NDArray<Float64Array>;
      expect(v.shape).toEqual([d, d]);
      expectClose(v.data, ref.cov, { rtol: 1e-9, atol: 1e-9, label: `cov d=${d}` });
    }
  });
});

describe('NaN and ±Inf', () => {
  it('Mean: NaN propagates; +Inf in the last object gives +Inf; -Inf likewise; Inf then finite gives NaN (seed formula)', () => {
    const mean = new Mean();
    mean.accumulate([1, NaN, 1, 1, 1]);
    mean.accumulate([2, 2, Infinity, -Infinity, 2]);
    expectExact(mean.value as Float64Array, [1.5, NaN, Infinity, -Infinity, 1.5], 'after 2');
    mean.accumulate([3, 3, 3, 3, Infinity]);
    expectExact(mean.value as Float64Array, [2, NaN, NaN, NaN, Infinity], 'after 3');
  });

  it('Variance: a NaN or an infinite value makes that element NaN, the others are unaffected', () => {
    const v = new Variance();
    v.accumulate([1, NaN, Infinity, -Infinity, 1]);
    v.accumulate([2, 2, 2, 2, 2]);
    v.accumulate([3, 3, 3, 3, 3]);
    const value = v.value as Float64Array;
    expect(value[0]).toBe(1);
    expect(value[4]).toBe(1);
    for (const j of [1, 2, 3]) expect(value[j], `element ${j}`).toBeNaN();
  });

  it('Minimum/Maximum of ±Inf', () => {
    const min = new Minimum();
    const max = new Maximum();
    for (const x of [[Infinity, -Infinity, 0], [5, 5, -Infinity], [-Infinity, Infinity, Infinity]]) {
      min.accumulate(x);
      max.accumulate(x);
    }
    expectExact(min.value as Float32Array, [-Infinity, -Infinity, -Infinity], 'min');
    expectExact(max.value as Float32Array, [Infinity, Infinity, Infinity], 'max');
  });

  it('a single object: Variance value and std are NaN (n − 1 = 0), rms is 0', () => {
    const v = new Variance();
    v.accumulate([1, 2, 3]);
    expect(Array.from(v.value as Float64Array).every(Number.isNaN)).toBe(true);
    expect(Array.from(v.std as Float64Array).every(Number.isNaN)).toBe(true);
    expectExact(v.rms as Float64Array, [0, 0, 0], 'rms');
    expectExact(v.mean as Float64Array, [1, 2, 3], 'mean');
  });
});

describe('empty input (length-0 arrays)', () => {
  it('Mean, Variance, Minimum, Maximum of empty arrays count objects and give empty values', () => {
    for (const make of [() => new Mean(), () => new Variance(), () => new Minimum(), () => new Maximum(), () => new RunningMean(3), () => new RunningVariance(3)]) {
      const a = make();
      a.accumulate(new Float32Array(0));
      a.accumulate([]);
      a.accumulate(new Float64Array(0));
      expect(a.n, a.kind).toBe(3);
      const v = a.value as Float32Array | Float64Array;
      expect(ArrayBuffer.isView(v), a.kind).toBe(true);
      expect(v.length, a.kind).toBe(0);
      expect(() => a.accumulate([1]), `${a.kind}: a length-1 array after empty ones is a shape change`).toThrow(/shape/);
      a.dispose();
    }
  });

  it('{data: [], shape: [0, 5]} keeps its shape', () => {
    const mean = new Mean();
    mean.accumulate({ data: new Float32Array(0), shape: [0, 5] });
    mean.accumulate({ data: new Float32Array(0), shape: [0, 5] });
    expect(mean.value).toEqual({ data: new Float64Array(0), shape: [0, 5] });
  });

  it('Covariance and MedianEstimator of empty vectors', () => {
    const cov = new Covariance();
    cov.accumulate(new Float32Array(0));
    cov.accumulate(new Float32Array(0));
    expect(cov.n).toBe(2);
    expect((cov.value as NDArray<Float64Array>).shape).toEqual([0, 0]);
    expect((cov.value as NDArray<Float64Array>).data.length).toBe(0);
    const med = new MedianEstimator();
    for (let i = 0; i < 7; i++) med.accumulate(new Float32Array(0));
    expect(med.n).toBe(7);
    expect((med.value as Float64Array).length).toBe(0);
    expect((med.heights as NDArray<Float64Array>).shape).toEqual([5, 0]);
  });
});

describe('input forms', () => {
  it('scalar numbers: value, sum, rms, std, mean, min, max are numbers', () => {
    const xs = [3.5, -1.25, 8, 0.5, 2];
    const mean = new Mean();
    const variance = new Variance();
    const min = new Minimum();
    const max = new Maximum();
    const med = new MedianEstimator();
    const cov = new Covariance();
    for (const x of xs) for (const a of [mean, variance, min, max, med, cov]) a.accumulate(x);
    const ref = meanVariance(xs.map((x) => [x]));
    expect(typeof mean.value).toBe('number');
    expect(mean.value as number).toBeCloseTo(ref.mean[0], 14);
    expect(mean.sum as number).toBeCloseTo(ref.mean[0] * 5, 13);
    expect(typeof variance.value).toBe('number');
    expect(variance.value as number).toBeCloseTo(ref.varUnbiased[0], 13);
    expect(variance.rms as number).toBeCloseTo(ref.varPopulation[0], 13);
    expect(variance.std as number).toBeCloseTo(Math.sqrt(ref.varUnbiased[0]), 13);
    expect(variance.mean as number).toBeCloseTo(ref.mean[0], 14);
    expect(min.value).toBe(-1.25);
    expect(max.value).toBe(8);
    // exactly m objects: the heights are the sorted objects
    expect(med.value).toBe(2);
    expect(med.min).toBe(-1.25);
    expect(med.max).toBe(8);
    expectExact(med.heights as Float64Array, [...xs].sort((a, b) => a - b), 'scalar heights (a Float64Array of m)');
    expect(typeof cov.value).toBe('number');
    expect(cov.value as number).toBeCloseTo(ref.varUnbiased[0], 13);
    expect(cov.rms as number).toBeCloseTo(ref.varPopulation[0], 13);
    expect(cov.mean as number).toBeCloseTo(ref.mean[0], 14);
  });

  it('scalars are float64 data, never rounded to float32 (0.1 stays 0.1)', () => {
    const mean = new Mean();
    mean.accumulate(0.1);
    expect(mean.value).toBe(0.1);
    const min = new Minimum();
    min.accumulate(1 / 3);
    min.accumulate(0.5);
    expect(min.value).toBe(1 / 3);
  });

  it('{data, shape} in → {data, shape} out with the same shape (a copy of it)', () => {
    const shape = [2, 3, 2];
    const stack = seededStack(4, 12, 99);
    const accs = [new Mean(), new Variance(), new Minimum(), new Maximum(), new RunningMean(2), new RunningVariance(2), new MedianEstimator()];
    for (const data of stack) for (const a of accs) a.accumulate({ data, shape });
    for (const a of accs) {
      const v = a.value as NDArray;
      expect(v, a.kind).toHaveProperty('shape');
      expect(v.shape, a.kind).toEqual(shape);
      expect(v.data.length, a.kind).toBe(12);
      expect(v.shape, `${a.kind}: the returned shape is not the caller's array`).not.toBe(shape);
    }
    const ref = meanVariance(stack);
    expectClose((accs[0].value as NDArray<Float64Array>).data, ref.mean, { rtol: 1e-12, label: 'mean' });
    expectClose((accs[1].value as NDArray<Float64Array>).data, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
    for (const k of ['rms', 'std', 'mean'] as const) expect(((accs[1] as Variance)[k] as NDArray).shape).toEqual(shape);
    expect(((accs[0] as Mean).sum as NDArray).shape).toEqual(shape);
    const med = accs[6] as MedianEstimator;
    expect((med.heights as NDArray).shape).toEqual([5, ...shape]);
    expect((med.q_actual as NDArray).shape).toEqual([5, ...shape]);
    expect((med.min as NDArray).shape).toEqual(shape);
  });

  it('number[] input is float64 data: every value is a Float64Array', () => {
    const stack = [
      [1, 2, 3],
      [4, 5, 6.5],
      [-1, 0.25, 9],
    ];
    const mean = new Mean();
    const min = new Minimum();
    for (const x of stack) {
      mean.accumulate(x);
      min.accumulate(x);
    }
    expect(mean.value).toBeInstanceOf(Float64Array);
    expectClose(mean.value as Float64Array, meanVariance(stack).mean, { rtol: 1e-15, label: 'mean' });
    expect(min.value).toBeInstanceOf(Float64Array);
    expectExact(min.value as Float64Array, [-1, 0.25, 3], 'min');
  });

  it('Float64Array input stays float64 (value = the float64 reference, not the float32-rounded one)', () => {
    const g = normal(rng(7));
    const stack = Array.from({ length: 6 }, () => Float64Array.from({ length: 9 }, () => 1 / 3 + 1e-3 * g()));
    const rounded = stack.map(toF32);
    // the rounding would be visible at this precision
    expect(rounded[0][0]).not.toBe(stack[0][0]);
    const mean = new Mean();
    const variance = new Variance();
    const min = new Minimum();
    const max = new Maximum();
    for (const x of stack) for (const a of [mean, variance, min, max]) a.accumulate(x);
    const ref = meanVariance(stack);
    const roundedRef = meanVariance(rounded);
    expectClose(mean.value as Float64Array, ref.mean, { rtol: 1e-15, label: 'mean vs float64' });
    expectClose(variance.value as Float64Array, ref.varUnbiased, { rtol: 1e-9, label: 'variance vs float64' });
    // and not the float32-rounded one (the variance of 1e-3 noise feels float32 rounding at 1e-6 relative)
    const diff = Math.max(...Array.from(variance.value as Float64Array, (v, j) => Math.abs(v - roundedRef.varUnbiased[j]) / roundedRef.varUnbiased[j]));
    expect(diff).toBeGreaterThan(1e-9);
    const mm = minMax(stack);
    expect(min.value).toBeInstanceOf(Float64Array);
    expectExact(min.value as Float64Array, mm.min, 'min');
    expectExact(max.value as Float64Array, mm.max, 'max');
  });

  it('Int16Array and Uint16Array input (exact in float32)', () => {
    const i16 = [Int16Array.from([-32768, -1, 0, 1, 32767]), Int16Array.from([100, -200, 300, -400, 500]), Int16Array.from([7, 7, 7, 7, 7])];
    const u16 = [Uint16Array.from([0, 1, 65535, 40000, 2]), Uint16Array.from([65535, 0, 1, 3, 2]), Uint16Array.from([5, 5, 5, 5, 5])];
    for (const stack of [i16, u16]) {
      const mean = new Mean();
      const variance = new Variance();
      const min = new Minimum();
      const max = new Maximum();
      for (const x of stack) for (const a of [mean, variance, min, max]) a.accumulate(x);
      const plain = stack.map((x) => Array.from(x));
      const ref = meanVariance(plain);
      expectClose(mean.value as Float64Array, ref.mean, { rtol: 1e-15, label: `${stack[0].constructor.name} mean` });
      expectClose(variance.value as Float64Array, ref.varUnbiased, { rtol: 1e-12, label: `${stack[0].constructor.name} variance` });
      const mm = minMax(plain);
      expectExact(min.value as Float32Array, mm.min, 'min');
      expectExact(max.value as Float32Array, mm.max, 'max');
    }
  });

  it('Int32Array and Uint32Array are float64 data, as NumPy casts them (16777217 stays 16777217)', () => {
    const mean = new Mean();
    mean.accumulate(Int32Array.from([16777217, 3, -2147483647]));
    expectExact(mean.value as Float64Array, [16777217, 3, -2147483647], 'mean');
    const max = new Maximum();
    max.accumulate(Uint32Array.from([4294967295, 16777217, 0]));
    max.accumulate(Uint32Array.from([1, 16777219, 7]));
    expect(max.value).toBeInstanceOf(Float64Array);
    expectExact(max.value as Float64Array, [4294967295, 16777219, 7], 'max');
  });

  it('data already in wasm memory (WasmArray, {data: WasmArray, shape}) is used and never modified', () => {
    const stack = seededStack(5, 11, 123);
    const wasm = stack.map((x) => new WasmArray('f32', x.length).set(x));
    const mean = new Mean();
    const variance = new Variance();
    const min = new Minimum();
    const max = new Maximum();
    const med = new MedianEstimator();
    for (const w of wasm) {
      for (const a of [mean, variance, min, max]) a.accumulate(w);
      med.accumulate({ data: w, shape: [11, 1] });
    }
    const ref = meanVariance(stack);
    const mm = minMax(stack);
    expectClose(mean.value as Float64Array, ref.mean, { rtol: 1e-12, label: 'mean' });
    expectClose(variance.value as Float64Array, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
    expectExact(min.value as Float32Array, mm.min, 'min');
    expectExact(max.value as Float32Array, mm.max, 'max');
    expect((med.value as NDArray).shape).toEqual([11, 1]);
    wasm.forEach((w, k) => expectExact(w.view(), stack[k], `caller's wasm array ${k}`));
    expect(() => new Mean().accumulate(new WasmArray('i32', 3))).toThrow(/float32 or float64/);
    for (const w of wasm) w.dispose();
  });

  it('CDFEstimator: scalar input gives Float64Array(m) heights and q_actual', () => {
    const est = new CDFEstimator([0, 0.5, 1]);
    for (const x of [5, 1, 3, 2, 4]) est.accumulate(x);
    const h = est.heights as Float64Array;
    expect(h).toBeInstanceOf(Float64Array);
    const ref = new RefP2([0, 0.5, 1]);
    for (const x of [5, 1, 3, 2, 4]) ref.add(x);
    expectExact(h, ref.h, 'heights');
    expectClose(est.q_actual as Float64Array, ref.qActual, { rtol: 1e-15, label: 'q_actual' });
  });
});
