// ndarray-ops, the part H5Web uses (`assign`), without code generation (see ./ndarray.ts).
import type { NdArray } from './ndarray.js';

/** Copies `source` into `target` element by element (same shape, any strides); returns `target`. */
export function assign(target: NdArray, source: NdArray): NdArray {
  const shape = target.shape;
  const n = target.size;
  const at = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    target.set(...at, source.get(...at));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  return target;
}
