// What the transforms share: an output buffer in wasm memory sized on the first shot (and the
// input checked against it on every later one), the kernel for the data's arithmetic, and the
// gather that places pixels by a map (assembling sensors, masking bad pixels).
import { kernel, WasmArray } from '../../../core/wasm.js';

export { kernel };
import { formatShape, sameShape } from '../../../core/input.js';
import { float32Bound } from '../../../stats/histogram.js';
import { isImage, type ShotValue, type Step, type WasmImage } from '../types.js';

export type Dtype = 'f32' | 'f64';

export const newArray = (dtype: Dtype, length: number) => (dtype === 'f64' ? new WasmArray('f64', length) : new WasmArray('f32', length));

/** A bound compared with float32 data as NumPy does (rounded to float32), or float64 data (as is). */
export const bound = (x: number, dtype: Dtype) => (dtype === 'f64' ? x : float32Bound(x));

/** The bytes of a wasm buffer (0 for none). */
export const bytesOf = (a: WasmArray | null | undefined) => (a ? a.length * (a.dtype === 'f64' ? 8 : 4) : 0);

export const describe = (v: ShotValue) => (isImage(v) ? `an array of shape ${formatShape(v.shape)}` : 'a number');

/** A step whose output buffer is sized on the first shot and checked on every later one. */
export abstract class BufferedStep implements Step {
  protected out: WasmImage | null = null;
  protected inputShape: number[] | null = null;
  protected inputDtype: Dtype | null = null;

  constructor(protected readonly name: string) {}

  protected image(input: ShotValue): WasmImage {
    if (!isImage(input)) throw new TypeError(`${this.name}: expected an array, got a number`);
    if (this.inputShape === null) {
      this.inputShape = [...input.shape];
      this.inputDtype = input.data.dtype;
    } else if (!sameShape(this.inputShape, input.shape) || this.inputDtype !== input.data.dtype) {
      throw new RangeError(`${this.name}: the input changed from ${formatShape(this.inputShape)} ${this.inputDtype} to ${formatShape(input.shape)} ${input.data.dtype}`);
    }
    return input;
  }

  protected output(shape: number[], dtype: Dtype): WasmImage {
    if (!this.out) this.out = { data: newArray(dtype, shape.reduce((a, b) => a * b, 1)), shape };
    return this.out;
  }

  abstract apply(input: ShotValue): ShotValue;

  bytes(): number {
    return bytesOf(this.out?.data);
  }

  dispose(): void {
    this.out?.data.dispose();
    this.out = null;
  }
}

/**
 * Places each pixel by a map of the output's cells (an index into the input, or −1 for NaN),
 * computed once from the first shot's shape.
 */
export abstract class GatherStep extends BufferedStep {
  #map: WasmArray<'i32'> | null = null;
  #shape: number[] | null = null;
  protected abstract map(shape: number[]): { map: Int32Array; shape: number[] };
  apply(input: ShotValue): ShotValue {
    const x = this.image(input);
    if (!this.#map) {
      const { map, shape } = this.map(x.shape);
      this.#map = new WasmArray('i32', map.length).set(map);
      this.#shape = shape;
    }
    const out = this.output(this.#shape!, x.data.dtype);
    kernel('gather', x.data.dtype)(x.data.ptr, this.#map.ptr, out.data.ptr, this.#map.length);
    return out;
  }
  override bytes(): number {
    return super.bytes() + bytesOf(this.#map);
  }
  override dispose(): void {
    this.#map?.dispose();
    this.#map = null;
    super.dispose();
  }
}
