// Per-image reductions and the detector correction (kernels in assembly/image.ts).
import { core, f32, WasmArray } from '../core/wasm.js';
import { stage, outputPointer, type Staged } from '../core/input.js';

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
function reduceAlongAxis(image: unknown, axis: 0 | 1, mean: boolean, who: string): Float32Array {
  const input = image2d(image, who);
  if (axis !== 0 && axis !== 1) throw new RangeError(`${who}: axis must be 0 or 1, got ${axis}`);
  const size = axis === 1 ? input.rows : input.cols;
  const out = new WasmArray('f32', size);
  try {
    if (axis === 1) core.reduceAxis1(input.ptr, input.rows, input.cols, out.ptr, mean);
    else {
      const acc = new WasmArray('f64', input.cols);
      try {
        core.reduceAxis0(input.ptr, input.rows, input.cols, out.ptr, acc.ptr, mean);
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
  return core.roiSum(input.ptr, input.length, 0, 1, 0, input.length, skipNaN);
}

/** Sum over a rectangular region of a 2-D image. */
export function roiSum(image: unknown, roi: ROI, { skipNaN = false }: { skipNaN?: boolean } = {}): number {
  const input = image2d(image, 'roiSum');
  const { rows, cols } = checkRoi(roi, input.rows, input.cols, 'roiSum');
  return core.roiSum(input.ptr, input.cols, rows[0], rows[1], cols[0], cols[1], skipNaN);
}

/** Mean over a rectangular region of a 2-D image (NaN for an empty region). */
export function roiMean(image: unknown, roi: ROI, options: { skipNaN?: boolean } = {}): number {
  const size = (roi.rows[1] - roi.rows[0]) * (roi.cols[1] - roi.cols[0]);
  const total = roiSum(image, roi, options);
  if (!options.skipNaN) return total / size;
  const input = image2d(image, 'roiMean');
  const values = f32(input.ptr, input.length);
  let count = 0;
  for (let r = roi.rows[0]; r < roi.rows[1]; r++) {
    for (let c = roi.cols[0]; c < roi.cols[1]; c++) if (values[r * input.cols + c] === values[r * input.cols + c]) count++;
  }
  return total / count;
}

/** The rectangular region of a 2-D image, as {data, shape}. */
export function cropImage(image: unknown, roi: ROI): { data: Float32Array; shape: [number, number] } {
  const input = image2d(image, 'cropImage');
  const { rows, cols } = checkRoi(roi, input.rows, input.cols, 'cropImage');
  const shape: [number, number] = [rows[1] - rows[0], cols[1] - cols[0]];
  const out = new WasmArray('f32', shape[0] * shape[1]);
  try {
    core.cropImage(input.ptr, input.cols, rows[0], rows[1], cols[0], cols[1], out.ptr);
    return { data: out.copy(), shape };
  } finally {
    out.dispose();
  }
}

export interface Correction {
  /** Dark (pedestal) image in ADU, same length as the image; omitted → no dark. */
  dark?: ArrayLike<number> | WasmArray<'f32'> | null;
  /** eV per ADU (default 1). */
  gain?: number;
}

function darkPointer(dark: Correction['dark'], length: number): { ptr: number; owned: WasmArray<'f32'> | null } {
  if (!dark) return { ptr: 0, owned: null };
  if (dark.length !== length) throw new RangeError(`correctImage: dark has ${dark.length} values but the image has ${length}`);
  if (dark instanceof WasmArray) {
    if (dark.dtype !== 'f32') throw new TypeError(`correctImage: a dark in wasm memory must be float32, got ${dark.dtype}`);
    return { ptr: dark.ptr, owned: null };
  }
  const owned = new WasmArray('f32', dark.length).set(dark);
  return { ptr: owned.ptr, owned };
}

function checkGain(gain: unknown): number {
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new TypeError(`correctImage: gain must be a finite number, got ${gain}`);
  return gain;
}

/** (raw − dark) × gain in one pass, as a float32 copy. */
export function correctImage(raw: unknown, { dark = null, gain = 1 }: Correction = {}): Float32Array {
  checkGain(gain);
  const input = stage(raw, 'correctImage');
  // Allocating the dark does not move the staged input: wasm pointers stay valid.
  const { ptr, owned } = darkPointer(dark, input.length);
  try {
    const out = outputPointer(input);
    core.correctImage(input.ptr, ptr, out, input.length, gain);
    return f32(out, input.length).slice();
  } finally {
    owned?.dispose();
  }
}

/** (raw − dark) × gain into `out` (which may be `raw`), without leaving wasm memory. */
export function correctImageInWasm(raw: WasmArray<'f32'>, out: WasmArray<'f32'>, { dark = null, gain = 1 }: Correction = {}): WasmArray<'f32'> {
  checkGain(gain);
  if (out.length !== raw.length) throw new RangeError(`correctImage: output holds ${out.length} values, the image ${raw.length}`);
  const { ptr, owned } = darkPointer(dark, raw.length);
  try {
    core.correctImage(raw.ptr, ptr, out.ptr, raw.length, gain);
    return out;
  } finally {
    owned?.dispose();
  }
}
