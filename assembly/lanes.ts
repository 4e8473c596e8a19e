// SIMD building blocks for kernels generic over their data type T (f32 or f64). Every
// branch on sizeof<T>() is decided at compile time, so each instance compiles to the plain
// f32x4 or f64x2 code it stands for.

/** Values of T in one v128. */
@inline export function valuesPerV128<T>(): i32 {
  return <i32>(16 / sizeof<T>());
}

@inline export function vsplat<T>(v: T): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v) : f64x2.splat(<f64>v);
}

@inline export function vsub<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.sub(a, b) : f64x2.sub(a, b);
}

@inline export function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}

/** NaN-propagating, as NumPy's minimum. */
@inline export function vmin<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.min(a, b) : f64x2.min(a, b);
}

/** NaN-propagating, as NumPy's maximum. */
@inline export function vmax<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.max(a, b) : f64x2.max(a, b);
}

@inline export function vlt<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.lt(a, b) : f64x2.lt(a, b);
}

/** Two consecutive values of T at `ptr`, as f64x2. */
@inline export function loadAsF64x2<T>(ptr: usize): v128 {
  return sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(ptr)) : v128.load(ptr);
}

/**
 * The masks of two f64x2 comparisons as one i32x4 mask (lanes a0, a1, b0, b1), so that
 * float64 data is counted four values at a time with the float32 kernels' i32x4 counters.
 */
@inline export function joinMasks(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 2, 4, 6);
}
