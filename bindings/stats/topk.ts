// Keeps the k entries with the largest value, each with a payload (e.g. a shot's images and
// index). Per-shot, so plain TypeScript; mergeable, so workers can each keep their own.

export interface TopKEntry<P> {
  value: number;
  /** Breaks ties and orders merged results: the earlier (smaller) order wins a tie. */
  order: number;
  payload: P;
}

export interface TopKState<P> {
  kind: 'TopK';
  k: number;
  entries: TopKEntry<P>[];
  seen: number;
}

const ranksBefore = (a: TopKEntry<unknown>, b: TopKEntry<unknown>) => b.value - a.value || a.order - b.order;

export class TopK<P = unknown> {
  readonly kind = 'TopK';
  readonly k: number;
  #entries: TopKEntry<P>[] = [];
  #seen = 0;

  constructor(k: number) {
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`TopK: k must be an integer ≥ 1, got ${k}`);
    this.k = k;
  }

  /** Entries offered so far (NaN values included, though they never enter). */
  get n(): number {
    return this.#seen;
  }

  /** The smallest value that would still enter, or -Infinity while fewer than k are kept. */
  get threshold(): number {
    return this.#entries.length < this.k ? -Infinity : this.#entries[this.#entries.length - 1].value;
  }

  /**
   * Offers an entry. `payload` may be a function, called only if the entry gets in (so a
   * shot's images are copied only for shots that make the top k); it is handed the payload of
   * the entry this one pushes out (undefined while fewer than k are kept), whose buffers it may
   * reuse: that entry is gone. `order` defaults to the arrival count; pass the shot index when
   * entries come from several workers.
   */
  add(value: number, payload: P | ((evicted: P | undefined) => P), order: number = this.#seen): boolean {
    this.#seen++;
    if (!(value === value)) return false;
    const candidate = { value, order, payload: undefined as unknown as P };
    const full = this.#entries.length >= this.k;
    if (full && ranksBefore(this.#entries[this.#entries.length - 1], candidate) <= 0) return false;
    const evicted = full ? this.#entries[this.#entries.length - 1].payload : undefined;
    candidate.payload = typeof payload === 'function' ? (payload as (evicted: P | undefined) => P)(evicted) : payload;
    this.#insert(candidate);
    return true;
  }

  #insert(entry: TopKEntry<P>): void {
    // k is small (a handful): a sorted insert beats a heap.
    let i = this.#entries.length;
    while (i > 0 && ranksBefore(entry, this.#entries[i - 1]) < 0) i--;
    this.#entries.splice(i, 0, entry);
    if (this.#entries.length > this.k) this.#entries.pop();
  }

  /** Payloads, largest value first. */
  get(): P[] {
    return this.#entries.map((e) => e.payload);
  }

  /** Entries (value, order, payload), largest value first. */
  get entries(): TopKEntry<P>[] {
    return this.#entries.slice();
  }

  /** Merges another TopK of the same k: the result is the top k of both. */
  merge(other: TopK<P>): this {
    if (!(other instanceof TopK)) throw new TypeError('TopK.merge: expected another TopK');
    if (other.k !== this.k) throw new TypeError(`cannot merge a TopK of k=${other.k} into one of k=${this.k}`);
    for (const entry of other.#entries) this.#insert({ ...entry });
    this.#seen += other.#seen;
    return this;
  }

  exportState(): TopKState<P> {
    return { kind: 'TopK', k: this.k, entries: this.#entries.map((e) => ({ ...e })), seen: this.#seen };
  }

  static fromState<P>(state: TopKState<P>): TopK<P> {
    if (state.kind !== 'TopK') throw new TypeError(`cannot restore a ${state.kind} state into a TopK`);
    const topk = new TopK<P>(state.k);
    for (const entry of state.entries) topk.#insert({ ...entry });
    topk.#seen = state.seen;
    return topk;
  }
}
