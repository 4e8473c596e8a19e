// A small NumPy `.npy` reader (format versions 1, 2 and 3; little and big endian; bool, int8..64,
// uint8..64, float32/64; C and Fortran order) and a writer (float32/64, int16/32, uint16, and bool
// for bad-pixel masks).
import { DataError } from '../core/errors.js';
import { files } from '../core/files.js';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export interface NpyArray {
  /** The elements in C (row-major) order, native endianness. */
  data: NpyData;
  shape: number[];
  /** numpy dtype name: 'float32', 'int16', 'bool', ... */
  dtype: string;
  /** Whether the file stored the array in Fortran order (data is reordered to C order). */
  fortranOrder: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Kind {
  name: string;
  size: number;
  make: (buf: ArrayBuffer, n: number, offset?: number) => NpyData;
  get: (dv: DataView, off: number, le: boolean) => number | bigint;
}

const KINDS: Record<string, Kind> = {
  f4: { name: 'float32', size: 4, make: (b, n, o = 0) => new Float32Array(b, o, n), get: (d, o, le) => d.getFloat32(o, le) },
  f8: { name: 'float64', size: 8, make: (b, n, o = 0) => new Float64Array(b, o, n), get: (d, o, le) => d.getFloat64(o, le) },
  i1: { name: 'int8', size: 1, make: (b, n, o = 0) => new Int8Array(b, o, n), get: (d, o) => d.getInt8(o) },
  u1: { name: 'uint8', size: 1, make: (b, n, o = 0) => new Uint8Array(b, o, n), get: (d, o) => d.getUint8(o) },
  b1: { name: 'bool', size: 1, make: (b, n, o = 0) => new Uint8Array(b, o, n), get: (d, o) => d.getUint8(o) },
  i2: { name: 'int16', size: 2, make: (b, n, o = 0) => new Int16Array(b, o, n), get: (d, o, le) => d.getInt16(o, le) },
  u2: { name: 'uint16', size: 2, make: (b, n, o = 0) => new Uint16Array(b, o, n), get: (d, o, le) => d.getUint16(o, le) },
  i4: { name: 'int32', size: 4, make: (b, n, o = 0) => new Int32Array(b, o, n), get: (d, o, le) => d.getInt32(o, le) },
  u4: { name: 'uint32', size: 4, make: (b, n, o = 0) => new Uint32Array(b, o, n), get: (d, o, le) => d.getUint32(o, le) },
  i8: { name: 'int64', size: 8, make: (b, n, o = 0) => new BigInt64Array(b, o, n), get: (d, o, le) => d.getBigInt64(o, le) },
  u8: { name: 'uint64', size: 8, make: (b, n, o = 0) => new BigUint64Array(b, o, n), get: (d, o, le) => d.getBigUint64(o, le) },
};

/** Parses the Python-literal header dict of a .npy file. */
function parseHeader(text: string, where: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${where}: malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) throw new DataError(`${where}: bad shape in .npy header (${shapeText})`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Reads a `.npy` file from its bytes. `where` names the file in error messages. `own`: the
 * bytes are the caller's to give (a file just read), so data in native order and aligned is a
 * view of them rather than a copy (a dark of 10⁶ pixels is 4–8 MB of fresh memory less).
 */
export function parseNpy(bytes: Uint8Array, where = '.npy data', own = false): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError(`${where}: not a .npy file (bad magic)`);
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(`${where}: truncated .npy header`);
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new DataError(`${where}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw new DataError(`${where}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const { descr, fortran, shape } = parseHeader(header, where);
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const kind = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !kind) throw new DataError(`${where}: unsupported .npy dtype '${descr}'`);
  const little = m[1] === '<' || m[1] === '|' || (m[1] === '=' && isLittleEndian());
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const need = n * kind.size;
  if (bytes.length - offset < need) {
    throw new DataError(`${where}: truncated .npy data (${bytes.length - offset} bytes, expected ${need} for shape [${shape}] ${kind.name})`);
  }
  const native = little === isLittleEndian() || kind.size === 1;
  let data: NpyData;
  if (own && native && (bytes.byteOffset + offset) % kind.size === 0 && bytes.buffer instanceof ArrayBuffer) {
    data = kind.make(bytes.buffer, n, bytes.byteOffset + offset);
  } else {
    // Copy into a fresh, aligned buffer in native order.
    const out = new ArrayBuffer(need);
    const dst = new Uint8Array(out);
    if (native) dst.set(bytes.subarray(offset, offset + need));
    else {
      const s = kind.size;
      for (let i = 0; i < n; i++) {
        const o = offset + i * s;
        for (let k = 0; k < s; k++) dst[i * s + k] = bytes[o + s - 1 - k];
      }
    }
    data = kind.make(out, n);
  }
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { data, shape, dtype: kind.name, fortranOrder: fortran };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Reorders a Fortran-order (column-major) array to C order. */
function fortranToC(src: NpyData, shape: number[]): NpyData {
  const n = src.length;
  const dst = new (src.constructor as new (n: number) => NpyData)(n);
  const nd = shape.length;
  // Strides of the Fortran layout.
  const fstride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fstride[d] = s;
    s *= shape[d];
  }
  if (nd === 2) {
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) (dst as Float64Array)[i * c + j] = (src as Float64Array)[i + j * r];
    return dst;
  }
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fstride[d];
    (dst as Float64Array)[k] = (src as Float64Array)[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return dst;
}

/** The array as Float32Array (a view-free copy; int64 converted through Number). */
export function npyToFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  const d = a.data;
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Reads a `.npy` file. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = files().read(path);
  } catch (err) {
    throw new DataError(`${path}: cannot read .npy file: ${(err as Error).message}`);
  }
  return parseNpy(bytes, path, true);
}

/**
 * Encodes a float32/float64/int16/uint16/int32 array as a version 1.0 little-endian `.npy`; a
 * Uint8Array is written as NumPy bool (`|b1`, nonzero → True), the form of bad-pixel masks.
 */
export function encodeNpy(data: Float32Array | Float64Array | Int16Array | Uint16Array | Int32Array | Uint8Array, shape: number[]): Uint8Array {
  const descr =
    data instanceof Float32Array
      ? '<f4'
      : data instanceof Float64Array
        ? '<f8'
        : data instanceof Int16Array
          ? '<i2'
          : data instanceof Uint16Array
            ? '<u2'
            : data instanceof Uint8Array
              ? '|b1'
              : '<i4';
  // NumPy reads a bool byte other than 0/1 inconsistently, so masks are normalised.
  if (data instanceof Uint8Array) data = Uint8Array.from(data, (v) => (v ? 1 : 0));
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  if (!isLittleEndian()) throw new Error('big-endian hosts are not supported for writing .npy');
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
