// BinSorter, DynamicBinSorter, CacheAccumulator, Counter and TopK.
import { describe, expect, it, vi } from 'vitest';
import { BinSorter, DynamicBinSorter, CDFEstimator, CacheAccumulator, Counter, Mean, TopK, WasmArray, restoreAccumulator, type TopKEntry } from 'sacla-analysis';
import { rng, normal } from '../helpers/random.js';
import { expectClose, expectExact } from '../helpers/compare.js';
import { meanVariance } from '../reference/index.js';

describe('BinSorter', () => {
  it('default Counter per bin; half-open bins [e_i, e_i+1); histogram and histogram_density by hand', () => {
    const edges = [0, 1, 3, 6];
    const b = new BinSorter(edges);
    // key on the first edge → bin 0; at the last edge → none; below the first → none;
    // on an inner edge → the bin to its right; NaN → none
    const keys = [0, 0.5, 0.999, 1, 2.5, 2.999999, 3, 5.9, 6, 7, -0.001, -5, NaN, 1e-300, 3];
    for (const k of keys) b.accumulate(k);
    expect(b.n).toBe(keys.length);
    expect(b.nbins).toBe(3);
    const [e, counts] = b.histogram;
    expectExact(e, edges, 'edges');
    // bin 0: 0, 0.5, 0.999, 1e-300 → 4; bin 1: 1, 2.5, 2.999999 → 3; bin 2: 3, 5.9, 3 → 3
    expectExact(counts, [4, 3, 3], 'counts');
    const [e2, density] = b.histogram_density;
    expectExact(e2, edges, 'density edges');
    expectClose(density, [4 / 1, 3 / 2, 3 / 3], { rtol: 1e-15, label: 'density' });
    const [valueEdges, accs] = b.value;
    expectExact(valueEdges, edges, 'value edges');
    expect(accs).toHaveLength(3);
    expect(accs.map((a) => a.value)).toEqual([4, 3, 3]);
    expect(accs.every((a) => a instanceof Counter)).toBe(true);
    // the edges getter is a copy
    b.edges[0] = 99;
    expect(b.edges[0]).toBe(0);
  });

  it('a single key at the very edges: exactly first edge in bin 0, exactly last edge nowhere', () => {
    const first = new BinSorter([-2, 2]);
    first.accumulate(-2);
    expectExact(first.histogram[1], [1], 'first edge');
    const last = new BinSorter([-2, 2]);
    last.accumulate(2);
    expectExact(last.histogram[1], [0], 'last edge');
    const below = new BinSorter([-2, 2]);
    below.accumulate(-2.0000001);
    expectExact(below.histogram[1], [0], 'below');
  });

  it('with a Mean of a data key: each bin holds the mean of the data of its objects', () => {
    const g = normal(rng(12));
    const shots = Array.from({ length: 200 }, (_, i) => ({ intensity: 10 * Math.abs(g()), image: Float32Array.from({ length: 5 }, () => i + g()) }));
    const edges = [0, 2, 5, 10, 20];
    const b = new BinSorter(edges, () => new Mean(), { key: (s: (typeof shots)[number]) => s.intensity, data: (s) => s.image });
    for (const s of shots) b.accumulate(s);
    const accs = b.accumulators;
    expect(accs).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      const members = shots.filter((s) => s.intensity >= edges[i] && s.intensity < edges[i + 1]);
      expect(accs[i].n, `bin ${i}`).toBe(members.length);
      expect(members.length, `bin ${i} is populated`).toBeGreaterThan(0);
      expectClose(accs[i].value as Float64Array, meanVariance(members.map((s) => s.image)).mean, { rtol: 1e-12, label: `bin ${i} mean` });
    }
    const outside = shots.filter((s) => s.intensity >= 20).length;
    expectExact(b.histogram[1], accs.map((a) => a.n), 'histogram = bin counts');
    expect(accs.reduce((t, a) => t + a.n, 0)).toBe(200 - outside);
  });
});

