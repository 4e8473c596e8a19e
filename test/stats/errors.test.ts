// Mis-use gives clear errors (the message names what is wrong) and leaves the
// accumulator usable and unchanged.
import { describe, expect, it } from 'vitest';
import {
  Counter,
  Mean,
  Variance,
  Minimum,
  Maximum,
  Covariance,
  RunningMean,
  RunningVariance,
  RunningCovariance,
  CDFEstimator,
  QuantileEstimator,
  MedianEstimator,
  CacheAccumulator,
  BinSorter,
  DynamicBinSorter,
  TopK,
  restoreAccumulator,
} from 'sacla-analysis';
import { expectExact } from '../helpers/compare.js';

describe('merging the wrong things', () => {
  it('a Mean into a Variance (and other kind mismatches) names both kinds', () => {
    const v = new Variance();
    v.accumulate([1, 2]);
    const m = new Mean();
    m.accumulate([1, 2]);
    expect(() => v.accumulate(m)).toThrow(TypeError);
    expect(() => v.accumulate(m)).toThrow(/Mean.*Variance|Variance.*Mean/);
    expect(() => v.accumulate(m)).toThrow(/same kind/);
    expect(v.n).toBe(1);
    expect(() => new Mean().accumulate(new RunningMean())).toThrow(/RunningMean.*Mean/);
    expect(() => new Minimum().accumulate(new Maximum())).toThrow(/Maximum.*Minimum/);
    expect(() => new Counter().accumulate(new Mean())).toThrow(/Mean.*Counter/);
    expect(() => new QuantileEstimator(0.5).accumulate(new MedianEstimator())).toThrow(/MedianEstimator.*QuantileEstimator/);
  });

  for (const [kind, make] of [
    ['RunningMean', () => new RunningMean(5)],
    ['RunningVariance', () => new RunningVariance(5)],
    ['RunningCovariance', () => new RunningCovariance(5)],
    ['CDFEstimator', () => new CDFEstimator(5)],
    ['QuantileEstimator', () => new QuantileEstimator(0.2)],
    ['MedianEstimator', () => new MedianEstimator()],
  ] as const) {
    it(`${kind} cannot be merged: a clear error (also when either side is empty)`, () => {
      const a = make();
      const b = make();
      for (const x of [[1, 2, 3], [2, 3, 4], [5, 1, 0], [3, 3, 3], [1, 0, 1], [9, 9, 9]]) {
        a.accumulate(x);
        b.accumulate(x);
      }
      const message = new RegExp(`${kind}.*(cannot be merged|not mergeable)`);
      expect(() => a.accumulate(b)).toThrow(TypeError);
      expect(() => a.accumulate(b)).toThrow(message);
      expect(a.n).toBe(6);
      expect(() => make().accumulate(b)).toThrow(message);
      expect(() => a.accumulate(make())).toThrow(message);
    });
  }

  it('shapes differing on merge', () => {
    for (const make of [() => new Mean(), () => new Variance(), () => new Minimum(), () => new Maximum(), () => new Covariance()]) {
      const a = make();
      const b = make();
      a.accumulate([1, 2, 3]);
      b.accumulate([1, 2, 3, 4]);
      expect(() => a.accumulate(b), a.kind).toThrow(RangeError);
      expect(() => a.accumulate(b), a.kind).toThrow(/different shapes.*\[3\].*\[4\]/);
      expect(a.n).toBe(1);
    }
    const s = new Mean();
    s.accumulate(1);
    const arr = new Mean();
    arr.accumulate([1]);
    expect(() => s.accumulate(arr)).toThrow(/different shapes/);
    const nd1 = new Mean();
    const nd2 = new Mean();
    nd1.accumulate({ data: new Float32Array(6), shape: [2, 3] });
    nd2.accumulate({ data: new Float32Array(6), shape: [3, 2] });
    expect(() => nd1.accumulate(nd2)).toThrow(/different shapes.*\[2, 3\].*\[3, 2\]/);
  });

  it('merging into itself', () => {
    const m = new Mean();
    m.accumulate([1]);
    expect(() => m.accumulate(m)).toThrow(/itself/);
  });

  it('CacheAccumulators of different lengths, TopKs of different k', () => {
    const a = new CacheAccumulator(2);
    const b = new CacheAccumulator(3);
    expect(() => a.accumulate(b)).toThrow(/length 2 and 3/);
    expect(() => new TopK(2).merge(new TopK(3))).toThrow(/k=3.*k=2/);
    expect(() => new TopK(2).merge({} as TopK)).toThrow(/TopK/);
  });
});

