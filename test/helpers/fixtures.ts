/**
 * Loader for the NumPy golden fixtures in `test/fixtures/numpy/<name>.json`
 * (written by `test/fixtures/make_fixtures.py`; regenerate with
 * `/usr/bin/python3 test/fixtures/make_fixtures.py`).
 *
 * Every encoded array `{dtype, shape, b64}` found anywhere in the file is
 * decoded, recursively, to `{ data, shape }`:
 *   float32 → Float32Array, float64 → Float64Array, int32 → Int32Array,
 *   int64 → Float64Array (plain numbers; every value must be a safe integer).
 * Everything else (names, parameters, scalar expectations) is returned as
 * parsed JSON. Each call reads and decodes the file afresh, so tests may
 * mutate what they get.
 */
import { readFileSync } from 'node:fs';

export type FixtureDType = 'float32' | 'float64' | 'int32' | 'int64';

export interface EncodedArray {
  dtype: FixtureDType;
  shape: number[];
  b64: string;
}

export interface FixtureArray<T extends Float32Array | Float64Array | Int32Array = Float32Array | Float64Array | Int32Array> {
  data: T;
  shape: number[];
}

const BYTES: Record<FixtureDType, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isEncodedArray(v: unknown): v is EncodedArray {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  return (
    keys.length === 3 &&
    typeof o.dtype === 'string' &&
    Object.prototype.hasOwnProperty.call(BYTES, o.dtype) &&
    Array.isArray(o.shape) &&
    typeof o.b64 === 'string'
  );
}

/** Decode one `{dtype, shape, b64}` object. */
export function decodeArray(e: EncodedArray): FixtureArray {
  if (!LITTLE_ENDIAN) throw new Error('fixtures are little-endian; this platform is not');
  const shape = e.shape.map((s) => {
    if (!Number.isInteger(s) || s < 0) throw new Error(`bad fixture shape ${JSON.stringify(e.shape)}`);
    return s;
  });
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = Buffer.from(e.b64, 'base64');
  if (bytes.byteLength !== count * BYTES[e.dtype]) {
    throw new Error(
      `fixture array of dtype ${e.dtype} and shape [${shape}] has ${bytes.byteLength} bytes, expected ${count * BYTES[e.dtype]}`,
    );
  }
  // Copy into a fresh, aligned buffer (Buffer may share a pool at any offset).
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  switch (e.dtype) {
    case 'float32':
      return { data: new Float32Array(buf), shape };
    case 'float64':
      return { data: new Float64Array(buf), shape };
    case 'int32':
      return { data: new Int32Array(buf), shape };
    case 'int64': {
      const big = new BigInt64Array(buf);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const n = Number(big[i]);
        if (!Number.isSafeInteger(n)) throw new Error(`int64 fixture value ${big[i]} is not a safe integer`);
        out[i] = n;
      }
      return { data: out, shape };
    }
  }
}

function decodeAll(v: unknown): unknown {
  if (isEncodedArray(v)) return decodeArray(v);
  if (Array.isArray(v)) return v.map(decodeAll);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decodeAll(x);
    return out;
  }
  return v;
}

/** Reads any JSON fixture (a path or a URL) and decodes every array in it. */
export function loadJsonFixture(path: string | URL): any {
  return decodeAll(JSON.parse(readFileSync(path, 'utf8')));
}

/**
 * Read `test/fixtures/numpy/<name>.json` and decode every array in it.
 * E.g. `loadFixture('histogram').cases[0].counts.data` is a Float64Array.
 */
export function loadFixture(name: string): any {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.includes('..')) {
    throw new Error(`bad fixture name ${JSON.stringify(name)}`);
  }
  return loadJsonFixture(new URL(`../fixtures/numpy/${name}.json`, import.meta.url));
}
