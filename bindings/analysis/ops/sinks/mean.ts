// mean: the elementwise mean (float64) of the per-shot values over the run.
import { Mean } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, elementwise, sameType } from './sink.js';

export const mean: SinkOp<'mean', null> = {
  kind: 'mean',
  params: null,
  type: sameType,
  after: true,
  split: 'shots',
  make: () => new AccumulatorSink(new Mean()),
  memory: (v) => elementwise('a float64 mean', v, [8], 8),
  summary: 'elementwise mean (float64)',
};
