// roi: a rectangle of a 2-D image.
import { nonNegInt, pair, strict } from '../../config/schema.js';
import type { ShotValue, TransformOp } from '../types.js';
import { BufferedStep, describe, kernel } from './step.js';

class RoiStep extends BufferedStep {
  constructor(private readonly rows: [number, number], private readonly cols: [number, number]) {
    super('roi');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    const [r0, r1] = this.rows;
    const [c0, c1] = this.cols;
    if (x.shape.length !== 2 || r1 > x.shape[0] || c1 > x.shape[1]) {
      throw new RangeError(`roi: rows [${r0}, ${r1}) × cols [${c0}, ${c1}) do not fit ${describe(x)}`);
    }
    const out = this.output([r1 - r0, c1 - c0], x.data.dtype);
    kernel('cropImage', x.data.dtype)(x.data.ptr, x.shape[1], r0, r1, c0, c1, out.data.ptr);
    return out;
  }
}

export const roi: TransformOp<'roi', { rows: [number, number]; cols: [number, number] }> = {
  kind: 'roi',
  params: strict(
    {
      rows: pair('[r0, r1]: integers with 0 ≤ r0 < r1 (end exclusive)', nonNegInt()),
      cols: pair('[c0, c1]: integers with 0 ≤ c0 < c1 (end exclusive)', nonNegInt()),
    },
    'roi parameters {rows: [r0, r1], cols: [c0, c1]}',
  ),
  type: (input) => (input.kind === 'array' && (input.ndim === 2 || input.ndim === null) ? { kind: 'array', ndim: 2 } : { expected: 'a 2-D input' }),
  make: (p) => new RoiStep(p.rows, p.cols),
  summary: '2-D → 2-D: `rows: [r0, r1]`, `cols: [c0, c1]` (end exclusive)',
};