describe('DynamicBinSorter', () => {
  it('the first nbins objects are not binned; edges follow a CDFEstimator of the keys; total binned = n − nbins', () => {
    const nbins = 4;
    const g = normal(rng(99));
    // float32-representable keys here; arbitrary float64 keys: see the next test
    const keys = Array.from({ length: 300 }, () => Math.fround(5 + 2 * g()));
    const d = new DynamicBinSorter(nbins);
    const cdf = new CDFEstimator(nbins + 1);
    expect(d.nbins).toBe(nbins);
    for (let i = 0; i < keys.length; i++) {
      d.accumulate(keys[i]);
      cdf.accumulate(keys[i]);
      const binned = d.accumulators.reduce((t, a) => t + a.n, 0);
      expect(binned, `after ${i + 1}`).toBe(Math.max(0, i + 1 - nbins));
      if (i + 1 >= nbins + 1) expectExact(d.edges, cdf.heights as Float64Array, `edges after ${i + 1}`);
    }
    expect(d.n).toBe(300);
    const [edges, counts] = d.histogram;
    expect(edges).toHaveLength(nbins + 1);
    expect(counts).toHaveLength(nbins);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300 - nbins);
    // roughly equally populated bins (the point of following the CDF)
    for (const c of counts) expect(c).toBeGreaterThan((300 - nbins) / nbins / 2);
    // edges[0] and edges[nbins] are the exact min and max of the keys
    expect(edges[0]).toBe(Math.min(...keys));
    expect(edges[nbins]).toBe(Math.max(...keys));
  });

  it('float64 keys: a new minimum whose float32 rounding is above it (0.1) goes into bin 0, not nowhere', () => {
    // Keys are taken as float32, as the estimator holds them. 0.6 is the middle edge when it
    // arrives, so it lands in bin 1 (half-open bins, as the original with exact keys);
    // 0.1 becomes the new minimum and lands in bin 0.
    const d = new DynamicBinSorter(2);
    for (const k of [0.5, 0.7, 0.6]) d.accumulate(k);
    expect(Math.fround(0.1)).toBeGreaterThan(0.1);
    expect(() => d.accumulate(0.1)).not.toThrow();
    expect(d.n).toBe(4);
    expectExact(d.histogram[1], [1, 1], 'counts: 0.1 in bin 0, 0.6 in bin 1');
    // and the same with random float64 keys: every object after the first nbins is binned
    const g = normal(rng(98));
    const e = new DynamicBinSorter(5);
    for (let i = 0; i < 200; i++) e.accumulate(5 + 2 * g());
    expect(e.accumulators.reduce((t, a) => t + a.n, 0)).toBe(195);
  });

  it('a NaN key lands in no bin, as in BinSorter', () => {
    const d = new DynamicBinSorter(2);
    for (const k of [0.5, 0.75, 0.625, 0.25, 1]) d.accumulate(k);
    expectExact(d.histogram[1], [1, 2], 'before');
    d.accumulate(NaN);
    expect(d.n).toBe(6);
    expectExact(d.histogram[1], [1, 2], 'after a NaN key');
    const b = new BinSorter([0, 1, 2]);
    b.accumulate(NaN);
    expectExact(b.histogram[1], [0, 0], 'BinSorter');
  });

  it('before priming, the edges are NaN; with a Mean of a data key', () => {
    const d = new DynamicBinSorter(3, () => new Mean(), { key: (o: { k: number; v: number[] }) => o.k, data: (o) => o.v });
    expect(Array.from(d.edges).every(Number.isNaN)).toBe(true);
    const objs = Array.from({ length: 40 }, (_, i) => ({ k: (i * 37) % 41, v: [i, 2 * i] }));
    for (const o of objs) d.accumulate(o);
    const binned = d.accumulators.reduce((t, a) => t + a.n, 0);
    expect(binned).toBe(37);
    // every binned object's data went into exactly one Mean: the count-weighted means add up
    const total = d.accumulators.reduce((t, a) => t + (a.n ? (a.value as Float64Array)[0] * a.n : 0), 0);
    expect(total).toBeCloseTo(objs.slice(3).reduce((t, o) => t + o.v[0], 0), 9);
  });
});

