// Per-image reductions and the detector correction (kernels in assembly/image.ts). Float32
// images give float32 results, float64 images float64 ones; sums are float64 either way.
import { kernel, typedView, WasmArray, type DataType } from '../core/wasm.js';
import { stage, outputPointer, asFloat64, stagedView, dataType, type Staged } from '../core/input.js';

export interface ROI {
  /** First row (inclusive) and last row (exclusive). */
  rows: [number, number];
  /** First column (inclusive) and last column (exclusive). */
  cols: [number, number];
}

function image2d(image: unknown, who: string): Staged & { rows: number; cols: number } {
  const input = stage(image, who);
  if (input.shape.length !== 2) throw new RangeError(`${who}: expected a 2-D image {data, shape: [rows, cols]}, got shape [${input.shape.join(', ')}]`);
  return { ...input, rows: input.shape[0], cols: input.shape[1] };
}

function checkRoi(roi: ROI, rows: number, cols: number, who: string): ROI {
  const ok = (range: unknown, size: number) =>
    Array.isArray(range) && range.length === 2 && Number.isInteger(range[0]) && Number.isInteger(range[1]) && 0 <= range[0] && range[0] <= range[1] && range[1] <= size;
  if (!roi || !ok(roi.rows, rows) || !ok(roi.cols, cols)) {
    throw new RangeError(`${who}: roi must be {rows: [r0, r1], cols: [c0, c1]} with 0 ≤ r0 ≤ r1 ≤ ${rows} and 0 ≤ c0 ≤ c1 ≤ ${cols}, got ${JSON.stringify(roi)}`);
  }
  return roi;
}

/** Mean (or sum) along one axis of a 2-D image: axis 1 gives one value per row (the spectrometer's spectrum). */
function reduceAlongAxis(image: unknown, axis: 0 | 1, mean: boolean, who: string): Float32Array | Float64Array {
  const input = image2d(image, who);
  if (axis !== 0 && axis !== 1) throw new RangeError(`${who}: axis must be 0 or 1, got ${axis}`);
  const size = axis === 1 ? input.rows : input.cols;
  const out = new WasmArray(input.dtype, size);
  try {
    if (axis === 1) kernel('reduceAxis1', input.dtype)(input.ptr, input.rows, input.cols, out.ptr, mean);
    else {
      const acc = new WasmArray('f64', input.cols);
      try {
        kernel('reduceAxis0', input.dtype)(input.ptr, input.rows, input.cols, out.ptr, acc.ptr, mean);
      } finally {
        acc.dispose();
      }
    }
    return out.copy();
  } finally {
    out.dispose();
  }
}

export const meanAlongAxis = (image: unknown, axis: 0 | 1) => reduceAlongAxis(image, axis, true, 'meanAlongAxis');
export const sumAlongAxis = (image: unknown, axis: 0 | 1) => reduceAlongAxis(image, axis, false, 'sumAlongAxis');

/** Sum of all values (float64); NaN propagates unless `skipNaN`. */
export function imageSum(image: unknown, { skipNaN = false }: { skipNaN?: boolean } = {}): number {
  const input = stage(image, 'imageSum');
  return kernel('roiSum', input.dtype)(input.ptr, input.length, 0, 1, 0, input.length, skipNaN);
}

/** Sum over a rectangular region of a 2-D image. */
export function roiSum(image: unknown, roi: ROI, { skipNaN = false }: { skipNaN?: boolean } = {}): number {
  const input = image2d(image, 'roiSum');
  const { rows, cols } = checkRoi(roi, input.rows, input.cols, 'roiSum');
  return kernel('roiSum', input.dtype)(input.ptr, input.cols, rows[0], rows[1], cols[0], cols[1], skipNaN);
}

/** Mean over a rectangular region of a 2-D image (NaN for an empty region). */
export function roiMean(image: unknown, roi: ROI, options: { skipNaN?: boolean } = {}): number {
  const size = (roi.rows[1] - roi.rows[0]) * (roi.cols[1] - roi.cols[0]);
  const total = roiSum(image, roi, options);
  if (!options.skipNaN) return total / size;
  const input = image2d(image, 'roiMean');
  const values = stagedView(input);
  let count = 0;
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) if (values[r * input.cols + c] === values[r * input.cols + c]) count++;
  }
  return total / count;
}

