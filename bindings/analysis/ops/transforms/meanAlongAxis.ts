// meanAlongAxis: the mean over one axis of a 2-D image (axis 1: one value per row, the
// spectrometer's spectrum). AxisStep serves sumAlongAxis too.
import * as z from 'zod';
import { WasmArray } from '../../../core/wasm.js';
import { E, strict } from '../../config/schema.js';
import type { DataType, ShotValue, TransformOp } from '../types.js';
import { BufferedStep, bytesOf, describe, kernel } from './step.js';

export class AxisStep extends BufferedStep {
  #scratch: WasmArray<'f64'> | null = null;
  constructor(private readonly axis: 0 | 1, private readonly mean: boolean) {
    super(mean ? 'meanAlongAxis' : 'sumAlongAxis');
  }
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    if (x.shape.length !== 2) throw new RangeError(`${this.name}: expected a 2-D image, got ${describe(x)}`);
    const [rows, cols] = x.shape;
    const dtype = x.data.dtype;
    if (this.axis === 1) {
      const out = this.output([rows], dtype);
      kernel('reduceAxis1', dtype)(x.data.ptr, rows, cols, out.data.ptr, this.mean);
      return out;
    }
    const out = this.output([cols], dtype);
    this.#scratch ??= new WasmArray('f64', cols);
    kernel('reduceAxis0', dtype)(x.data.ptr, rows, cols, out.data.ptr, this.#scratch.ptr, this.mean);
    return out;
  }
  override bytes(): number {
    return super.bytes() + bytesOf(this.#scratch);
  }
  override dispose(): void {
    this.#scratch?.dispose();
    this.#scratch = null;
    super.dispose();
  }
}

export const axisParams = (kind: string) => strict({ axis: z.union([z.literal(0), z.literal(1)], E('axis 0 or 1')) }, `${kind} parameters {axis: 0 | 1}`);

export const alongAxisType = (input: DataType): DataType | { expected: string } =>
  input.kind === 'array' && (input.ndim === 2 || input.ndim === null) ? { kind: 'array', ndim: 1 } : { expected: 'a 2-D input' };

export const meanAlongAxis: TransformOp<'meanAlongAxis', { axis: 0 | 1 }> = {
  kind: 'meanAlongAxis',
  params: axisParams('meanAlongAxis'),
  type: alongAxisType,
  make: (p) => new AxisStep(p.axis, true),
  summary: '2-D → 1-D: the mean along `axis` (1: one value per row, the spectrometer\'s spectrum)',
};