describe('CacheAccumulator', () => {
  it('keeps the last `length` objects, oldest first, and counts all', () => {
    const c = new CacheAccumulator(3);
    expect(c.value).toEqual([]);
    c.accumulate('a');
    expect(c.value).toEqual(['a']);
    for (const x of ['b', 'c', 'd', 'e']) c.accumulate(x);
    expect(c.value).toEqual(['c', 'd', 'e']);
    expect(c.n).toBe(5);
    const one = new CacheAccumulator();
    one.accumulate(1);
    one.accumulate(null);
    expect(one.value).toEqual([null]);
  });

  it('copies arrays: a caller reusing its buffer does not change what was kept', () => {
    const c = new CacheAccumulator(2);
    const buf = new Float32Array([1, 2, 3]);
    const list = [1, 2, 3];
    const nd = { data: new Float64Array([4, 5]), shape: [2] };
    c.accumulate(buf);
    c.accumulate(list);
    buf.fill(0);
    list.fill(0);
    expect(c.value).toEqual([new Float32Array([1, 2, 3]), [1, 2, 3]]);
    c.accumulate(nd);
    nd.data.fill(0);
    nd.shape[0] = 7;
    expect(c.value[1]).toEqual({ data: new Float64Array([4, 5]), shape: [2] });
  });

  it('copies data that lives in wasm memory (a WasmArray or {data: WasmArray, shape}, as the pipeline hands out)', () => {
    const c = new CacheAccumulator(2);
    const shot = new WasmArray('f32', 3);
    shot.set([1, 2, 3]);
    c.accumulate({ data: shot, shape: [3] });
    c.accumulate(shot);
    shot.set([9, 9, 9]); // the pipeline reuses its buffer for the next shot
    const read = (x: any): number[] => {
      const d = x && typeof x === 'object' && 'data' in x && 'shape' in x ? x.data : x;
      return Array.from(d instanceof WasmArray ? d.view() : (d as ArrayLike<number>));
    };
    expect(read(c.value[0]), 'kept {data: WasmArray, shape}').toEqual([1, 2, 3]);
    expect(read(c.value[1]), 'kept WasmArray').toEqual([1, 2, 3]);
  });

  it('merge interleaves by arrival time', async () => {
    const a = new CacheAccumulator(4);
    const b = new CacheAccumulator(4);
    const tick = () => new Promise((r) => setTimeout(r, 2));
    for (const [acc, x] of [[a, 'a1'], [b, 'b1'], [a, 'a2'], [b, 'b2'], [b, 'b3'], [a, 'a3']] as const) {
      acc.accumulate(x);
      await tick();
    }
    a.accumulate(b);
    expect(a.value).toEqual(['b1', 'a2', 'b2', 'b3', 'a3'].slice(-4));
    expect(a.n).toBe(6);
    const c = new CacheAccumulator(4);
    c.accumulate(restoreAccumulator(structuredClone(b.exportState())));
    expect(c.value).toEqual(['b1', 'b2', 'b3']);
  });
});

describe('Counter', () => {
  it('counts calls, null and undefined included; merges add counts; restores', () => {
    const c = new Counter();
    for (const x of [null, undefined, 0, 'x', [1, 2], { a: 1 }]) c.accumulate(x);
    expect(c.value).toBe(6);
    expect(c.n).toBe(6);
    const d = new Counter(10);
    d.accumulate(null);
    c.accumulate(d);
    expect(c.value).toBe(17);
    const r = restoreAccumulator<Counter>(structuredClone(c.exportState()));
    expect(r).toBeInstanceOf(Counter);
    expect(r.value).toBe(17);
    const parts = [new Counter(), new Counter(), new Counter()];
    [3, 0, 5].forEach((k, i) => {
      for (let j = 0; j < k; j++) parts[i].accumulate(null);
    });
    parts[0].accumulate(parts[1]).accumulate(parts[2]);
    expect(parts[0].value).toBe(8);
  });
});

