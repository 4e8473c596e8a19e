// The page: picks files and a config, drives the analysis worker, shows the run and scan views.
// Files never leave the machine: the page only hands File handles to the worker.
import './style.css';
import * as Comlink from 'comlink';
import { spawn } from './worker/spawn.js';
import type { AnalysisApi } from './worker/analysis.worker.js';
import { validateConfig, type ExperimentConfig } from '../../bindings/analysis/config.js';
import builtin from '../../configs/kuschel2023.json';
import { RunView } from './views/run.js';
import { ScanView } from './views/scan.js';
import { fromInput, dropTarget } from './files.js';
import { fmt } from './plots/format.js';
import type { MountFile, ProgressInfo, ResultData, RunSummary } from './types.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface AppState {
  runs: RunSummary[];
  config: ExperimentConfig | null;
  configOrigin: string;
  running: boolean;
  result: ResultData | null;
}

const state: AppState = { runs: [], config: null, configOrigin: 'kuschel2023.json', running: false, result: null };
const runView = new RunView($('run-view'));
runView.clear('Open a run file (or a folder with runs and darks), then press Analyse. Or open a result file written by <code>sacla analyse</code>.');

const { api } = await spawn<AnalysisApi>(() => new Worker(new URL('./worker/analysis.worker.ts', import.meta.url), { type: 'module', name: 'sacla-analysis' }));
const scanView = new ScanView($('tab-scan'), api, (id) => void showResultFile(id));

// Expose a little for the end-to-end test and for the console.
(window as unknown as { sacla: unknown }).sacla = { state, scanView, ready: true };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function list(id: string, items: string[]): void {
  $(id).innerHTML = items.map((m) => `<li>${escape(m).replace(/\n/g, '<br>')}</li>`).join('');
}

// ---- tabs ----
for (const tab of document.querySelectorAll<HTMLButtonElement>('button.tab')) {
  tab.onclick = () => {
    for (const t of document.querySelectorAll('button.tab')) t.classList.toggle('active', t === tab);
    $('tab-run').hidden = tab.dataset.tab !== 'run';
    $('tab-scan').hidden = tab.dataset.tab !== 'scan';
    window.dispatchEvent(new Event('resize'));
  };
}

// ---- runs ----
function selectedRun(): RunSummary | null {
  const v = ($('run-select') as HTMLSelectElement).value;
  return state.runs.find((r) => `${r.path}#${r.run}` === v) ?? null;
}

function showRunInfo(): void {
  const r = selectedRun();
  if (!r) {
    $('run-info').innerHTML = '';
    return;
  }
  const when = r.startTime ? new Date(r.startTime * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
  $('run-info').innerHTML = `
    <dl><dt>file</dt><dd>${escape(r.name)}</dd><dt>tags</dt><dd>${r.tags} (${r.firstTag} … ${r.lastTag})</dd>
    <dt>start</dt><dd>${when}</dd><dt>photon energy</dt><dd>${r.photonEnergy ?? '—'} eV</dd></dl>
    <table class="detectors"><thead><tr><th>group</th><th>id</th><th>shape</th><th>dtype</th><th>eV/ADU</th><th>tags</th></tr></thead><tbody>
    ${r.detectors.map((d) => `<tr><td>${d.group}</td><td>${escape(d.id)}</td><td>${d.shape.join('×')}</td><td>${d.dtype}</td><td>${d.evPerAdu === null ? '—' : fmt(d.evPerAdu)}</td><td>${d.tagCount}</td></tr>`).join('')}
    </tbody></table>
    <details open><summary>database keys (${r.keys.length})</summary>
      <input type="search" id="key-search" placeholder="search keys (regular expression)">
      <ul class="keys" id="key-list"></ul></details>`;
  const search = $('key-search') as HTMLInputElement;
  const show = () => {
    let re: RegExp;
    try {
      re = new RegExp(search.value, 'i');
    } catch {
      re = new RegExp(search.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    }
    const hits = r.keys.filter((k) => re.test(k));
    $('key-list').innerHTML = hits.slice(0, 500).map((k) => `<li>${escape(k)}</li>`).join('') + (hits.length > 500 ? `<li>… ${hits.length - 500} more</li>` : '');
  };
  search.oninput = show;
  show();
}

async function openRuns(files: MountFile[]): Promise<void> {
  if (!files.length) return;
  if (state.running) {
    list('run-problems', ['an analysis is running: cancel it before opening other files']);
    return;
  }
  list('run-problems', [`reading ${files.length} file${files.length > 1 ? 's' : ''}…`]);
  try {
    const opened = await api.openRuns(files);
    state.runs = opened.runs;
    const problems = [...opened.problems];
    if (!opened.runs.length) problems.push('no runs found in what was opened');
    if (opened.darks.length) problems.push(`${opened.darks.length} dark file(s) found: config dark folders are looked up among them`);
    list('run-problems', problems);
    const sel = $('run-select') as HTMLSelectElement;
    sel.innerHTML = opened.runs.map((r) => `<option value="${escape(`${r.path}#${r.run}`)}">run ${r.run} · ${r.tags} tags · ${escape(r.name)}</option>`).join('');
    if (opened.runs.length) sel.selectedIndex = opened.runs.length - 1;
    showRunInfo();
  } catch (err) {
    list('run-problems', [errorText(err)]);
  }
  updateButtons();
}

($('run-select') as HTMLSelectElement).onchange = showRunInfo;
for (const id of ['run-input', 'run-folder']) {
  ($(id) as HTMLInputElement).onchange = (e) => {
    const input = e.target as HTMLInputElement;
    void openRuns(fromInput(input.files));
    input.value = '';
  };
}
dropTarget($('run-drop'), (files) => void openRuns(files));

// ---- config ----
function setConfigText(text: string, origin: string): void {
  ($('config-text') as HTMLTextAreaElement).value = text;
  state.configOrigin = origin;
  checkConfig();
}

function checkConfig(): void {
  const text = ($('config-text') as HTMLTextAreaElement).value;
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`${state.configOrigin}: not valid JSON: ${errorText(err)}`);
    }
    state.config = validateConfig(raw, state.configOrigin);
    list('config-errors', []);
    $('config-errors').dataset.ok = 'true';
  } catch (err) {
    state.config = null;
    $('config-errors').dataset.ok = 'false';
    list('config-errors', errorText(err).split('\n'));
  }
  updateButtons();
}

