// BinSorter / DynamicBinSorter: sort each object into a bin by a key and accumulate it (by
// a data key) in that bin's own accumulator. Per-shot objects, so plain TypeScript.
import { Accumulator, type AccumulatorState } from './accumulator.js';
import { Counter } from './counter.js';
import { CDFEstimator } from './quantile.js';
import { restoreAccumulator } from './restore.js';

export interface BinSorterOptions<T> {
  /** The number that decides the bin (default: the object itself). */
  key?: (object: T) => number;
  /** What is accumulated in the bin (default: the object itself). */
  data?: (object: T) => unknown;
}

/** numpy.digitize(s, edges) for ascending edges: the i with edges[i−1] ≤ s < edges[i]; NaN → edges.length. */
export function digitize(s: number, edges: ArrayLike<number>): number {
  if (s !== s) return edges.length;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const identity = (x: unknown) => x;

function toKey(value: unknown, who: string): number {
  if (typeof value !== 'number') throw new TypeError(`${who}: the sort key must be a number, got ${typeof value}`);
  return value;
}

/**
 * Half-open bins [e_i, e_i+1) over fixed ascending `edges`; a key below the first edge or
 * at/above the last lands in no bin. `histogram` = [edges, counts], `histogram_density`
 * divides the counts by the bin widths.
 */
export class BinSorter<T = unknown, A extends Accumulator = Accumulator> extends Accumulator<[Float64Array, A[]]> {
  readonly kind: string = 'BinSorter';
  protected readonly key: (object: T) => number;
  protected readonly data: (object: T) => unknown;
  readonly #edges: Float64Array;
  /** One accumulator per bin, plus one below and one above the edges. */
  protected bins: A[];

  constructor(edges: ArrayLike<number>, makeAccumulator: () => A = () => new Counter() as unknown as A, options: BinSorterOptions<T> = {}) {
    super();
    const fixed = Float64Array.from(edges);
    if (fixed.length < 2) throw new RangeError(`BinSorter: need at least 2 edges, got ${fixed.length}`);
    for (let i = 1; i < fixed.length; i++) {
      if (!(fixed[i] > fixed[i - 1])) throw new RangeError(`BinSorter: edges must increase strictly; edges[${i}] = ${fixed[i]} ≤ edges[${i - 1}] = ${fixed[i - 1]}`);
    }
    this.#edges = fixed;
    this.key = options.key ?? (identity as (o: T) => number);
    this.data = options.data ?? identity;
    this.bins = Array.from({ length: fixed.length + 1 }, makeAccumulator);
  }

  /** The bin edges (a copy). */
  get edges(): Float64Array {
    return this.#edges.slice();
  }

  get nbins(): number {
    return this.#edges.length - 1;
  }

  protected accumulateObject(object: unknown): void {
    const s = toKey(this.key(object as T), `${this.kind}.accumulate`);
    this.count++;
    this.bins[digitize(s, this.#edges)].accumulate(this.data(object as T));
  }

  /** Merges bin by bin (the same edges; the bins' accumulators must be mergeable). */
  protected mergeFrom(other: this): void {
    const mine = this.#edges;
    const theirs = other.#edges;
    if (mine.length !== theirs.length || mine.some((e, i) => e !== theirs[i])) {
      throw new TypeError(`cannot merge BinSorters with different edges: [${Array.from(mine).join(', ')}] and [${Array.from(theirs).join(', ')}]`);
    }
    this.bins.forEach((bin, i) => bin.accumulate(other.bins[i]));
    this.count += other.count;
  }

  /** The accumulators of the inner bins. */
  get accumulators(): A[] {
    return this.bins.slice(1, -1);
  }

  get value(): [Float64Array, A[]] {
    return [this.edges, this.accumulators];
  }

  get histogram(): [Float64Array, Float64Array] {
    return [this.edges, Float64Array.from(this.accumulators, (a) => a.n)];
  }

  get histogram_density(): [Float64Array, Float64Array] {
    const [edges, counts] = this.histogram;
    return [edges, counts.map((c, i) => c / (edges[i + 1] - edges[i]))];
  }

  /** The edges and every bin's accumulator state (the key and data functions are not part of it). */
  exportState(): AccumulatorState {
    return { kind: this.kind, n: this.count, shape: null, form: null, params: { edges: Array.from(this.#edges), bins: this.bins.map((b) => b.exportState()) }, arrays: {} };
  }

  /** Takes over an exported state; this sorter keeps its own key and data functions. */
  restoreFrom(state: AccumulatorState): this {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore a ${state.kind} state into a ${this.kind}`);
    const edges = state.params.edges as number[];
    if (edges.length !== this.#edges.length || edges.some((e, i) => e !== this.#edges[i])) {
      throw new TypeError(`${this.kind} state: its edges differ from this sorter's`);
    }
    this.restoreBins(state);
    return this;
  }

  protected restoreBins(state: AccumulatorState): void {
    const bins = state.params.bins as AccumulatorState[];
    if (bins.length !== this.bins.length) throw new TypeError(`${this.kind} state: ${bins.length} bins, this sorter has ${this.bins.length}`);
    for (const bin of this.bins) bin.dispose();
    this.bins = bins.map((b) => restoreAccumulator(b)) as A[];
    this.count = state.n;
  }

  override dispose(): void {
    for (const bin of this.bins) bin.dispose();
  }
}

/**
 * Like BinSorter, with edges that follow a CDFEstimator of the keys with nbins + 1 markers
 * (equally populated bins). Objects that arrive before the estimator is primed (the first
 * nbins) are not binned. A NaN key is counted in `n` and binned nowhere.
 */
export class DynamicBinSorter<T = unknown, A extends Accumulator = Accumulator> extends BinSorter<T, A> {
  override readonly kind = 'DynamicBinSorter';
  protected override readonly mergeable = false;
  readonly estimator: CDFEstimator;
  readonly #nbins: number;

  constructor(nbins: number, makeAccumulator: () => A = () => new Counter() as unknown as A, options: BinSorterOptions<T> = {}) {
    if (!(Number.isInteger(nbins) && nbins >= 2)) throw new RangeError(`DynamicBinSorter: nbins must be an integer ≥ 2, got ${nbins}`);
    super([0, 1], makeAccumulator, options);
    this.#nbins = nbins;
    this.estimator = new CDFEstimator(nbins + 1);
    this.bins = Array.from({ length: nbins }, makeAccumulator);
  }

  override get nbins(): number {
    return this.#nbins;
  }

  /** The current edges: the estimator's marker heights (NaN until primed). */
  override get edges(): Float64Array {
    const heights = this.estimator.heights;
    return heights ? Float64Array.from(heights as Float64Array) : new Float64Array(this.#nbins + 1).fill(NaN);
  }

  protected override accumulateObject(object: unknown): void {
    const key = toKey(this.key(object as T), `${this.kind}.accumulate`);
    this.count++;
    // A NaN key is counted but binned nowhere, as in BinSorter, and kept out of the edges.
    if (key !== key) return;
    this.estimator.accumulate(key);
    if (this.estimator.n <= this.#nbins) return;
    // The estimator has already taken the key in as a new minimum or maximum if it is one.
    let index = digitize(key, this.edges) - 1;
    if (index === this.#nbins) index--;
    this.bins[index].accumulate(this.data(object as T));
  }

  override get accumulators(): A[] {
    return this.bins.slice();
  }

  protected override notMergeableReason(): string {
    return 'DynamicBinSorter cannot be merged: each one has edges of its own (its CDF estimate)';
  }

  override exportState(): AccumulatorState {
    return {
      kind: this.kind,
      n: this.count,
      shape: null,
      form: null,
      params: { nbins: this.#nbins, estimator: this.estimator.exportState(), bins: this.bins.map((b) => b.exportState()) },
      arrays: {},
    };
  }

  override restoreFrom(state: AccumulatorState): this {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore a ${state.kind} state into a ${this.kind}`);
    if (state.params.nbins !== this.#nbins) throw new TypeError(`${this.kind} state: ${state.params.nbins} bins, this sorter has ${this.#nbins}`);
    this.estimator.restoreFrom(state.params.estimator as AccumulatorState);
    this.restoreBins(state);
    return this;
  }


  override dispose(): void {
    super.dispose();
    this.estimator.dispose();
  }
}
