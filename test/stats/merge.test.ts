// Merge properties: partial results merged in any split equal one sequential pass, also
// through exportState → structuredClone → restoreAccumulator (how workers hand them over).
import { describe, expect, it } from 'vitest';
import {
  Accumulator,
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
  restoreAccumulator,
  type NDArray,
} from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { rng, normal } from '../helpers/random.js';
import { expectClose, expectExact, maxAbs, rows } from '../helpers/compare.js';
import { covariance, meanVariance, minMax, quantileMarkers, RefP2, RefRunningMean } from '../reference/index.js';

const variance = loadFixture('variance');
const covFixture = loadFixture('covariance');
const minmaxMean = loadFixture('minmax_mean');

const stackOf = (K: number, L: number, seed: number, offset = 1000) => {
  const g = normal(rng(seed));
  return Array.from({ length: K }, () => Float32Array.from({ length: L }, () => offset + 25 * g()));
};

/** Feeds `parts` (lists of objects) into fresh accumulators and merges them left to right. */
function mergedOver<A extends Accumulator>(make: () => A, parts: unknown[][], via: 'direct' | 'state' = 'direct'): A {
  const partials = parts.map((part) => {
    const a = make();
    for (const x of part) a.accumulate(x);
    return a;
  });
  const target = partials[0];
  for (const p of partials.slice(1)) {
    const other = via === 'state' ? restoreAccumulator(structuredClone(p.exportState())) : p;
    target.accumulate(other);
  }
  return target;
}

const splits = (stack: unknown[]) => ({
  'two parts': [stack.slice(0, 7), stack.slice(7)],
  'three parts': [stack.slice(0, 3), stack.slice(3, 4), stack.slice(4)],
});

