// The thin layer between the data module and h5wasm: loading the library (Node by default, any
// h5wasm build injected for the browser), HDF5 errors turned into messages that name the file,
// and a checked image read from the h5wasm heap into kernel memory (one copy, converting the dtype).
import type { Dataset, File as H5File, Metadata } from 'h5wasm';
import { DataError } from '../core/errors.js';
import type { WasmArray } from '../core/wasm.js';

/** The h5wasm library object (`import h5wasm from 'h5wasm'` or `'h5wasm/node'`). */
export type H5Lib = typeof import('h5wasm').default;

/** The low-level emscripten module of h5wasm (only the members used here). */
export interface H5Mod {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  get_dataset_data(
    fileId: bigint,
    path: string,
    count: bigint[] | null,
    offset: bigint[] | null,
    strides: bigint[] | null,
    ptr: bigint,
  ): number;
  get_dataset_metadata(fileId: bigint, path: string): Metadata;
  get_type(fileId: bigint, path: string): number;
  get_names(fileId: bigint, path: string, recursive: boolean): string[];
  activate_throwing_error_handler(): number;
  deactivate_throwing_error_handler(): number;
  H5O_TYPE_DATASET: number;
  H5O_TYPE_GROUP: number;
  FS?: unknown;
}

let lib: H5Lib | null = null;
let mod: H5Mod | null = null;
let loading: Promise<H5Lib> | null = null;

/**
 * Uses the given h5wasm build (e.g. the browser ESM build inside a Web Worker) instead of
 * `h5wasm/node`. Call before the first `openRun`.
 */
export async function useH5wasm(h5wasm: H5Lib): Promise<H5Lib> {
  mod = (await h5wasm.ready) as unknown as H5Mod;
  lib = h5wasm;
  loading = Promise.resolve(h5wasm);
  return h5wasm;
}

// h5wasm's Node build, loaded only in Node when no build was handed over: a browser worker calls
// useH5wasm first, and bundlers must not pull the Node build in (hence the specifier in a variable).
const H5WASM_NODE = 'h5wasm/node';

/** Loads h5wasm once (its Node build unless `useH5wasm` was called) and returns it. */
export function loadH5(): Promise<H5Lib> {
  if (!loading) {
    loading = (async () => {
      const m = (await import(/* @vite-ignore */ H5WASM_NODE)) as { default: H5Lib };
      return useH5wasm(m.default);
    })();
  }
  return loading;
}

/** The part of emscripten's FS that carries what HDF5 prints on stderr (file descriptor 2). */
interface StderrFS {
  write(stream: { fd: number | null }, buffer: Uint8Array, offset: number, length: number, position?: number, canOwn?: boolean): number;
}

const diagnosticSinks: string[][] = [];
let stderrRouted = false;

/**
 * HDF5 reports most failures of h5wasm's writes only by printing its error stack on stderr
 * (emscripten's stream 2) and returning: h5wasm does not throw. While a collection is open,
 * what HDF5 prints goes into it instead of onto the terminal, so that a writer knows a write
 * failed and can keep the detail in a log; outside one it is printed as before. Call `stop()`
 * (in a `finally`) to close the collection and get the text (empty: HDF5 reported nothing).
 */
/** The operating system's reason in HDF5's error stack ("No space left on device"), else its summary. */
export function hdf5Cause(diagnostics: string): string {
  const reason = /error message = '([^']+)'/.exec(diagnostics);
  return reason ? reason[1] : summariseHdf5Error(new Error(diagnostics));
}

