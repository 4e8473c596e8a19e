// topK: the k shots whose value (a number) is largest: their indices, and each payload's value
// for them. Payloads are computed once, for the final k shots, when the shots are over: the
// plan reads those shots again (Plan.fillPayloads).
import * as z from 'zod';
import { TopK, type TopKEntry } from '../../../stats/topk.js';
import { count, MAX_TOP_K } from '../../config/limits.js';
import { E, nameRef, posInt, strict } from '../../config/schema.js';
import { transformList, type TransformConfig } from '../transforms/index.js';
import { isImage, type Dataset, type ShotValue, type Sink, type SinkOp, type SinkState, type WasmImage } from '../types.js';
import { keep, stack } from './sink.js';

/** A topK payload: the root dataset named by its key holds this chain's value for the top shots. */
export interface PayloadConfig {
  source: string;
  transforms: TransformConfig[];
}

class TopKSink implements Sink {
  private topK: TopK<Record<string, Dataset>>;
  /**
   * Per array payload, the values filled in at the end, rank r in slot r of one array: the
   * finished dataset [k, …] is this array itself, not a stack of k copies (~44 MB for the
   * default config's two top-5 pictures, whose first touch is most of its cost).
   */
  #filled = new Map<string, Float32Array | Float64Array>();

  constructor(readonly k: number, private readonly payloadNames: string[]) {
    this.topK = new TopK(k);
  }

  // Only the ranking value is kept per shot: the payloads of the final k are computed once, at
  // the end (pendingShots, fill), rather than for every shot that enters the top k on its way.
  accumulate(value: ShotValue, shot: number): void {
    if (isImage(value)) throw new TypeError('topK: the ranking value must be a number per shot');
    this.topK.add(value, {}, shot);
  }

  pendingShots(): { rank: number; shot: number }[] {
    if (!this.payloadNames.length) return [];
    return this.topK.entries.flatMap((e, rank) => (this.payloadNames.every((name) => Object.hasOwn(e.payload, name)) ? [] : [{ rank, shot: e.order }]));
  }

  fill(rank: number, values: Record<string, ShotValue>): void {
    const entries = this.topK.entries;
    const entry = entries[rank];
    if (!entry) throw new RangeError(`topK: no kept shot of rank ${rank} (${entries.length} kept)`);
    for (const name of this.payloadNames) {
      const value = values[name];
      if (value === undefined) throw new TypeError(`topK: no value of the payload ${name} for shot ${entry.order}`);
      entry.payload[name] = isImage(value) ? keep(value, this.#slot(name, value, rank, entries)) : keep(value);
    }
  }

  /**
   * Rank `rank`'s slot of a payload's array of a slot per kept shot (made at its first fill), or none
   * when the value does not fit it or another kept shot's value is there (shots came in after a fill).
   */
  #slot(name: string, value: WasmImage, rank: number, entries: TopKEntry<Record<string, Dataset>>[]): Dataset | undefined {
    const length = value.data.length;
    const f64 = value.data.dtype === 'f64';
    let store = this.#filled.get(name);
    if (!store) this.#filled.set(name, (store = f64 ? new Float64Array(entries.length * length) : new Float32Array(entries.length * length)));
    if (store.length !== entries.length * length || store instanceof Float64Array !== f64) return undefined;
    const offset = store.byteOffset + rank * length * store.BYTES_PER_ELEMENT;
    const held = entries.some((e, r) => r !== rank && e.payload[name]?.data.buffer === store.buffer && e.payload[name].data.byteOffset === offset);
    return held ? undefined : { data: store.subarray(rank * length, (rank + 1) * length), shape: value.shape };
  }

  exportState(): SinkState {
    return { kind: 'topK', state: this.topK.exportState() };
  }

  merge(states: SinkState[]): void {
    for (const s of states) {
      if (s.kind !== 'topK') throw new TypeError(`cannot merge a ${s.kind} sink state into a top-k`);
      this.topK.merge(TopK.fromState(s.state));
    }
  }

  datasets(name: string): Record<string, Dataset> {
    const entries = this.topK.entries;
    const out: Record<string, Dataset> = { [name]: { data: Int32Array.from(entries, (e) => e.order), shape: [entries.length] } };
    for (const payload of this.payloadNames) {
      const values = entries.map((e) => e.payload[payload]);
      if (values.some((v) => v === undefined)) throw new Error(`topK: the payload ${payload} of the kept shots is not computed yet (Plan.fillPayloads)`);
      out[payload] = this.#inPlace(payload, values) ?? stack(values);
    }
    return out;
  }

  /** The payload's array of slots when it holds exactly these values in rank order (as filled), else null. */
  #inPlace(payload: string, values: Dataset[]): Dataset | null {
    const store = this.#filled.get(payload);
    if (!store || !values.length) return null;
    const length = store.length / values.length;
    const inSlots = values.every((v, r) => v.data.buffer === store.buffer && v.data.byteOffset === store.byteOffset + r * length * store.BYTES_PER_ELEMENT && v.data.length === length);
    return inSlots ? { data: store, shape: [values.length, ...values[0].shape] } : null;
  }

  dispose(): void {
    this.topK = new TopK(this.k);
    this.#filled.clear();
  }
}

export const payloadSchema = strict({ source: nameRef, transforms: transformList }, 'a payload {source, transforms?}');

const K = `a positive integer ≤ ${count(MAX_TOP_K)}`;

export const topK: SinkOp<'topK', { k: number; payloads: Record<string, PayloadConfig> }> = {
  kind: 'topK',
  params: strict(
    {
      k: posInt(K).max(MAX_TOP_K, E(K)),
      payloads: z.record(z.string(), payloadSchema, E('an object of payloads {"<dataset>": {source, transforms?}}')).default({}),
    },
    'topK parameters {k, payloads?}',
  ) as z.ZodType<{ k: number; payloads: Record<string, PayloadConfig> }>,
  type: () => ({ kind: 'array', ndim: 1 }),
  after: false,
  split: 'shots',
  ranks: true,
  make: (p) => new TopKSink(p.k, Object.keys(p.payloads)),
  // The final shots' payloads, filled in at the end (the datasets are made of them in place).
  memory: (_v, shots, p, payloads) => {
    const kept = Math.min(p.k, shots);
    const each = payloads.reduce((a, v) => a + v.elements * v.bytes, 0);
    return { wasm: 0, block: 0, js: kept * each, what: `${count(kept)} kept shots × ${count(each)} bytes of payloads` };
  },
  summary: 'the `k` shots whose value (a number) is largest: the dataset holds their shot indices (int32 [k], largest first), each payload `"<dataset>": {source, transforms?}` its value for them ([k, …shape])',
};
