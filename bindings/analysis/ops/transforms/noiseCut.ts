// noiseCut: values below a threshold become `fill` (NaN stays NaN), as the original's noise cut.
import { num, strict } from '../../config/schema.js';
import type { ShotValue, TransformOp } from '../types.js';
import { BufferedStep, bound, kernel } from './step.js';

class NoiseCutStep extends BufferedStep {
  constructor(private readonly threshold: number, private readonly fill: number) {
    super('noiseCut');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const dtype = x.data.dtype;
    const out = this.output(x.shape, dtype);
    kernel('noiseCut', dtype)(x.data.ptr, out.data.ptr, x.data.length, bound(this.threshold, dtype), this.fill);
    return out;
  }
}

export const noiseCut: TransformOp<'noiseCut', { threshold: number; fill: number }> = {
  kind: 'noiseCut',
  params: strict({ threshold: num().default(1000), fill: num().default(0) }, 'noiseCut parameters {threshold?, fill?}'),
  type: (input) => (input.kind === 'array' ? input : { expected: 'an array input (it keeps the shape)' }),
  make: (p) => new NoiseCutStep(p.threshold, p.fill),
  pixelwise: true,
  summary: 'array → same shape: values below `threshold` (default 1000) become `fill` (default 0); NaN stays NaN',
};