export function collectHdf5Diagnostics(): { stop(): string } {
  const fs = h5mod().FS as StderrFS | undefined;
  if (!fs) throw new Error('h5wasm exposes no FS: HDF5 diagnostics cannot be collected');
  if (!stderrRouted) {
    stderrRouted = true;
    const write = fs.write.bind(fs);
    const decoder = new TextDecoder();
    let line = '';
    fs.write = (stream, buffer, offset, length, position, canOwn) => {
      if (stream.fd !== 2) return write(stream, buffer, offset, length, position, canOwn);
      const text = decoder.decode(buffer.subarray(offset, offset + length), { stream: true });
      const sink = diagnosticSinks[diagnosticSinks.length - 1];
      if (sink) sink.push(text);
      else {
        const lines = (line + text).split('\n');
        line = lines.pop()!;
        for (const l of lines) console.error(l);
      }
      return length;
    };
  }
  const sink: string[] = [];
  diagnosticSinks.push(sink);
  return {
    stop() {
      const at = diagnosticSinks.lastIndexOf(sink);
      if (at >= 0) diagnosticSinks.splice(at, 1);
      return sink.join('');
    },
  };
}

/** The loaded library; throws if `loadH5()` has not completed. */
export function h5lib(): H5Lib {
  if (!lib) throw new Error('h5wasm is not loaded yet: await loadH5() (openRun does this) first');
  return lib;
}

export function h5mod(): H5Mod {
  if (!mod) throw new Error('h5wasm is not loaded yet: await loadH5() (openRun does this) first');
  return mod;
}

/**
 * HDF5 names in their natural order: runs of digits compared as numbers, the rest by code unit
 * (`detector_2d_2` before `detector_2d_10`). For names of one case, as the converter's groups,
 * what `localeCompare(b, 'en', { numeric: true })` gives, without building an ICU collator
 * (~10 ms in each thread that opens a run).
 */
export function naturalOrder(a: string, b: string): number {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    if (x[k] === y[k]) continue;
    const [dx, dy] = [/^\d/.test(x[k]), /^\d/.test(y[k])];
    if (dx && dy) {
      const d = Number(x[k]) - Number(y[k]);
      // Equal numbers written differently (`01`, `1`): the shorter first, as ICU's numeric order.
      return d !== 0 ? Math.sign(d) : x[k].length - y[k].length;
    }
    return x[k] < y[k] ? -1 : 1;
  }
  return x.length - y.length;
}

/** The most telling lines of an HDF5 error stack ("truncated file: eof = ...", "not found"). */
export function summariseHdf5Error(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (!text.includes('HDF5-DIAG')) return text.trim();
  const msgs: string[] = [];
  for (const line of text.split('\n')) {
    const m = /#\d+: .* in [\w]+\(\): (.*)$/.exec(line);
    if (m && !msgs.includes(m[1].trim())) msgs.push(m[1].trim());
  }
  if (msgs.length === 0) return text.trim().split('\n')[0];
  // The first says what failed, the last (innermost) why.
  return msgs.length === 1 ? msgs[0] : `${msgs[0]} (${msgs[msgs.length - 1]})`;
}

/**
 * Runs `fn` with HDF5 errors thrown (instead of printed on stderr) and rethrows them as a
 * DataError naming the file and what was being read.
 */