describe('a shape change mid-stream', () => {
  it('is a RangeError naming both shapes; the accumulator is unchanged and still usable', () => {
    for (const make of [() => new Mean(), () => new Variance(), () => new Minimum(), () => new Maximum(), () => new MedianEstimator(), () => new Covariance(), () => new RunningMean()]) {
      const a = make();
      a.accumulate([1, 2, 3]);
      a.accumulate([3, 2, 1]);
      const before = JSON.stringify(Array.from((ArrayBuffer.isView(a.value) ? a.value : (a.value as any)[0] ?? (a.value as any).data) as ArrayLike<number>));
      expect(() => a.accumulate([1, 2, 3, 4]), a.kind).toThrow(RangeError);
      expect(() => a.accumulate([1, 2, 3, 4]), a.kind).toThrow(/shape changed mid-stream.*\[3\].*\[4\]/);
      expect(() => a.accumulate(5), a.kind).toThrow(/shape changed.*\[3\].*scalar/);
      expect(a.n, a.kind).toBe(2);
      const after = JSON.stringify(Array.from((ArrayBuffer.isView(a.value) ? a.value : (a.value as any)[0] ?? (a.value as any).data) as ArrayLike<number>));
      expect(after, a.kind).toBe(before);
      a.accumulate([0, 0, 0]);
      expect(a.n, a.kind).toBe(3);
    }
  });

  it('{data, shape} with the same length but another shape', () => {
    const m = new Mean();
    m.accumulate({ data: new Float32Array(6), shape: [2, 3] });
    expect(() => m.accumulate({ data: new Float32Array(6), shape: [3, 2] })).toThrow(/shape changed mid-stream.*\[2, 3\].*\[3, 2\]/);
    expect(() => m.accumulate(new Float32Array(6))).toThrow(/shape changed mid-stream.*\[2, 3\].*\[6\]/);
  });

  it('Covariance of a 2-D input is refused (vectors only)', () => {
    const c = new Covariance();
    expect(() => c.accumulate({ data: new Float32Array(6), shape: [2, 3] })).toThrow(/vector|1-D/);
    expect(c.n).toBe(0);
    c.accumulate([1, 2]);
    c.accumulate([2, 4]);
    expectExact((c.value as any).data, [0.5, 1, 1, 2], 'usable afterwards');
  });
});

describe('bad constructor arguments', () => {
  it('lifetime ≤ 0 (or not a finite number)', () => {
    for (const Kind of [RunningMean, RunningVariance, RunningCovariance]) {
      for (const bad of [0, -1, -0.5, NaN, Infinity]) {
        expect(() => new Kind(bad), `${Kind.name}(${bad})`).toThrow(RangeError);
        expect(() => new Kind(bad), `${Kind.name}(${bad})`).toThrow(/lifetime/);
      }
      expect(() => new Kind('3' as unknown as number)).toThrow(/lifetime/);
      expect(new Kind(0.5).lifetime).toBe(0.5);
    }
  });

  it('CDF markers must start with 0 and end with 1', () => {
    expect(() => new CDFEstimator([0.1, 0.5, 1])).toThrow(/start with 0 and end with 1/);
    expect(() => new CDFEstimator([0, 0.5, 0.9])).toThrow(/start with 0 and end with 1/);
    expect(() => new CDFEstimator([-0.1, 0.5, 1])).toThrow(/start with 0 and end with 1/);
    expect(() => new CDFEstimator([0, 0.5, 1.1])).toThrow(/start with 0 and end with 1/);
    expect(() => new CDFEstimator([0, NaN, 1])).toThrow(RangeError);
    expect(() => new CDFEstimator(4.5)).toThrow(/points/);
    expect(() => new CDFEstimator([0, 0.2, 1])).not.toThrow();
  });

  it('QuantileEstimator p outside (0, 1)', () => {
    for (const bad of [0, 1, -0.1, 1.5, NaN]) {
      expect(() => new QuantileEstimator(bad), `p = ${bad}`).toThrow(RangeError);
      expect(() => new QuantileEstimator(bad), `p = ${bad}`).toThrow(/p must be in \(0, 1\)/);
    }
  });

  it('Counter with a negative (or fractional) start', () => {
    expect(() => new Counter(-1)).toThrow(RangeError);
    expect(() => new Counter(-1)).toThrow(/non-negative integer.*-1/);
    expect(() => new Counter(1.5)).toThrow(/non-negative integer/);
    expect(new Counter(4).value).toBe(4);
  });

  it('CacheAccumulator, TopK, BinSorter, DynamicBinSorter', () => {
    expect(() => new CacheAccumulator(0)).toThrow(/length/);
    expect(() => new TopK(0)).toThrow(/k must be/);
    expect(() => new BinSorter([1])).toThrow(/at least 2 edges/);
    expect(() => new BinSorter([0, 2, 1])).toThrow(/increase/);
    expect(() => new BinSorter([0, 1, 1])).toThrow(/increase/);
    expect(() => new DynamicBinSorter(1)).toThrow(/nbins/);
  });
});

