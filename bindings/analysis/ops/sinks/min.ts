// min: the elementwise minimum (the data's dtype; NaN propagates) of the per-shot values over the run.
import { Minimum } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, elementwise, sameType } from './sink.js';

export const min: SinkOp<'min', null> = {
  kind: 'min',
  params: null,
  type: sameType,
  after: true,
  split: 'shots',
  make: () => new AccumulatorSink(new Minimum()),
  memory: (v) => elementwise('a minimum', v, [v.bytes], v.bytes),
  summary: "elementwise minimum (the data's dtype; NaN propagates)",
};
