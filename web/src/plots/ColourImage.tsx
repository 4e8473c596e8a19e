// An image's pixels coloured with an H5Web colour map (viridis) over the image's own range, on
// a plain 2-D canvas: no axes, no WebGL. For what must stay cheap: gallery thumbnails (a gallery
// of WebGL plots would exhaust the page's WebGL contexts) and the live preview of a running
// analysis (creating a WebGL context takes a software renderer longer than a frame). NaN pixels
// stay transparent, as in the heatmaps.
import { useEffect, useRef } from 'react';
import { INTERPOLATORS } from '@h5web/lib';
import type { Data } from '../types.js';

const LEVELS = 256;

/** d3's colours are "#rrggbb" or "rgb(r, g, b)". */
function parse(colour: string): number[] {
  if (colour.startsWith('#')) return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  return (colour.match(/\d+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
}

/** The colours as the canvas's 32-bit pixels (one write per pixel). */
const lut = (() => {
  const bytes = new Uint8ClampedArray(LEVELS * 4);
  for (let i = 0; i < LEVELS; i++) bytes.set([...parse(INTERPOLATORS.Viridis(i / (LEVELS - 1))), 255], i * 4);
  return new Uint32Array(bytes.buffer);
})();

// Pictures are coloured a slice at a time, one slice per task (while the analysis workers keep
// every core busy, even a short loop on the page's thread can take long in wall time).
const SLICE = 16_384;
// One drain is scheduled at a time: a job may queue the next slice while it runs.
const queue: (() => void)[] = [];
let draining = false;
function drain(): void {
  const job = queue.shift();
  try {
    job?.();
  } finally {
    draining = queue.length > 0;
    if (draining) setTimeout(drain, 0);
  }
}
function later(job: () => void): void {
  queue.push(job);
  if (!draining) {
    draining = true;
    setTimeout(drain, 0);
  }
}

/** The finite range of the values ([NaN, NaN] when there are none). */
export function rangeOf(values: ArrayLike<number>, from = 0, to = values.length, range: [number, number] = [Infinity, -Infinity]): [number, number] {
  let [lo, hi] = range;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * `range`: the colour map's limits (default: the image's finite range, found slice by slice and
 * told to `onRange`).
 */
export function ColourImage({ image, label, range, onRange }: { image: Data; label: string; range?: [number, number]; onRange?: (range: [number, number]) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [rows, cols] = image.shape;
  useEffect(() => {
    let alive = true;
    const values = image.data;
    const n = rows * cols;
    const pixels = new ImageData(cols, rows);
    const out = new Uint32Array(pixels.data.buffer);
    let limits: [number, number] = range ?? [Infinity, -Infinity];
    let at = 0;
    const scan = () => {
      if (!alive) return;
      limits = rangeOf(values, at, Math.min(n, at + SLICE), limits);
      at += SLICE;
      if (at < n) return later(scan);
      if (limits[0] > limits[1]) limits = [NaN, NaN];
      onRange?.(limits);
      at = 0;
      later(paint);
    };
    const paint = () => {
      if (!alive) return;
      const [lo, hi] = limits;
      const scale = LEVELS / (hi > lo ? hi - lo : 1);
      const end = Math.min(n, at + SLICE);
      for (let i = at; i < end; i++) {
        const v = values[i];
        // NaN and ±∞ stay transparent.
        if (v - v === 0) out[i] = lut[Math.min(LEVELS - 1, Math.max(0, Math.floor((v - lo) * scale)))];
      }
      at = end;
      if (at < n) return later(paint);
      const canvas = ref.current;
      if (!canvas) return;
      canvas.width = cols;
      canvas.height = rows;
      // A canvas kept in main memory (willReadFrequently turns off its GPU backing), filled
      // with putImageData: no GPU context at all. A GPU-backed canvas, or an ImageBitmap, makes
      // the page ask the GPU process for a command buffer the first time (Chromium's traces:
      // GpuChannelHost::CreateViewCommandBuffer, 30–150 ms with a software GPU while the
      // workers keep every core busy), in the middle of an analysis.
      canvas.getContext('2d', { willReadFrequently: true })!.putImageData(pixels, 0, 0);
    };
    later(range ? paint : scan);
    return () => {
      alive = false;
    };
  }, [image, rows, cols, range?.[0], range?.[1]]);
  return <canvas ref={ref} className="colour-image" aria-label={label} />;
}
