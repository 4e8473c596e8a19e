// Scan statistics: one number per run from a result file's datasets (the x and y of the scan
// view). Pure functions: the worker uses them on result files, the tests on plain arrays.
import type { Data, ROIRect, Stat } from './types.js';

/** Finite values only (NaN and ±Infinity are left out, as a notebook's nanmedian would). */
function finite(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return out;
}

/** Mean of the finite values (NaN when there are none). */
export function mean(values: ArrayLike<number>): number {
  const v = finite(values);
  if (!v.length) return NaN;
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

/** Median of the finite values (NumPy's: mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const v = finite(values).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

export function statistic(values: ArrayLike<number>, stat: Stat): number {
  return stat === 'median' ? median(values) : mean(values);
}

/** The finite values of a 2-D image inside a rectangle (rows, cols end exclusive, clipped). */
export function roiValues(image: Data, roi: ROIRect | null | undefined): Float64Array {
  if (image.shape.length !== 2) throw new Error(`an ROI needs a 2-D image, got shape [${image.shape.join(', ')}]`);
  const [rows, cols] = image.shape;
  const r0 = Math.max(0, Math.floor(roi?.rows[0] ?? 0));
  const r1 = Math.min(rows, Math.ceil(roi?.rows[1] ?? rows));
  const c0 = Math.max(0, Math.floor(roi?.cols[0] ?? 0));
  const c1 = Math.min(cols, Math.ceil(roi?.cols[1] ?? cols));
  if (!(r1 > r0 && c1 > c0)) throw new Error(`the ROI rows ${r0}–${r1}, cols ${c0}–${c1} is empty inside a ${rows}×${cols} image`);
  const out = new Float64Array((r1 - r0) * (c1 - c0));
  let k = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[k++] = image.data[r * cols + c];
  return out;
}

/** Mean over a rectangular ROI of an image (the original's "mean of the masked side image"). */
export function roiMean(image: Data, roi: ROIRect | null | undefined): number {
  return mean(roiValues(image, roi));
}

/**
 * One number per run from a dataset: a per-shot list (or any 1-D array) gives its median or
 * mean; a scalar is itself; a 2-D image gives the statistic over the ROI (whole image by default).
 */
export function runStatistic(dataset: Data, stat: Stat, roi?: ROIRect | null): number {
  if (dataset.shape.length === 0) return dataset.data[0];
  if (dataset.shape.length === 2) return statistic(roiValues(dataset, roi), stat);
  return statistic(dataset.data, stat);
}
