// The accumulators on float64 data against NumPy on the same float64 arrays
// (test/fixtures/numpy/*_f64.json, written by test/fixtures/make_fixtures.py): float64
// input is never rounded to float32, streams may mix float32 and float64 objects, and
// float64 states export, restore and merge.
import { describe, expect, it } from 'vitest';
import {
  Mean,
  Variance,
  Minimum,
  Maximum,
  Covariance,
  CDFEstimator,
  MedianEstimator,
  DynamicBinSorter,
  WasmArray,
  restoreAccumulator,
  type Accumulator,
  type NDArray,
} from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { expectClose, expectExact, maxAbs, rows } from '../helpers/compare.js';

const accumulators = loadFixture('accumulators_f64');
const p2 = loadFixture('p2_f64');

const byName = (fixture: any, name: string) => {
  const c = fixture.cases.find((x: any) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

/** Column j of a stack of rows. */
const column = (stack: Float64Array[], j: number) => stack.map((r) => r[j]);

describe('Variance of tag numbers 1.32e9 + 2i (float32 would give 0)', () => {
  const c = byName(accumulators, 'variance_tags');
  const stack: Float64Array[] = rows(c.stack);

  it('as Float64Array objects: value, rms, std and mean are NumPy\'s', () => {
    const v = new Variance();
    for (const x of stack) v.accumulate(x);
    expect(v.n).toBe(c.n);
    expect(c.var_unbiased.data[0]).toBeCloseTo(36.666666666666664, 12);
    expectClose(v.value as Float64Array, c.var_unbiased.data, { rtol: 1e-12, label: 'value' });
    expectClose(v.rms as Float64Array, c.var_population.data, { rtol: 1e-12, label: 'rms' });
    expectClose(v.std as Float64Array, c.std.data, { rtol: 1e-12, label: 'std' });
    expectClose(v.mean as Float64Array, c.mean.data, { rtol: 1e-15, label: 'mean' });
    v.dispose();
  });

  it('as numbers one by one, as number[] objects and as {data: WasmArray<f64>, shape}', () => {
    const scalar = new Variance();
    for (const t of column(stack, 0)) scalar.accumulate(t);
    expect(scalar.value).toBeCloseTo(c.var_unbiased.data[0], 12);
    expect(scalar.rms).toBeCloseTo(c.var_population.data[0], 12);
    expect(scalar.std).toBeCloseTo(c.std.data[0], 13);

    const plain = new Variance();
    for (const x of stack) plain.accumulate(Array.from(x));
    expectClose(plain.value as Float64Array, c.var_unbiased.data, { rtol: 1e-12, label: 'number[]' });

    const inWasm = new WasmArray('f64', 4);
    const fromWasm = new Variance();
    for (const x of stack) fromWasm.accumulate({ data: inWasm.set(x), shape: [2, 2] });
    expectClose((fromWasm.value as NDArray<Float64Array>).data, c.var_unbiased.data, { rtol: 1e-12, label: 'wasm f64' });
    inWasm.dispose();
    for (const a of [scalar, plain, fromWasm]) a.dispose();
  });
});

describe('Mean, Minimum, Maximum of float64 arrays with 1e39, 2^53 − k, 1e-300 (minmax_mean_big)', () => {
  const c = byName(accumulators, 'minmax_mean_big');
  const stack: Float64Array[] = rows(c.stack);

  it('min and max are exact and float64; the mean is the seed formula\'s in float64', () => {
    const mean = new Mean();
    const min = new Minimum();
    const max = new Maximum();
    for (const x of stack) for (const a of [mean, min, max]) a.accumulate(x);
    expect(min.value).toBeInstanceOf(Float64Array);
    expect(max.value).toBeInstanceOf(Float64Array);
    expectExact(min.value as Float64Array, c.min.data, 'min');
    expectExact(max.value as Float64Array, c.max.data, 'max');
    expect((max.value as Float64Array)[0]).toBe(2e39);
    expectClose(mean.value as Float64Array, c.mean.data, { rtol: 1e-15, label: 'mean' });
    expectClose(mean.value as Float64Array, c.np_mean.data, { rtol: 1e-14, label: 'np.mean' });
    expect(Number.isFinite((mean.value as Float64Array)[0])).toBe(true);
    expect((mean.value as Float64Array)[3]).toBeGreaterThan(0);
    for (const a of [mean, min, max]) a.dispose();
  });

  it('merging the parts (directly and through exportState → structuredClone → restore) gives the whole', () => {
    const parts: { start: number; stop: number; min: any; max: any; mean: any }[] = c.parts;
    for (const via of ['direct', 'state'] as const) {
      const make = [() => new Minimum(), () => new Maximum(), () => new Mean()];
      const [min, max, mean] = make.map((f) => {
        const partials = parts.map(({ start, stop }) => {
          const a: Accumulator = f();
          for (const x of stack.slice(start, stop)) a.accumulate(x);
          return a;
        });
        for (const p of partials.slice(1)) partials[0].accumulate(via === 'state' ? restoreAccumulator(structuredClone(p.exportState())) : p);
        return partials[0];
      });
      expectExact(min.value as Float64Array, c.min.data, `${via}: min`);
      expectExact(max.value as Float64Array, c.max.data, `${via}: max`);
      expectClose(mean.value as Float64Array, c.np_mean.data, { rtol: 1e-14, label: `${via}: mean` });
    }
  });

  it('an exported float64 state says f64, holds Float64Arrays and restores to the same values', () => {
    const max = new Maximum();
    for (const x of stack.slice(0, 3)) max.accumulate(x);
    const state = structuredClone(max.exportState());
    expect(state.dtype).toBe('f64');
    expect(state.arrays.acc).toBeInstanceOf(Float64Array);
    expectExact(state.arrays.acc, c.parts[0].max.data, 'exported max');
    const restored = restoreAccumulator<Maximum>(state);
    for (const x of stack.slice(3)) restored.accumulate(x);
    expectExact(restored.value as Float64Array, c.max.data, 'restored, then the rest');
    expect(() => restoreAccumulator({ ...state, dtype: 'f32' })).toThrow(/Float64Array.*f32/);
  });
});

describe('streams mixing float32 and float64 objects', () => {
  for (const name of ['mixed_f32_first', 'mixed_f64_first']) {
    const c = byName(accumulators, name);
    const stack: Float64Array[] = rows(c.stack);
    const objects = stack.map((x, k) => (c.row_dtypes[k] === 'float32' ? Float32Array.from(x) : x));

    it(`${name}: Minimum, Maximum, Mean, Variance promote to float64 and equal NumPy's`, () => {
      // the fixture's float32 objects really are float32 values
      objects.forEach((x, k) => expectExact(x, stack[k], `object ${k}`));
      const accs = [new Minimum(), new Maximum(), new Mean(), new Variance()];
      for (const x of objects) for (const a of accs) a.accumulate(x);
      const [min, max, mean, variance] = accs;
      expect(min.value).toBeInstanceOf(Float64Array);
      expectExact(min.value as Float64Array, c.min.data, 'min');
      expectExact(max.value as Float64Array, c.max.data, 'max');
      expectClose(mean.value as Float64Array, c.mean.data, { rtol: 1e-15, label: 'mean' });
      // element 1 is 1e9 + 10·noise: Welford's running mean is off by ~ulp(1e9) = 1.2e-7 per
      // step, ~1e-8 of the variance; float32 would be off by 100% (its step there is 64)
      expectClose(variance.value as Float64Array, c.var_unbiased.data, { rtol: 1e-7, label: 'variance' });
      expect(variance.exportState().dtype).toBe('f64');
      for (const a of accs) a.dispose();
    });

    it(`${name}: a float32-state Minimum/Maximum merges with a float64-state one, either way round`, () => {
      const f32Objects = objects.filter((x) => x instanceof Float32Array);
      const f64Objects = objects.filter((x) => x instanceof Float64Array);
      for (const [Kind, expected] of [
        [Minimum, c.min.data],
        [Maximum, c.max.data],
      ] as const) {
        for (const order of ['f32 into f64', 'f64 into f32'] as const) {
          const a = new Kind();
          const b = new Kind();
          for (const x of f32Objects) a.accumulate(x);
          for (const x of f64Objects) b.accumulate(x);
          expect(a.exportState().dtype).toBe('f32');
          expect(a.value).toBeInstanceOf(Float32Array);
          const [into, from] = order === 'f32 into f64' ? [b, a] : [a, b];
          into.accumulate(restoreAccumulator(structuredClone(from.exportState())));
          expect(into.n).toBe(objects.length);
          expect(into.value, `${Kind.name} ${order}`).toBeInstanceOf(Float64Array);
          expectExact(into.value as Float64Array, expected, `${Kind.name} ${order}`);
          // the float32 one merged from is unchanged
          if (from === a) expect(a.value).toBeInstanceOf(Float32Array);
        }
      }
    });
  }
});

describe('Covariance of float64 vectors (covariance_offset_1e8)', () => {
  it('value = np.cov, rms = np.cov(ddof=0), mean', () => {
    const c = byName(accumulators, 'covariance_offset_1e8');
    const cov = new Covariance();
    for (const x of rows(c.vectors)) cov.accumulate(x);
    const value = cov.value as NDArray<Float64Array>;
    expect(value.shape).toEqual([c.dim, c.dim]);
    // unit noise on 1e8: Welford's running mean is off by ~ulp(1e8) = 1.5e-8 per step, ~1e-8
    // of the covariance
    const scale = maxAbs(c.cov.data);
    expectClose(value.data, c.cov.data, { rtol: 1e-7, atol: 1e-7 * scale, label: 'cov' });
    expectClose((cov.rms as NDArray<Float64Array>).data, c.cov_population.data, { rtol: 1e-7, atol: 1e-7 * scale, label: 'cov_population' });
    expectClose(cov.mean as Float64Array, c.mean.data, { rtol: 1e-15, label: 'mean' });
    // float32 vectors would have lost most of the noise (a float32 step at 1e8 is 8)
    const rounded = new Covariance();
    for (const x of rows(c.vectors)) rounded.accumulate(Float32Array.from(x as Float64Array));
    const error = maxAbs((rounded.value as NDArray<Float64Array>).data.map((v, i) => v - c.cov.data[i]));
    expect(error).toBeGreaterThan(0.1 * scale);
    cov.dispose();
    rounded.dispose();
  });
});

describe('P² estimators on float64 data: bit for bit the NumPy reference P² (p2_f64.json)', () => {
  for (const c of p2.cases) {
    it(`${c.name} (${c.kind}): heights and positions after checkpoints and at the end`, () => {
      const est = c.kind === 'MedianEstimator' ? new MedianEstimator() : new CDFEstimator(c.markers.data.length);
      expectExact(est.markers, c.markers.data, 'markers');
      const checkpoints = new Map<number, any>((c.checkpoints ?? []).map((s: any) => [s.after, s]));
      const check = (heights: any, positions: any, n: number, label: string) => {
        expectExact((est.heights as NDArray<Float64Array>).data, heights.data, `${label}: heights`);
        const q = (est.q_actual as NDArray<Float64Array>).data;
        expectExact(q.map((v) => Math.round(v * (n - 1))), positions.data, `${label}: positions`);
      };
      (rows(c.inputs) as Float64Array[]).forEach((x, k) => {
        est.accumulate(x);
        const snap = checkpoints.get(k + 1);
        if (snap) check(snap.heights, snap.positions, snap.n, `after ${snap.after}`);
      });
      expect(est.n).toBe(c.n);
      check(c.heights, c.positions, c.n, 'final');
      est.dispose();
    });
  }
});

describe('DynamicBinSorter keys are float64', () => {
  it('keys that float32 would merge stay apart (edges = the keys themselves while exact)', () => {
    const keys = [1e9 + 0.25, 1e9 + 0.5, 1e9 + 0.75, 1e9 + 1, 1e9 + 0.3];
    expect(new Set(keys.map(Math.fround)).size).toBe(1);
    const sorter = new DynamicBinSorter(2);
    for (const k of keys) sorter.accumulate(k);
    // P² with 3 markers: the first three keys, sorted; 1e9 + 1 becomes the maximum; the middle
    // marker never moves (|0.5·n − p| < 1). Keys from the third on are binned: 1e9 + 0.75 and
    // 1e9 + 1 in bin 1 (the last bin is closed), 1e9 + 0.3 in bin 0.
    expectExact(sorter.edges, [1e9 + 0.25, 1e9 + 0.5, 1e9 + 1], 'edges');
    expectExact(sorter.histogram[1], [1, 2], 'counts');
  });
});
