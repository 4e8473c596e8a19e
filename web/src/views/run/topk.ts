// Which good shots the top-k entries are. A top-k output stores the shots' indices in the run;
// the traces count good shots. The per-shot output computed by the same chain (the same source
// and transforms: `forward_total` for kuschel2023's ranking) holds the ranking values of every
// good shot, so its k largest are the entries, in the same order. The mapping is checked: good
// shots keep the run's order, so sorting by run index must sort the good-shot indices too.

/** The good-shot index of each top-k entry, or null when it cannot be told for sure. */
export function topShots(runIndices: ArrayLike<number>, ranking: ArrayLike<number> | undefined): number[] | null {
  if (!ranking) return null;
  const k = runIndices.length;
  const order: number[] = [];
  for (let i = 0; i < ranking.length; i++) if (Number.isFinite(ranking[i])) order.push(i);
  order.sort((a, b) => ranking[b] - ranking[a] || a - b);
  if (order.length < k) return null;
  const good = order.slice(0, k);
  const byRun = good.map((g, j) => [runIndices[j], g]).sort((a, b) => a[0] - b[0]);
  for (let j = 1; j < k; j++) if (!(byRun[j][0] > byRun[j - 1][0] && byRun[j][1] > byRun[j - 1][1])) return null;
  return good;
}
