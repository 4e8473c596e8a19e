// mean: the elementwise mean (float64) of the per-shot values over the run.
import { Mean } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, sameType } from './sink.js';

export const mean: SinkOp<'mean', null> = {
  kind: 'mean',
  params: null,
  type: sameType,
  after: true,
  make: () => new AccumulatorSink(new Mean()),
  summary: 'elementwise mean (float64)',
};
