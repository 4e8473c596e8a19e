// What the public API accepts as "an array": a number, a typed array or number[], an
// `{data, shape}` n-d array, or data already in wasm memory. Everything is normalised to
// a flat list + shape here, once, so kernels only ever see float32 pointers.
import { WasmArray, stageInput, inputBuffer, f32 } from './wasm.js';

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

/** An image already in wasm memory (the pipeline's shots), used without a copy. */
export interface WasmImage {
  data: WasmArray<'f32'>;
  shape: number[];
}

export type ArrayInput = number | NumericArray | NDArray | WasmArray<'f32'> | WasmImage;

/** How a value was given, so that results come back in the same form. */
export type Form = 'scalar' | 'array' | 'ndarray';

export interface Staged {
  /** float32 pointer valid until the next wasm allocation. */
  ptr: number;
  length: number;
  shape: number[];
  form: Form;
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

/** Puts `x` into wasm memory as float32 (copying and converting only if it is not there yet). */
export function stage(x: unknown, who: string): Staged {
  if (typeof x === 'number') return { ptr: stageInput([x]), length: 1, shape: [], form: 'scalar', scratch: true };
  if (x instanceof WasmArray) {
    if (x.dtype !== 'f32') throw new TypeError(`${who}: wasm input must be float32, got ${x.dtype}`);
    return { ptr: x.ptr, length: x.length, shape: [x.length], form: 'array', scratch: false };
  }
  // Lengths are read before staging: staging may grow memory, which empties views of it.
  if (isNumericArray(x)) {
    const length = x.length;
    return { ptr: stageInput(x), length, shape: [length], form: 'array', scratch: true };
  }
  if (x && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const { data, shape } = x as { data: unknown; shape: unknown };
    if (data instanceof WasmArray) {
      if (data.dtype !== 'f32') throw new TypeError(`${who}: wasm input must be float32, got ${data.dtype}`);
      return { ptr: data.ptr, length: data.length, shape: checkShape(shape, data.length, who), form: 'ndarray', scratch: false };
    }
    if (isNumericArray(data)) {
      const length = data.length;
      const checked = checkShape(shape, length, who);
      return { ptr: stageInput(data), length, shape: checked, form: 'ndarray', scratch: true };
    }
  }
  const what = x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
  throw new TypeError(`${who}: expected a number, a typed array, number[] or {data, shape}, got ${what}`);
}

/** A pointer the result of an elementwise transform of `s` may be written to without touching caller data. */
export function outputPointer(s: Staged): number {
  return s.scratch ? s.ptr : inputBuffer(s.length).ptr;
}

/** A copy of staged input as a plain Float32Array (for the TypeScript-side accumulators). */
export function stagedCopy(s: Staged): Float32Array {
  return f32(s.ptr, s.length).slice();
}

/** Gives `values` back in the form the input came in. */
export function shaped<T extends Float32Array | Float64Array>(values: T, shape: number[], form: Form): number | T | NDArray<T> {
  if (form === 'scalar') return values[0];
  if (form === 'array') return values;
  return { data: values, shape: [...shape] };
}

export const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
export const formatShape = (shape: readonly number[]) => (shape.length ? `[${shape.join(', ')}]` : 'a scalar');
