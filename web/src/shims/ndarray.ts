// scijs's ndarray, without code generation. ndarray compiles a class per dtype and dimension
// with `new Function`, and ndarray-ops compiles every operation the same way at load; a strict
// Content-Security-Policy (no 'unsafe-eval', as `sacla web` sends) refuses both (scijs/ndarray#48,
// silx-kit/h5web#2047). H5Web's packages are built on them, so web/vite.config.ts resolves
// `ndarray` and `ndarray-ops` to these stand-ins, which keep their behaviour (checked against the
// originals in test/web/shims.test.ts).

type Store = ArrayLike<unknown> & { [i: number]: unknown };
type Generic = { get(i: number): unknown; set(i: number, v: unknown): unknown };

function dtypeOf(data: unknown): string {
  switch (Object.prototype.toString.call(data)) {
    case '[object Float64Array]':
      return 'float64';
    case '[object Float32Array]':
      return 'float32';
    case '[object Int8Array]':
      return 'int8';
    case '[object Int16Array]':
      return 'int16';
    case '[object Int32Array]':
      return 'int32';
    case '[object Uint8Array]':
      return 'uint8';
    case '[object Uint16Array]':
      return 'uint16';
    case '[object Uint32Array]':
      return 'uint32';
    case '[object Uint8ClampedArray]':
      return 'uint8_clamped';
    case '[object BigInt64Array]':
      return 'bigint64';
    case '[object BigUint64Array]':
      return 'biguint64';
  }
  return Array.isArray(data) ? 'array' : 'generic';
}

const isIndex = (i: unknown): i is number => typeof i === 'number' && i >= 0;

export class NdArray {
  readonly dtype: string;

  constructor(
    readonly data: unknown,
    readonly shape: number[],
    readonly stride: number[],
    readonly offset: number,
  ) {
    this.dtype = dtypeOf(data);
  }

  get dimension(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Dimensions from the smallest stride to the largest (equal strides: in dimension order). */
  get order(): number[] {
    return this.shape.map((_, i) => i).sort((a, b) => Math.abs(this.stride[a]) - Math.abs(this.stride[b]) || a - b);
  }

  index(...i: number[]): number {
    let k = this.offset;
    for (let d = 0; d < this.shape.length; d++) k += this.stride[d] * i[d];
    return k;
  }

  get(...i: number[]): unknown {
    const k = this.index(...i);
    return this.dtype === 'generic' ? (this.data as Generic).get(k) : (this.data as Store)[k];
  }

  set(...args: unknown[]): unknown {
    const v = args.pop();
    const k = this.index(...(args as number[]));
    if (this.dtype === 'generic') return (this.data as Generic).set(k, v);
    return ((this.data as Store)[k] = v);
  }

  hi(...i: unknown[]): NdArray {
    return new NdArray(this.data, this.shape.map((n, d) => (isIndex(i[d]) ? (i[d] as number) | 0 : n)), [...this.stride], this.offset);
  }

  lo(...i: unknown[]): NdArray {
    let offset = this.offset;
    const shape = this.shape.map((n, d) => {
      if (!isIndex(i[d])) return n;
      const k = (i[d] as number) | 0;
      offset += this.stride[d] * k;
      return n - k;
    });
    return new NdArray(this.data, shape, [...this.stride], offset);
  }

  step(...i: unknown[]): NdArray {
    let offset = this.offset;
    const shape = [...this.shape];
    const stride = [...this.stride];
    for (let d = 0; d < shape.length; d++) {
      if (typeof i[d] !== 'number') continue;
      const k = (i[d] as number) | 0;
      if (k < 0) {
        offset += stride[d] * (shape[d] - 1);
        shape[d] = Math.ceil(-shape[d] / k);
      } else shape[d] = Math.ceil(shape[d] / k);
      stride[d] *= k;
    }
    return new NdArray(this.data, shape, stride, offset);
  }

  transpose(...axes: (number | undefined)[]): NdArray {
    const order = this.shape.map((_, d) => (axes[d] === undefined ? d : (axes[d] as number) | 0));
    return new NdArray(this.data, order.map((a) => this.shape[a]), order.map((a) => this.stride[a]), this.offset);
  }

  pick(...i: unknown[]): NdArray {
    let offset = this.offset;
    const shape: number[] = [];
    const stride: number[] = [];
    for (let d = 0; d < this.shape.length; d++) {
      if (isIndex(i[d])) offset = (offset + this.stride[d] * (i[d] as number)) | 0;
      else {
        shape.push(this.shape[d]);
        stride.push(this.stride[d]);
      }
    }
    return new NdArray(this.data, shape, stride, offset);
  }

  /** A 0-d array reads as its value. */
  valueOf(): unknown {
    return this.shape.length === 0 ? this.get() : this;
  }
}

export default function ndarray(data?: unknown, shape?: number[], stride?: number[], offset?: number): NdArray {
  if (data === undefined) return new NdArray([], [0], [1], 0);
  const values = typeof data === 'number' ? [data] : data;
  const dims = shape ?? [(values as ArrayLike<unknown>).length];
  let strides = stride;
  if (!strides) {
    strides = new Array<number>(dims.length);
    for (let d = dims.length - 1, size = 1; d >= 0; d--) {
      strides[d] = size;
      size *= dims[d];
    }
  }
  let start = offset;
  if (start === undefined) {
    start = 0;
    for (let d = 0; d < dims.length; d++) if (strides[d] < 0) start -= (dims[d] - 1) * strides[d];
  }
  return new NdArray(values, dims, strides, start);
}
