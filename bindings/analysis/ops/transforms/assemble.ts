// assemble: a detector's sensors placed into one 2-D picture by their geometry, NaN in the gaps.
import { formatShape } from '../../../core/input.js';
import { strict } from '../../config/schema.js';
import type { ChainContext, TransformOp } from '../types.js';
import { GatherStep } from './step.js';

class AssembleStep extends GatherStep {
  constructor(private readonly context: ChainContext) {
    super('assemble');
  }
  protected map(shape: number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const geometry = this.context.geometry?.() ?? null;
    if (!geometry) {
      if (shape.length === 2) return { map: Int32Array.from({ length: size }, (_, i) => i), shape };
      throw new RangeError(
        `${this.context.what ?? 'the input'} has ${shape[0]} sensors but the run file holds no geometry for them ` +
          '(detector_coordinate_in_micro_meter, detector_rotation_angle_in_degree in detector_info)',
      );
    }
    if (geometry.size !== size) throw new RangeError(`expected the detector's own pixels (${geometry.size}), got an array of shape ${formatShape(shape)}`);
    return { map: geometry.assemblyMap(), shape: [...geometry.shape] };
  }
}

export const assemble: TransformOp<'assemble', Record<string, never>> = {
  kind: 'assemble',
  params: strict({}, 'assemble parameters {} (none)'),
  type: (input) =>
    input.kind === 'array' && (input.ndim === 2 || input.ndim === 3 || input.ndim === null)
      ? { kind: 'array', ndim: 2 }
      : { expected: 'a detector image (2-D, or 3-D for several sensors)' },
  make: (_p, context) => new AssembleStep(context),
  summary: 'detector image → 2-D: the sensors placed into one picture by their geometry, NaN in the gaps (a single sensor at rotation 0, or without geometry, is its own picture)',
};
