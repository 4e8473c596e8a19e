// What the public API accepts as "an array": a number, a typed array or number[], an
// `{data, shape}` n-d array, or data already in wasm memory. Everything is normalised to
// a flat list + shape here, once, so kernels only ever see float32 or float64 pointers.
import { WasmArray, stageInput, inputBuffer, typedView, f32, type DataType } from './wasm.js';

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | number[];

/** An n-dimensional array: flat C-order data and its shape. */
export interface NDArray<T = NumericArray> {
  data: T;
  shape: number[];
}

/** An image already in wasm memory (the pipeline's shots), used without a copy: float32, or float64 for float64 data. */
export interface WasmImage {
  data: WasmArray<'f32'> | WasmArray<'f64'>;
  shape: number[];
}

export type ArrayInput = number | NumericArray | NDArray | WasmArray<'f32'> | WasmArray<'f64'> | WasmImage;

/** How a value was given, so that results come back in the same form. */
export type Form = 'scalar' | 'array' | 'ndarray';

export interface Staged {
  /** Pointer to `length` values of `dtype`, valid until the next wasm allocation. */
  ptr: number;
  length: number;
  shape: number[];
  form: Form;
  dtype: DataType;
  /** True when `ptr` is the shared scratch copy (safe to overwrite), false for caller-owned wasm data. */
  scratch: boolean;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isNumericArray(x: unknown): x is NumericArray {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array));
}

export function checkShape(shape: unknown, length: number, who: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${who}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (product(shape) !== length) {
    throw new RangeError(`${who}: shape [${shape.join(', ')}] holds ${product(shape)} values but data has ${length}`);
  }
  return [...shape];
}

/**
 * The type data of this kind is staged in: float32 for float32 and for the integer types
 * whose every value float32 holds exactly; float64 for the rest (Float64Array, number[] and
 * numbers are doubles; Int32Array/Uint32Array values above 2^24 need float64, and NumPy
 * casts them to float64 too).
 */
export function dataType(data: ArrayLike<number> | WasmArray): DataType {
  if (data instanceof WasmArray) return data.dtype === 'f32' ? 'f32' : 'f64';
  const exactInFloat32 =
    data instanceof Float32Array ||
    data instanceof Int8Array ||
    data instanceof Uint8Array ||
    data instanceof Uint8ClampedArray ||
    data instanceof Int16Array ||
    data instanceof Uint16Array;
  return exactInFloat32 ? 'f32' : 'f64';
}

function wasmData(x: WasmArray, who: string): WasmArray<DataType> {
  if (x.dtype !== 'f32' && x.dtype !== 'f64') throw new TypeError(`${who}: wasm input must be float32 or float64, got ${x.dtype}`);
  return x as WasmArray<DataType>;
}

/**
 * Puts `x` into wasm memory as float32 or float64 (see `dataType`), copying and converting
 * only if it is not there yet.
 */
export function stage(x: unknown, who: string): Staged {
  if (typeof x === 'number') return { ptr: stageInput([x], 'f64'), length: 1, shape: [], form: 'scalar', dtype: 'f64', scratch: true };
  if (x instanceof WasmArray) {
    const data = wasmData(x, who);
    return { ptr: data.ptr, length: data.length, shape: [data.length], form: 'array', dtype: data.dtype, scratch: false };
  }
  // Lengths are read before staging: staging may grow memory, which empties views of it.
  if (isNumericArray(x)) {
    const length = x.length;
    const dtype = dataType(x);
    return { ptr: stageInput(x, dtype), length, shape: [length], form: 'array', dtype, scratch: true };
  }
  if (x && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const { data, shape } = x as { data: unknown; shape: unknown };
    if (data instanceof WasmArray) {
      const checked = wasmData(data, who);
      return { ptr: checked.ptr, length: checked.length, shape: checkShape(shape, checked.length, who), form: 'ndarray', dtype: checked.dtype, scratch: false };
    }
    if (isNumericArray(data)) {
      const length = data.length;
      const checked = checkShape(shape, length, who);
      const dtype = dataType(data);
      return { ptr: stageInput(data, dtype), length, shape: checked, form: 'ndarray', dtype, scratch: true };
    }
  }
  const what = x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
  throw new TypeError(`${who}: expected a number, a typed array, number[] or {data, shape}, got ${what}`);
}

/**
 * `s` as float64 (lossless): `s` itself if it is float64, else its values converted into the
 * float64 input buffer. For a float64 state meeting float32 data.
 */
export function asFloat64(s: Staged): Staged {
  if (s.dtype === 'f64') return s;
  return { ...s, ptr: stageInput(f32(s.ptr, s.length), 'f64'), dtype: 'f64', scratch: true };
}

/** A pointer the result of an elementwise transform of `s` (same dtype) may be written to without touching caller data. */
export function outputPointer(s: Staged): number {
  return s.scratch ? s.ptr : inputBuffer(s.length, s.dtype).ptr;
}

/** A view of staged input, in its dtype (valid until the next wasm allocation). */
export function stagedView(s: Staged): Float32Array | Float64Array {
  return typedView(s.dtype, s.ptr, s.length);
}

/** Gives `values` back in the form the input came in. */
export function shaped<T extends Float32Array | Float64Array>(values: T, shape: number[], form: Form): number | T | NDArray<T> {
  if (form === 'scalar') return values[0];
  if (form === 'array') return values;
  return { data: values, shape: [...shape] };
}

export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
export const formatShape = (shape: readonly number[]) => (shape.length ? `[${shape.join(', ')}]` : 'a scalar');
