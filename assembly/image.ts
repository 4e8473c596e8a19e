// Per-image reductions and corrections on row-major images (rows × cols): each kernel works
// on float32 images, its twin `…F64` on float64 ones (sums are float64 either way).

import { valuesPerV128, vsplat, vsub, vmul, loadAsF64x2, joinMasks } from './lanes';

/** out = (raw − dark) × gain in one pass; `dark` 0 means no dark. `out` may equal `raw`. */
export function correctImage(raw: usize, dark: usize, out: usize, length: i32, gain: f32): void {
  correctImageOf<f32>(raw, dark, out, length, gain);
}

export function correctImageF64(raw: usize, dark: usize, out: usize, length: i32, gain: f64): void {
  correctImageOf<f64>(raw, dark, out, length, gain);
}

@inline function correctImageOf<T>(raw: usize, dark: usize, out: usize, length: i32, gain: T): void {
  const gainv = vsplat<T>(gain);
  const step = valuesPerV128<T>();
  let i = 0;
  if (dark) {
    for (; i + step <= length; i += step) {
      const offset = <usize>i << alignof<T>();
      v128.store(out + offset, vmul<T>(vsub<T>(v128.load(raw + offset), v128.load(dark + offset)), gainv));
    }
    for (; i < length; i++) {
      const offset = <usize>i << alignof<T>();
      store<T>(out + offset, (load<T>(raw + offset) - load<T>(dark + offset)) * gain);
    }
  } else {
    for (; i + step <= length; i += step) {
      const offset = <usize>i << alignof<T>();
      v128.store(out + offset, vmul<T>(v128.load(raw + offset), gainv));
    }
    for (; i < length; i++) {
      const offset = <usize>i << alignof<T>();
      store<T>(out + offset, load<T>(raw + offset) * gain);
    }
  }
}

/**
 * Sum of rows [r0, r1) × columns [c0, c1) of a rows × cols image, in float64; NaN
 * propagates unless `skipNaN`. The whole image is (0, rows, 0, cols).
 */
export function roiSum(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, skipNaN: bool): f64 {
  return roiSumOf<f32>(x, cols, r0, r1, c0, c1, skipNaN);
}

export function roiSumF64(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, skipNaN: bool): f64 {
  return roiSumOf<f64>(x, cols, r0, r1, c0, c1, skipNaN);
}

function roiSumOf<T>(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, skipNaN: bool): f64 {
  let total: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const row = x + ((<usize>r * <usize>cols) << alignof<T>());
    // Four independent sums, so that the additions do not wait on each other's latency.
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let acc2 = f64x2.splat(0);
    let acc3 = f64x2.splat(0);
    let c = c0;
    for (; c + 8 <= c1; c += 8) {
      const p = row + (<usize>c << alignof<T>());
      let v0 = loadAsF64x2<T>(p);
      let v1 = loadAsF64x2<T>(p + (2 << alignof<T>()));
      let v2 = loadAsF64x2<T>(p + (4 << alignof<T>()));
      let v3 = loadAsF64x2<T>(p + (6 << alignof<T>()));
      if (skipNaN) {
        v0 = v128.and(v0, f64x2.eq(v0, v0));
        v1 = v128.and(v1, f64x2.eq(v1, v1));
        v2 = v128.and(v2, f64x2.eq(v2, v2));
        v3 = v128.and(v3, f64x2.eq(v3, v3));
      }
      acc0 = f64x2.add(acc0, v0);
      acc1 = f64x2.add(acc1, v1);
      acc2 = f64x2.add(acc2, v2);
      acc3 = f64x2.add(acc3, v3);
    }
    for (; c + 2 <= c1; c += 2) {
      let v = loadAsF64x2<T>(row + (<usize>c << alignof<T>()));
      if (skipNaN) v = v128.and(v, f64x2.eq(v, v));
      acc0 = f64x2.add(acc0, v);
    }
    const acc = f64x2.add(f64x2.add(acc0, acc1), f64x2.add(acc2, acc3));
    let rowTotal = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; c < c1; c++) {
      const v = <f64>load<T>(row + (<usize>c << alignof<T>()));
      if (!skipNaN || v == v) rowTotal += v;
    }
    total += rowTotal;
  }
  return total;
}

/** out[r] = sum (or mean) over columns of row r (the spectrometer's spectrum is the mean along axis 1). */
export function reduceAxis1(x: usize, rows: i32, cols: i32, out: usize, mean: bool): void {
  reduceAxis1Of<f32>(x, rows, cols, out, mean);
}

export function reduceAxis1F64(x: usize, rows: i32, cols: i32, out: usize, mean: bool): void {
  reduceAxis1Of<f64>(x, rows, cols, out, mean);
}

