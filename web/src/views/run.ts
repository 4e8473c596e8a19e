// The run view: a result (live from an analysis, or a result file) as plots: mean images as
// heatmaps, spectra and histograms, per-shot traces, radial profiles, the top-k gallery.
import { Heatmap } from '../plots/heatmap.js';
import { LinePlot } from '../plots/lines.js';
import { fmt } from '../plots/format.js';
import { classify, type Classified, type CurvePanel } from './classify.js';
import type { Data, ResultData } from '../types.js';

function section(title: string, cls: string): HTMLElement {
  const s = document.createElement('section');
  s.className = `panel ${cls}`;
  s.innerHTML = `<h3>${title}</h3><div class="grid"></div>`;
  return s;
}

function slice(d: Data, k: number): Data {
  const [, r, c] = d.shape;
  return { data: d.data.subarray(k * r * c, (k + 1) * r * c) as Data['data'], shape: [r, c] };
}

export class RunView {
  private heatmaps = new Map<string, Heatmap>();
  private curves = new Map<string, LinePlot>();
  private traces = new Map<string, LinePlot>();
  private signature = '';
  private result: ResultData | null = null;
  private shown = new Set<string>();
  private classified: Classified | null = null;

  constructor(private readonly root: HTMLElement) {}

  clear(message = ''): void {
    for (const p of [...this.curves.values(), ...this.traces.values()]) p.destroy();
    this.heatmaps.clear();
    this.curves.clear();
    this.traces.clear();
    this.signature = '';
    this.result = null;
    this.root.innerHTML = message ? `<p class="placeholder">${message}</p>` : '';
  }

  show(result: ResultData): void {
    const c = classify(result);
    const signature = JSON.stringify([result.id, c, Object.keys(result.shapes).sort()]);
    this.result = result;
    this.classified = c;
    if (signature !== this.signature) this.build(result, c);
    this.signature = signature;
    this.update(result, c);
  }

  private build(result: ResultData, c: Classified): void {
    this.clear();
    this.result = result;
    const head = document.createElement('section');
    head.className = 'panel summary';
    head.dataset.testid = 'summary';
    this.root.append(head);
    if (c.images.length) {
      const s = section('Images', 'images');
      for (const p of c.images) {
        const h = new Heatmap({ title: p.title });
        h.el.dataset.dataset = p.name;
        this.heatmaps.set(p.name, h);
        s.querySelector('.grid')!.append(h.el);
      }
      this.root.append(s);
    }
    if (c.curves.length) {
      const s = section('Spectra, histograms, profiles', 'curves');
      c.curves.forEach((p, i) => {
        const plot = new LinePlot({ title: p.title, xLabel: p.xLabel, yLabel: p.logY ? 'mean count (log)' : 'value', series: p.names.map((n) => ({ label: n })), logY: p.logY });
        plot.el.dataset.dataset = p.names.join(',');
        this.curves.set(String(i), plot);
        s.querySelector('.grid')!.append(plot.el);
      });
      this.root.append(s);
    }
    if (c.traces.length) {
      const s = section('Per-shot traces', 'traces');
      const pick = document.createElement('div');
      pick.className = 'trace-pick';
      if (![...this.shown].some((n) => c.traces.includes(n))) this.shown = new Set(c.defaultTraces);
      for (const name of c.traces) {
        const label = document.createElement('label');
        label.innerHTML = `<input type="checkbox" value="${name}"> ${name}`;
        const box = label.querySelector('input')!;
        box.checked = this.shown.has(name);
        box.onchange = () => {
          if (box.checked) this.shown.add(name);
          else this.shown.delete(name);
          this.layoutTraces(s.querySelector('.grid')!);
          if (this.result) this.update(this.result, this.classified!);
        };
        pick.append(label);
      }
      s.insertBefore(pick, s.querySelector('.grid'));
      this.root.append(s);
      this.layoutTraces(s.querySelector('.grid')!);
    }
    for (const t of c.topk) {
      const s = section(`Top ${result.shapes[t.name]?.[0] ?? ''} shots by ${t.name}`, 'topk');
      s.dataset.topk = t.name;
      this.root.append(s);
    }
  }

