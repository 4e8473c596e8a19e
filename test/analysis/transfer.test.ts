// A worker's reply (bindings/parallel/shares.ts, transferResult): the arrays of its sink states
// are moved to the receiving side, not copied, and arrive with the same values.
import { describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import { transferResult } from '../../bindings/parallel/shares.js';
import type { ShareResult } from '../../bindings/analysis/pipeline.js';

describe('transferResult', () => {
  it("moves every array of a share's states, nested or shared by two of them, and keeps the values", async () => {
    const heights = Float64Array.from({ length: 1000 }, (_, i) => i / 7);
    const counts = Uint32Array.of(3, 1, 4, 1, 5);
    // Two views of one buffer: it is moved once.
    const shared = new Float32Array(8).fill(2.5);
    const sent: ShareResult = {
      goodShots: 12,
      states: [
        { kind: 'estimate', n: 12, value: { data: heights, shape: [10, 100] } },
        null,
        { kind: 'accumulator', state: { kind: 'Mean', n: 12, shape: [5], form: 'array', dtype: 'f32', params: {}, arrays: { sum: counts, a: shared.subarray(0, 4), b: shared.subarray(4) } } },
      ] as ShareResult['states'],
    };
    const { port1, port2 } = new MessageChannel();
    Comlink.expose({ result: () => transferResult(sent) }, port1);
    const remote = Comlink.wrap<{ result: () => ShareResult }>(port2);
    try {
      const got = await remote.result();
      // Moved: the sender's arrays are detached.
      expect([heights.byteLength, counts.byteLength, shared.byteLength]).toEqual([0, 0, 0]);
      const estimate = got.states[0] as { value: { data: Float64Array; shape: number[] } };
      expect(Array.from(estimate.value.data.subarray(0, 3))).toEqual([0, 1 / 7, 2 / 7]);
      expect(estimate.value.shape).toEqual([10, 100]);
      expect(got.states[1]).toBeNull();
      const arrays = (got.states[2] as { state: { arrays: Record<string, ArrayLike<number>> } }).state.arrays;
      expect(Array.from(arrays.sum)).toEqual([3, 1, 4, 1, 5]);
      expect([...Array.from(arrays.a), ...Array.from(arrays.b)]).toEqual(new Array(8).fill(2.5));
      expect(got.goodShots).toBe(12);
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
      port2.close();
    }
  });
});
