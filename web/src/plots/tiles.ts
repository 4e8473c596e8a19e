// A stack [sensors, rows, cols] (an output of a multi-sensor detector that was not assembled)
// drawn as its sensors side by side, in their own orientation, one narrow NaN gap apart.
import type { Data } from '../types.js';

/** How a stack is laid out side by side: `count` tiles of rows × cols, `gap` NaN columns apart. */
export interface Tiles {
  count: number;
  rows: number;
  cols: number;
  gap: number;
}

/** The sensors of a stack side by side in one 2-D array (NaN between them). */
export function tile(stack: Data): { image: Data; tiles: Tiles } {
  const [count, rows, cols] = stack.shape;
  const gap = Math.max(1, Math.round(cols / 16));
  const width = count * cols + (count - 1) * gap;
  const out = new Float64Array(rows * width).fill(NaN);
  for (let k = 0; k < count; k++) {
    for (let r = 0; r < rows; r++) {
      const from = (k * rows + r) * cols;
      for (let c = 0; c < cols; c++) out[r * width + k * (cols + gap) + c] = stack.data[from + c];
    }
  }
  return { image: { data: out, shape: [rows, width] }, tiles: { count, rows, cols, gap } };
}

/** Which sensor and column a column of the side-by-side image is (null: the gap between two). */
export function sensorAt(tiles: Tiles, col: number): { sensor: number; col: number } | null {
  const k = Math.floor(col / (tiles.cols + tiles.gap));
  const c = col - k * (tiles.cols + tiles.gap);
  return c < tiles.cols && k < tiles.count ? { sensor: k, col: c } : null;
}
