// quantile: the P² estimate of each element's p-quantile over the run (float64).
import { QuantileEstimator } from '../../../stats/quantile.js';
import { E, num, strict } from '../../config/schema.js';
import type { SinkOp } from '../types.js';
import { EstimateSink, p2, sameType } from './sink.js';

const p = num('a number with 0 < p < 1').gt(0, E('a number with 0 < p < 1')).lt(1, E('a number with 0 < p < 1'));

export const quantile: SinkOp<'quantile', { p: number }> = {
  kind: 'quantile',
  params: strict({ p }, 'quantile parameters {p}'),
  type: sameType,
  after: true,
  split: 'elements',
  make: (params) => new EstimateSink(new QuantileEstimator(params.p)),
  memory: p2,
  summary: 'P² estimate of each element\'s `p`-quantile, 0 < p < 1 (float64)',
};