export function guarded<T>(file: string, what: string, fn: () => T): T {
  const m = h5mod();
  m.activate_throwing_error_handler();
  try {
    return fn();
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${file}: cannot read ${what}: ${summariseHdf5Error(err)}`);
  } finally {
    m.deactivate_throwing_error_handler();
  }
}

const CLASS_NAMES: Record<number, string> = { 2: 'time', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 9: 'vlen', 10: 'array' };

/** numpy-style dtype name of an h5wasm metadata object ('float32', 'uint16', 'bool', 'compound', ...). */
export function dtypeName(md: Metadata): string {
  if (md.type === 1) return `float${md.size * 8}`;
  if (md.type === 0) return `${md.signed ? 'int' : 'uint'}${md.size * 8}`;
  if (md.type === 3) return 'string';
  // h5py stores NumPy bools as an enum of FALSE and TRUE.
  if (md.type === 8) return Object.keys(md.enum_type?.members ?? {}).sort().join() === 'FALSE,TRUE' ? 'bool' : 'enum';
  return CLASS_NAMES[md.type] ?? `hdf5-class-${md.type}`;
}

/** An HDF5 file opened read-only, with error-checked helpers. */
export class H5Reader {
  readonly file: H5File;
  private closed = false;

  private constructor(
    readonly path: string,
    file: H5File,
  ) {
    this.file = file;
  }

  /** Opens `path` read-only (h5wasm must be loaded). Errors name the file. */
  static open(path: string): H5Reader {
    const h5 = h5lib();
    const f = guarded(path, 'the file (not an HDF5 file, truncated or unreadable)', () => new h5.File(path, 'r'));
    if (!f.file_id || f.file_id < 0n) throw new DataError(`${path}: cannot open as an HDF5 file`);
    return new H5Reader(path, f);
  }

  get fileId(): bigint {
    return this.file.file_id;
  }

  /** 'dataset', 'group' or null when nothing is at `p`. */
  kind(p: string): 'dataset' | 'group' | null {
    // Walk the path so that a missing intermediate group is "absent", not an HDF5 error.
    const parts = p.split('/').filter(Boolean);
    const m = h5mod();
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      if (!this.children(cur || '/').has(parts[i])) return null;
      cur += '/' + parts[i];
      const t = this.typeOf(cur);
      if (i < parts.length - 1 && t !== m.H5O_TYPE_GROUP) return null;
      if (i === parts.length - 1) return t === m.H5O_TYPE_GROUP ? 'group' : t === m.H5O_TYPE_DATASET ? 'dataset' : null;
    }
    return 'group';
  }

  // Object types by path, looked up once: a sensor's ten detector_info fields each walk the
  // same run and group path, and the file is read-only.
  #types = new Map<string, number>();

  private typeOf(path: string): number {
    let t = this.#types.get(path);
    if (t === undefined) {
      t = guarded(this.path, path, () => h5mod().get_type(this.fileId, path));
      this.#types.set(path, t);
    }
    return t;
  }

  // The file is read-only: a group's listing is read once. A detector group lists every tag
  // of the run (thousands), and each of its sensor fields is looked up below it.
  #listings = new Map<string, { names: string[]; set: Set<string> }>();

  private listing(group: string): { names: string[]; set: Set<string> } {
    let entry = this.#listings.get(group);
    if (!entry) {
      const names = guarded(this.path, `group ${group}`, () => h5mod().get_names(this.fileId, group, false));
      entry = { names, set: new Set(names) };
      this.#listings.set(group, entry);
    }
    return entry;
  }

  private children(group: string): Set<string> {
    return this.listing(group).set;
  }

  /** Child names of a group. */
  keys(group: string): string[] {
    return [...this.listing(group).names];
  }

  /** All paths below a group, relative to it. */
  paths(group: string): string[] {
    return guarded(this.path, `group ${group}`, () => h5mod().get_names(this.fileId, group, true));
  }

  metadata(p: string): Metadata {
    return guarded(this.path, `dataset ${p}`, () => h5mod().get_dataset_metadata(this.fileId, p));
  }

  /** The value of a (small) dataset, as h5wasm returns it. */
  value(p: string): unknown {
    return guarded(this.path, `dataset ${p}`, () => {
      const ds = this.file.get(p) as Dataset | null;
      if (!ds || !('shape' in ds)) throw new DataError(`${this.path}: ${p} is not a dataset`);
      return ds.value;
    });
  }

  /** A numeric dataset as Float64Array (int64 tags and ints converted; scalars give length 1). */
  numbers(p: string): Float64Array {
    const md = this.metadata(p);
    const dtype = dtypeName(md);
    const bytes = BYTES[dtype];
    // Plain little-endian numbers are read straight into the h5wasm heap: h5wasm's Dataset
    // wrapper looks the object up and reads its metadata again, about twice the HDF5 calls, and
    // opening a run reads ten such fields per sensor before its first shot (in every thread).
    if (!bytes || !md.littleEndian || md.vlen) return toFloat64(this.value(p), `${this.path}: ${p}`);
    const n = md.total_size;
    if (n === 0) return new Float64Array(0);
    const m = h5mod();
    const ptr = m._malloc(n * bytes);
    if (!ptr) throw new DataError(`${this.path}: cannot read dataset ${p}: h5wasm's heap has no room for its ${n * bytes} bytes`);
    try {
      const status = guarded(this.path, `dataset ${p}`, () => m.get_dataset_data(this.fileId, p, null, null, null, BigInt(ptr)));
      if (status < 0) throw new DataError(`${this.path}: cannot read dataset ${p} (HDF5 status ${status})`);
      return Float64Array.from(rawView(m.HEAPU8.buffer, ptr, n, dtype));
    } finally {
      m._free(ptr);
    }
  }

  /**
   * A string dataset (scalar or first element), cut at the first NUL: the converter writes
   * fixed-length NUL-terminated names.
   */
  string(p: string): string {
    const v = this.value(p);
    const cut = (t: string) => t.replace(/\0.*$/s, '');
    if (typeof v === 'string') return cut(v);
    if (Array.isArray(v) && typeof v[0] === 'string') return cut(v[0]);
    if (v instanceof Uint8Array) return cut(new TextDecoder().decode(v));
    throw new DataError(`${this.path}: ${p} is not a string dataset`);
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.file.close();
      } catch {
        /* already closed */
      }
    }
  }
}

