// A top k's kept payloads live side by side in slots, and the finished dataset is those slots put
// in rank order in place (ops/sinks/topK.ts). Held against a plain reference: the k largest
// values (ties to the earlier shot), each shot's payload stacked in that order, computed here
// from the inputs alone. The live (non-final) datasets must give the same and must not change
// when shots come in after them.
import { describe, expect, test } from 'vitest';
import { WasmArray } from '../../bindings/index.js';
import { makeSink } from '../../bindings/analysis/ops/index.js';
import type { Dataset, Sink, SinkState } from '../../bindings/analysis/ops/types.js';
import { rng } from '../helpers/random.js';

const SHAPE = [3, 4];
const SIZE = 12;

/** A seeded stream of shots: a value each (some NaN, some ties) and two payload images. */
function shots(count: number, seed: number) {
  const random = rng(seed);
  return Array.from({ length: count }, (_, shot) => ({
    shot,
    value: random() < 0.1 ? NaN : Math.floor(random() * 8),
    image: Float32Array.from({ length: SIZE }, () => random() * 1000),
    wide: Float64Array.from({ length: SIZE }, () => random() - 0.5),
  }));
}
type Shot = ReturnType<typeof shots>[number];

function feed(sink: Sink, list: Shot[]): void {
  const f32 = new WasmArray('f32', SIZE);
  const f64 = new WasmArray('f64', SIZE);
  try {
    for (const x of list) {
      sink.accumulate(x.value, x.shot, {
        image: () => ({ data: f32.set(x.image), shape: SHAPE }),
        wide: () => ({ data: f64.set(x.wide), shape: SHAPE }),
      });
    }
  } finally {
    f32.dispose();
    f64.dispose();
  }
}

function reference(list: Shot[], k: number) {
  const top = list
    .filter((x) => !Number.isNaN(x.value))
    .sort((a, b) => b.value - a.value || a.shot - b.shot)
    .slice(0, k);
  const stacked = <T extends Float32Array | Float64Array>(Type: { new (n: number): T }, pick: (x: Shot) => T) => {
    const out = new Type(top.length * SIZE);
    top.forEach((x, r) => out.set(pick(x), r * SIZE));
    return out;
  };
  return {
    order: Int32Array.from(top, (x) => x.shot),
    image: stacked(Float32Array, (x) => x.image),
    wide: stacked(Float64Array, (x) => x.wide),
  };
}

const topK = (k: number) => makeSink({ topK: { k, payloads: { image: { source: 'd', transforms: [] }, wide: { source: 'd', transforms: [] } } } });

function expectReference(sets: Record<string, Dataset>, ref: ReturnType<typeof reference>) {
  expect(Array.from(sets.top.data)).toEqual(Array.from(ref.order));
  expect(sets.image.shape).toEqual([ref.order.length, ...SHAPE]);
  expect(sets.image.data).toBeInstanceOf(Float32Array);
  expect(Array.from(sets.image.data)).toEqual(Array.from(ref.image));
  expect(sets.wide.data).toBeInstanceOf(Float64Array);
  expect(Array.from(sets.wide.data)).toEqual(Array.from(ref.wide));
}

describe('topK slots', () => {
  test.each([
    [1, 40, 1],
    [5, 60, 2],
    [5, 3, 3], // fewer shots than k: some slots never used
    [16, 200, 4], // the most slots
    [17, 200, 5], // more than the slots: each kept shot its own copy, as before
  ])('k = %i over %i shots (seed %i): the finished datasets are the reference, and so are the live ones', (k, count, seed) => {
    const list = shots(count, seed);
    const sink = topK(k);
    try {
      feed(sink, list.slice(0, count >> 1));
      const live = sink.datasets('top');
      const liveCopy = structuredClone(live);
      expectReference(live, reference(list.slice(0, count >> 1), k));
      feed(sink, list.slice(count >> 1));
      // What a preview was given stays as it was.
      expect(live).toEqual(liveCopy);
      expectReference(sink.datasets('top'), reference(list, k));
      expectReference(sink.datasets('top', true), reference(list, k));
    } finally {
      sink.dispose();
    }
  });

  test.each([2, 3, 4])('merged from %i workers (shots split round-robin): the finished datasets are the whole run\'s reference', (workers) => {
    const list = shots(150, 10 + workers);
    const k = 5;
    const sinks = Array.from({ length: workers }, () => topK(k));
    try {
      sinks.forEach((s, w) => feed(s, list.filter((x) => x.shot % workers === w)));
      // As a worker's state reaches the main thread: a structured clone (its own buffers).
      const states: SinkState[] = sinks.slice(1).map((s) => structuredClone(s.exportState()));
      sinks[0].merge(states);
      expectReference(sinks[0].datasets('top', true), reference(list, k));
    } finally {
      sinks.forEach((s) => s.dispose());
    }
  });

  test('a finished dataset asked for twice is the same', () => {
    const list = shots(80, 7);
    const sink = topK(5);
    try {
      feed(sink, list);
      const once = structuredClone(sink.datasets('top', true));
      expect(sink.datasets('top', true)).toEqual(once);
      expectReference(once, reference(list, 5));
    } finally {
      sink.dispose();
    }
  });
});
