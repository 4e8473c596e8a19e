// Shot filters (docs/config.md, "filters"): each takes the indices of the shots still
// kept and returns a subset; they compose by chaining, in config order.
import { gradient, median } from '../core/numeric.js';

function pick(values: Float64Array, good: Uint32Array): Float64Array {
  return Float64Array.from(good, (i) => values[i]);
}

/** Keeps shots whose value is > 0 (the shutter was open). */
export function shutter(values: Float64Array, good: Uint32Array): Uint32Array {
  return good.filter((i) => values[i] > 0);
}

/**
 * Removes the acceleration phases of a continuously scanned motor: the gradient of its value
 * over the kept shots; threshold 0.9 × the median gradient; only if the largest gradient
 * exceeds 1e-6, keep the shots whose gradient is above the threshold, otherwise keep all.
 * As in NumPy, a NaN position makes the largest gradient NaN, so no shot is removed.
 */
export function motorStep(values: Float64Array, good: Uint32Array): Uint32Array {
  // NumPy's gradient needs two points; with fewer there is no scan to trim.
  if (good.length < 2) return good.slice();
  const g = gradient(pick(values, good));
  const threshold = 0.9 * median(g);
  let largest = -Infinity;
  for (const v of g) largest = v !== v || largest !== largest ? NaN : Math.max(largest, v);
  if (!(largest > 1e-6)) return good.slice();
  return good.filter((_, k) => g[k] > threshold);
}

/** Keeps shots with min ≤ value ≤ max (either bound optional); NaN is removed. */
export function valueRange(values: Float64Array, good: Uint32Array, min = -Infinity, max = Infinity): Uint32Array {
  return good.filter((i) => values[i] >= min && values[i] <= max);
}

/** Keeps every `step`-th of the first `maxShots` shots (the original's thinning). */
export function thin(good: Uint32Array, { maxShots = null, step = 1 }: { maxShots?: number | null; step?: number } = {}): Uint32Array {
  const head = maxShots === null || maxShots === undefined ? good : good.subarray(0, maxShots);
  return head.filter((_, k) => k % step === 0);
}

export type FilterSpec = { shutter: string } | { motorStep: string } | { value: string; min?: number | null; max?: number | null };

export interface FilterOutcome {
  /** The filter kind: shutter, motorStep or value. */
  kind: 'shutter' | 'motorStep' | 'value';
  /** The value it looks at. */
  value: string;
  /** Shots it removed, of those still kept when it ran. */
  removed: number;
  /** Shots still kept when it ran whose value was NaN. */
  nan: number;
}

/** What a NaN value does in a filter, for the notice that reports it. */
export function nanEffect(o: FilterOutcome): string {
  if (o.kind === 'motorStep') return 'as in NumPy, its largest gradient is NaN, so the filter removes no shot';
  return o.kind === 'shutter' ? 'NaN is not > 0: those shots are removed' : 'NaN is outside every range: those shots are removed';
}

/** Applies the filters in order to all shots of a run; says how many each removed. */
export function applyFilters(
  filters: readonly FilterSpec[],
  values: Record<string, Float64Array>,
  shots: number,
): { good: Uint32Array; outcomes: FilterOutcome[] } {
  let good: Uint32Array = Uint32Array.from({ length: shots }, (_, i) => i);
  const outcomes: FilterOutcome[] = [];
  for (const filter of filters) {
    const before = good.length;
    const kind: FilterOutcome['kind'] = 'shutter' in filter ? 'shutter' : 'motorStep' in filter ? 'motorStep' : 'value';
    const name = 'shutter' in filter ? filter.shutter : 'motorStep' in filter ? filter.motorStep : filter.value;
    const v = lookup(values, name);
    let nan = 0;
    for (const i of good) if (v[i] !== v[i]) nan++;
    if ('shutter' in filter) good = shutter(v, good);
    else if ('motorStep' in filter) good = motorStep(v, good);
    else good = valueRange(v, good, filter.min ?? -Infinity, filter.max ?? Infinity);
    outcomes.push({ kind, value: name, removed: before - good.length, nan });
  }
  return { good, outcomes };
}

function lookup(values: Record<string, Float64Array>, name: string): Float64Array {
  const v = values[name];
  if (!v) throw new Error(`filter: no value named "${name}" (values: ${Object.keys(values).join(', ')})`);
  return v;
}
