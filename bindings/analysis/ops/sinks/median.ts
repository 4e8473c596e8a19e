// median: the P² estimate of each element's median over the run (float64).
import { MedianEstimator } from '../../../stats/quantile.js';
import type { SinkOp } from '../types.js';
import { EstimateSink, p2, sameType } from './sink.js';

export const median: SinkOp<'median', null> = {
  kind: 'median',
  params: null,
  type: sameType,
  after: true,
  split: 'elements',
  make: () => new EstimateSink(new MedianEstimator()),
  memory: p2,
  summary: 'P² estimate of each element\'s median (float64)',
};
