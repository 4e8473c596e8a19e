import { Accumulator, type AccumulatorState } from './accumulator.js';

/** Counts the objects accumulated (null and undefined count too). */
export class Counter extends Accumulator<number> {
  readonly kind = 'Counter';

  constructor(n = 0) {
    super();
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`Counter: n must be a non-negative integer, got ${n}`);
    this.count = n;
  }

  get value(): number {
    return this.count;
  }

  protected accumulateObject(): void {
    this.count++;
  }

  protected mergeFrom(other: this): void {
    this.count += other.count;
  }

  exportState(): AccumulatorState {
    return { kind: this.kind, n: this.count, shape: null, form: null, params: {}, arrays: {} };
  }

  restoreFrom(state: AccumulatorState): this {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore a ${state.kind} state into a Counter`);
    this.count = state.n;
    return this;
  }
}
