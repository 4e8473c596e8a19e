// Line and scatter plots with uPlot: one x array, one or more y series, linear or log y.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmt } from './format.js';

const ticks = (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? '' : fmt(v, 3)));

export interface SeriesSpec {
  label: string;
  color?: string;
  /** Points only (a scatter), no line. */
  points?: boolean;
  /** Line only. */
  line?: boolean;
  width?: number;
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  logY?: boolean;
  height?: number;
  /** Cursor sync group (plots of one run share the x cursor). */
  sync?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

export class LinePlot {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData | null = null;
  private resize = new ResizeObserver(() => this.fit());

  constructor(private options: LinePlotOptions) {
    this.el = document.createElement('figure');
    this.el.className = 'lineplot';
    this.resize.observe(this.el);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.el.clientWidth || 480));
  }

  private fit(): void {
    if (this.plot) {
      const w = this.width();
      if (Math.abs(w - this.plot.width) > 2) this.plot.setSize({ width: w, height: this.options.height ?? 220 });
    }
  }

  private build(): void {
    this.plot?.destroy();
    const o = this.options;
    const opts: uPlot.Options = {
      title: o.title,
      width: this.width(),
      height: o.height ?? 220,
      cursor: o.sync ? { sync: { key: o.sync } } : {},
      scales: { x: { time: false }, y: o.logY ? { distr: 3 } : {} },
      axes: [
        { label: o.xLabel, size: 40, values: ticks },
        { label: o.yLabel, size: 70, values: ticks },
      ],
      legend: { show: o.series.length > 1 },
      series: [
        { label: o.xLabel },
        ...o.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: s.points ? 0 : (s.width ?? 1.5),
          spanGaps: true,
          points: s.points ? { show: true, size: 8, fill: s.color ?? PALETTE[i % PALETTE.length] } : { show: false },
          paths: s.points ? () => null : undefined,
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data ?? [[]], this.el);
  }

  /** x and one array per series (null or NaN = no point; non-positive values are hidden on a log axis). */
  set(x: ArrayLike<number>, ys: ArrayLike<number | null>[]): void {
    const clean = (v: number | null) => (v === null || !Number.isFinite(v) || (this.options.logY && v <= 0) ? null : v);
    this.data = [Array.from(x), ...ys.map((y) => Array.from(y, clean))] as uPlot.AlignedData;
    if (!this.plot) this.build();
    else this.plot.setData(this.data);
  }

  setLogY(logY: boolean): void {
    if (logY === !!this.options.logY) return;
    this.options = { ...this.options, logY };
    if (this.data) {
      const [x, ...ys] = this.data;
      this.plot?.destroy();
      this.plot = null;
      this.set(x as number[], ys as (number | null)[][]);
    }
  }

  setOptions(options: Partial<LinePlotOptions>): void {
    this.options = { ...this.options, ...options };
    this.plot?.destroy();
    this.plot = null;
    if (this.data) this.build();
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}
