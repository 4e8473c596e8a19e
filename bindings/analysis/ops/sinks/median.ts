// median: the P² estimate of each element's median over the run (float64).
import { MedianEstimator } from '../../../stats/quantile.js';
import type { SinkOp } from '../types.js';
import { EstimateSink, sameType } from './sink.js';

export const median: SinkOp<'median', null> = {
  kind: 'median',
  params: null,
  type: sameType,
  after: true,
  make: () => new EstimateSink(new MedianEstimator()),
  summary: 'P² estimate of each element\'s median (float64)',
};
