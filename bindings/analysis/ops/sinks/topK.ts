// topK: the k shots whose value (a number) is largest: their indices, and each payload's value
// for them. Payloads are computed and copied out of wasm only for shots that enter the top k.
import * as z from 'zod';
import { TopK } from '../../../stats/topk.js';
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

  constructor(readonly k: number, private readonly payloadNames: string[]) {
    this.topK = new TopK(k);
  }

  accumulate(value: ShotValue, shot: number, payloads: Record<string, Payload> = {}): void {
    if (isImage(value)) throw new TypeError('topK: the ranking value must be a number per shot');
    this.topK.add(value, (evicted) => Object.fromEntries(this.payloadNames.map((name) => [name, keep(payloads[name](), evicted?.[name])])), shot);
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
    for (const payload of this.payloadNames) out[payload] = stack(entries.map((e) => e.payload[payload]));
    return out;
  }

  dispose(): void {
    this.topK = new TopK(this.k);
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
  // The kept shots' payload copies, and the stacked datasets made of them at the end.
  memory: (_v, shots, p, payloads) => {
    const kept = Math.min(p.k, shots);
    const each = payloads.reduce((a, v) => a + v.elements * v.bytes, 0);
    return { wasm: 0, block: 0, js: 2 * kept * each, what: `${count(kept)} kept shots × ${count(each)} bytes of payloads` };
  },
  summary: 'the `k` shots whose value (a number) is largest: the dataset holds their shot indices (int32 [k], largest first), each payload `"<dataset>": {source, transforms?}` its value for them ([k, …shape])',
};
