// Radial profile around a centre: a bin map computed once per (shape, centre, os), then
// a per-shot pass that sums each pixel into its radius bin.
//
// see: the original's radial_profile (github.com/fzimmermann89/idi): r = rint(os·|i − c|),
//      NaN values skipped, per-r mean and optionally sqrt(<x²> − <x>²).

/**
 * Writes r = rint(os · euclidean distance of each element's index from the centre) (round
 * half to even, as numpy.rint) for an N-dimensional C-order array. `shape` is i32 × ndim,
 * `center` f64 × ndim. Returns the largest r.
 */
export function radialBinMap(map: usize, shape: usize, center: usize, ndim: i32, os: f64): i32 {
  let total: i32 = 1;
  for (let d = 0; d < ndim; d++) total *= load<i32>(shape + (<usize>d << 2));
  if (total == 0) return -1;
  // Row-major: the last axis varies fastest; handle it in the inner loop.
  const last = ndim - 1;
  const cols = load<i32>(shape + (<usize>last << 2));
  const cLast = load<f64>(center + (<usize>last << 3));
  const outer = total / cols;
  let maxR: i32 = 0;
  for (let o = 0; o < outer; o++) {
    // Squared distance over all axes but the last, from the flat outer index.
    let rest = o;
    let partial: f64 = 0;
    for (let d = last - 1; d >= 0; d--) {
      const size = load<i32>(shape + (<usize>d << 2));
      const index = rest % size;
      rest /= size;
      const delta = <f64>index - load<f64>(center + (<usize>d << 3));
      partial += delta * delta;
    }
    const row = map + ((<usize>o * <usize>cols) << 2);
    for (let c = 0; c < cols; c++) {
      const delta = <f64>c - cLast;
      // Same order as NumPy: sum of squares over axes in axis order, sqrt, then × os.
      const r = <i32>nearest(Math.sqrt(partial + delta * delta) * os);
      store<i32>(row + (<usize>c << 2), r);
      if (r > maxR) maxR = r;
    }
  }
  return maxR;
}

/**
 * Adds each non-NaN float32 value into its bin map[i] (which must lie in [0, bins)):
 * sums[r] += v, counts[r] += 1, and with `squares` != 0 also squares[r] += v². `lanes` is
 * float64 scratch of 4·3·bins values: four consecutive pixels add into four separate copies
 * of the sums, so that pixels of the same radius (the common case: neighbours) do not wait
 * on each other's stores; NaN adds zero and is counted apart. Without squares the loop
 * skips them entirely.
 */
export function radialAccumulate(x: usize, map: usize, length: i32, bins: i32, sums: usize, counts: usize, squares: usize, lanes: usize): void {
  radialAccumulateOf<f32>(x, map, length, bins, sums, counts, squares, lanes);
}

/** The same for float64 values. */
export function radialAccumulateF64(x: usize, map: usize, length: i32, bins: i32, sums: usize, counts: usize, squares: usize, lanes: usize): void {
  radialAccumulateOf<f64>(x, map, length, bins, sums, counts, squares, lanes);
}

@inline function radialAccumulateOf<T>(x: usize, map: usize, length: i32, bins: i32, sums: usize, counts: usize, squares: usize, lanes: usize): void {
  const stride = <usize>bins << 3;
  memory.fill(lanes, 0, stride * 12);
  const sum0 = lanes;
  const sum1 = lanes + stride;
  const sum2 = lanes + 2 * stride;
  const sum3 = lanes + 3 * stride;
  const cnt0 = lanes + 4 * stride;
  const cnt1 = lanes + 5 * stride;
  const cnt2 = lanes + 6 * stride;
  const cnt3 = lanes + 7 * stride;
  const sq0 = lanes + 8 * stride;
  const sq1 = lanes + 9 * stride;
  const sq2 = lanes + 10 * stride;
  const sq3 = lanes + 11 * stride;
  let i = 0;
  if (squares) {
    for (; i + 4 <= length; i += 4) {
      addWithSquare<T>(x, map, i, sum0, cnt0, sq0);
      addWithSquare<T>(x, map, i + 1, sum1, cnt1, sq1);
      addWithSquare<T>(x, map, i + 2, sum2, cnt2, sq2);
      addWithSquare<T>(x, map, i + 3, sum3, cnt3, sq3);
    }
    for (; i < length; i++) addWithSquare<T>(x, map, i, sum0, cnt0, sq0);
  } else {
    for (; i + 4 <= length; i += 4) {
      add<T>(x, map, i, sum0, cnt0);
      add<T>(x, map, i + 1, sum1, cnt1);
      add<T>(x, map, i + 2, sum2, cnt2);
      add<T>(x, map, i + 3, sum3, cnt3);
    }
    for (; i < length; i++) add<T>(x, map, i, sum0, cnt0);
  }
  for (let r = 0; r < bins; r++) {
    const o = <usize>r << 3;
    store<f64>(sums + o, load<f64>(sums + o) + ((load<f64>(sum0 + o) + load<f64>(sum1 + o)) + (load<f64>(sum2 + o) + load<f64>(sum3 + o))));
    store<f64>(counts + o, load<f64>(counts + o) + ((load<f64>(cnt0 + o) + load<f64>(cnt1 + o)) + (load<f64>(cnt2 + o) + load<f64>(cnt3 + o))));
    if (squares) {
      store<f64>(squares + o, load<f64>(squares + o) + ((load<f64>(sq0 + o) + load<f64>(sq1 + o)) + (load<f64>(sq2 + o) + load<f64>(sq3 + o))));
    }
  }
}

@inline function add<T>(x: usize, map: usize, i: i32, sums: usize, counts: usize): void {
  const v = <f64>load<T>(x + (<usize>i << alignof<T>()));
  const o = <usize>load<i32>(map + (<usize>i << 2)) << 3;
  const valid = v == v;
  store<f64>(sums + o, load<f64>(sums + o) + select<f64>(v, 0, valid));
  store<f64>(counts + o, load<f64>(counts + o) + select<f64>(1, 0, valid));
}

@inline function addWithSquare<T>(x: usize, map: usize, i: i32, sums: usize, counts: usize, squares: usize): void {
  const v = <f64>load<T>(x + (<usize>i << alignof<T>()));
  const o = <usize>load<i32>(map + (<usize>i << 2)) << 3;
  const valid = v == v;
  const value = select<f64>(v, 0, valid);
  store<f64>(sums + o, load<f64>(sums + o) + value);
  store<f64>(counts + o, load<f64>(counts + o) + select<f64>(1, 0, valid));
  store<f64>(squares + o, load<f64>(squares + o) + value * value);
}

/**
 * Turns per-bin sums into the profile: mean = sum/count (NaN where count is 0), and with
 * `squares` != 0, std = sqrt(<x²> − <x>²) written over `squares`.
 */
export function radialFinish(sums: usize, counts: usize, squares: usize, bins: i32, profile: usize): void {
  for (let r = 0; r < bins; r++) {
    const offset = <usize>r << 3;
    const count = load<f64>(counts + offset);
    const mean = count > 0 ? load<f64>(sums + offset) / count : NaN;
    store<f64>(profile + offset, mean);
    if (squares) {
      const meanSq = count > 0 ? load<f64>(squares + offset) / count : NaN;
      store<f64>(squares + offset, Math.sqrt(meanSq - mean * mean));
    }
  }
}