describe('splitting a stream and merging equals one pass', () => {
  const L = 37; // not a multiple of 4
  const stack = stackOf(13, L, 2024);
  stack[5][3] = NaN;
  stack[9][L - 1] = NaN;
  const ref = meanVariance(stack);
  const mm = minMax(stack);

  for (const via of ['direct', 'state'] as const) {
    for (const [label, parts] of Object.entries(splits(stack))) {
      it(`${label} (${via === 'state' ? 'via exportState → structuredClone → restoreAccumulator' : 'accumulate(other)'}): Mean, Variance, Minimum, Maximum, Counter`, () => {
        const mean = mergedOver(() => new Mean(), parts, via);
        expect(mean.n).toBe(13);
        expectClose(mean.value as Float64Array, ref.mean, { rtol: 1e-12, label: 'mean' });
        expectClose(mean.sum as Float64Array, ref.mean.map((v) => v * 13), { rtol: 1e-12, label: 'sum' });
        const v = mergedOver(() => new Variance(), parts, via);
        expect(v.n).toBe(13);
        expectClose(v.value as Float64Array, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
        expectClose(v.rms as Float64Array, ref.varPopulation, { rtol: 1e-9, label: 'rms' });
        expectClose(v.std as Float64Array, ref.varUnbiased.map(Math.sqrt), { rtol: 1e-9, label: 'std' });
        expectClose(v.mean as Float64Array, ref.mean, { rtol: 1e-12, label: 'variance.mean' });
        const min = mergedOver(() => new Minimum(), parts, via);
        const max = mergedOver(() => new Maximum(), parts, via);
        expectExact(min.value as Float32Array, mm.min, 'min');
        expectExact(max.value as Float32Array, mm.max, 'max');
        expect((min.value as Float32Array)[3]).toBeNaN();
        const counter = mergedOver(() => new Counter(), parts, via);
        expect(counter.value).toBe(13);
        expect(counter.n).toBe(13);
      });

      it(`${label} (${via}): Covariance`, () => {
        const vectors = stackOf(13, 9, 77, 50);
        const covRef = covariance(vectors);
        const cov = mergedOver(() => new Covariance(), Object.values(splits(vectors))[label === 'two parts' ? 0 : 1], via);
        expect(cov.n).toBe(13);
        const scale = maxAbs(covRef.cov);
        expectClose((cov.value as NDArray<Float64Array>).data, covRef.cov, { atol: 1e-9 * scale, label: 'cov' });
        expectClose((cov.rms as NDArray<Float64Array>).data, covRef.covPopulation, { atol: 1e-9 * scale, label: 'rms' });
        expectClose(cov.mean as Float64Array, covRef.mean, { rtol: 1e-12, label: 'mean' });
      });
    }
  }

  it('merging preserves the {data, shape} form and continuing to accumulate after a merge stays exact', () => {
    const shape = [37];
    const a = new Variance();
    const b = new Variance();
    stack.slice(0, 6).forEach((data) => a.accumulate({ data, shape }));
    stack.slice(6, 10).forEach((data) => b.accumulate({ data, shape }));
    a.accumulate(b);
    stack.slice(10).forEach((data) => a.accumulate({ data, shape }));
    expect(a.n).toBe(13);
    const value = a.value as NDArray<Float64Array>;
    expect(value.shape).toEqual(shape);
    expectClose(value.data, ref.varUnbiased, { rtol: 1e-9, label: 'variance' });
  });

  it('the merged-in accumulator is left unchanged', () => {
    const a = new Mean();
    const b = new Mean();
    stack.slice(0, 5).forEach((x) => a.accumulate(x));
    stack.slice(5).forEach((x) => b.accumulate(x));
    const before = (b.value as Float64Array).slice();
    a.accumulate(b);
    expect(b.n).toBe(8);
    expectExact(b.value as Float64Array, before, 'b after the merge');
  });
});

describe('merging with the fixtures\' parts', () => {
  for (const name of ['K37_L53_offset_1e4', 'K2_L5']) {
    it(`variance.json ${name}: Variance of the parts merged = whole (also each part vs its own fixture)`, () => {
      const c = variance.cases.find((x: any) => x.name === name);
      const stack: Float32Array[] = rows(c.stack);
      const partials = c.parts.map((p: any) => {
        const v = new Variance();
        for (const x of stack.slice(p.start, p.stop)) v.accumulate(x);
        expect(v.n).toBe(p.n);
        expectClose(v.mean as Float64Array, p.mean.data, { rtol: 1e-12, label: `part ${p.start}-${p.stop} mean` });
        expectClose(v.rms as Float64Array, p.var_population.data, { rtol: 1e-9, atol: 1e-10, label: `part ${p.start}-${p.stop} var` });
        return v;
      });
      const whole = partials[0];
      for (const p of partials.slice(1)) whole.accumulate(p);
      expect(whole.n).toBe(c.n);
      expectClose(whole.value as Float64Array, c.var_unbiased.data, { rtol: 1e-9, atol: 1e-10, label: 'value' });
      expectClose(whole.rms as Float64Array, c.var_population.data, { rtol: 1e-9, atol: 1e-10, label: 'rms' });
      expectClose(whole.std as Float64Array, c.std.data, { rtol: 1e-9, atol: 1e-5, label: 'std' });
      expectClose(whole.mean as Float64Array, c.mean.data, { rtol: 1e-12, label: 'mean' });
      const minParts = c.parts.map((p: any) => {
        const m = new Minimum();
        for (const x of stack.slice(p.start, p.stop)) m.accumulate(x);
        return m;
      });
      for (const p of minParts.slice(1)) minParts[0].accumulate(p);
      expectExact(minParts[0].value as Float32Array, c.min.data, 'min');
    });
  }

  for (const c of covFixture.cases) {
    it(`covariance.json ${c.name}: Covariance of the parts merged = np.cov`, () => {
      const vectors: Float32Array[] = rows(c.vectors);
      const partials = c.parts.map((p: any) => {
        const cov = new Covariance();
        for (const x of vectors.slice(p.start, p.stop)) cov.accumulate(x);
        if (p.n === 1) {
          // np.cov of a single row (rowvar=False) treats the row as one variable, so the
          // fixture holds a 1×1 value there; one vector has a zero population covariance.
          expectExact((cov.rms as NDArray<Float64Array>).data, new Float64Array(c.dim * c.dim), `part ${p.start}-${p.stop} (one vector)`);
        } else {
          const scale = maxAbs(p.cov_population.data);
          expectClose((cov.rms as NDArray<Float64Array>).data, p.cov_population.data, { atol: 1e-9 * scale, label: `part ${p.start}-${p.stop}` });
        }
        return cov;
      });
      for (const p of partials.slice(1)) partials[0].accumulate(restoreAccumulator(structuredClone(p.exportState())));
      const scale = maxAbs(c.cov.data);
      expectClose((partials[0].value as NDArray<Float64Array>).data, c.cov.data, { atol: 1e-9 * scale, label: 'cov' });
      expectClose((partials[0].rms as NDArray<Float64Array>).data, c.cov_population.data, { atol: 1e-9 * scale, label: 'cov_population' });
    });
  }

  for (const c of minmaxMean.cases.filter((x: any) => x.parts)) {
    it(`minmax_mean.json ${c.name}: Mean, Minimum, Maximum of the parts merged`, () => {
      const stack: Float32Array[] = rows(c.stack);
      const make = <A extends Accumulator>(f: () => A) =>
        c.parts.map((p: any) => {
          const a = f();
          for (const x of stack.slice(p.start, p.stop)) a.accumulate(x);
          return a;
        }) as A[];
      const means = make(() => new Mean());
      means.forEach((m, i) => expectClose(m.value as Float64Array, c.parts[i].mean.data, { rtol: 1e-12, label: `part ${i} mean` }));
      const mins = make(() => new Minimum());
      const maxs = make(() => new Maximum());
      mins.forEach((m, i) => expectExact(m.value as Float32Array, c.parts[i].min.data, `part ${i} min`));
      maxs.forEach((m, i) => expectExact(m.value as Float32Array, c.parts[i].max.data, `part ${i} max`));
      for (const list of [means, mins, maxs]) for (const p of list.slice(1)) list[0].accumulate(p);
      expect(means[0].n).toBe(c.n);
      // the fixture's Inf-then-finite elements are NaN in one pass but may be ±Inf or NaN
      // after a weighted merge; compare the finite ones and the NaN-from-NaN ones
      const finite = Array.from(c.mean.data as Float64Array, (v, j) => (Number.isFinite(v) ? j : -1)).filter((j) => j >= 0);
      expectClose(finite.map((j) => (means[0].value as Float64Array)[j]), finite.map((j) => c.mean.data[j]), { rtol: 1e-12, label: 'mean (finite elements)' });
      expectExact(mins[0].value as Float32Array, c.min.data, 'min');
      expectExact(maxs[0].value as Float32Array, c.max.data, 'max');
    });
  }
});

describe('merging with empty accumulators', () => {
  const stack = stackOf(6, 10, 31);
  const kinds: [string, () => Accumulator][] = [
    ['Mean', () => new Mean()],
    ['Variance', () => new Variance()],
    ['Minimum', () => new Minimum()],
    ['Maximum', () => new Maximum()],
    ['Covariance', () => new Covariance()],
    ['Counter', () => new Counter()],
  ];
  const snapshot = (a: Accumulator) => {
    const v = a.value as any;
    if (typeof v === 'number') return [v];
    return Array.from(ArrayBuffer.isView(v) ? (v as Float64Array) : (v.data as Float64Array));
  };

  for (const [kind, make] of kinds) {
    it(`${kind}: into an empty one, an empty one into it, empty into empty`, () => {
      const full = make();
      for (const x of stack) full.accumulate(x);
      const expected = snapshot(full);

      const empty = make();
      empty.accumulate(full);
      expect(empty.n).toBe(6);
      expectExact(snapshot(empty), expected, 'merged into an empty accumulator');
      // the target is independent of the source afterwards
      empty.accumulate(stack[0]);
      expect(full.n).toBe(6);
      expectExact(snapshot(full), expected, 'source after the target moved on');

      const full2 = make();
      for (const x of stack) full2.accumulate(x);
      full2.accumulate(make());
      full2.accumulate(restoreAccumulator(structuredClone(make().exportState())));
      expect(full2.n).toBe(6);
      expectExact(snapshot(full2), expected, 'after merging empty ones');

      const e1 = make();
      e1.accumulate(make());
      expect(e1.n).toBe(0);
      if (kind === 'Counter') expect(e1.value).toBe(0);
      else expect(e1.value).toBeNull();
      // merged-into-empty then continued = sequential
      const a = make();
      const b = make();
      for (const x of stack.slice(0, 3)) b.accumulate(x);
      a.accumulate(b);
      for (const x of stack.slice(3)) a.accumulate(x);
      expect(a.n).toBe(6);
      if (kind === 'Minimum' || kind === 'Maximum' || kind === 'Counter') expectExact(snapshot(a), expected, 'continued');
      else expectClose(snapshot(a), expected, { rtol: 1e-9, atol: 1e-9, label: 'continued' });
    });
  }

  it('merging into an empty Minimum does not alias the source: later objects only change the target', () => {
    const src = new Minimum();
    src.accumulate([5, 5, 5]);
    const dst = new Minimum();
    dst.accumulate(src);
    dst.accumulate([1, 1, 1]);
    expectExact(src.value as Float32Array, [5, 5, 5], 'source');
    expectExact(dst.value as Float32Array, [1, 1, 1], 'target');
  });
});

describe('exportState → structuredClone → restoreAccumulator, then continue', () => {
  const stack = stackOf(20, 6, 555);
  const cases: [string, () => Accumulator][] = [
    ['Mean', () => new Mean()],
    ['Variance', () => new Variance()],
    ['Minimum', () => new Minimum()],
    ['Maximum', () => new Maximum()],
    ['RunningMean', () => new RunningMean(4)],
    ['RunningVariance', () => new RunningVariance(4)],
    ['Covariance', () => new Covariance()],
    ['RunningCovariance', () => new RunningCovariance(4)],
    ['CDFEstimator', () => new CDFEstimator(6)],
    ['QuantileEstimator', () => new QuantileEstimator(0.3)],
    ['MedianEstimator', () => new MedianEstimator()],
    ['Counter', () => new Counter()],
  ];
  for (const [kind, make] of cases) {
    it(`${kind}: restored after 9 objects and fed the rest = one pass`, () => {
      const a = make();
      for (const x of stack.slice(0, 9)) a.accumulate(x);
      const state = structuredClone(a.exportState());
      expect(state.kind).toBe(kind);
      const b = restoreAccumulator(state);
      expect(b.kind).toBe(kind);
      expect(b).toBeInstanceOf(a.constructor as any);
      expect(b.n).toBe(9);
      for (const x of stack.slice(9)) {
        a.accumulate(x);
        b.accumulate(x);
      }
      expect(b.n).toBe(20);
      // same operations in the same order: bit-identical
      expect(JSON.stringify(b.value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v))).toBe(
        JSON.stringify(a.value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)),
      );
    });
  }

  it('restored RunningMean and CDFEstimator continue exactly as the references', () => {
    const rm = new RunningMean(4);
    const est = new QuantileEstimator(0.3);
    for (const x of stack.slice(0, 9)) {
      rm.accumulate(x);
      est.accumulate(x);
    }
    const rm2 = restoreAccumulator<RunningMean>(structuredClone(rm.exportState()));
    const est2 = restoreAccumulator<QuantileEstimator>(structuredClone(est.exportState()));
    expect(rm2.lifetime).toBe(4);
    expect(est2.p).toBe(0.3);
    for (const x of stack.slice(9)) {
      rm2.accumulate(x);
      est2.accumulate(x);
    }
    for (let j = 0; j < 6; j++) {
      const r = new RefRunningMean(4);
      const p = new RefP2(quantileMarkers(0.3));
      for (const x of stack) {
        r.add(x[j]);
        p.add(x[j]);
      }
      expect((rm2.value as Float64Array)[j]).toBeCloseTo(r.acc, 9);
      expect((est2.value as Float64Array)[j]).toBe(p.h[2]);
    }
  });

  it('CacheAccumulator and an empty accumulator round-trip', () => {
    const cache = new CacheAccumulator(3);
    for (let i = 0; i < 5; i++) cache.accumulate({ i, arr: Float32Array.of(i) });
    const restored = restoreAccumulator<CacheAccumulator>(structuredClone(cache.exportState()));
    expect(restored.length).toBe(3);
    expect(restored.n).toBe(5);
    expect(restored.value).toEqual([2, 3, 4].map((i) => ({ i, arr: Float32Array.of(i) })));
    const empty = restoreAccumulator<Mean>(structuredClone(new Mean().exportState()));
    expect(empty.n).toBe(0);
    expect(empty.value).toBeNull();
    empty.accumulate([1, 2]);
    expectExact(empty.value as Float64Array, [1, 2], 'restored empty then fed');
  });
});
