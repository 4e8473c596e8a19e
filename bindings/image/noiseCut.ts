import { core, f32, WasmArray } from '../core/wasm.js';
import { stage, shaped, outputPointer } from '../core/input.js';
import { float32Bound } from '../stats/histogram.js';

/** A copy of an image with every value below `threshold` replaced by `fill` (NaN stays NaN). */
export class NoiseCutter {
  readonly threshold: number;
  readonly fill: number;

  constructor(threshold = 1000, fill = 0) {
    if (typeof threshold !== 'number' || typeof fill !== 'number') throw new TypeError(`NoiseCutter: threshold and fill must be numbers, got ${threshold}, ${fill}`);
    this.threshold = threshold;
    this.fill = fill;
  }

  /** The noise-cut copy, in the input's form (float32). */
  cut(x: unknown): number | Float32Array | { data: Float32Array; shape: number[] } {
    const input = stage(x, 'NoiseCutter.cut');
    const out = outputPointer(input);
    core.noiseCut(input.ptr, out, input.length, float32Bound(this.threshold), this.fill);
    return shaped(f32(out, input.length).slice(), input.shape, input.form);
  }

  /** Noise-cuts wasm data into `out` (which may be the input itself), without leaving wasm. */
  cutInWasm(x: WasmArray<'f32'>, out: WasmArray<'f32'> = x): WasmArray<'f32'> {
    if (out.length !== x.length) throw new RangeError(`NoiseCutter: output holds ${out.length} values, input ${x.length}`);
    core.noiseCut(x.ptr, out.ptr, x.length, float32Bound(this.threshold), this.fill);
    return out;
  }
}
