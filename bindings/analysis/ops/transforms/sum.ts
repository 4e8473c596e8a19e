// sum: the sum of an array (NaN skipped by default). SumStep serves the `mean` transform too.
import { nanMode, strict } from '../../config/schema.js';
import type { ShotValue, TransformOp } from '../types.js';
import { BufferedStep, kernel } from './step.js';

export class SumStep extends BufferedStep {
  constructor(private readonly skipNaN: boolean, private readonly mean: boolean) {
    super(mean ? 'mean' : 'sum');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const n = x.data.length;
    const dtype = x.data.dtype;
    const total = kernel('roiSum', dtype)(x.data.ptr, n, 0, 1, 0, n, this.skipNaN);
    if (!this.mean) return total;
    return total / (this.skipNaN ? n - kernel('countNaN', dtype)(x.data.ptr, n) : n);
  }
}

export const nanParams = (kind: string) => strict({ nan: nanMode.default('skip') }, `${kind} parameters {nan?}`);

export const sum: TransformOp<'sum', { nan: 'skip' | 'propagate' }> = {
  kind: 'sum',
  params: nanParams('sum'),
  type: (input) => (input.kind === 'array' ? { kind: 'number' } : { expected: 'an array input' }),
  make: (p) => new SumStep(p.nan !== 'propagate', false),
  summary: 'array → number: the sum; `nan`: "skip" (default) or "propagate"',
};
