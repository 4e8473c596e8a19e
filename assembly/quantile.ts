// The P² estimator with m markers, applied independently to every element of the input.
//
// see: R. Jain and I. Chlamtac, "The P² algorithm for dynamic calculation of quantiles and
//      histograms without storing observations", Comm. ACM 28 (1985) 1076,
//      doi:10.1145/4372.4378 — generalised to m markers exactly as the original
//      (generatorpipeline's CDFEstimator, docs/seed-semantics.md) does it.
//
// State: blocks of BLOCK elements (the last block holds the rest, rounded up to a group of
// four), each block structure-of-arrays so that four elements are one i32x4 or two f64x2:
//   heights   f64 × w for marker 0, then for marker 1, …, marker m−1
//   positions i32 × w for marker 1, …, marker m−1
// (w = the block's width): 12·m − 4 bytes per element, 56 for m = 5. Marker 0's position is
// always 0 and is not kept; marker m−1's is kept, as it is not n where an object was NaN.
// `p2Get`/`p2Set` convert to and from marker-major arrays: no other code knows this layout.
// `desired` holds the m desired fractions q, shared by every element.
//
// `p2Update` applies `count` objects (one after another at `x`, `length` values each) block
// by block, so that a block's state stays in cache while all of them pass (one object at a
// time would stream the whole state through memory per object). Per block and object:
//   1. the new minimum or maximum and the position increments of every element (SIMD);
//   2. for each inner marker in turn: the move decision of every element as i32 compares
//      (d = q·n − p ≥ 1 is p ≤ T, T found once per object and block, not per element); the
//      elements whose marker moves collected into a list (a fraction of them: about 0.15 per
//      marker and object on detector data); and only those moves computed, two at a time.
// A move is the scalar formula of docs/seed-semantics.md, operation for operation in f64, so
// every height and position is bit for bit what the element-at-a-time kernel gave.

import { joinMasks, loadAsF64x2 } from './lanes';

/** Elements per block: 56 B × 512 = 28 KB of state (m = 5) stays in L1 with the objects. */
const BLOCK: i32 = 512;

/** Elements rounded up to whole groups of four. */
@inline function padded(length: i32): i32 {
  return (length + 3) & ~3;
}

/** State bytes per element: m heights and m − 1 positions. */
@inline function elementBytes(m: i32): usize {
  return <usize>(12 * m - 4);
}

@inline function heightsOf(block: usize, w: i32, k: i32): usize {
  return block + ((<usize>k * <usize>w) << 3);
}

/** Positions of marker k ≥ 1. */
@inline function positionsOf(block: usize, w: i32, m: i32, k: i32): usize {
  return block + ((<usize>m * <usize>w) << 3) + ((<usize>(k - 1) * <usize>w) << 2);
}

/** Marker 0's positions, for every block: always 0. */
const zeroPositions = memory.data(BLOCK << 2, 16);
/** The elements of a block whose marker moves (+ room for a full group and a pair's twin). */
const moves = memory.data((BLOCK + 8) << 2, 16);
/** The last, incomplete group of four values of an object, padded with zeros. */
const tail = memory.data(32, 16);
/** For each 4-bit mask, the byte shuffle that packs the selected i32 lanes to the front. */
const packLanes = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0,
  8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0,
  12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
], 16);

/** Size of the state of `length` elements with m markers, in f64 words (for the caller to allocate). */
export function p2StateWords(length: i32, m: i32): i32 {
  return <i32>((<usize>padded(length) * elementBytes(m)) >> 3);
}

/** Fresh state: heights NaN (not yet filled), positions p[k] = k. */
export function p2Init(state: usize, length: i32, m: i32): void {
  const all = padded(length);
  for (let first = 0; first < all; first += BLOCK) {
    const w = min(BLOCK, all - first);
    const block = state + <usize>first * elementBytes(m);
    for (let k = 0; k < m; k++) {
      const h = heightsOf(block, w, k);
      for (let j = 0; j < w; j++) store<f64>(h + (<usize>j << 3), NaN);
      if (k == 0) continue;
      const p = positionsOf(block, w, m, k);
      for (let j = 0; j < w; j++) store<i32>(p + (<usize>j << 2), k);
    }
  }
}

