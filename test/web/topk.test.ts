// The top-k gallery's good-shot indices (web/src/views/run/topk.ts) from the per-shot values of
// the ranking's chain, against the entries a TopK of the library keeps of the same values.
import { describe, test, expect } from 'vitest';
import { TopK } from 'sacla-analysis';
import { topShots } from '../../web/src/views/run/topk.js';

/** A run of `n` shots of which `good` pass the filters; the ranking value of each good shot. */
function scenario(seed: number) {
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const good: number[] = [];
  for (let shot = 0; shot < 80; shot++) if (random() > 0.3) good.push(shot);
  const ranking = good.map(() => Math.round(random() * 1e6));
  return { good, ranking };
}

describe('topShots', () => {
  test('the good-shot index of each entry a TopK keeps, largest first', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { good, ranking } = scenario(seed);
      const top = new TopK<null>(5);
      // The pipeline ranks by run index: the shot's index in the run.
      good.forEach((shot, g) => top.add(ranking[g], () => null, shot));
      const runIndices = top.entries.map((e) => e.order);
      const found = topShots(runIndices, ranking);
      expect(found).not.toBeNull();
      expect(found!.map((g) => good[g])).toEqual(runIndices);
    }
  });

  test('NaN values never rank; too few values, or values that cannot be the ranking, give null', () => {
    expect(topShots([4, 7], [1, NaN, 5, 3])).toEqual([2, 3]);
    expect(topShots([7, 2, 4], [1, NaN, 5])).toBeNull();
    // The two largest are good shots 0 and 1, but the run indices say the later shot ranks first.
    expect(topShots([9, 2], [10, 5, 1])).toBeNull();
    expect(topShots([1], undefined)).toBeNull();
  });
});
