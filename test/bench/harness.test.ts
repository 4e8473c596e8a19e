// The bench's timing of two things in turns (bench/harness.ts, measurePairs): the order of the
// calls, the untimed wait between them, the warm-ups left out, each side's own times.
import { describe, expect, it } from 'vitest';
import { measurePairs } from '../../bench/harness.js';

describe('measurePairs', () => {
  it('calls a and b in turns with the untimed wait between, times each on its own and leaves the warm-ups out', async () => {
    const calls: string[] = [];
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const [a, b] = await measurePairs(
      async () => {
        calls.push('a');
        await wait(calls.length <= 1 ? 120 : 5);
      },
      async () => {
        calls.push('b');
        await wait(40);
      },
      { warmup: 1, reps: 3, between: () => wait(30).then(() => void calls.push('|')) },
    );
    expect(calls).toEqual(['a', '|', 'b', '|', 'a', '|', 'b', '|', 'a', '|', 'b', '|', 'a', '|', 'b', '|']);
    // a's warm-up took 120 ms and is not among its times, nor is any wait between; b takes 40 ms.
    expect(a.max).toBeLessThan(60);
    expect(b.min).toBeGreaterThanOrEqual(35);
    expect(b.median).toBeGreaterThan(a.median);
  });
});
