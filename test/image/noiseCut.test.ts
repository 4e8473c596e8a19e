// NoiseCutter: a copy with every value below the threshold replaced by `fill`, NaN kept,
// input never modified, in-place wasm variant, and the input's form given back.
import { describe, expect, test } from 'vitest';
import { NoiseCutter, WasmArray } from 'sacla-analysis';
import { detectorImage } from '../helpers/random.js';
import { nextDown32, nextUp32, noiseCutRef, numpyBound32 } from '../reference/index.js';

const IMG = detectorImage(1024 * 1024, 21, { offset: 900, noise: 150, hits: 0.03 });
// sprinkle NaN and ±Inf
for (let i = 17; i < IMG.length; i += 9973) IMG[i] = NaN;
IMG[5] = Infinity;
IMG[6] = -Infinity;
IMG[7] = 1000;

/** Same bits, NaN included (toEqual on typed arrays treats NaN as equal, but be explicit). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

describe('NoiseCutter', () => {
  test('defaults: threshold 1000, fill 0', () => {
    const nc = new NoiseCutter();
    expect(nc.threshold).toBe(1000);
    expect(nc.fill).toBe(0);
  });

  test('1024x1024 image vs the reference (defaults); NaN stays NaN, +Inf kept, −Inf cut, == threshold kept', () => {
    const copy = IMG.slice();
    const out = new NoiseCutter().cut(IMG) as Float32Array;
    expect(out).toBeInstanceOf(Float32Array);
    expect(sameBits(out, noiseCutRef(IMG, 1000, 0))).toBe(true);
    expect(Number.isNaN(out[17])).toBe(true);
    expect(out[5]).toBe(Infinity);
    expect(out[6]).toBe(0);
    expect(out[7]).toBe(1000);
    // the input is not modified
    expect(sameBits(IMG, copy)).toBe(true);
    // something was cut and something kept
    let cut = 0;
    let kept = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] === 0 && IMG[i] !== 0) cut++;
      else if (out[i] === IMG[i]) kept++;
    }
    expect(cut).toBeGreaterThan(100_000);
    expect(kept).toBeGreaterThan(100_000);
  });

  test.each([
    [40, 0],
    [1000, -1],
    [0, NaN],
    [2000, 0.1],
  ])('threshold %d, fill %d vs the reference', (threshold, fill) => {
    const out = new NoiseCutter(threshold, fill).cut(IMG) as Float32Array;
    expect(sameBits(out, noiseCutRef(IMG, threshold, Math.fround(fill)))).toBe(true);
  });

  test('the comparison is strict and in float32', () => {
    const t = 1000;
    const values = new Float32Array([t, nextDown32(t), nextUp32(t), -0, NaN, -Infinity, Infinity, 999.9999]);
    const out = new NoiseCutter(t, -5).cut(values) as Float32Array;
    expect(Array.from(out)).toEqual([t, -5, nextUp32(t), -5, NaN, -5, Infinity, -5]);
    // threshold 1000.1 is compared as float32(1000.1) = 1000.0999755859375, as NumPy does on
    // float32 data: np.float32(1000.1) is kept by img[img < 1000.1] = 0
    const out2 = new NoiseCutter(1000.1).cut(new Float32Array([1000.1, 1000, 1000.2])) as Float32Array;
    expect(Array.from(out2)).toEqual([Math.fround(1000.1), 0, Math.fround(1000.2)]);
  });

  test('a threshold just beyond the float32 range (3.4028235e38) cuts float32 max, as NumPy does', () => {
    // numpy 1.24: x = np.float32([3.4028235e38, 1]); x[x < 3.4028235e38] = 0 → [0, 0]
    // (the bound does not fit float32, so NumPy compares in float64)
    const max = 3.4028234663852886e38;
    const values = new Float32Array([max, 1]);
    expect(Array.from(noiseCutRef(values, numpyBound32(3.4028235e38), 0))).toEqual([0, 0]);
    expect(Array.from(new NoiseCutter(3.4028235e38).cut(values) as Float32Array)).toEqual([0, 0]);
  });

  test.each([0, 1, 2, 3, 5, 6, 7, 9, 1023])('length %i: body and tail vs the reference', (n) => {
    const values = detectorImage(n, 40 + n, { offset: 1000, noise: 50 });
    const out = new NoiseCutter(1000, 7).cut(values) as Float32Array;
    expect(sameBits(out, noiseCutRef(values, 1000, 7))).toBe(true);
  });

  test('form round-trip: {data, shape} → {data, shape}; array → array of its data type; number → number', () => {
    const nc = new NoiseCutter(10, 0);
    const data = new Float64Array([1, 20, 3, 40, 5, 60]);
    const shape = [2, 3];
    const out = nc.cut({ data, shape }) as { data: Float64Array; shape: number[] };
    expect(out.shape).toEqual([2, 3]);
    expect(out.shape).not.toBe(shape);
    expect(out.data).toBeInstanceOf(Float64Array);
    expect(Array.from(out.data)).toEqual([0, 20, 0, 40, 0, 60]);
    expect(Array.from(data)).toEqual([1, 20, 3, 40, 5, 60]);
    const arr = [1, 20, 3];
    expect(Array.from(nc.cut(arr) as Float64Array)).toEqual([0, 20, 0]);
    expect(nc.cut(new Float32Array([1, 20]))).toBeInstanceOf(Float32Array);
    expect(arr).toEqual([1, 20, 3]);
    expect(nc.cut(5)).toBe(0);
    expect(nc.cut(15)).toBe(15);
    // 3-D keeps its shape
    const out3 = nc.cut({ data: new Float32Array(24).fill(11), shape: [2, 3, 4] }) as { data: Float32Array; shape: number[] };
    expect(out3.shape).toEqual([2, 3, 4]);
    expect(out3.data.length).toBe(24);
  });

  test('WasmArray input is not modified by cut()', () => {
    const n = 10_001;
    const values = IMG.subarray(1000, 1000 + n);
    const w = new WasmArray('f32', n).set(values);
    try {
      const out = new NoiseCutter().cut(w) as Float32Array;
      expect(out).toBeInstanceOf(Float32Array);
      expect(sameBits(out, noiseCutRef(values, 1000, 0))).toBe(true);
      expect(sameBits(w.view(), values)).toBe(true);
      // and as {data: WasmArray, shape}
      const w2 = new WasmArray('f32', 12).set([1, 2000, 3, 4000, 5, 6000, 7, 8000, 9, 10000, 11, 12000]);
      const out2 = new NoiseCutter().cut({ data: w2, shape: [3, 4] }) as { data: Float32Array; shape: number[] };
      expect(out2.shape).toEqual([3, 4]);
      expect(Array.from(out2.data)).toEqual([0, 2000, 0, 4000, 0, 6000, 0, 8000, 0, 10000, 0, 12000]);
      expect(Array.from(w2.view())).toEqual([1, 2000, 3, 4000, 5, 6000, 7, 8000, 9, 10000, 11, 12000]);
      w2.dispose();
    } finally {
      w.dispose();
    }
  });

  test('the result of cut() is a copy that later calls do not overwrite', () => {
    const nc = new NoiseCutter(10);
    const a = nc.cut([1, 20, 30]) as Float32Array;
    const b = nc.cut([40, 2, 3]) as Float32Array;
    expect(Array.from(a)).toEqual([0, 20, 30]);
    expect(Array.from(b)).toEqual([40, 0, 0]);
  });

  test('cutInWasm works in place on a 1024x1024 image, and into a separate output', () => {
    const nc = new NoiseCutter(1000, -1);
    const w = new WasmArray('f32', IMG.length).set(IMG);
    const out = new WasmArray('f32', IMG.length).fill(123);
    try {
      // into out: the input is untouched
      expect(nc.cutInWasm(w, out)).toBe(out);
      expect(sameBits(out.view(), noiseCutRef(IMG, 1000, -1))).toBe(true);
      expect(sameBits(w.view(), IMG)).toBe(true);
      // in place
      expect(nc.cutInWasm(w)).toBe(w);
      expect(sameBits(w.view(), noiseCutRef(IMG, 1000, -1))).toBe(true);
      // cutting again changes nothing (idempotent when fill < threshold is already below: -1 stays -1)
      nc.cutInWasm(w);
      expect(sameBits(w.view(), noiseCutRef(IMG, 1000, -1))).toBe(true);
    } finally {
      w.dispose();
      out.dispose();
    }
  });

  test('cutInWasm with a length mismatch → RangeError', () => {
    const a = new WasmArray('f32', 8);
    const b = new WasmArray('f32', 9);
    expect(() => new NoiseCutter().cutInWasm(a, b)).toThrow(RangeError);
    a.dispose();
    b.dispose();
  });

  test('bad arguments → TypeError', () => {
    expect(() => new NoiseCutter('1000' as any)).toThrow(TypeError);
    expect(() => new NoiseCutter(1000, null as any)).toThrow(TypeError);
    expect(() => new NoiseCutter().cut('image')).toThrow(/NoiseCutter\.cut/);
    expect(() => new NoiseCutter().cut({ data: [1, 2, 3], shape: [2] })).toThrow(/shape/);
  });
});
