// sumAlongAxis: the sum over one axis of a 2-D image.
import type { TransformOp } from '../types.js';
import { AxisStep, alongAxisType, axisParams } from './meanAlongAxis.js';

export const sumAlongAxis: TransformOp<'sumAlongAxis', { axis: 0 | 1 }> = {
  kind: 'sumAlongAxis',
  params: axisParams('sumAlongAxis'),
  type: alongAxisType,
  make: (p) => new AxisStep(p.axis, false),
  summary: '2-D → 1-D: the sum along `axis`',
};