($('config-select') as HTMLSelectElement).onchange = (e) => {
  const v = (e.target as HTMLSelectElement).value;
  if (v === 'builtin') setConfigText(JSON.stringify(builtin, null, 2), 'kuschel2023.json');
  else if (loadedConfig) setConfigText(loadedConfig.text, loadedConfig.name);
};
let loadedConfig: { name: string; text: string } | null = null;
($('config-input') as HTMLInputElement).onchange = async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  loadedConfig = { name: file.name, text: await file.text() };
  const sel = $('config-select') as HTMLSelectElement;
  sel.querySelector('option[value="loaded"]')?.remove();
  sel.add(new Option(`${file.name} (loaded)`, 'loaded'));
  sel.value = 'loaded';
  setConfigText(loadedConfig.text, file.name);
};
$('config-text').addEventListener('input', () => checkConfig());
setConfigText(JSON.stringify(builtin, null, 2), 'kuschel2023.json');

// ---- analysis ----
($('workers') as HTMLInputElement).value = String(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8)));

function updateButtons(): void {
  ($('analyse') as HTMLButtonElement).disabled = state.running || !state.config || !selectedRun();
  ($('cancel') as HTMLButtonElement).disabled = !state.running;
  ($('save') as HTMLButtonElement).disabled = state.running || !state.result || state.result.id.startsWith('file-') || !state.result.id.startsWith('analysis-');
}

function showProgress(p: ProgressInfo): void {
  const bar = $('progress') as HTMLProgressElement;
  bar.max = Math.max(1, p.total);
  bar.value = p.done;
  const eta = Number.isFinite(p.etaSeconds) ? `ETA ${p.etaSeconds < 90 ? `${p.etaSeconds.toFixed(0)} s` : `${(p.etaSeconds / 60).toFixed(1)} min`}` : 'ETA —';
  $('progress-text').textContent = `${p.done} / ${p.total} shots · ${p.shotsPerSecond.toFixed(1)} shots/s · ${eta}`;
}

$('analyse').onclick = async () => {
  const run = selectedRun();
  if (!run || !state.config) return;
  const workers = Math.max(1, Math.floor(Number(($('workers') as HTMLInputElement).value) || 1));
  const maxShotsText = ($('max-shots') as HTMLInputElement).value;
  const maxShots = maxShotsText ? Math.max(1, Math.floor(Number(maxShotsText))) : null;
  state.running = true;
  state.result = null;
  updateButtons();
  list('analysis-errors', []);
  list('analysis-warnings', []);
  const warnings: string[] = [];
  $('progress-text').textContent = 'opening the run…';
  $('progress-text').dataset.state = 'running';
  runView.clear(`Analysing run ${run.run}…`);
  try {
    const result = await api.analyse(
      state.config,
      run.path,
      run.run,
      { workers, maxShots },
      Comlink.proxy(showProgress),
      Comlink.proxy((r: ResultData) => {
        if (state.running) runView.show(r);
      }),
      Comlink.proxy((m: string) => {
        warnings.push(m);
        list('analysis-warnings', warnings);
      }),
    );
    state.result = result;
    runView.show(result);
    $('progress-text').dataset.state = 'done';
    $('progress-text').textContent += ` · done in ${Number(result.attrs.workers) > 1 ? `${result.attrs.workers} workers` : '1 worker'}`;
  } catch (err) {
    $('progress-text').dataset.state = 'failed';
    list('analysis-errors', errorText(err).split('\n'));
    runView.clear(errorText(err) === 'cancelled' ? 'Cancelled.' : 'The analysis failed: see the message on the left.');
  } finally {
    state.running = false;
    updateButtons();
  }
};

$('cancel').onclick = () => void api.cancel();

// ---- results ----
$('save').onclick = async () => {
  if (!state.result) return;
  try {
    const bytes = await api.saveResult();
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/x-hdf5' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `run_${state.result.run}.h5`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    list('analysis-errors', [errorText(err)]);
  }
};

async function showResultFile(id: string): Promise<void> {
  try {
    const result = await api.resultData(id);
    state.result = { ...result, id: `file-${id}` };
    runView.show(state.result);
    (document.querySelector('button.tab[data-tab="run"]') as HTMLButtonElement).click();
  } catch (err) {
    list('analysis-errors', [errorText(err)]);
  }
  updateButtons();
}

($('result-input') as HTMLInputElement).onchange = async (e) => {
  const input = e.target as HTMLInputElement;
  const files = fromInput(input.files);
  input.value = '';
  if (!files.length) return;
  const { opened, problems } = await api.openResults(files);
  list('analysis-errors', problems);
  if (opened.length) await showResultFile(opened[0].id);
};

// ---- offline ----
// sw.js exists in the built app only (web/vite.config.ts writes it); under the dev server registering fails, quietly.
if ('serviceWorker' in navigator && isSecureContext) {
  navigator.serviceWorker
    .register('./sw.js')
    .then(() => ($('offline').textContent = 'works offline once loaded'))
    .catch(() => {});
}
