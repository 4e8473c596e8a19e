// variance: the elementwise unbiased variance (float64; Welford, merged with Chan et al.) of the per-shot values over the run.
import { Variance } from '../../../stats/elementwise.js';
import type { SinkOp } from '../types.js';
import { AccumulatorSink, elementwise, sameType } from './sink.js';

export const variance: SinkOp<'variance', null> = {
  kind: 'variance',
  params: null,
  type: sameType,
  after: true,
  split: 'shots',
  make: () => new AccumulatorSink(new Variance()),
  memory: (v) => elementwise('a float64 mean and mean square', v, [8, 8], 8),
  units: (u) => (u === null ? null : `${u}^2`),
  summary: 'elementwise unbiased variance (float64; Welford, merged with Chan et al.)',
};
