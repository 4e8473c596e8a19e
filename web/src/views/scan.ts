// The scan view: many result files, one point per run: x = a statistic of a database value,
// y = a statistic of an output (optionally the mean over a rectangle of an image output), with a
// log-y option and a Gaussian-plus-background fit (the original's focus scan).
import type * as Comlink from 'comlink';
import type { AnalysisApi } from '../worker/analysis.worker.js';
import { LinePlot } from '../plots/lines.js';
import { Heatmap } from '../plots/heatmap.js';
import { fmt, fmtWithError } from '../plots/format.js';
import { h, setList } from '../dom.js';
import { fitGaussian, gaussian, type FitResult } from '../fit.js';
import type { AxisSpec, MountFile, ROIRect, ScanFile, ScanPoint, Stat } from '../types.js';

export class ScanView {
  files: ScanFile[] = [];
  points: ScanPoint[] = [];
  fit: FitResult | null = null;
  private plot: LinePlot;
  private roiMap: Heatmap;
  private el: Record<string, HTMLElement> = {};
  private busy = Promise.resolve();

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Comlink.Remote<AnalysisApi>,
    private readonly onOpenInRunView: (id: string) => void,
  ) {
    root.innerHTML = `
      <section class="panel scan-files">
        <h3>Result files</h3>
        <div class="dropzone" data-drop="results">Drop result files (<code>run_N.h5</code>) here, or
          <label class="button">open result files…<input type="file" id="scan-input" multiple accept=".h5,.hdf5" hidden></label></div>
        <ul class="problems" id="scan-problems"></ul>
        <table class="files"><thead><tr><th>run</th><th>file</th><th>good shots</th><th></th></tr></thead><tbody id="scan-files"></tbody></table>
      </section>
      <section class="panel scan-controls">
        <h3>Axes</h3>
        <div class="axis"><b>x</b> <select id="scan-xstat"><option>median</option><option>mean</option></select> of <select id="scan-x"></select> per run</div>
        <div class="axis"><b>y</b> <select id="scan-ystat"><option>mean</option><option>median</option></select> of <select id="scan-y"></select> per run
          <label><input type="checkbox" id="scan-logy"> log y</label></div>
        <div class="axis" id="scan-roi-row" hidden><b>ROI</b>
          rows <input type="number" id="roi-r0" min="0" step="1"> – <input type="number" id="roi-r1" min="1" step="1">,
          cols <input type="number" id="roi-c0" min="0" step="1"> – <input type="number" id="roi-c1" min="1" step="1"> (end exclusive; drag on the image)
          <button type="button" id="roi-all">whole image</button></div>
        <div class="axis"><label><input type="checkbox" id="scan-fit" checked> fit |a|·exp(−(x−c)²/(2σ²)) + bg</label>
          <label><input type="checkbox" id="scan-fixbg"> fix bg at <input type="number" id="scan-bg" value="0" step="any"></label></div>
        <div id="scan-roi-map"></div>
      </section>
      <section class="panel scan-plot"><div id="scan-plot"></div>
        <div id="scan-fit-result" data-testid="fit-result"></div>
        <ul class="problems" id="scan-point-problems"></ul>
        <table class="points"><thead><tr><th>run</th><th>x</th><th>y</th></tr></thead><tbody id="scan-points"></tbody></table>
      </section>`;
    for (const e of root.querySelectorAll<HTMLElement>('[id]')) this.el[e.id] = e;
    this.plot = new LinePlot({ title: 'scan', xLabel: 'x', yLabel: 'y', series: [{ label: 'runs', points: true }, { label: 'fit', line: true, width: 2 }] });
    this.el['scan-plot'].append(this.plot.el);
    this.roiMap = new Heatmap({ title: 'ROI', onRect: (roi) => this.setRoi(roi) });
    this.el['scan-roi-map'].append(this.roiMap.el);
    this.el['scan-roi-map'].hidden = true;
    (this.el['scan-input'] as HTMLInputElement).onchange = (e) => {
      const input = e.target as HTMLInputElement;
      void this.add([...(input.files ?? [])].map((file) => ({ path: file.name, file })));
      input.value = '';
    };
    for (const id of ['scan-x', 'scan-xstat', 'scan-ystat', 'scan-fixbg', 'scan-bg', 'scan-fit', 'roi-r0', 'roi-r1', 'roi-c0', 'roi-c1']) {
      this.el[id].addEventListener('change', () => void this.refresh());
    }
    this.el['scan-y'].addEventListener('change', () => {
      this.setRoi(null);
      void this.refresh();
    });
    this.el['scan-logy'].addEventListener('change', () => this.plot.setLogY((this.el['scan-logy'] as HTMLInputElement).checked));
    this.el['roi-all'].onclick = () => {
      this.setRoi(null);
      void this.refresh();
    };
  }

  private value(id: string): string {
    return (this.el[id] as HTMLInputElement | HTMLSelectElement).value;
  }

  async add(files: MountFile[]): Promise<void> {
    const h5 = files.filter((f) => /\.(h5|hdf5)$/i.test(f.path));
    const problems = files.filter((f) => !h5.includes(f)).map((f) => `${f.path}: not an HDF5 file (skipped)`);
    if (h5.length) {
      const { opened, problems: p } = await this.api.openResults(h5);
      problems.push(...p);
      this.files.push(...opened);
      this.files.sort((a, b) => a.run - b.run);
    }
    setList(this.el['scan-problems'], problems);
    this.renderFiles();
    this.fillAxes();
    await this.refresh();
  }

  private renderFiles(): void {
    this.el['scan-files'].replaceChildren(
      ...this.files.map((f) => {
        const open = h('button', { class: 'open' }, 'view');
        const remove = h('button', { class: 'remove', title: 'remove' }, '✕');
        open.type = remove.type = 'button';
        open.onclick = () => this.onOpenInRunView(f.id);
        remove.onclick = () => {
          this.files = this.files.filter((x) => x.id !== f.id);
          void this.api.closeResult(f.id);
          this.renderFiles();
          void this.refresh();
        };
        return h('tr', { dataset: { id: f.id } }, h('td', {}, f.run), h('td', {}, f.name), h('td', {}, f.goodShots), h('td', {}, open, ' ', remove));
      }),
    );
  }

  /**
   * Datasets every loaded file holds: x choices (per-shot lists, scalars), y choices (also
   * images, and stacks of sensors [sensors, rows, cols], whose statistic is over every pixel).
   */
  private fillAxes(): void {
    if (!this.files.length) return;
    const common = Object.keys(this.files[0].shapes).filter((n) => this.files.every((f) => n in f.shapes));
    const rank = (n: string) => this.files[0].shapes[n].length;
    const xs = common.filter((n) => rank(n) <= 1 && n !== 'runNR');
    const ys = common.filter((n) => rank(n) <= 3);
    const fill = (id: string, names: string[], preferred: string[]) => {
      const sel = this.el[id] as HTMLSelectElement;
      const keep = sel.value;
      sel.replaceChildren(...names.map((n) => new Option(`${n} [${this.files[0].shapes[n].join('×') || 'scalar'}]`, n)));
      sel.value = names.includes(keep) ? keep : (preferred.find((p) => names.includes(p)) ?? names[0] ?? '');
    };
    // The focus motor of kuschel2023 first; the older names keep older result files' defaults.
    fill('scan-x', [...xs, 'runNR'], ['sampleZ1', 'sampleZ2', 'attenuator_eh_5_Si_m', 'attenuator']);
    fill('scan-y', ys, ['side_mean', 'side_total']);
  }

  private roi(): ROIRect | null {
    const v = ['roi-r0', 'roi-r1', 'roi-c0', 'roi-c1'].map((id) => this.value(id));
    if (v.some((s) => s === '')) return null;
    const [r0, r1, c0, c1] = v.map(Number);
    return { rows: [r0, r1], cols: [c0, c1] };
  }

  setRoi(roi: ROIRect | null): void {
    const vals = roi ? [roi.rows[0], roi.rows[1], roi.cols[0], roi.cols[1]] : ['', '', '', ''];
    ['roi-r0', 'roi-r1', 'roi-c0', 'roi-c1'].forEach((id, k) => ((this.el[id] as HTMLInputElement).value = String(vals[k])));
    this.roiMap.setRect(roi);
    if (roi) void this.refresh();
  }

  refresh(): Promise<void> {
    this.busy = this.busy.then(() => this.compute()).catch((err) => {
      this.el['scan-fit-result'].replaceChildren(h('p', { class: 'error' }, (err as Error).message));
    });
    return this.busy;
  }

  private async compute(): Promise<void> {
    if (!this.files.length) return;
    const yName = this.value('scan-y');
    const yShape = this.files[0].shapes[yName] ?? [];
    const isImage = yShape.length === 2;
    this.el['scan-roi-row'].hidden = !isImage;
    this.el['scan-roi-map'].hidden = !isImage;
    if (isImage) {
      const image = await this.api.dataset(this.files[0].id, yName);
      this.roiMap.setTitle(`${yName} of run ${this.files[0].run}: drag a rectangle to choose the ROI`);
      this.roiMap.set(image);
      this.roiMap.setRect(this.roi());
    }
    const x: AxisSpec = { dataset: this.value('scan-x'), stat: this.value('scan-xstat') as Stat };
    const y: AxisSpec = { dataset: yName, stat: this.value('scan-ystat') as Stat, roi: isImage ? this.roi() : null };
    const { points, problems } = await this.api.scanPoints(
      this.files.map((f) => f.id),
      x,
      y,
    );
    this.points = points.sort((a, b) => a.x - b.x);
    setList(this.el['scan-point-problems'], problems);
    this.el['scan-points'].replaceChildren(...this.points.map((p) => h('tr', {}, h('td', {}, p.run), h('td', {}, fmt(p.x, 6)), h('td', {}, fmt(p.y, 6)))));
    const roi = y.roi ? ` over rows ${y.roi.rows[0]}–${y.roi.rows[1]}, cols ${y.roi.cols[0]}–${y.roi.cols[1]}` : '';
    const xLabel = `${x.stat}(${x.dataset})`;
    // The title says it all; the axis label stays short enough to fit beside the axis.
    const yLabel = `${y.stat}(${y.dataset})`;
    this.plot.setOptions({ title: `${y.stat}(${y.dataset}${roi}) vs ${xLabel}`, xLabel, yLabel, logY: (this.el['scan-logy'] as HTMLInputElement).checked });
    this.fit = null;
    const out = this.el['scan-fit-result'];
    out.innerHTML = '';
    const px = this.points.map((p) => p.x);
    const py = this.points.map((p) => p.y);
    if ((this.el['scan-fit'] as HTMLInputElement).checked && this.points.length) {
      try {
        const fixedBg = (this.el['scan-fixbg'] as HTMLInputElement).checked ? Number(this.value('scan-bg')) : null;
        this.fit = fitGaussian(px, py, { fixedBg });
        const { params: p, errors: e } = this.fit;
        out.innerHTML = `<table class="fit"><tr><th>a</th><td data-param="a">${fmtWithError(p.a, e.a)}</td></tr>
          <tr><th>c</th><td data-param="c" data-value="${p.c}" data-error="${e.c}">${fmtWithError(p.c, e.c)}</td></tr>
          <tr><th>σ</th><td data-param="sigma">${fmtWithError(p.sigma, e.sigma)}</td></tr>
          <tr><th>bg</th><td data-param="bg">${fixedBg === null ? fmtWithError(p.bg, e.bg) : `${fmt(p.bg)} (fixed)`}</td></tr>
          <tr><th>FWHM</th><td>${fmt(2 * Math.sqrt(2 * Math.log(2)) * p.sigma)}</td></tr>
          <tr><th>points, dof</th><td>${this.points.length}, ${this.fit.dof}${this.fit.dof === 0 ? ' (exact fit: no uncertainties)' : ''}</td></tr></table>`;
      } catch (err) {
        out.replaceChildren(h('p', { class: 'error' }, `fit: ${(err as Error).message}`));
      }
    }
    // Points and a dense fit curve on one x axis (uPlot's aligned data).
    const curveX: number[] = [];
    if (this.fit && px.length) {
      const lo = Math.min(...px);
      const hi = Math.max(...px);
      const pad = (hi - lo) * 0.1 || Math.abs(lo) * 0.1 || 1;
      for (let k = 0; k <= 200; k++) curveX.push(lo - pad + ((hi - lo + 2 * pad) * k) / 200);
    }
    const xs = [...new Set([...px, ...curveX])].sort((a, b) => a - b);
    const byX = new Map(this.points.map((p) => [p.x, p.y]));
    const curve = new Set(curveX);
    this.plot.set(xs, [xs.map((v) => byX.get(v) ?? null), xs.map((v) => (this.fit && curve.has(v) ? gaussian(v, this.fit.params) : null))]);
  }
}
