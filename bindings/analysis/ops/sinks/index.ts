// The sinks an output may keep its values in, by kind: one file each, one line here.
import * as z from 'zod';
import { didYouMean, isPlainObject } from '../../config/issues.js';
import { forward, issue, oneKey } from '../../config/schema.js';
import type { Sink, SinkOp } from '../types.js';
import { mean } from './mean.js';
import { variance } from './variance.js';
import { min } from './min.js';
import { max } from './max.js';
import { median } from './median.js';
import { quantile } from './quantile.js';
import { perShot } from './perShot.js';
import { topK } from './topK.js';

export const SINKS = { mean, variance, min, max, median, quantile, perShot, topK };

export type SinkKind = keyof typeof SINKS;
type ParamsOf<K extends SinkKind> = (typeof SINKS)[K] extends SinkOp<K, infer P> ? P : never;
type Plain = { [K in SinkKind]: ParamsOf<K> extends null ? K : never }[SinkKind];
type WithParams = Exclude<SinkKind, Plain>;

/** A sink as a config spells it: a plain name ("mean") or `{ "<kind>": params }`. */
export type SinkConfig = Plain | { [K in WithParams]: { [P in K]: ParamsOf<K> } }[WithParams];

export function sinkKind(s: SinkConfig): SinkKind {
  return (typeof s === 'string' ? s : Object.keys(s)[0]) as SinkKind;
}

export function sinkOp(s: SinkConfig): { op: SinkOp; params: unknown } {
  const kind = sinkKind(s);
  return { op: SINKS[kind], params: typeof s === 'string' ? null : (s as Record<string, unknown>)[kind] };
}

export function makeSink(s: SinkConfig): Sink {
  const { op, params } = sinkOp(s);
  return op.make(params);
}

const plain: string[] = Object.values(SINKS).filter((op) => op.params === null).map((op) => op.kind);
const withParams = Object.values(SINKS).filter((op) => op.params !== null);
const EXPECTED = `a sink: ${plain.map((s) => `"${s}"`).join(', ')}, ${withParams.map((op) => `{"${op.kind}": {…}}`).join(' or ')}`;
const objectSchema = oneKey(Object.fromEntries(withParams.map((op) => [op.kind, op.params!])), EXPECTED, 'sink');

export const sinkSchema = z.any().transform((v, ctx): SinkConfig => {
  if (typeof v === 'string') {
    if (plain.includes(v)) return v as SinkConfig;
    issue(ctx, EXPECTED + didYouMean(v, Object.keys(SINKS)));
    return z.NEVER;
  }
  if (!isPlainObject(v)) {
    issue(ctx, EXPECTED);
    return z.NEVER;
  }
  const r = objectSchema.safeParse(v);
  if (!r.success) {
    forward(ctx, r.error.issues);
    return z.NEVER;
  }
  return r.data as SinkConfig;
});