/** Marker k of every element into `heights` (f64 × length) and `positions` (i32 × length). */
export function p2Get(state: usize, length: i32, m: i32, k: i32, heights: usize, positions: usize): void {
  const all = padded(length);
  for (let first = 0; first < all; first += BLOCK) {
    const w = min(BLOCK, all - first);
    const valid = min(w, length - first);
    const block = state + <usize>first * elementBytes(m);
    memory.copy(heights + (<usize>first << 3), heightsOf(block, w, k), <usize>valid << 3);
    if (k == 0) memory.fill(positions + (<usize>first << 2), 0, <usize>valid << 2);
    else memory.copy(positions + (<usize>first << 2), positionsOf(block, w, m, k), <usize>valid << 2);
  }
}

/** The reverse of p2Get: marker k of every element from `heights` and `positions` (marker 0's positions are not kept). */
export function p2Set(state: usize, length: i32, m: i32, k: i32, heights: usize, positions: usize): void {
  const all = padded(length);
  for (let first = 0; first < all; first += BLOCK) {
    const w = min(BLOCK, all - first);
    const valid = min(w, length - first);
    const block = state + <usize>first * elementBytes(m);
    memory.copy(heightsOf(block, w, k), heights + (<usize>first << 3), <usize>valid << 3);
    if (k > 0) memory.copy(positionsOf(block, w, m, k), positions + (<usize>first << 2), <usize>valid << 2);
  }
}

/**
 * Applies `count` float32 objects (`length` values each, one after another at `x`) to the
 * state; `n` is the number of objects seen before the first of them.
 */
export function p2Update(state: usize, desired: usize, x: usize, count: i32, length: i32, m: i32, n: i32): void {
  p2UpdateOf<f32>(state, desired, x, count, length, m, n);
}

/** The same for float64 objects. */
export function p2UpdateF64(state: usize, desired: usize, x: usize, count: i32, length: i32, m: i32, n: i32): void {
  p2UpdateOf<f64>(state, desired, x, count, length, m, n);
}

@inline function p2UpdateOf<T>(state: usize, desired: usize, x: usize, count: i32, length: i32, m: i32, n0: i32): void {
  const all = padded(length);
  for (let first = 0; first < all; first += BLOCK) {
    const w = min(BLOCK, all - first);
    const valid = min(w, length - first);
    const block = state + <usize>first * elementBytes(m);
    for (let s = 0; s < count; s++) {
      const n = n0 + s;
      const object = x + ((<usize>s * <usize>length + <usize>first) << alignof<T>());
      if (n < m) {
        // Filling: the object is h[n]; the m-th one completes the markers, which are sorted.
        const h = heightsOf(block, w, n);
        for (let j = 0; j < valid; j++) store<f64>(h + (<usize>j << 3), <f64>load<T>(object + (<usize>j << alignof<T>())));
        if (n < m - 1) continue;
        sortFilledHeights(block, w, valid, m);
      } else {
        observe<T>(block, w, valid, m, object);
      }
      for (let i = 1; i < m - 1; i++) adjust(block, w, m, i, load<f64>(desired + (<usize>i << 3)) * <f64>n);
    }
  }
}

/**
 * Every element's m heights sorted ascending, NaN last, two elements at a time (f64x2 lanes):
 * odd–even transposition sort, m rounds of compare-exchanges of neighbouring markers. A
 * compare-exchange swaps only a pair strictly out of order, so heights that are equal in this
 * order (−0 and +0, two NaNs) never pass each other: the sort is stable, and its result is the
 * one stable result, insertion sort's (sortHeights, which takes the odd last element), bit for
 * bit. Insertion sort's branches on random data made this step ~60 ms per 10⁶ elements.
 *
 * see: D. E. Knuth, The Art of Computer Programming, vol. 3, 2nd ed., §5.3.4, exercise 37
 *      (odd–even transposition sorting, n rounds for n elements).
 */
