// mask: the pixels a bad-pixel mask marks become NaN.
import { formatShape, sameShape } from '../../../core/input.js';
import { str, strict } from '../../config/schema.js';
import type { ChainContext, TransformOp } from '../types.js';
import { GatherStep } from './step.js';

class MaskStep extends GatherStep {
  constructor(private readonly file: string, private readonly context: ChainContext) {
    super('mask');
  }
  protected map(shape: number[]) {
    const mask = this.context.masks?.[this.file];
    if (!mask) throw new RangeError(`${this.file} was not loaded with the run`);
    if (!sameShape(mask.shape, shape)) {
      throw new RangeError(`${this.file} has shape ${formatShape(mask.shape)} but ${this.context.what ?? 'the input'} is ${formatShape(shape)}`);
    }
    return { map: Int32Array.from(mask.data, (masked, i) => (masked ? -1 : i)), shape };
  }
}

export const mask: TransformOp<'mask', { file: string }> = {
  kind: 'mask',
  params: strict({ file: str('a mask file (.npy, 1 = bad pixel) or a folder of masks') }, 'mask parameters {file}'),
  type: (input) => (input.kind === 'array' ? input : { expected: 'an array input (it keeps the shape)' }),
  make: (p, context) => new MaskStep(p.file, context),
  summary: 'array → same shape: the pixels set in `file` (a bad-pixel mask `.npy`, nonzero = bad, e.g. from `sacla darks`; or a folder of them: the one closest in time) become NaN',
};