/** The rectangular region of a 2-D image, as {data, shape} (in the image's data type). */
export function cropImage(image: unknown, roi: ROI): { data: Float32Array | Float64Array; shape: [number, number] } {
  const input = image2d(image, 'cropImage');
  const { rows, cols } = checkRoi(roi, input.rows, input.cols, 'cropImage');
  const shape: [number, number] = [rows[1] - rows[0], cols[1] - cols[0]];
  const out = new WasmArray(input.dtype, shape[0] * shape[1]);
  try {
    kernel('cropImage', input.dtype)(input.ptr, input.cols, rows[0], rows[1], cols[0], cols[1], out.ptr);
    return { data: out.copy(), shape };
  } finally {
    out.dispose();
  }
}

export interface Correction {
  /** Dark (pedestal) image in ADU, same length as the image; omitted → no dark. */
  dark?: ArrayLike<number> | WasmArray<'f32'> | WasmArray<'f64'> | null;
  /** eV per ADU (default 1). */
  gain?: number;
}

/** The dark as `dtype` data in wasm memory: the caller's own wasm array if it has that type, else a copy. */
function darkPointer(dark: Correction['dark'], length: number, dtype: DataType): { ptr: number; owned: WasmArray | null } {
  if (!dark) return { ptr: 0, owned: null };
  if (dark.length !== length) throw new RangeError(`correctImage: dark has ${dark.length} values but the image has ${length}`);
  if (dark instanceof WasmArray) {
    const { dtype: given } = dark as WasmArray;
    if (given !== 'f32' && given !== 'f64') throw new TypeError(`correctImage: a dark in wasm memory must be float32 or float64, got ${given}`);
    if (dark.dtype === dtype) return { ptr: dark.ptr, owned: null };
  }
  // A wasm dark of the other type is copied out first: allocating may grow memory, which empties views of it.
  const owned = new WasmArray(dtype, length).set(dark instanceof WasmArray ? dark.copy() : dark);
  return { ptr: owned.ptr, owned };
}

function checkGain(gain: unknown): number {
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new TypeError(`correctImage: gain must be a finite number, got ${gain}`);
  return gain;
}

/**
 * (raw − dark) × gain in one pass, as a copy: float32 when image and dark are float32 data,
 * float64 when either is float64 (as NumPy promotes).
 */
export function correctImage(raw: unknown, { dark = null, gain = 1 }: Correction = {}): Float32Array | Float64Array {
  checkGain(gain);
  const staged = stage(raw, 'correctImage');
  const input = dark && dataType(dark) === 'f64' ? asFloat64(staged) : staged;
  // Allocating the dark does not move the staged input: wasm pointers stay valid.
  const { ptr, owned } = darkPointer(dark, input.length, input.dtype);
  try {
    const out = outputPointer(input);
    kernel('correctImage', input.dtype)(input.ptr, ptr, out, input.length, gain);
    return typedView(input.dtype, out, input.length).slice();
  } finally {
    owned?.dispose();
  }
}

/**
 * (raw − dark) × gain into `out` (which may be `raw`, and has its dtype), without leaving wasm
 * memory. A dark of another type is converted to the image's.
 */
export function correctImageInWasm<D extends DataType>(raw: WasmArray<D>, out: WasmArray<D>, { dark = null, gain = 1 }: Correction = {}): WasmArray<D> {
  checkGain(gain);
  if (raw.dtype !== 'f32' && raw.dtype !== 'f64') throw new TypeError(`correctImage: the image must be float32 or float64, got ${raw.dtype}`);
  if (out.dtype !== raw.dtype) throw new TypeError(`correctImage: output is ${out.dtype}, the image ${raw.dtype}`);
  if (out.length !== raw.length) throw new RangeError(`correctImage: output holds ${out.length} values, the image ${raw.length}`);
  const { ptr, owned } = darkPointer(dark, raw.length, raw.dtype);
  try {
    kernel('correctImage', raw.dtype)(raw.ptr, ptr, out.ptr, raw.length, gain);
    return out;
  } finally {
    owned?.dispose();
  }
}