@inline function sortFilledHeights(block: usize, w: i32, valid: i32, m: i32): void {
  const stride = <usize>w << 3;
  const pairs = valid & ~1;
  for (let j = 0; j < pairs; j += 2) {
    const h = block + (<usize>j << 3);
    if (m == 5) {
      sortFivePairs(h, stride);
      continue;
    }
    for (let round = 0; round < m; round++) {
      for (let k = round & 1; k + 1 < m; k += 2) {
        const lower = h + <usize>k * stride;
        const upper = lower + stride;
        const u = v128.load(lower);
        const v = v128.load(upper);
        const swap = outOfOrder(u, v);
        v128.store(lower, v128.bitselect(v, u, swap));
        v128.store(upper, v128.bitselect(u, v, swap));
      }
    }
  }
  for (let j = pairs; j < valid; j++) sortHeights(block + (<usize>j << 3), w, m);
}

/** sortFilledHeights for m = 5 (the median), its ten compare-exchanges in registers. */
@inline function sortFivePairs(h: usize, stride: usize): void {
  let h0 = v128.load(h);
  let h1 = v128.load(h + stride);
  let h2 = v128.load(h + 2 * stride);
  let h3 = v128.load(h + 3 * stride);
  let h4 = v128.load(h + 4 * stride);
  for (let round = 0; round < 5; round++) {
    let swap: v128;
    let was: v128;
    if ((round & 1) == 0) {
      swap = outOfOrder(h0, h1); was = h0; h0 = v128.bitselect(h1, h0, swap); h1 = v128.bitselect(was, h1, swap);
      swap = outOfOrder(h2, h3); was = h2; h2 = v128.bitselect(h3, h2, swap); h3 = v128.bitselect(was, h3, swap);
    } else {
      swap = outOfOrder(h1, h2); was = h1; h1 = v128.bitselect(h2, h1, swap); h2 = v128.bitselect(was, h2, swap);
      swap = outOfOrder(h3, h4); was = h3; h3 = v128.bitselect(h4, h3, swap); h4 = v128.bitselect(was, h4, swap);
    }
  }
  v128.store(h, h0);
  v128.store(h + stride, h1);
  v128.store(h + 2 * stride, h2);
  v128.store(h + 3 * stride, h3);
  v128.store(h + 4 * stride, h4);
}

/** Lanes where u goes after v: u > v, or u is NaN and v is not (sortHeights' rule). */
@inline function outOfOrder(u: v128, v: v128): v128 {
  return v128.or(f64x2.gt(u, v), v128.and(f64x2.ne(u, u), f64x2.eq(v, v)));
}

/**
 * Ascending insertion sort of one element's m heights (stride: the block's width); NaN sorts
 * last, as numpy.sort.
 */
@inline function sortHeights(h: usize, w: i32, m: i32): void {
  const stride = <usize>w << 3;
  for (let i = 1; i < m; i++) {
    const v = load<f64>(h + <usize>i * stride);
    let k = i - 1;
    while (k >= 0) {
      const u = load<f64>(h + <usize>k * stride);
      // u goes after v if u > v, or u is NaN and v is not.
      if (!(u > v || (u != u && v == v))) break;
      store<f64>(h + <usize>(k + 1) * stride, u);
      k--;
    }
    store<f64>(h + <usize>(k + 1) * stride, v);
  }
}

/**
 * Step 3 for every element of a block: the new minimum or maximum, then p[k] += 1 for every
 * marker k ≥ 1 with x ≤ h[k]. NaN fails every comparison and changes nothing.
 */
