// Images made smaller for what only looks at them (gallery thumbnails, the live preview): blocks
// of f × f pixels averaged, NaN pixels left out (a block is NaN only when all of it is).
import type { Data } from '../types.js';

/** `d` with its last two dimensions reduced by a whole factor so that neither exceeds `maxSide`. */
export function shrink(d: Data, maxSide: number): Data {
  if (d.shape.length < 2) return d;
  const [rows, cols] = d.shape.slice(-2);
  const f = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSide));
  if (f === 1) return d;
  const r2 = Math.ceil(rows / f);
  const c2 = Math.ceil(cols / f);
  const count = d.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(count * r2 * c2);
  for (let s = 0; s < count; s++) {
    const base = s * rows * cols;
    for (let r = 0; r < r2; r++) {
      for (let c = 0; c < c2; c++) {
        let sum = 0;
        let n = 0;
        for (let i = r * f; i < Math.min(rows, (r + 1) * f); i++) {
          for (let j = c * f; j < Math.min(cols, (c + 1) * f); j++) {
            const v = d.data[base + i * cols + j];
            if (!Number.isNaN(v)) {
              sum += v;
              n++;
            }
          }
        }
        out[(s * r2 + r) * c2 + c] = n ? sum / n : NaN;
      }
    }
  }
  return { data: out, shape: [...d.shape.slice(0, -2), r2, c2] };
}
