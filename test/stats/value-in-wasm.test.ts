// valueInWasm: the value of an accumulator whose state is its value, where it is in wasm memory
// (what an output's `after` chain starts from without a copy). It must hold what `value` copies
// out, in the same dtype and shape, and be null where there is no such state.
import { describe, expect, test } from 'vitest';
import { Maximum, Mean, Minimum, RunningMean, Variance } from '../../bindings/index.js';

const images = [Float32Array.of(1, -2, 3, NaN, 5, 6), Float32Array.of(4, 0.5, -3, 2, NaN, 7), Float32Array.of(2, 2, 2, 2, 2, 2)];
const shape = [2, 3];

describe('valueInWasm', () => {
  test.each([
    ['Mean', () => new Mean(), Float64Array],
    ['RunningMean', () => new RunningMean(2), Float64Array],
    ['Minimum', () => new Minimum(), Float32Array],
    ['Maximum', () => new Maximum(), Float32Array],
  ] as const)('%s: the value, in wasm memory, in its dtype and shape', (_, make, Type) => {
    const acc = make();
    try {
      expect(acc.valueInWasm(), 'before any object').toBeNull();
      for (const data of images) acc.accumulate({ data, shape });
      const inWasm = acc.valueInWasm()!;
      expect(inWasm.shape).toEqual(shape);
      const view = inWasm.data.view();
      expect(view).toBeInstanceOf(Type);
      expect(Array.from(view)).toEqual(Array.from((acc.value as { data: Float32Array | Float64Array }).data));
    } finally {
      acc.dispose();
    }
  });

  test('a float64 maximum stays float64', () => {
    const acc = new Maximum();
    try {
      acc.accumulate({ data: Float64Array.of(1, 2), shape: [2] });
      acc.accumulate({ data: Float64Array.of(3, 1e-300), shape: [2] });
      const view = acc.valueInWasm()!.data.view();
      expect(view).toBeInstanceOf(Float64Array);
      expect(Array.from(view)).toEqual([3, 2]);
    } finally {
      acc.dispose();
    }
  });

  test('none for a variance (its value is computed) and for numbers', () => {
    const variance = new Variance();
    const mean = new Mean();
    try {
      for (const data of images) variance.accumulate({ data, shape });
      mean.accumulate(3);
      mean.accumulate(4);
      expect(variance.valueInWasm()).toBeNull();
      expect(mean.valueInWasm()).toBeNull();
      expect(mean.value).toBe(3.5);
    } finally {
      variance.dispose();
      mean.dispose();
    }
  });
});
