// min: the elementwise minimum (the data's dtype; NaN propagates) of the per-shot values over the run.
import { Minimum } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, sameType } from './sink.js';

export const min: SinkOp<'min', null> = {
  kind: 'min',
  params: null,
  type: sameType,
  after: true,
  make: () => new AccumulatorSink(new Minimum()),
  summary: "elementwise minimum (the data's dtype; NaN propagates)",
};
