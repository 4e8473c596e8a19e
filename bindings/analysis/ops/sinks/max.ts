// max: the elementwise maximum (the data's dtype; NaN propagates) of the per-shot values over the run.
import { Maximum } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, sameType } from './sink.js';

export const max: SinkOp<'max', null> = {
  kind: 'max',
  params: null,
  type: sameType,
  after: true,
  make: () => new AccumulatorSink(new Maximum()),
  summary: "elementwise maximum (the data's dtype; NaN propagates)",
};
