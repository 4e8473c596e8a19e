// topK: the k shots whose value (a number) is largest: their indices, and each payload's value
// for them. Payloads are computed and copied out of wasm only for shots that enter the top k.
import * as z from 'zod';
import { TopK, type TopKEntry } from '../../../stats/topk.js';
import { count, MAX_TOP_K } from '../../config/limits.js';
import { E, nameRef, posInt, strict } from '../../config/schema.js';
import { transformList, type TransformConfig } from '../transforms/index.js';
import { isImage, type Dataset, type Payload, type ShotValue, type Sink, type SinkOp, type SinkState } from '../types.js';
import { keep, stack } from './sink.js';

/** A topK payload: the root dataset named by its key holds this chain's value for the top shots. */
export interface PayloadConfig {
  source: string;
  transforms: TransformConfig[];
}

class TopKSink implements Sink {
  private topK: TopK<Record<string, Dataset>>;
  // Per array payload, the k kept shots' copies side by side in one array (a slot each, taken at
  // the first k entries, then the evicted entry's slot is reused): the finished dataset [k, …] is
  // then this array itself, put in rank order in place, not a fresh stack of k images (~44 MB
  // for the default config's two top-5 pictures, whose first touch is most of its cost). At
  // most MAX_SLOTS slots, reserved whole at the first entry: a larger k keeps its own copies.
  #slots = new Map<string, { data: Float32Array | Float64Array; used: number }>();
  readonly #capacity: number;

  constructor(readonly k: number, private readonly payloadNames: string[]) {
    this.topK = new TopK(k);
    this.#capacity = k <= MAX_SLOTS ? k : 0;
  }

  accumulate(value: ShotValue, shot: number, payloads: Record<string, Payload> = {}): void {
    if (isImage(value)) throw new TypeError('topK: the ranking value must be a number per shot');
    this.topK.add(value, (evicted) => Object.fromEntries(this.payloadNames.map((name) => [name, this.#keep(name, payloads[name](), evicted?.[name])])), shot);
  }

  /** A kept copy of a payload value: into the evicted entry's slot, else into a free slot, else a copy of its own. */
  #keep(name: string, value: ShotValue, evicted: Dataset | undefined): Dataset {
    if (evicted || !isImage(value) || !this.#capacity) return keep(value, evicted);
    const length = value.data.length;
    let slots = this.#slots.get(name);
    if (!slots) {
      const data = value.data.dtype === 'f64' ? new Float64Array(this.#capacity * length) : new Float32Array(this.#capacity * length);
      this.#slots.set(name, (slots = { data, used: 0 }));
    }
    const fits = slots.used < this.#capacity && slots.data.length === this.#capacity * length && (value.data.dtype === 'f64') === slots.data instanceof Float64Array;
    if (!fits) return keep(value);
    const slot = slots.data.subarray(slots.used * length, ++slots.used * length);
    return keep(value, { data: slot, shape: value.shape });
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

  datasets(name: string, final = false): Record<string, Dataset> {
    const entries = this.topK.entries;
    const out: Record<string, Dataset> = { [name]: { data: Int32Array.from(entries, (e) => e.order), shape: [entries.length] } };
    for (const payload of this.payloadNames) out[payload] = (final && this.#inPlace(payload, entries)) || stack(entries.map((e) => e.payload[payload]));
    return out;
  }

  /**
   * The kept values of a payload as one dataset made of its slots, rank r in slot r: entries a
   * merge brought in (other workers' copies) are copied into free slots first, then the slots
   * are swapped into rank order. Each entry's payload is pointed at its new slot. Null when the
   * payload has no slots (numbers) or an entry does not fit them.
   */
  #inPlace(payload: string, entries: TopKEntry<Record<string, Dataset>>[]): Dataset | null {
    const slots = this.#slots.get(payload);
    if (!slots || !entries.length || entries.length > this.#capacity) return null;
    const store = slots.data;
    const length = store.length / this.#capacity;
    const shape = entries[0].payload[payload].shape;
    const slotOf = (d: Dataset): number =>
      d.data.buffer === store.buffer && d.data.constructor === store.constructor && d.data.length === length ? (d.data.byteOffset - store.byteOffset) / store.BYTES_PER_ELEMENT / length : -1;
    if (entries.some((e) => e.payload[payload].data.length !== length || e.payload[payload].shape.length !== shape.length)) return null;
    // where[s]: the entry (rank) slot s holds, or -1.
    const at = entries.map((e) => slotOf(e.payload[payload]));
    const where = new Array<number>(this.#capacity).fill(-1);
    at.forEach((s, r) => s >= 0 && (where[s] = r));
    for (const [r, e] of entries.entries()) {
      if (at[r] >= 0) continue;
      const free = where.indexOf(-1);
      store.set(e.payload[payload].data, free * length);
      where[free] = r;
      at[r] = free;
    }
    let spare: Float32Array | Float64Array | null = null;
    for (let r = 0; r < entries.length; r++) {
      const s = at[r];
      if (s === r) continue;
      const other = where[r];
      if (other < 0) store.copyWithin(r * length, s * length, (s + 1) * length);
      else {
        spare ??= store instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
        spare.set(store.subarray(r * length, (r + 1) * length));
        store.copyWithin(r * length, s * length, (s + 1) * length);
        store.set(spare, s * length);
        at[other] = s;
      }
      where[s] = other;
      where[r] = r;
      at[r] = r;
    }
    entries.forEach((e, r) => (e.payload[payload] = { data: store.subarray(r * length, (r + 1) * length), shape: e.payload[payload].shape }));
    slots.used = this.#capacity;
    return { data: store.subarray(0, entries.length * length), shape: [entries.length, ...shape] };
  }

  dispose(): void {
    this.topK = new TopK(this.k);
    this.#slots.clear();
  }
}

// Slots reserved per array payload for a top k (see TopKSink): the first touch of a page is what
// costs, so a few unused slots of a small run cost nothing, but k = 10,000 would reserve too much.
const MAX_SLOTS = 16;

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
  // The kept shots' payload copies (the stacked datasets at the end are made of them in place).
  memory: (_v, shots, p, payloads) => {
    const kept = Math.min(p.k, shots);
    const each = payloads.reduce((a, v) => a + v.elements * v.bytes, 0);
    return { wasm: 0, block: 0, js: (p.k <= MAX_SLOTS ? 1 : 2) * kept * each, what: `${count(kept)} kept shots × ${count(each)} bytes of payloads` };
  },
  summary: 'the `k` shots whose value (a number) is largest: the dataset holds their shot indices (int32 [k], largest first), each payload `"<dataset>": {source, transforms?}` its value for them ([k, …shape])',
};
