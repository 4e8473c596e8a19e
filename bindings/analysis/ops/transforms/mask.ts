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
    const masks = this.context.masks;
    const mask = masks && Object.hasOwn(masks, this.file) ? masks[this.file] : undefined;
    if (!mask) throw new RangeError(`${this.file} was not loaded with the run`);
    // On a block of the elements (a worker's pixels), the block of the mask.
    const block = this.context.block;
    const full = block ? block.shape : shape;
    if (!sameShape(mask.shape, full)) {
      throw new RangeError(`${this.file} has shape ${formatShape(mask.shape)} but ${this.context.what ?? 'the input'} is ${formatShape(full)}`);
    }
    const bits = block ? mask.data.subarray(block.start, block.end) : mask.data;
    return { map: Int32Array.from(bits, (masked, i) => (masked ? -1 : i)), shape };
  }
}

export const mask: TransformOp<'mask', { file: string }> = {
  kind: 'mask',
  params: strict({ file: str('a mask file (.npy, 1 = bad pixel) or a folder of masks') }, 'mask parameters {file}'),
  type: (input) => (input.kind === 'array' ? input : { expected: 'an array input (it keeps the shape)' }),
  make: (p, context) => new MaskStep(p.file, context),
  pixelwise: true,
  summary: 'array → same shape: the pixels set in `file` (a bad-pixel mask `.npy`, nonzero = bad, e.g. from `sacla darks`; or a folder of them: the one closest in time) become NaN',
};
