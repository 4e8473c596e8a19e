// perShot: one entry per good shot, in shot order (put back in order when workers merge).
import { count } from '../../config/limits.js';
import type { Dataset, SinkOp, SinkState, ShotValue, Sink } from '../types.js';
import { concat, keep, stack } from './sink.js';

class PerShotSink implements Sink {
  #shots: number[] = [];
  #values: Dataset[] = [];

  accumulate(value: ShotValue, shot: number): void {
    this.#shots.push(shot);
    this.#values.push(keep(value));
  }

  exportState(): SinkState {
    const shape = this.#values[0]?.shape ?? null;
    const numbers = shape && shape.length === 0;
    return {
      kind: 'perShot',
      shots: Int32Array.from(this.#shots),
      numbers: numbers ? Float64Array.from(this.#values, (v) => v.data[0]) : null,
      arrays: shape && !numbers ? concat(this.#values.map((v) => v.data as Float32Array | Float64Array)) : null,
      shape,
    };
  }

  merge(states: SinkState[]): void {
    for (const s of states) {
      if (s.kind !== 'perShot') throw new TypeError(`cannot merge a ${s.kind} sink state into a per-shot list`);
      if (!s.shape) continue;
      const size = s.shape.reduce((a, b) => a * b, 1);
      s.shots.forEach((shot, k) => {
        this.#shots.push(shot);
        this.#values.push(
          s.numbers ? { data: Float64Array.of(s.numbers[k]), shape: [] } : { data: s.arrays!.slice(k * size, (k + 1) * size), shape: s.shape! },
        );
      });
    }
    const order = this.#shots.map((_, k) => k).sort((a, b) => this.#shots[a] - this.#shots[b]);
    this.#shots = order.map((k) => this.#shots[k]);
    this.#values = order.map((k) => this.#values[k]);
  }

  datasets(name: string): Record<string, Dataset> {
    return { [name]: stack(this.#values) };
  }

  dispose(): void {
    this.#values = [];
    this.#shots = [];
  }
}

export const perShot: SinkOp<'perShot', null> = {
  kind: 'perShot',
  params: null,
  type: (perShot) => ({ kind: 'array', ndim: perShot.kind === 'number' ? 1 : perShot.ndim === null ? null : perShot.ndim + 1 }),
  after: false,
  split: 'shots',
  make: () => new PerShotSink(),
  // Each shot's copy, and the stacked dataset made of them at the end.
  memory: (v, shots) => ({
    wasm: 0,
    block: 0,
    js: 2 * shots * v.elements * v.bytes,
    what: `${count(shots)} shots × ${count(v.elements)} element${v.elements === 1 ? '' : 's'}`,
  }),
  summary: 'one entry per good shot, in shot order: numbers (float64 [n]) or arrays ([n, …shape], their dtype)',
};
