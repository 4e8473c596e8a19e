// A canvas heatmap with a colour bar: linear or log colour scale, adjustable limits, colour map,
// the pixel value and coordinates under the cursor, and an optional rectangle (ROI) drawn by
// dragging. Row 0 is at the top, as matplotlib's imshow shows it. A stack [sensors, rows, cols]
// (an output of a multi-sensor detector that was not assembled) is drawn as its sensors side by
// side, the read-out naming the sensor. NaN pixels are left transparent over a hatch (or magenta).
import { COLORMAPS, lut } from './colormaps.js';
import { fmt } from './format.js';
import type { Data, ROIRect } from '../types.js';

export interface HeatmapOptions {
  title: string;
  compact?: boolean;
  /** Let the user draw a rectangle; called with it (rows/cols end exclusive). */
  onRect?: (roi: ROIRect) => void;
}

let uid = 0;

/** How a stack is laid out side by side: `count` tiles of rows × cols, `gap` NaN columns apart. */
interface Tiles {
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

export class Heatmap {
  readonly el: HTMLElement;
  private canvas: HTMLCanvasElement;
  private bar: HTMLCanvasElement;
  private ticks: HTMLElement;
  private readout: HTMLElement;
  private rectEl: HTMLElement;
  private scaleSel: HTMLSelectElement;
  private cmapSel: HTMLSelectElement;
  private nanSel: HTMLSelectElement;
  private minIn: HTMLInputElement;
  private maxIn: HTMLInputElement;
  private titleEl: HTMLElement;
  /** What is drawn: the image, or a stack's sensors side by side (`tiles`). */
  private data: Data | null = null;
  private tiles: Tiles | null = null;
  private shape: number[] = [];
  private limits: [number, number] | null = null;
  private rect: ROIRect | null = null;

