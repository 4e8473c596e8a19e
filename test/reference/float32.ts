// Float32 rules shared by the references: how NumPy rounds float32 data and compares it with
// Python-float bounds, and float32 neighbours for data placed right at an edge.

export type Vec = ArrayLike<number>;

/** Data as the kernels read it: typed float arrays as they are, anything else as float32 (the tests' float32 data). */
export type FloatData = Float32Array | Float64Array;

export function float32Data(x: Vec): FloatData {
  return x instanceof Float32Array || x instanceof Float64Array ? x : Float32Array.from(x);
}

/** float32 rounding of a list of numbers, held as float64 (what the package does to float32 input once). */
export function toF32(x: Vec): Float64Array {
  return Float64Array.from(Array.from(x), (v) => Math.fround(v));
}

const F32_MAX = 3.4028234663852886e38;

/**
 * How NumPy 1.24 compares a float32 array with a Python-float bound (value-based casting):
 * in float32 (bound rounded) when the bound fits the float32 range (or is ±Inf), in float64
 * otherwise (which, for float32 values, acts as ±Inf).
 */
export const numpyBound32 = (b: number): number => (Math.abs(b) <= F32_MAX || !Number.isFinite(b) ? Math.fround(b) : b);

/** The next float32 above x (x a finite float32). */
export function nextUp32(x: number): number {
  if (x === 0) return 1.401298464324817e-45;
  const b = new Float32Array([x]);
  const u = new Int32Array(b.buffer);
  u[0] += x > 0 ? 1 : -1;
  return b[0];
}

/** The next float32 below x (x a finite float32). */
export function nextDown32(x: number): number {
  return -nextUp32(-x);
}
