// max: the elementwise maximum (the data's dtype; NaN propagates) of the per-shot values over the run.
import { Maximum } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, elementwise, sameType } from './sink.js';

export const max: SinkOp<'max', null> = {
  kind: 'max',
  params: null,
  type: sameType,
  after: true,
  split: 'shots',
  make: () => new AccumulatorSink(new Maximum()),
  memory: (v) => elementwise('a maximum', v, [v.bytes], v.bytes),
  summary: "elementwise maximum (the data's dtype; NaN propagates)",
};