  constructor(private readonly options: HeatmapOptions) {
    const id = `hm${++uid}`;
    this.el = document.createElement('figure');
    this.el.className = `heatmap${options.compact ? ' compact' : ''}`;
    this.el.innerHTML = `
      <figcaption><span class="title"></span>
        <span class="controls">
          <select class="scale" title="colour scale"><option value="linear">linear</option><option value="log">log</option></select>
          <select class="cmap" title="colour map">${COLORMAPS.map((c) => `<option>${c}</option>`).join('')}</select>
          <select class="nan" title="how NaN pixels (gaps between sensors, bad pixels) are shown"><option value="hatched">NaN hatched</option><option value="magenta">NaN magenta</option></select>
          <label>min <input class="min" type="number" step="any" id="${id}-min"></label>
          <label>max <input class="max" type="number" step="any" id="${id}-max"></label>
          <button class="auto" type="button" title="limits from the data">auto</button>
        </span></figcaption>
      <div class="hm-body"><div class="hm-image"><canvas class="img"></canvas><div class="roi" hidden></div></div>
        <div class="hm-bar"><canvas class="bar" width="1" height="256"></canvas><div class="ticks"></div></div></div>
      <div class="readout">&nbsp;</div>`;
    this.titleEl = this.el.querySelector('.title')!;
    this.titleEl.textContent = options.title;
    this.canvas = this.el.querySelector('canvas.img')!;
    this.bar = this.el.querySelector('canvas.bar')!;
    this.ticks = this.el.querySelector('.ticks')!;
    this.readout = this.el.querySelector('.readout')!;
    this.rectEl = this.el.querySelector('.roi')!;
    this.scaleSel = this.el.querySelector('select.scale')!;
    this.cmapSel = this.el.querySelector('select.cmap')!;
    this.nanSel = this.el.querySelector('select.nan')!;
    this.canvas.classList.add('nan-hatched');
    this.nanSel.onchange = () => {
      this.canvas.classList.toggle('nan-hatched', this.nanSel.value === 'hatched');
      this.canvas.classList.toggle('nan-magenta', this.nanSel.value === 'magenta');
    };
    this.minIn = this.el.querySelector('input.min')!;
    this.maxIn = this.el.querySelector('input.max')!;
    if (options.compact) (this.el.querySelector('.controls') as HTMLElement).hidden = true;
    this.scaleSel.onchange = () => {
      this.limits = null;
      this.draw();
    };
    this.cmapSel.onchange = () => this.draw();
    const onLimit = () => {
      const lo = Number(this.minIn.value);
      const hi = Number(this.maxIn.value);
      if (this.minIn.value !== '' && this.maxIn.value !== '' && hi > lo) {
        this.limits = [lo, hi];
        this.draw();
      }
    };
    this.minIn.onchange = onLimit;
    this.maxIn.onchange = onLimit;
    (this.el.querySelector('button.auto') as HTMLButtonElement).onclick = () => {
      this.limits = null;
      this.draw();
    };
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.readout.textContent = '\u00a0'));
    if (options.onRect) this.enableDrawing(options.onRect);
  }

  setTitle(title: string): void {
    this.titleEl.textContent = title;
  }

  /** Draws a 2-D image, or a stack [sensors, rows, cols] as its sensors side by side. */
  set(data: Data): void {
    if (data.shape.length !== 2 && data.shape.length !== 3) throw new Error(`a heatmap needs a 2-D image or a 3-D stack of sensors, got [${data.shape.join(', ')}]`);
    const sameShape = this.shape.length === data.shape.length && this.shape.every((n, k) => n === data.shape[k]);
    this.shape = [...data.shape];
    if (data.shape.length === 3) ({ image: this.data, tiles: this.tiles } = tile(data));
    else {
      this.data = data;
      this.tiles = null;
    }
    if (!sameShape) this.limits = null;
    this.draw();
  }

  setRect(rect: ROIRect | null): void {
    this.rect = rect;
    this.placeRect();
  }

  /** The value under image pixel (row, col) and the limits in use (tests read these). */
  get state() {
    return { limits: this.currentLimits(), scale: this.scaleSel.value };
  }

  private pixelAt(e: MouseEvent): [number, number] | null {
    if (!this.data) return null;
    const box = this.canvas.getBoundingClientRect();
    const [rows, cols] = this.data.shape;
    const col = Math.floor(((e.clientX - box.left) / box.width) * cols);
    const row = Math.floor(((e.clientY - box.top) / box.height) * rows);
    return row >= 0 && row < rows && col >= 0 && col < cols ? [row, col] : null;
  }

  private hover(e: MouseEvent): void {
    const p = this.pixelAt(e);
    if (!p || !this.data) return;
    const v = this.data.data[p[0] * this.data.shape[1] + p[1]];
    const row = p[0];
    let col = p[1];
    let where = '';
    delete this.readout.dataset.sensor;
    if (this.tiles) {
      const k = Math.floor(col / (this.tiles.cols + this.tiles.gap));
      col -= k * (this.tiles.cols + this.tiles.gap);
      if (col >= this.tiles.cols) {
        this.readout.textContent = 'between sensors';
        delete this.readout.dataset.value;
        return;
      }
      where = `sensor ${k + 1}, `;
      this.readout.dataset.sensor = String(k + 1);
    }
    this.readout.textContent = `${where}row ${row}, col ${col}: ${fmt(v, 6)}`;
    this.readout.dataset.row = String(row);
    this.readout.dataset.col = String(col);
    this.readout.dataset.value = String(v);
  }

  private enableDrawing(onRect: (roi: ROIRect) => void): void {
    this.canvas.classList.add('drawable');
    let start: [number, number] | null = null;
    this.canvas.addEventListener('mousedown', (e) => {
      start = this.pixelAt(e);
      e.preventDefault();
    });
    const finish = (e: MouseEvent, done: boolean) => {
      if (!start) return;
      const end = this.pixelAt(e) ?? start;
      const rect: ROIRect = {
        rows: [Math.min(start[0], end[0]), Math.max(start[0], end[0]) + 1],
        cols: [Math.min(start[1], end[1]), Math.max(start[1], end[1]) + 1],
      };
      this.setRect(rect);
      if (done) {
        start = null;
        onRect(rect);
      }
    };
    this.canvas.addEventListener('mousemove', (e) => finish(e, false));
    window.addEventListener('mouseup', (e) => finish(e, true));
  }

  private placeRect(): void {
    if (!this.rect || !this.data) {
      this.rectEl.hidden = true;
      return;
    }
    const [rows, cols] = this.data.shape;
    const r0 = Math.max(0, this.rect.rows[0]);
    const r1 = Math.min(rows, this.rect.rows[1]);
    const c0 = Math.max(0, this.rect.cols[0]);
    const c1 = Math.min(cols, this.rect.cols[1]);
    Object.assign(this.rectEl.style, {
      left: `${(100 * c0) / cols}%`,
      top: `${(100 * r0) / rows}%`,
      width: `${(100 * (c1 - c0)) / cols}%`,
      height: `${(100 * (r1 - r0)) / rows}%`,
    });
    this.rectEl.hidden = false;
  }

  private autoLimits(): [number, number] {
    const d = this.data!.data;
    const log = this.scaleSel.value === 'log';
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!Number.isFinite(lo)) return log ? [1, 10] : [0, 1];
    if (hi === lo) hi = log ? lo * 10 : lo + 1;
    return [lo, hi];
  }

  private currentLimits(): [number, number] {
    return this.limits ?? (this.data ? this.autoLimits() : [0, 1]);
  }

  private draw(): void {
    if (!this.data) return;
    const [rows, cols] = this.data.shape;
    const [lo, hi] = this.currentLimits();
    this.minIn.value = String(Number(lo.toPrecision(6)));
    this.maxIn.value = String(Number(hi.toPrecision(6)));
    const log = this.scaleSel.value === 'log';
    const table = lut(this.cmapSel.value);
    const t0 = log ? Math.log10(lo) : lo;
    const span = (log ? Math.log10(hi) : hi) - t0 || 1;
    this.canvas.width = cols;
    this.canvas.height = rows;
    const ctx = this.canvas.getContext('2d')!;
    const img = ctx.createImageData(cols, rows);
    const px = img.data;
    const d = this.data.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      const o = i * 4;
      if (Number.isNaN(v)) {
        px[o + 3] = 0; // the canvas background (hatch or magenta) shows through
        continue;
      }
      const t = ((log ? (v > 0 ? Math.log10(v) : -Infinity) : v) - t0) / span;
      const k = (t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255)) * 4;
      px[o] = table[k];
      px[o + 1] = table[k + 1];
      px[o + 2] = table[k + 2];
      px[o + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    this.canvas.style.aspectRatio = `${cols} / ${rows}`;
    // Colour bar, high at the top, with five labels.
    const bctx = this.bar.getContext('2d')!;
    const bimg = bctx.createImageData(1, 256);
    for (let i = 0; i < 256; i++) bimg.data.set(table.subarray((255 - i) * 4, (255 - i) * 4 + 4), i * 4);
    bctx.putImageData(bimg, 0, 0);
    const labels: string[] = [];
    for (let k = 4; k >= 0; k--) {
      const t = t0 + (span * k) / 4;
      labels.push(`<span>${fmt(log ? 10 ** t : t, 3)}</span>`);
    }
    this.ticks.innerHTML = labels.join('');
    this.placeRect();
  }
}
