// BinSorter / DynamicBinSorter: merging, and exporting the state to rebuild it elsewhere.
import { describe, test, expect } from 'vitest';
import { BinSorter, DynamicBinSorter, Mean, Counter } from 'sacla-analysis';

const keys = [0.5, 1.5, 2.5, 1.2, 0.1, 2.9, 3.5, -1, 1.9, 0.7];
// Bins [0,1), [1,2), [2,3): 0.5 0.1 0.7 | 1.5 1.2 1.9 | 2.5 2.9 (3.5 and −1 in none).
const expectedCounts = [3, 3, 2];

describe('BinSorter state', () => {
  test('two halves merged equal one pass (counts and per-bin means)', () => {
    const make = () => new BinSorter<number, Mean>([0, 1, 2, 3], () => new Mean(), { data: (k) => k * 10 });
    const whole = make();
    for (const k of keys) whole.accumulate(k);
    const a = make();
    const b = make();
    keys.forEach((k, i) => (i % 2 ? a : b).accumulate(k));
    a.accumulate(b);
    expect(Array.from(a.histogram[1])).toEqual(expectedCounts);
    expect(a.n).toBe(keys.length);
    // Means of 10 × key per bin, by hand: (5 + 1 + 7)/3, (15 + 12 + 19)/3, (25 + 29)/2.
    [13 / 3, 46 / 3, 27].forEach((mean, i) => {
      expect(a.accumulators[i].value as number).toBeCloseTo(mean, 12);
      expect(whole.accumulators[i].value as number).toBeCloseTo(mean, 12);
    });
  });

  test('different edges do not merge', () => {
    expect(() => new BinSorter([0, 1, 2]).accumulate(new BinSorter([0, 1, 3]))).toThrow(/different edges/);
  });

  test('export → structured clone → restore gives the same sorter, which goes on accumulating', () => {
    const sorter = new BinSorter([0, 1, 2, 3], () => new Counter());
    for (const k of keys.slice(0, 6)) sorter.accumulate(k);
    const copy = new BinSorter([0, 1, 2, 3], () => new Counter()).restoreFrom(structuredClone(sorter.exportState()));
    for (const k of keys.slice(6)) copy.accumulate(k);
    expect(Array.from(copy.histogram[1])).toEqual(expectedCounts);
    expect(copy.n).toBe(keys.length);
    expect(() => new BinSorter([0, 2, 3]).restoreFrom(sorter.exportState())).toThrow(/edges differ/);
  });
});

describe('DynamicBinSorter state', () => {
  test('restored from an exported state, it continues exactly as the original', () => {
    const stream = Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * 10 + i * 0.1);
    const original = new DynamicBinSorter(4);
    for (const k of stream.slice(0, 25)) original.accumulate(k);
    const restored = new DynamicBinSorter(4).restoreFrom(structuredClone(original.exportState()));
    for (const k of stream.slice(25)) {
      original.accumulate(k);
      restored.accumulate(k);
    }
    expect(Array.from(restored.edges)).toEqual(Array.from(original.edges));
    expect(Array.from(restored.histogram[1])).toEqual(Array.from(original.histogram[1]));
    expect(restored.histogram[1].reduce((a, b) => a + b, 0)).toBe(60 - 4);
  });

  test('is not mergeable: its edges are its own', () => {
    expect(() => new DynamicBinSorter(3).accumulate(new DynamicBinSorter(3))).toThrow(/edges of its own/);
  });
});