describe('garbage input', () => {
  const accumulators = () => [new Mean(), new Variance(), new Minimum(), new Maximum(), new Covariance(), new MedianEstimator(), new RunningMean()];

  it('a string, null, undefined, a plain object: TypeError naming what was given', () => {
    for (const a of accumulators()) {
      expect(() => a.accumulate('abc'), a.kind).toThrow(TypeError);
      expect(() => a.accumulate('abc'), a.kind).toThrow(/expected a number.*got string/);
      expect(() => a.accumulate(null), a.kind).toThrow(/got null/);
      expect(() => a.accumulate(undefined), a.kind).toThrow(/got undefined/);
      expect(() => a.accumulate({ foo: 1 }), a.kind).toThrow(/expected a number/);
      expect(() => a.accumulate({ data: 'abc', shape: [3] }), a.kind).toThrow(/expected a number/);
      expect(a.n, a.kind).toBe(0);
      expect(a.value, a.kind).toBeNull();
    }
  });

  it('{data, shape} whose shape product ≠ length: RangeError with both numbers; state unchanged', () => {
    for (const a of accumulators()) {
      a.accumulate({ data: new Float32Array([1, 2, 3, 4]), shape: [4] });
      expect(() => a.accumulate({ data: new Float32Array(6), shape: [2, 2] }), a.kind).toThrow(RangeError);
      expect(() => a.accumulate({ data: new Float32Array(6), shape: [2, 2] }), a.kind).toThrow(/shape \[2, 2\] holds 4 values but data has 6/);
      expect(() => a.accumulate({ data: new Float32Array(4), shape: [2, -2] }), a.kind).toThrow(/shape/);
      expect(() => a.accumulate({ data: new Float32Array(4), shape: '4' }), a.kind).toThrow(/shape/);
      expect(a.n, a.kind).toBe(1);
    }
  });

  it('restoreAccumulator of an unknown kind or a state of the wrong kind', () => {
    expect(() => restoreAccumulator({ kind: 'Nope', n: 0, shape: null, form: null, params: {}, arrays: {} })).toThrow(/unknown accumulator kind "Nope"/);
    const state = new Mean().accumulate([1]).exportState();
    expect(() => new Variance().restoreFrom(state)).toThrow(/Mean.*Variance/);
    const bad = structuredClone(state);
    bad.arrays.mean = new Float64Array(3);
    expect(() => restoreAccumulator(bad)).toThrow(/'mean'.*1.*3/);
    expect(() => TopK.fromState({ kind: 'Counter' } as any)).toThrow(/Counter/);
  });

  it('BinSorter with a non-numeric key', () => {
    const b = new BinSorter([0, 1, 2], undefined, { key: (o: { k: unknown }) => o.k as number });
    expect(() => b.accumulate({ k: '1' })).toThrow(/key must be a number.*string/);
  });

  it('BinSorter / DynamicBinSorter: an object with a non-numeric key is refused without being counted', () => {
    const b = new BinSorter([0, 1, 2], undefined, { key: (o: { k: unknown }) => o.k as number });
    b.accumulate({ k: 0.5 });
    expect(() => b.accumulate({ k: '1' })).toThrow(/key must be a number/);
    expect(b.n, 'BinSorter.n after a refused object').toBe(1);
    const d = new DynamicBinSorter(2, undefined, { key: (o: { k: unknown }) => o.k as number });
    d.accumulate({ k: 0.5 });
    expect(() => d.accumulate({ k: null })).toThrow(/key must be a number/);
    expect(d.n, 'DynamicBinSorter.n after a refused object').toBe(1);
  });
});