@inline function reduceAxis1Of<T>(x: usize, rows: i32, cols: i32, out: usize, mean: bool): void {
  for (let r = 0; r < rows; r++) {
    const total = roiSumOf<T>(x, cols, r, r + 1, 0, cols, false);
    store<T>(out + (<usize>r << alignof<T>()), <T>(mean ? total / <f64>cols : total));
  }
}

/**
 * out[c] = sum (or mean) over rows of column c. `acc` is float64 scratch (cols values):
 * rows are added in order, two columns per SIMD lane pair.
 */
export function reduceAxis0(x: usize, rows: i32, cols: i32, out: usize, acc: usize, mean: bool): void {
  reduceAxis0Of<f32>(x, rows, cols, out, acc, mean);
}

export function reduceAxis0F64(x: usize, rows: i32, cols: i32, out: usize, acc: usize, mean: bool): void {
  reduceAxis0Of<f64>(x, rows, cols, out, acc, mean);
}

@inline function reduceAxis0Of<T>(x: usize, rows: i32, cols: i32, out: usize, acc: usize, mean: bool): void {
  memory.fill(acc, 0, <usize>cols << 3);
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << alignof<T>());
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const p = acc + (<usize>c << 3);
      v128.store(p, f64x2.add(v128.load(p), loadAsF64x2<T>(row + (<usize>c << alignof<T>()))));
    }
    for (; c < cols; c++) {
      const p = acc + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<T>(row + (<usize>c << alignof<T>())));
    }
  }
  for (let c = 0; c < cols; c++) {
    const total = load<f64>(acc + (<usize>c << 3));
    store<T>(out + (<usize>c << alignof<T>()), <T>(mean ? total / <f64>rows : total));
  }
}

/** Copies rows [r0, r1) × columns [c0, c1) of a rows × cols image into `out` (row-major). */
export function cropImage(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, out: usize): void {
  cropImageOf<f32>(x, cols, r0, r1, c0, c1, out);
}

export function cropImageF64(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, out: usize): void {
  cropImageOf<f64>(x, cols, r0, r1, c0, c1, out);
}

@inline function cropImageOf<T>(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, out: usize): void {
  const width = <usize>(c1 - c0) << alignof<T>();
  for (let r = r0; r < r1; r++) {
    memory.copy(out + <usize>(r - r0) * width, x + ((<usize>r * <usize>cols + <usize>c0) << alignof<T>()), width);
  }
}

/** Number of NaN values. */
export function countNaN(x: usize, length: i32): i32 {
  return countNaNOf<f32>(x, length);
}

export function countNaNF64(x: usize, length: i32): i32 {
  return countNaNOf<f64>(x, length);
}

@inline function countNaNOf<T>(x: usize, length: i32): i32 {
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    if (sizeof<T>() == 4) {
      const v = v128.load(x + (<usize>i << 2));
      acc = i32x4.sub(acc, f32x4.ne(v, v));
    } else {
      const a = v128.load(x + (<usize>i << 3));
      const b = v128.load(x + (<usize>i << 3), 16);
      acc = i32x4.sub(acc, joinMasks(f64x2.ne(a, a), f64x2.ne(b, b)));
    }
  }
  let total = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < length; i++) {
    const v = load<T>(x + (<usize>i << alignof<T>()));
    if (v != v) total++;
  }
  return total;
}

/**
 * out[j] = x[map[j]], or NaN where map[j] < 0, for j < length (`map` i32 × length): places
 * the elements of one array (e.g. a detector's sensors) into another (one picture).
 */
export function gather(x: usize, map: usize, out: usize, length: i32): void {
  gatherOf<f32>(x, map, out, length);
}

export function gatherF64(x: usize, map: usize, out: usize, length: i32): void {
  gatherOf<f64>(x, map, out, length);
}

@inline function gatherOf<T>(x: usize, map: usize, out: usize, length: i32): void {
  for (let j = 0; j < length; j++) {
    const source = load<i32>(map + (<usize>j << 2));
    store<T>(out + (<usize>j << alignof<T>()), source >= 0 ? load<T>(x + (<usize>source << alignof<T>())) : <T>NaN);
  }
}

/** out[i] = counts[i] as float32 (a histogram's counts, ready for the accumulators). */
export function countsToFloat(counts: usize, out: usize, length: i32): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    v128.store(out + (<usize>i << 2), f32x4.convert_i32x4_u(v128.load(counts + (<usize>i << 2))));
  }
  for (; i < length; i++) store<f32>(out + (<usize>i << 2), <f32>load<u32>(counts + (<usize>i << 2)));
}
