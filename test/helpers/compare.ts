// Comparisons of typed arrays with NaN/±Inf for the tests (kept out of test/reference, which
// the bench imports: these need vitest).
import { expect } from 'vitest';
import type { Vec } from '../reference/index.js';

const fmt = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/**
 * Elementwise |actual − expected| ≤ atol + rtol·|expected|; NaN must match NaN and ±Inf
 * must match exactly. Reports the first few offending indices.
 */
export function expectClose(actual: Vec, expected: Vec, { rtol = 0, atol = 0, label = '' } = {}): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (e !== e) ok = a !== a;
    else if (!Number.isFinite(e)) ok = a === e;
    else ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad.length < 8) bad.push(`[${i}] got ${fmt(a)}, expected ${fmt(e)}`);
  }
  expect(bad, `${label}: elements out of tolerance (rtol ${rtol}, atol ${atol})`).toEqual([]);
}

/** Exact elementwise equality (== for numbers, so 0 equals −0; NaN equals NaN). */
export function expectExact(actual: Vec, expected: Vec, label = ''): void {
  expectClose(actual, expected, { rtol: 0, atol: 0, label });
}

/** Relative (or absolute near zero) closeness check; NaN matches NaN. Returns the first mismatch index or -1. */
export function firstMismatch(actual: Vec, expected: Vec, rel: number, abs = 0): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      return i;
    }
    if (a === e) continue;
    if (!(Math.abs(a - e) <= Math.max(abs, rel * Math.abs(e)))) return i;
  }
  return -1;
}

/** Largest absolute value (ignoring NaN). */
export function maxAbs(x: Vec): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > m) m = Math.abs(x[i]);
  return m;
}

/** The rows of a flat [rows, cols] array, as views. */
export function rows<T extends Float32Array | Float64Array | Int32Array>(a: { data: T; shape: number[] }): T[] {
  const [K, ...rest] = a.shape;
  const cols = rest.reduce((x, y) => x * y, 1);
  return Array.from({ length: K }, (_, k) => a.data.subarray(k * cols, (k + 1) * cols) as T);
}