describe('TopK', () => {
  it('keeps the k largest, largest first; ties keep the earlier arrival', () => {
    const t = new TopK<string>(3);
    expect(t.threshold).toBe(-Infinity);
    const values = [5, 1, 9, 5, 7, 9, 2, 5];
    values.forEach((v, i) => t.add(v, `#${i}`));
    expect(t.get()).toEqual(['#2', '#5', '#4']);
    expect(t.entries.map((e) => [e.value, e.order])).toEqual([
      [9, 2],
      [9, 5],
      [7, 4],
    ]);
    expect(t.threshold).toBe(7);
    expect(t.n).toBe(8);
    const ties = new TopK<string>(2);
    for (const [v, p] of [[1, 'a'], [1, 'b'], [1, 'c'], [2, 'd'], [1, 'e']] as const) ties.add(v, p);
    expect(ties.get()).toEqual(['d', 'a']);
  });

  it('payload thunks are called only for entries that enter', () => {
    const t = new TopK<number>(2);
    const thunks = [3, 1, 4, 1, 5, 9, 2, 6].map((v) => ({ v, f: vi.fn(() => v * 10) }));
    const entered = thunks.map(({ v, f }) => t.add(v, f));
    // 3 in, 1 in, 4 in (1 out), 1 no, 5 in, 9 in, 2 no, 6 no (threshold 5... 6 > 5: in)
    expect(entered).toEqual([true, true, true, false, true, true, false, true]);
    thunks.forEach(({ f }, i) => expect(f, `thunk ${i}`).toHaveBeenCalledTimes(entered[i] ? 1 : 0));
    expect(t.get()).toEqual([90, 60]);
    // equal to the threshold with a later order: does not enter, thunk not called
    const f = vi.fn(() => 0);
    expect(t.add(6, f)).toBe(false);
    expect(f).not.toHaveBeenCalled();
  });

  it('NaN never enters (not even into an empty TopK); ±Infinity do', () => {
    const t = new TopK<string>(3);
    const f = vi.fn(() => 'nan');
    expect(t.add(NaN, f)).toBe(false);
    expect(f).not.toHaveBeenCalled();
    t.add(-Infinity, 'low');
    t.add(1, 'one');
    t.add(NaN, 'nan');
    t.add(Infinity, 'high');
    t.add(Infinity, 'high2');
    expect(t.get()).toEqual(['high', 'high2', 'one']);
    expect(t.n).toBe(6);
  });

  it('merging TopKs fed disjoint shots (shot index as order) = one sequential TopK; exportState/fromState', () => {
    const r = rng(321);
    // values on a coarse grid so that there are many ties across the workers
    const shots = Array.from({ length: 500 }, (_, i) => ({ index: i, value: Math.floor(r() * 40) }));
    shots[17].value = NaN;
    const seq = new TopK<number>(7);
    for (const s of shots) seq.add(s.value, s.index, s.index);
    const workers = [new TopK<number>(7), new TopK<number>(7), new TopK<number>(7)];
    // interleaved and out-of-order assignment, as a worker pool would do
    for (const s of shots) workers[(s.index * 7) % 3].add(s.value, () => s.index, s.index);
    const merged = TopK.fromState(structuredClone(workers[2].exportState()));
    merged.merge(workers[0]).merge(TopK.fromState(structuredClone(workers[1].exportState())));
    const strip = (es: TopKEntry<number>[]) => es.map((e) => [e.value, e.order, e.payload]);
    expect(strip(merged.entries)).toEqual(strip(seq.entries));
    expect(merged.get()).toEqual(seq.get());
    expect(merged.n).toBe(500);
    // merging in the other order gives the same
    const other = TopK.fromState(workers[0].exportState()).merge(workers[1]).merge(workers[2]);
    expect(strip(other.entries)).toEqual(strip(seq.entries));
    // independent reference: sort by value desc, order asc
    const ref = shots
      .filter((s) => !Number.isNaN(s.value))
      .sort((a, b) => b.value - a.value || a.index - b.index)
      .slice(0, 7)
      .map((s) => [s.value, s.index, s.index]);
    expect(strip(seq.entries)).toEqual(ref);
  });

  it('exportState is a plain copy; fromState restores k, entries and n', () => {
    const t = new TopK<{ img: Float32Array }>(2);
    t.add(3, { img: Float32Array.of(3) });
    t.add(8, { img: Float32Array.of(8) });
    t.add(5, { img: Float32Array.of(5) });
    const state = t.exportState();
    expect(state.kind).toBe('TopK');
    expect(state.k).toBe(2);
    expect(state.seen).toBe(3);
    const r = TopK.fromState(structuredClone(state));
    expect(r.k).toBe(2);
    expect(r.n).toBe(3);
    expect(r.get()).toEqual([{ img: Float32Array.of(8) }, { img: Float32Array.of(5) }]);
    state.entries.pop();
    expect(t.entries).toHaveLength(2);
  });
});
