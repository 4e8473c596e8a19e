// mean: the mean of an array (NaN skipped by default), one number per shot.
import type { TransformOp } from '../types.js';
import { SumStep, nanParams } from './sum.js';

export const mean: TransformOp<'mean', { nan: 'skip' | 'propagate' }> = {
  kind: 'mean',
  params: nanParams('mean'),
  type: (input) => (input.kind === 'array' ? { kind: 'number' } : { expected: 'an array input' }),
  make: (p) => new SumStep(p.nan !== 'propagate', true),
  summary: 'array → number: the mean; `nan`: "skip" (default) or "propagate"',
};