  private layoutTraces(grid: Element): void {
    for (const [name, plot] of this.traces) {
      if (!this.shown.has(name)) {
        plot.destroy();
        plot.el.remove();
        this.traces.delete(name);
      }
    }
    for (const name of this.shown) {
      if (this.traces.has(name)) continue;
      const plot = new LinePlot({ title: name, xLabel: 'good shot', yLabel: name, series: [{ label: name }], sync: 'shots', height: 160 });
      plot.el.dataset.dataset = name;
      this.traces.set(name, plot);
      grid.append(plot.el);
    }
  }

  private update(result: ResultData, c: Classified): void {
    const d = result.datasets;
    const a = result.attrs;
    const head = this.root.querySelector('.summary') as HTMLElement;
    const good = Number(a.good_shots ?? d.tag?.shape[0] ?? NaN);
    const filters = typeof a.filters === 'string' ? (JSON.parse(a.filters) as { kind: string; value: string; removed: number }[]) : [];
    head.innerHTML = `<h2>Run <span data-testid="run-number">${result.run}</span>${result.partial ? ' <em class="live">(running: partial results)</em>' : ''}</h2>
      <p class="source">${result.label}</p>
      ${
        result.partial
          ? ''
          : `<dl>
        <dt>good shots</dt><dd data-testid="good-shots">${good}</dd>
        <dt>shots in run</dt><dd>${a.shots_in_run ?? '?'}</dd>
        ${filters.map((f) => `<dt>removed by ${f.kind} (${f.value})</dt><dd>${f.removed}</dd>`).join('')}
        <dt>config</dt><dd>${(result.config as { name?: string } | null)?.name ?? '—'} <code>${String(a.config_hash ?? '').slice(0, 12)}</code></dd>
        <dt>workers</dt><dd>${a.workers ?? '—'}</dd>
        <dt>version</dt><dd>${a.version ?? '—'}</dd>
        <dt>created</dt><dd>${a.created ?? '—'}</dd></dl>`
      }
      ${result.warnings?.length ? `<ul class="warnings">${result.warnings.map((w) => `<li>${w}</li>`).join('')}</ul>` : ''}`;
    for (const p of c.images) if (d[p.name]) this.heatmaps.get(p.name)?.set(d[p.name]);
    c.curves.forEach((p: CurvePanel, i) => {
      const first = d[p.names[0]];
      if (!first) return;
      const n = first.shape[0];
      const x = p.x && d[p.x] ? d[p.x].data : Float64Array.from({ length: n }, (_, k) => k * p.xScale);
      this.curves.get(String(i))?.set(x, p.names.map((name) => d[name]?.data ?? new Float64Array(n).fill(NaN)));
    });
    for (const [name, plot] of this.traces) {
      const y = d[name];
      if (!y) continue;
      plot.set(
        Float64Array.from({ length: y.data.length }, (_, k) => k),
        [y.data],
      );
    }
    for (const t of c.topk) this.gallery(result, t.name, t.images, t.numbers);
  }

  private gallery(result: ResultData, name: string, images: string[], numbers: string[]): void {
    const s = this.root.querySelector(`section[data-topk="${name}"] .grid`) as HTMLElement | null;
    if (!s) return;
    const idx = result.datasets[name];
    if (!idx) return;
    s.innerHTML = '';
    for (let k = 0; k < idx.data.length; k++) {
      const card = document.createElement('div');
      card.className = 'topk-card';
      const extra = numbers.map((n) => `${n} ${fmt(result.datasets[n]?.data[k] ?? NaN)}`).join(' · ');
      card.innerHTML = `<div class="caption">#${k + 1}: shot ${idx.data[k]}${extra ? `<br>${extra}` : ''}</div>`;
      for (const img of images) {
        const d = result.datasets[img];
        if (!d || k >= d.shape[0]) continue;
        const h = new Heatmap({ title: img, compact: true });
        h.set(slice(d, k));
        card.append(h.el);
      }
      s.append(card);
    }
  }
}
