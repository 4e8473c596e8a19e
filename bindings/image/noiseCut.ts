import { kernel, typedView, WasmArray, type DataType } from '../core/wasm.js';
import { stage, shaped, outputPointer } from '../core/input.js';
import { float32Bound } from '../stats/histogram.js';

/**
 * A copy of an image with every value below `threshold` replaced by `fill` (NaN stays NaN),
 * in the image's data type: float32 data is compared with the threshold as NumPy compares
 * float32 arrays with a Python float (`float32Bound`), float64 data with the threshold as is.
 */
export class NoiseCutter {
  readonly threshold: number;
  readonly fill: number;

  constructor(threshold = 1000, fill = 0) {
    if (typeof threshold !== 'number' || typeof fill !== 'number') throw new TypeError(`NoiseCutter: threshold and fill must be numbers, got ${threshold}, ${fill}`);
    this.threshold = threshold;
    this.fill = fill;
  }

  /** The noise-cut copy, in the input's form (float32 for float32 input, else float64). */
  cut(x: unknown): number | Float32Array | Float64Array | { data: Float32Array | Float64Array; shape: number[] } {
    const input = stage(x, 'NoiseCutter.cut');
    const out = outputPointer(input);
    this.#kernel(input.ptr, out, input.length, input.dtype);
    return shaped(typedView(input.dtype, out, input.length).slice(), input.shape, input.form);
  }

  /** Noise-cuts wasm data into `out` (which may be the input itself, and has its dtype), without leaving wasm. */
  cutInWasm<D extends DataType>(x: WasmArray<D>, out: WasmArray<D> = x): WasmArray<D> {
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new TypeError(`NoiseCutter: wasm input must be float32 or float64, got ${x.dtype}`);
    if (out.dtype !== x.dtype) throw new TypeError(`NoiseCutter: output is ${out.dtype}, input ${x.dtype}`);
    if (out.length !== x.length) throw new RangeError(`NoiseCutter: output holds ${out.length} values, input ${x.length}`);
    this.#kernel(x.ptr, out.ptr, x.length, x.dtype);
    return out;
  }

  #kernel(x: number, out: number, length: number, dtype: DataType): void {
    const threshold = dtype === 'f64' ? this.threshold : float32Bound(this.threshold);
    kernel('noiseCut', dtype)(x, out, length, threshold, this.fill);
  }
}
