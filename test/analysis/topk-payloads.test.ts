// A top k keeps only its shots' ranking values while they come in; the payloads of the final k
// are filled in afterwards (what Plan.fillPayloads does by reading those shots again), each into
// its rank's slot of one array per payload, which is the finished dataset (ops/sinks/topK.ts).
// Held against a plain reference: the k largest values (ties to the earlier shot), each shot's
// payload stacked in that order, computed here from the inputs alone.
import { describe, expect, test } from 'vitest';
import { WasmArray } from '../../bindings/index.js';
import { makeSink } from '../../bindings/analysis/ops/index.js';
import type { Dataset, Sink, SinkState } from '../../bindings/analysis/ops/types.js';
import { Plan } from '../../bindings/analysis/plan.js';
import type { Run } from '../../bindings/data/run.js';
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
  for (const x of list) sink.accumulate(x.value, x.shot);
}

/** Fills the payloads of the kept shots that lack them, as Plan.fillPayloads does: from the shots themselves. */
function fill(sink: Sink, list: Shot[]): void {
  const f32 = new WasmArray('f32', SIZE);
  const f64 = new WasmArray('f64', SIZE);
  try {
    for (const { rank, shot } of sink.pendingShots!()) {
      const x = list.find((s) => s.shot === shot)!;
      sink.fill!(rank, { image: { data: f32.set(x.image), shape: SHAPE }, wide: { data: f64.set(x.wide), shape: SHAPE } });
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

describe('topK payloads', () => {
  test.each([
    [1, 40, 1],
    [5, 60, 2],
    [5, 3, 3], // fewer shots than k
    [16, 200, 4],
    [40, 300, 5],
  ])('k = %i over %i shots (seed %i): the filled datasets are the reference, in the slots of one array each', (k, count, seed) => {
    const list = shots(count, seed);
    const sink = topK(k);
    try {
      feed(sink, list);
      const kept = reference(list, k).order.length;
      expect(sink.pendingShots!().map((p) => p.shot)).toEqual(Array.from(reference(list, k).order));
      expect(() => sink.datasets('top')).toThrow(/payload image of the kept shots is not computed yet/);
      fill(sink, list);
      expect(sink.pendingShots!()).toEqual([]);
      const sets = sink.datasets('top');
      expectReference(sets, reference(list, k));
      // The dataset is the slots' array itself, not a stack of copies.
      expect(sets.image.data.length).toBe(kept * SIZE);
      expect(sink.datasets('top').image.data).toBe(sets.image.data);
    } finally {
      sink.dispose();
    }
  });

  test('shots that come in after a fill: only the new entrants are pending, and no filled value is overwritten', () => {
    const list = shots(120, 8);
    const sink = topK(5);
    try {
      feed(sink, list.slice(0, 60));
      fill(sink, list);
      const before = new Set(sink.pendingShots!().map((p) => p.shot));
      expect(before.size).toBe(0);
      feed(sink, list.slice(60));
      const first = new Set(Array.from(reference(list.slice(0, 60), 5).order));
      for (const p of sink.pendingShots!()) expect(first.has(p.shot)).toBe(false);
      fill(sink, list);
      expectReference(sink.datasets('top'), reference(list, 5));
    } finally {
      sink.dispose();
    }
  });

  test.each([2, 3, 4])("merged from %i workers (shots split round-robin), filled after the merge: the whole run's reference", (workers) => {
    const list = shots(150, 10 + workers);
    const k = 5;
    const sinks = Array.from({ length: workers }, () => topK(k));
    try {
      sinks.forEach((s, w) => feed(s, list.filter((x) => x.shot % workers === w)));
      // As a worker's state reaches the main thread: a structured clone, without payloads.
      const states: SinkState[] = sinks.slice(1).map((s) => structuredClone(s.exportState()));
      sinks[0].merge(states);
      fill(sinks[0], list);
      expectReference(sinks[0].datasets('top'), reference(list, k));
    } finally {
      sinks.forEach((s) => s.dispose());
    }
  });

  test('a state that came with its payloads (a part file of an earlier version) merges without a fill of its shots', () => {
    const list = shots(100, 21);
    const [a, b] = [topK(5), topK(5)];
    try {
      feed(a, list.filter((x) => x.shot % 2 === 0));
      feed(b, list.filter((x) => x.shot % 2 === 1));
      fill(b, list);
      const theirs = new Set(b.pendingShots!().map((p) => p.shot));
      expect(theirs.size).toBe(0);
      a.merge([structuredClone(b.exportState())]);
      for (const p of a.pendingShots!()) expect(p.shot % 2).toBe(0);
      fill(a, list);
      expectReference(a.datasets('top'), reference(list, 5));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe('Plan.fillPayloads', () => {
  // A camera of 2×3 pixels whose shot s reads (s·7 mod 10) + pixel index; the top k ranks shots by their sum.
  const image = (shot: number) => Array.from({ length: 6 }, (_, p) => ((shot * 7) % 10) + p);
  const run = {
    path: '/data/run.h5',
    runNumber: 5,
    tags: Array.from({ length: 20 }, (_, s) => 100 + s),
    detectors: { cam: { read: (shot: number, data: { set(v: number[]): void }) => data.set(image(shot)) } },
    values: {},
  } as unknown as Run;
  const topPlan = () =>
    new Plan(
      [
        {
          name: 'top',
          source: 'cam',
          transforms: [{ sum: { nan: 'skip' } }],
          after: [],
          sink: { topK: { k: 3, payloads: { pictures: { source: 'cam', transforms: [{ noiseCut: { threshold: 4, fill: 0 } }] } } } },
        },
      ],
      { detectors: { cam: { shape: [2, 3], size: 6, dtype: 'f32' } } },
    );

  test('reads the top shots again: their payloads are the chain of each, in rank order', () => {
    const plan = topPlan();
    try {
      plan.check();
      for (let shot = 0; shot < 20; shot++) plan.process(run, shot);
      expect(() => plan.datasets()).toThrow(/payload pictures of the kept shots is not computed yet/);
      const read: number[] = [];
      const counting = { ...run, detectors: { cam: { read: (shot: number, data: { set(v: number[]): void }) => (read.push(shot), data.set(image(shot))) } } } as unknown as Run;
      plan.fillPayloads(counting);
      // Sums 6·(7s mod 10) + 15: shots 7 and 17 (69, the tie to the earlier), then 4 (63); each read once.
      expect(read).toEqual([7, 17, 4]);
      const sets = plan.datasets();
      expect(Array.from(sets.top.data)).toEqual([7, 17, 4]);
      const cut = (shot: number) => image(shot).map((v) => (v < 4 ? 0 : v));
      expect(sets.pictures.shape).toEqual([3, 2, 3]);
      expect(Array.from(sets.pictures.data)).toEqual([...cut(7), ...cut(17), ...cut(4)]);
    } finally {
      plan.dispose();
    }
  });

  test('a detector only the payloads read is read for the top shots alone, not for every shot', () => {
    const reads: string[] = [];
    const counting = {
      ...run,
      detectors: Object.fromEntries(['cam', 'other'].map((name) => [name, { read: (shot: number, data: { set(v: number[]): void }) => (reads.push(`${name} ${shot}`), data.set(image(shot))) }])),
      values: { diode: Float64Array.from({ length: 20 }, (_, s) => (s * 3) % 7) },
    } as unknown as Run;
    const plan = new Plan(
      [{ name: 'top', source: 'diode', transforms: [], after: [], sink: { topK: { k: 2, payloads: { pictures: { source: 'other', transforms: [] }, cams: { source: 'cam', transforms: [] } } } } }],
      { detectors: { cam: { shape: [2, 3], size: 6, dtype: 'f32' }, other: { shape: [2, 3], size: 6, dtype: 'f32' } } },
    );
    try {
      for (let shot = 0; shot < 20; shot++) plan.process(counting, shot);
      expect(reads).toEqual([]);
      plan.fillPayloads(counting);
      // diode (3s mod 7) is 6 at shots 2, 9, 16: the top 2 are shots 2 and 9.
      expect(reads).toEqual(['other 2', 'cam 2', 'other 9', 'cam 9']);
      expect(Array.from(plan.datasets().pictures.data)).toEqual([...image(2), ...image(9)]);
    } finally {
      plan.dispose();
    }
  });

  test('without the run, a top k with payloads to compute says so', () => {
    const plan = topPlan();
    try {
      plan.process(run, 3);
      expect(() => plan.fillPayloads(null)).toThrow('output top: the payloads of its top shots need the run, to read those shots again');
    } finally {
      plan.dispose();
    }
  });
});