@inline function observe<T>(block: usize, w: i32, valid: i32, m: i32, object: usize): void {
  const top = m - 1;
  const rowH = <usize>w << 3;
  const rowP = <usize>w << 2;
  const h0 = heightsOf(block, w, 0);
  const hTop = heightsOf(block, w, top);
  const pTop = positionsOf(block, w, m, top);
  for (let j = 0; j < w; j += 4) {
    let xs = object + (<usize>j << alignof<T>());
    if (j + 4 > valid) xs = lastGroup<T>(xs, valid - j);
    const a = loadAsF64x2<T>(xs);
    const b = loadAsF64x2<T>(xs + (<usize>2 << alignof<T>()));
    const at = <usize>j << 3;
    // "If x < h[0] it is the minimum, else if x > h[m−1] the maximum": as h[0] ≤ h[m−1]
    // whenever both are numbers (sorted when filled, then only lowered and only raised), the
    // "else" never matters, and the two are pmin and pmax ("x < h ? x : h", "h < x ? x : h").
    v128.store(h0 + at, f64x2.pmin(v128.load(h0 + at), a));
    v128.store(h0 + at, f64x2.pmin(v128.load(h0 + at, 16), b), 16);
    const highA = f64x2.pmax(v128.load(hTop + at), a);
    const highB = f64x2.pmax(v128.load(hTop + at, 16), b);
    v128.store(hTop + at, highA);
    v128.store(hTop + at, highB, 16);
    // A true compare is −1 in every lane bit: subtracting it adds 1.
    let h = h0 + rowH + at;
    let p = positionsOf(block, w, m, 1) + (<usize>j << 2);
    for (let k = 1; k < top; k++) {
      v128.store(p, i32x4.sub(v128.load(p), joinMasks(f64x2.le(a, v128.load(h)), f64x2.le(b, v128.load(h, 16)))));
      h += rowH;
      p += rowP;
    }
    p = pTop + (<usize>j << 2);
    v128.store(p, i32x4.sub(v128.load(p), joinMasks(f64x2.le(a, highA), f64x2.le(b, highB))));
  }
}

/** The `count` (< 4) last values of an object at `xs`, zero-padded to a group of four (reads stay inside the object). */
@inline function lastGroup<T>(xs: usize, count: i32): usize {
  v128.store(tail, v128.splat<i64>(0));
  v128.store(tail, v128.splat<i64>(0), 16);
  memory.copy(tail, xs, <usize>count << alignof<T>());
  return tail;
}

/** Step 4 for inner marker i of every element of a block; `target` = q[i]·n. */
@inline function adjust(block: usize, w: i32, m: i32, i: i32, target: f64): void {
  // d = target − p in f64: up iff d ≥ 1 (p ≤ upTo), down iff d ≤ −1 (p ≥ downFrom).
  const upTo = i32x4.splat(lastUp(target));
  const downFrom = i32x4.splat(firstDown(target));
  const one = i32x4.splat(1);
  const minusOne = i32x4.splat(-1);
  const prev = i == 1 ? zeroPositions : positionsOf(block, w, m, i - 1);
  const here = positionsOf(block, w, m, i);
  const next = positionsOf(block, w, m, i + 1);
  let index = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  let count = 0;
  for (let j = 0; j < w; j += 4) {
    const at = <usize>j << 2;
    const p = v128.load(here + at);
    const up = v128.and(i32x4.le_s(p, upTo), i32x4.gt_s(i32x4.sub(v128.load(next + at), p), one));
    const down = v128.and(i32x4.ge_s(p, downFrom), i32x4.lt_s(i32x4.sub(v128.load(prev + at), p), minusOne));
    const mask = i32x4.bitmask(v128.or(up, down));
    // Branch-free compaction: the moving lanes' indices packed to the front of one store.
    v128.store(moves + (<usize>count << 2), i8x16.swizzle(index, v128.load(packLanes + (<usize>mask << 4))));
    count += popcnt(mask);
    index = i32x4.add(index, four);
  }
  if (count == 0) return;
  // Two moves at a time: an odd list ends with its last entry twice (both lanes compute and
  // store the same values).
  if (count & 1) store<i32>(moves + (<usize>count << 2), load<i32>(moves + (<usize>(count - 1) << 2)));
  const hPrevRow = heightsOf(block, w, i - 1);
  const hRow = heightsOf(block, w, i);
  const hNextRow = heightsOf(block, w, i + 1);
  for (let t = 0; t < count; t += 2) {
    const ja = <usize>load<i32>(moves + (<usize>t << 2));
    const jb = <usize>load<i32>(moves + (<usize>t << 2), 4);
    const pHere = pair32(here, ja, jb);
    const up32 = i32x4.le_s(pHere, upTo);
    const hNew = moveMarker(
      pair64(hPrevRow, ja, jb),
      pair64(hRow, ja, jb),
      pair64(hNextRow, ja, jb),
      f64x2.convert_low_i32x4_s(pair32(prev, ja, jb)),
      f64x2.convert_low_i32x4_s(pHere),
      f64x2.convert_low_i32x4_s(pair32(next, ja, jb)),
      i64x2.extend_low_i32x4_s(up32),
    );
    v128.store64_lane(hRow + (ja << 3), hNew, 0);
    v128.store64_lane(hRow + (jb << 3), hNew, 1);
    // p + s: up lanes (−1) give p + 1, the others p − 1.
    const pNew = i32x4.sub(i32x4.sub(pHere, one), i32x4.add(up32, up32));
    v128.store32_lane(here + (ja << 2), pNew, 0);
    v128.store32_lane(here + (jb << 2), pNew, 1);
  }
}

