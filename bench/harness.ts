// Timing helpers shared by every benchmark suite: warm-up, repetitions, median/min/max.

export interface Timing {
  median: number;
  min: number;
  max: number;
  reps: number;
}

export interface BenchRow {
  suite: string;
  name: string;
  /** What one "op" is, e.g. 'image 1024×1024' or 'MB'. */
  unit: string;
  ms: Timing;
  /** Ops per second from the median. */
  perSecond: number;
  /** Optional extra figures (MB/s, ratio to baseline, target). */
  extra?: Record<string, number | string>;
}

export interface BenchContext {
  /** Fewer repetitions for a quick look (`--quick`). */
  quick: boolean;
  /** A folder for temporary files, removed after the run. */
  tmpDir: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min and max of times measured elsewhere (another thread, another process). */
export function timing(times: number[]): Timing {
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), reps: times.length };
}

/**
 * Times `fn` (one op per call): `warmup` untimed calls, then `reps` timed ones.
 * `opsPerCall` divides each time when one call does several ops (e.g. a stack of images).
 */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  { warmup = 3, reps = 15, opsPerCall = 1 }: { warmup?: number; reps?: number; opsPerCall?: number } = {},
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / opsPerCall);
  }
  return timing(times);
}

/**
 * Two things timed in turns (a, b, a, b, …), so that both see the machine in the same state: on a
 * shared machine whose speed drifts by tens of percent within minutes, their ratio then holds.
 */
export async function measurePairs(
  a: () => unknown | Promise<unknown>,
  b: () => unknown | Promise<unknown>,
  /** `between`: awaited after every call, untimed (e.g. until the machine is quiet again). */
  { warmup = 1, reps = 5, between }: { warmup?: number; reps?: number; between?: () => Promise<void> } = {},
): Promise<[Timing, Timing]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < warmup + reps; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const t0 = performance.now();
      await fn();
      if (i >= warmup) times[k].push(performance.now() - t0);
      await between?.();
    }
  }
  return [timing(times[0]), timing(times[1])];
}

export function row(suite: string, name: string, unit: string, ms: Timing, extra?: BenchRow['extra']): BenchRow {
  return { suite, name, unit, ms, perSecond: 1000 / ms.median, extra };
}
