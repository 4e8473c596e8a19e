/**
 * Loader for the analysis reference fixtures in `test/fixtures/analysis/*.json` (written by
 * `test/fixtures/analysis/make_analysis_fixtures.py`; see the README there to regenerate).
 *
 * Same array encoding as `test/fixtures/numpy/*.json`: every `{dtype, shape, b64}` object found
 * anywhere in the file is decoded, recursively, with `decodeArray` to `{ data, shape }`
 * (float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, int64 → Float64Array).
 */
import { readFileSync } from 'node:fs';
import { decodeArray, type EncodedArray } from './fixtures.js';

const DTYPES = new Set(['float32', 'float64', 'int32', 'int64']);

function isEncodedArray(v: unknown): v is EncodedArray {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    Object.keys(o).length === 3 &&
    typeof o.dtype === 'string' &&
    DTYPES.has(o.dtype) &&
    Array.isArray(o.shape) &&
    typeof o.b64 === 'string'
  );
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

/** Reads a JSON fixture (a path, or a `URL`) and decodes every array in it. */
export function loadJsonFixture(path: string | URL): any {
  return decodeAll(JSON.parse(readFileSync(path, 'utf8')));
}
