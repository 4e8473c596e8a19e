// Shot filters against hand-computed cases (seed-semantics.md, "Shot filters").
import { describe, test, expect } from 'vitest';
import { filters } from 'sacla-analysis';
import { gradient, median } from '../../bindings/core/numeric.js';

const all = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const list = (a: Uint32Array) => Array.from(a);

// A scanned motor (µm): accelerating, 4 µm per shot, decelerating.
const scan = Float64Array.from([0, 1, 3, 6, 10, 14, 18, 22, 25, 27, 28], (v) => v * 1e-6);

describe('motorStep', () => {
  test('keeps the constant-speed part: gradient > 0.9 × median gradient', () => {
    // np.gradient: 1, 1.5, 2.5, 3.5, 4, 4, 4, 3.5, 2.5, 1.5, 1 (µm); median 2.5 → threshold 2.25.
    expect(list(filters.motorStep(scan, all(11)))).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  test('keeps everything when the largest gradient is not above 1e-6 (motor not scanned)', () => {
    const slow = scan.map((v) => v / 10); // largest gradient 4e-7
    expect(list(filters.motorStep(slow, all(11)))).toEqual(list(all(11)));
  });

  test('works on the shots still kept, not the whole run', () => {
    // Dropping shots 0 and 1 first: values 3, 6, 10, 14, 18, 22, 25, 27, 28 → gradient
    // 3, 3.5, 4, 4, 4, 3.5, 2.5, 1.5, 1; median 3.5 → threshold 3.15.
    expect(list(filters.motorStep(scan, Uint32Array.from([2, 3, 4, 5, 6, 7, 8, 9, 10])))).toEqual([3, 4, 5, 6, 7]);
  });

  test('a NaN position: as NumPy, the largest gradient is NaN, so no shot is removed', () => {
    // np.gradient spreads the NaN to its neighbours; np.max of an array with NaN is NaN, and
    // NaN > 1e-6 is False: the original keeps every shot (it does not drop them all).
    const withNaN = scan.slice();
    withNaN[5] = NaN;
    expect(list(filters.motorStep(withNaN, all(11)))).toEqual(list(all(11)));
    const { good, outcomes } = filters.applyFilters([{ motorStep: 'x' }, { shutter: 's' }], { x: withNaN, s: Float64Array.from([1, 1, 1, NaN, 0, 1, 1, 1, 1, 1, 1]) }, 11);
    expect(list(good)).toEqual([0, 1, 2, 5, 6, 7, 8, 9, 10]);
    expect(outcomes).toEqual([
      { kind: 'motorStep', value: 'x', removed: 0, nan: 1 },
      { kind: 'shutter', value: 's', removed: 2, nan: 1 },
    ]);
  });

  test('fewer than two shots: nothing to trim', () => {
    expect(list(filters.motorStep(scan, Uint32Array.of(4)))).toEqual([4]);
    expect(list(filters.motorStep(scan, new Uint32Array(0)))).toEqual([]);
  });
});

describe('shutter, value range, thinning, composition', () => {
  const shutter = Float64Array.from([1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1]);
  const i0 = Float64Array.from([0.5, 0.1, 0.7, NaN, 0.2, 0.9, 0.3, 0.4, 0.6, 0.8, 1]);

  test('shutter keeps values > 0', () => {
    expect(list(filters.shutter(shutter, all(11)))).toEqual([0, 1, 3, 6, 7, 8, 9, 10]);
  });

  test('value range is inclusive and drops NaN', () => {
    expect(list(filters.valueRange(i0, all(11), 0.3, 0.8))).toEqual([0, 2, 6, 7, 8, 9]);
    expect(list(filters.valueRange(i0, all(11), 0.5))).toEqual([0, 2, 5, 8, 9, 10]);
  });

  test('thinning keeps every step-th of the first maxShots', () => {
    expect(list(filters.thin(all(11), { maxShots: 7, step: 3 }))).toEqual([0, 3, 6]);
    expect(list(filters.thin(all(5), { step: 2 }))).toEqual([0, 2, 4]);
    expect(list(filters.thin(all(5), { maxShots: 100 }))).toEqual([0, 1, 2, 3, 4]);
  });

  test('applyFilters chains in order and counts what each removed', () => {
    const values = { x: scan, shutter_open: shutter };
    const { good, outcomes } = filters.applyFilters([{ motorStep: 'x' }, { shutter: 'shutter_open' }], values, 11);
    // motorStep keeps 2..8; the shutter is closed at 2, 4, 5.
    expect(list(good)).toEqual([3, 6, 7, 8]);
    expect(outcomes).toEqual([
      { kind: 'motorStep', value: 'x', removed: 4, nan: 0 },
      { kind: 'shutter', value: 'shutter_open', removed: 3, nan: 0 },
    ]);
    // The other order gives another answer: the gradient is taken over the open shots.
    const reversed = filters.applyFilters([{ shutter: 'shutter_open' }, { motorStep: 'x' }], values, 11);
    expect(reversed.outcomes[0].removed).toBe(3);
  });

  test('gradient and median follow NumPy', () => {
    expect(Array.from(gradient([1, 2, 4, 7, 11]))).toEqual([1, 1.5, 2.5, 3.5, 4]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1, NaN, 2])).toBeNaN();
  });
});
