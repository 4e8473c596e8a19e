// The run view: a result (live from an analysis, or a result file) as plots: mean images as
// heatmaps, spectra and histograms, per-shot traces, radial profiles, the top-k gallery.
import { Heatmap } from '../plots/heatmap.js';
import { LinePlot } from '../plots/lines.js';
import { fmt } from '../plots/format.js';
import { h } from '../dom.js';
import { classify, type Classified, type CurvePanel } from './classify.js';
import type { Data, ResultData } from '../types.js';

function section(title: string, cls: string): HTMLElement {
  return h('section', { class: `panel ${cls}` }, h('h3', {}, title), h('div', { class: 'grid' }));
}

/** Entry k along the first axis: a top-k image [rows, cols] or stack [sensors, rows, cols]. */
function slice(d: Data, k: number): Data {
  const shape = d.shape.slice(1);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: d.data.subarray(k * n, (k + 1) * n) as Data['data'], shape };
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
        const box = h('input', {});
        box.type = 'checkbox';
        box.value = name;
        const label = h('label', {}, box, ` ${name}`);
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
    const runNumber = h('span', { dataset: { testid: 'run-number' } }, result.run);
    const pairs: [string, Node | string][] = result.partial
      ? []
      : [
          ['good shots', h('span', { dataset: { testid: 'good-shots' } }, good)],
          ['shots in run', String(a.shots_in_run ?? '?')],
          ...filters.map((f): [string, string] => [`removed by ${f.kind} (${f.value})`, String(f.removed)]),
          ['config', h('span', {}, `${(result.config as { name?: string } | null)?.name ?? '—'} `, h('code', {}, String(a.config_hash ?? '').slice(0, 12)))],
          ['workers', String(a.workers ?? '—')],
          ['version', String(a.version ?? '—')],
          ['created', String(a.created ?? '—')],
          ...c.scalars.filter((n) => d[n]).map((n): [string, string] => [n, fmt(d[n].data[0], 6)]),
        ];
    const notDrawn = c.skipped.map((x) => `not drawn: ${x.name} (${x.why})`);
    head.replaceChildren(
      h('h2', {}, 'Run ', runNumber, result.partial && ' ', result.partial && h('em', { class: 'live' }, '(running: partial results)')),
      h('p', { class: 'source' }, result.label),
      ...(pairs.length ? [h('dl', {}, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))] : []),
      ...((result.warnings?.length ?? 0) + notDrawn.length ? [h('ul', { class: 'warnings' }, ...[...(result.warnings ?? []), ...notDrawn].map((w) => h('li', {}, w)))] : []),
    );
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
    s.replaceChildren();
    for (let k = 0; k < idx.data.length; k++) {
      const extra = numbers.map((n) => `${n} ${fmt(result.datasets[n]?.data[k] ?? NaN)}`).join(' · ');
      const card = h('div', { class: 'topk-card' }, h('div', { class: 'caption' }, `#${k + 1}: shot ${idx.data[k]}`, extra && h('br'), extra));
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