/** Converts what h5wasm returns for a numeric dataset into a Float64Array. */
export function toFloat64(v: unknown, what: string): Float64Array {
  if (v instanceof Float64Array) return v;
  if (typeof v === 'number') return Float64Array.of(v);
  if (typeof v === 'bigint') return Float64Array.of(Number(v));
  if (typeof v === 'boolean') return Float64Array.of(v ? 1 : 0);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'boolean')) {
    return Float64Array.from(v as number[], Number);
  }
  throw new DataError(`${what}: expected a numeric dataset`);
}

const BYTES: Record<string, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
};

/**
 * The arithmetic images of a stored dtype are corrected in: float64 for float64, float32 for
 * every other dtype read (integers, float32); null for a dtype that is not read as an image.
 */
export function imageArithmetic(dtype: string): 'f32' | 'f64' | null {
  if (!BYTES[dtype]) return null;
  return dtype === 'float64' ? 'f64' : 'f32';
}

/** What every image a reader reads must be like: fixed by the detector's first image. */
export interface ImageExpectation {
  /** The shape of each image ([rows, cols] of one sensor). */
  shape: number[];
  /** The detector's arithmetic. */
  arithmetic: 'f32' | 'f64';
  /** The image that fixed shape and arithmetic, for messages ("MPCCD-2N0-M02-003-1, tag 1002"). */
  first: string;
  /** Its stored dtype. */
  firstDtype: string;
}

/**
 * Reads image datasets into kernel memory, each with its own stored dtype, converted to the
 * detector's arithmetic. Each read is one H5Dopen/H5Dread/H5Dclose of a hyperslab of the
 * expected shape, after the dataset's dtype and shape are checked: an image of another shape,
 * of a dtype that is no number, or of other arithmetic than the detector's (float64 among
 * float32 or integer images, or the reverse) is an error naming it. HDF5 reads in the stored
 * dtype, so the heap buffer is sized for each image's own dtype (never overrun). Keeps one
 * h5wasm-heap buffer for its lifetime; call `free()` when done.
 */
export class ImageReader {
  readonly n: number;
  private ptr = 0;
  private capacity = 0;

  constructor(
    readonly reader: H5Reader,
    readonly expect: ImageExpectation,
  ) {
    this.n = expect.shape.reduce((a, b) => a * b, 1);
  }

  private buffer(bytes: number): number {
    if (bytes > this.capacity) {
      this.free();
      this.ptr = h5mod()._malloc(bytes);
      if (!this.ptr) throw new DataError(`cannot allocate ${bytes} bytes in the h5wasm heap`);
      this.capacity = bytes;
    }
    return this.ptr;
  }