@inline function pair64(row: usize, ja: usize, jb: usize): v128 {
  return v128.load64_lane(row + (jb << 3), v128.load64_zero(row + (ja << 3)), 1);
}

/** Two i32 of a row in lanes 0 and 1 (for f64x2 conversion; i64x2 extension reads them too). */
@inline function pair32(row: usize, ja: usize, jb: usize): v128 {
  return v128.load32_lane(row + (jb << 2), v128.load32_zero(row + (ja << 2)), 1);
}

/**
 * The new heights of two markers moved by s = ±1 (`up`: all-ones lanes for s = +1):
 * parabolic if it stays strictly between its neighbours, else linear. The scalar formula,
 * operation for operation; the linear one as h + s·((h[i+s] − h)/(p[i+s] − p)), which is
 * h − (h[i−1] − h)/(p[i−1] − p) for s = −1 exactly (a − b is a + (−b) in IEEE arithmetic).
 */
@inline function moveMarker(hPrev: v128, h: v128, hNext: v128, pPrev: v128, p: v128, pNext: v128, up: v128): v128 {
  const s = v128.bitselect(f64x2.splat(1), f64x2.splat(-1), up);
  // h + (s / (pNext − pPrev)) · ((p − pPrev + s)·(hNext − h)/(pNext − p) + (pNext − p − s)·(h − hPrev)/(p − pPrev))
  const nextSide = f64x2.div(f64x2.mul(f64x2.add(f64x2.sub(p, pPrev), s), f64x2.sub(hNext, h)), f64x2.sub(pNext, p));
  const prevSide = f64x2.div(f64x2.mul(f64x2.sub(f64x2.sub(pNext, p), s), f64x2.sub(h, hPrev)), f64x2.sub(p, pPrev));
  const parabolic = f64x2.add(h, f64x2.mul(f64x2.div(s, f64x2.sub(pNext, pPrev)), f64x2.add(nextSide, prevSide)));
  const inside = v128.and(f64x2.lt(hPrev, parabolic), f64x2.lt(parabolic, hNext));
  // Nearly all moves are parabolic: the linear one (a fourth division) only when needed.
  if (i64x2.all_true(inside)) return parabolic;
  const hSide = v128.bitselect(hNext, hPrev, up);
  const pSide = v128.bitselect(pNext, pPrev, up);
  const linear = f64x2.add(h, f64x2.mul(s, f64x2.div(f64x2.sub(hSide, h), f64x2.sub(pSide, p))));
  return v128.bitselect(parabolic, linear, inside);
}

/**
 * The largest position p with target − p ≥ 1 in f64 (the move-up test). target − p does not
 * rise as p grows, so "d ≥ 1" is "p ≤ this". The search next to floor(target) − 1 evaluates
 * the f64 test itself, so the answer is right however target − p rounds.
 */
function lastUp(target: f64): i32 {
  if (target != target) return i32.MIN_VALUE;
  let t = <i64>Math.max(-2147483647, Math.min(2147483646, Math.floor(target) - 1));
  while (t < 2147483646 && target - <f64>(t + 1) >= 1) t++;
  while (t > -2147483647 && !(target - <f64>t >= 1)) t--;
  return <i32>t;
}

/** The smallest position p with target − p ≤ −1 in f64 (the move-down test): "d ≤ −1" is "p ≥ this". */
function firstDown(target: f64): i32 {
  if (target != target) return i32.MAX_VALUE;
  let t = <i64>Math.max(-2147483646, Math.min(2147483647, Math.ceil(target) + 1));
  while (t > -2147483646 && target - <f64>(t - 1) <= -1) t--;
  while (t < 2147483647 && !(target - <f64>t <= -1)) t++;
  return <i32>t;
}
