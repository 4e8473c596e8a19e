// Loads the one kernel module (build/core.wasm) in Node or in a browser/worker and
// owns its linear memory. Everything that touches wasm pointers goes through here.
//
// Memory rule: wasm memory can grow on any allocation, which detaches every typed-array
// view of the old buffer. So views are made fresh (`f32`, `f64`, ...) right before use
// and never kept across a call that may allocate.

import type { instantiate as declared } from '../../build/core.js';

/** The kernel module's exports, typed by the declarations asc writes beside it (asconfig.json "bindings": "raw"). */
export type CoreExports = Awaited<ReturnType<typeof declared>>;

const wasmUrl = new URL('../../build/core.wasm', import.meta.url);

function readUtf16(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  // AssemblyScript strings: UTF-16 code units, byte length stored 4 bytes before the data.
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

async function loadBytes(): Promise<BufferSource> {
  // Node reads the file (its fetch has no file: URLs); browsers fetch it.
  const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (builtin && wasmUrl.protocol === 'file:') {
    const fs = builtin('node:fs') as typeof import('node:fs');
    try {
      return fs.readFileSync(wasmUrl);
    } catch (err) {
      throw new Error(
        `sacla-analysis: cannot read the kernel module ${wasmUrl.pathname} ` +
          `(${(err as Error).message}). Build it with \`npm run build\`.`,
      );
    }
  }
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`sacla-analysis: cannot fetch ${wasmUrl} (HTTP ${response.status})`);
  return response.arrayBuffer();
}

async function instantiate(): Promise<CoreExports> {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      abort(message: number, file: number, line: number, column: number) {
        const text = memory ? `${readUtf16(memory, message)} at ${readUtf16(memory, file)}:${line}:${column}` : 'abort';
        throw new Error(`sacla-analysis kernel aborted: ${text}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(await loadBytes(), imports);
  const exports = instance.exports as unknown as CoreExports;
  memory = exports.memory;
  return exports;
}

/** The instantiated kernel module (top-level await: importing the package loads it once). */
export const core: CoreExports = await instantiate();

export const memoryBytes = (): number => core.memory.buffer.byteLength;

export const f32 = (ptr: number, length: number) => new Float32Array(core.memory.buffer, ptr, length);
export const f64 = (ptr: number, length: number) => new Float64Array(core.memory.buffer, ptr, length);
export const i32 = (ptr: number, length: number) => new Int32Array(core.memory.buffer, ptr, length);
export const u32 = (ptr: number, length: number) => new Uint32Array(core.memory.buffer, ptr, length);

export type DType = 'f32' | 'f64' | 'i32' | 'u32';
const BYTES: Record<DType, number> = { f32: 4, f64: 8, i32: 4, u32: 4 };
const VIEW = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array } as const;
type ViewOf<D extends DType> = InstanceType<(typeof VIEW)[D]>;

// Safety net for buffers whose owner was dropped without dispose(): free them when the
// owner is garbage collected. dispose() stays the way to free memory promptly.
const leaked = new FinalizationRegistry<number>((ptr) => core.free(ptr));

/** A typed array that lives in wasm memory, addressed by `ptr`. */
export class WasmArray<D extends DType = DType> {
  readonly ptr: number;
  readonly length: number;
  readonly dtype: D;
  #disposed = false;

  constructor(dtype: D, length: number) {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`WasmArray length must be a non-negative integer, got ${length}`);
    this.dtype = dtype;
    this.length = length;
    // alloc(0) still returns a valid block, so empty arrays have a pointer too.
    this.ptr = core.alloc(Math.max(length, 1) * BYTES[dtype]);
    if (!this.ptr) throw new Error(`sacla-analysis: wasm out of memory allocating ${length} × ${dtype}`);
    leaked.register(this, this.ptr, this);
  }

  /** A fresh view on the data; valid until the next wasm allocation. */
  view(): ViewOf<D> {
    if (this.#disposed) throw new Error('sacla-analysis: this buffer was disposed');
    return new VIEW[this.dtype](core.memory.buffer, this.ptr, this.length) as ViewOf<D>;
  }

  /** A copy that outlives wasm memory growth. */
  copy(): ViewOf<D> {
    return this.view().slice() as ViewOf<D>;
  }

  fill(value: number): this {
    this.view().fill(value);
    return this;
  }

  set(values: ArrayLike<number>): this {
    this.view().set(values);
    return this;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    leaked.unregister(this);
    core.free(this.ptr);
  }
}

/** The element types kernels take data in: each kernel `k` reads float32, its twin `kF64` float64. */
export type DataType = 'f32' | 'f64';

/** The kernels that read data: each has a float64 twin `<name>F64` of the same signature. */
export type TwinKernel = { [K in keyof CoreExports]: `${K & string}F64` extends keyof CoreExports ? K : never }[keyof CoreExports];

/** The kernel `name` for data of `dtype` (`name` itself for float32, `nameF64` for float64). */
export function kernel<K extends TwinKernel>(name: K, dtype: DataType): CoreExports[K] {
  return (dtype === 'f64' ? core[`${name}F64` as keyof CoreExports] : core[name]) as CoreExports[K];
}

/**
 * One reusable input buffer per data type: every kernel call copies (and converts) its input
 * into the one of its type once, so the per-call cost is one copy and no allocation after
 * the first call of a given size.
 */
const scratch: Partial<Record<DataType, WasmArray>> = {};
export function inputBuffer<D extends DataType = 'f32'>(length: number, dtype: D = 'f32' as D): WasmArray<D> {
  const current = scratch[dtype];
  if (current && current.length >= length) return current as WasmArray<D>;
  current?.dispose();
  const buffer = new WasmArray(dtype, Math.max(length, 16));
  scratch[dtype] = buffer;
  return buffer;
}

/** A view of `length` values of `dtype` at `ptr`; valid until the next wasm allocation. */
export function typedView(dtype: DataType, ptr: number, length: number): Float32Array | Float64Array {
  return new VIEW[dtype](core.memory.buffer, ptr, length);
}

type View = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** Copies `data` into the shared input buffer of `dtype` (converting it) and returns its pointer. */
export function stageInput(data: ArrayLike<number>, dtype: DataType = 'f32'): number {
  // A view of wasm memory itself is detached if the buffer below grows memory: note where
  // it points (before allocating: a detached view reports offset 0) and look again after.
  const view = ArrayBuffer.isView(data) && (data as View).buffer === core.memory.buffer ? (data as View) : null;
  const where = view && { type: view.constructor as new (b: ArrayBufferLike, o: number, n: number) => View, offset: view.byteOffset, length: view.length };
  const buffer = inputBuffer(data.length, dtype);
  const source = where ? new where.type(core.memory.buffer, where.offset, where.length) : data;
  new VIEW[dtype](core.memory.buffer, buffer.ptr, source.length).set(source);
  return buffer.ptr;
}
