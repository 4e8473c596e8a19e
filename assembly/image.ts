// Per-image reductions and corrections on row-major float32 images (rows × cols).

/** out = (raw − dark) × gain in one pass; `dark` 0 means no dark. `out` may equal `raw`. */
export function correctImage(raw: usize, dark: usize, out: usize, length: i32, gain: f32): void {
  const gainv = f32x4.splat(gain);
  let i = 0;
  if (dark) {
    for (; i + 4 <= length; i += 4) {
      const offset = <usize>i << 2;
      v128.store(out + offset, f32x4.mul(f32x4.sub(v128.load(raw + offset), v128.load(dark + offset)), gainv));
    }
    for (; i < length; i++) {
      const offset = <usize>i << 2;
      store<f32>(out + offset, (load<f32>(raw + offset) - load<f32>(dark + offset)) * gain);
    }
  } else {
    for (; i + 4 <= length; i += 4) {
      const offset = <usize>i << 2;
      v128.store(out + offset, f32x4.mul(v128.load(raw + offset), gainv));
    }
    for (; i < length; i++) {
      const offset = <usize>i << 2;
      store<f32>(out + offset, load<f32>(raw + offset) * gain);
    }
  }
}

/**
 * Sum of rows [r0, r1) × columns [c0, c1) of a rows × cols image, in float64; NaN
 * propagates unless `skipNaN`. The whole image is (0, rows, 0, cols).
 */
export function roiSum(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, skipNaN: bool): f64 {
  let total: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2);
    let acc = f64x2.splat(0);
    let c = c0;
    for (; c + 2 <= c1; c += 2) {
      let v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>c << 2)));
      if (skipNaN) v = v128.and(v, f64x2.eq(v, v));
      acc = f64x2.add(acc, v);
    }
    let rowTotal = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; c < c1; c++) {
      const v = <f64>load<f32>(row + (<usize>c << 2));
      if (!skipNaN || v == v) rowTotal += v;
    }
    total += rowTotal;
  }
  return total;
}

/** out[r] = sum (or mean) over columns of row r (the spectrometer's spectrum is the mean along axis 1). */
export function reduceAxis1(x: usize, rows: i32, cols: i32, out: usize, mean: bool): void {
  for (let r = 0; r < rows; r++) {
    const total = roiSum(x, cols, r, r + 1, 0, cols, false);
    store<f32>(out + (<usize>r << 2), <f32>(mean ? total / <f64>cols : total));
  }
}

/**
 * out[c] = sum (or mean) over rows of column c. `acc` is float64 scratch (cols values):
 * rows are added in order, two columns per SIMD lane pair.
 */
export function reduceAxis0(x: usize, rows: i32, cols: i32, out: usize, acc: usize, mean: bool): void {
  memory.fill(acc, 0, <usize>cols << 3);
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2);
    let c = 0;
    for (; c + 2 <= cols; c += 2) {
      const p = acc + (<usize>c << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>c << 2)))));
    }
    for (; c < cols; c++) {
      const p = acc + (<usize>c << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>c << 2)));
    }
  }
  for (let c = 0; c < cols; c++) {
    const total = load<f64>(acc + (<usize>c << 3));
    store<f32>(out + (<usize>c << 2), <f32>(mean ? total / <f64>rows : total));
  }
}

/** Copies rows [r0, r1) × columns [c0, c1) of a rows × cols image into `out` (row-major). */
export function cropImage(x: usize, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32, out: usize): void {
  const width = <usize>(c1 - c0) << 2;
  for (let r = r0; r < r1; r++) {
    memory.copy(out + <usize>(r - r0) * width, x + ((<usize>r * <usize>cols + <usize>c0) << 2), width);
  }
}

/** Number of NaN values. */
export function countNaN(x: usize, length: i32): i32 {
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    acc = i32x4.sub(acc, f32x4.ne(v, v));
  }
  let total = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < length; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != v) total++;
  }
  return total;
}

/** out[i] = counts[i] as float32 (a histogram's counts, ready for the accumulators). */
export function countsToFloat(counts: usize, out: usize, length: i32): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    v128.store(out + (<usize>i << 2), f32x4.convert_i32x4_u(v128.load(counts + (<usize>i << 2))));
  }
  for (; i < length; i++) store<f32>(out + (<usize>i << 2), <f32>load<u32>(counts + (<usize>i << 2)));
}