  /**
   * Copies the values of dataset `p` into `target` (kernel memory of the detector's arithmetic)
   * at element `offset`, converted from the stored dtype: the whole image, or only its rows
   * `rows = [first, end)` (a hyperslab: a worker that owns those rows reads no others). `what`
   * names the image in errors (detector, sensor, tag).
   */
  readRaw(p: string, target: WasmArray<'f32'> | WasmArray<'f64'>, offset: number, what: string, rows?: [number, number]): void {
    const m = h5mod();
    const { shape: expected, arithmetic: want, first, firstDtype } = this.expect;
    const md = this.reader.metadata(p);
    const dtype = dtypeName(md);
    const shape = md.shape ?? [];
    const at = `${this.reader.path}: ${what}`;
    const arithmetic = imageArithmetic(dtype);
    if (!arithmetic) throw new DataError(`${at}: the image is ${dtype}; expected an image of numbers (float32, float64 or an integer dtype) (${p})`);
    if (arithmetic !== want) {
      throw new DataError(
        `${at}: the image is ${dtype} but the detector's first image (${first}) is ${firstDtype}: ` +
          `float64 images are corrected in float64 and all others in float32, so the two cannot be mixed in one detector (${p})`,
      );
    }
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      throw new DataError(`${at}: the image has shape [${shape}] but the detector's images are [${expected}] (as its first image, ${first}) (${p})`);
    }
    const [row0, row1] = rows ?? [0, expected[0]];
    if (!(Number.isInteger(row0) && Number.isInteger(row1) && 0 <= row0 && row0 < row1 && row1 <= expected[0])) {
      throw new RangeError(`ImageReader: rows [${row0}, ${row1}) are not rows of an image of shape [${expected}]`);
    }
    const n = (this.n / expected[0]) * (row1 - row0);
    if (target.dtype !== want || offset < 0 || offset + n > target.length) {
      throw new RangeError(`ImageReader: target ${target.dtype}[${target.length}] cannot take ${n} ${want} values at ${offset}`);
    }
    const ptr = this.buffer(md.size * n);
    const count = expected.map((s, d) => BigInt(d === 0 ? row1 - row0 : s));
    const start = expected.map((_, d) => BigInt(d === 0 ? row0 : 0));
    const one = expected.map(() => 1n);
    const status = guarded(this.reader.path, `dataset ${p}`, () => m.get_dataset_data(this.reader.fileId, p, count, start, one, BigInt(ptr)));
    if (status < 0) throw new DataError(`${this.reader.path}: cannot read dataset ${p} (HDF5 status ${status})`);
    const view = target.view() as Float32Array | Float64Array;
    view.set(rawView(m.HEAPU8.buffer, ptr, n, dtype), offset);
  }

  free(): void {
    if (this.ptr) {
      h5mod()._free(this.ptr);
      this.ptr = 0;
      this.capacity = 0;
    }
  }
}

/** The raw values of one image in the h5wasm heap, as a typed view (int64 converted to numbers). */
function rawView(buf: ArrayBufferLike, ptr: number, n: number, dtype: string): ArrayLike<number> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, ptr, n);
    case 'float64':
      return new Float64Array(buf, ptr, n);
    case 'int8':
      return new Int8Array(buf, ptr, n);
    case 'uint8':
      return new Uint8Array(buf, ptr, n);
    case 'int16':
      return new Int16Array(buf, ptr, n);
    case 'uint16':
      return new Uint16Array(buf, ptr, n);
    case 'int32':
      return new Int32Array(buf, ptr, n);
    case 'uint32':
      return new Uint32Array(buf, ptr, n);
    case 'int64':
    case 'uint64': {
      const big = dtype === 'int64' ? new BigInt64Array(buf, ptr, n) : new BigUint64Array(buf, ptr, n);
      return Float64Array.from(big, Number);
    }
    default:
      throw new DataError(`image dtype ${dtype} is not supported`);
  }
}
