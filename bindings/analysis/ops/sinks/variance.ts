// variance: the elementwise unbiased variance (float64; Welford, merged with Chan et al.) of the per-shot values over the run.
import { Variance } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, sameType } from './sink.js';

export const variance: SinkOp<'variance', null> = {
  kind: 'variance',
  params: null,
  type: sameType,
  after: true,
  make: () => new AccumulatorSink(new Variance()),
  summary: 'elementwise unbiased variance (float64; Welford, merged with Chan et al.)',
};
