// The page: picks files and a config, drives the analysis worker, shows the run and scan views.
// Files never leave the machine: the page only hands File handles to the worker.
import './style.css';
import * as Comlink from 'comlink';
import { spawn } from './worker/spawn.js';
import type { AnalysisApi } from './worker/analysis.worker.js';
import { validateConfig, type ExperimentConfig } from '../../bindings/analysis/config/index.js';
import builtin from '../../configs/kuschel2023.json';
import { RunView } from './views/run.js';
import { ScanView } from './views/scan.js';
import { fromInput, dropTarget } from './files.js';
import { fmt } from './plots/format.js';
import { h, setList } from './dom.js';
import { checkReport } from './views/check.js';
import type { CheckReport } from '../../bindings/analysis/check.js';
import type { MountFile, ProgressInfo, ResultData, RunSummary } from './types.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface AppState {
  runs: RunSummary[];
  config: ExperimentConfig | null;
  configOrigin: string;
  running: boolean;
  result: ResultData | null;
  /** The check of the selected run against the config (null until one has finished). */
  check: CheckReport | null;
}

const state: AppState = { runs: [], config: null, configOrigin: 'kuschel2023.json', running: false, result: null, check: null };
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
  setList($(id), items);
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
  const info = $('run-info');
  if (!r) {
    info.replaceChildren();
    return;
  }
  const when = r.startTime ? new Date(r.startTime * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
  const pairs: [string, string][] = [
    ['file', r.name],
    ['tags', `${r.tags} (${r.firstTag} … ${r.lastTag})`],
    ['start', when],
    ['photon energy', `${r.photonEnergy ?? '—'} eV`],
  ];
  const cell = (text: string | number, title?: string) => h('td', { title }, text);
  const detectors = h(
    'table',
    { class: 'detectors' },
    h('thead', {}, h('tr', {}, ...['id', 'sensors', 'shape', 'dtype', 'eV/ADU', 'tags'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...r.detectors.map((d) =>
        h(
          'tr',
          { dataset: { id: d.id } },
          cell(d.id, d.groups.join(', ')),
          cell(d.sensors, d.sensors > 1 ? 'read as one stack [sensors, rows, cols]' : undefined),
          cell(d.shape.join('×')),
          cell(d.dtype),
          cell(d.evPerAdu.map((e) => (e === null ? '—' : fmt(e))).join(', ')),
          cell(d.tags),
        ),
      ),
    ),
  );
  const search = h('input', {});
  search.type = 'search';
  search.id = 'key-search';
  search.placeholder = 'search keys (regular expression)';
  const keyList = h('ul', { class: 'keys' });
  keyList.id = 'key-list';
  info.replaceChildren(
    h('dl', {}, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    detectors,
    h('details', { open: true }, h('summary', {}, `database keys (${r.keys.length})`), search, keyList),
  );
  const show = () => {
    let re: RegExp;
    try {
      re = new RegExp(search.value, 'i');
    } catch {
      re = new RegExp(search.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    }
    const hits = r.keys.filter((k) => re.test(k));
    keyList.replaceChildren(...hits.slice(0, 500).map((k) => h('li', {}, k)), ...(hits.length > 500 ? [h('li', {}, `… ${hits.length - 500} more`)] : []));
  };
  search.oninput = show;
  show();
}

// ---- the check: the config held against the selected run (in the worker, as `sacla check`) ----
const CHECK_DELAY_MS = 300;
let checkTimer: ReturnType<typeof setTimeout> | null = null;
let checkSeq = 0;
let checkPending = false;
// What the report shown is about, and what the check under way is about (run + config).
let shownKey = '';
let runningKey: string | null = null;

function checkKey(): string | null {
  const r = selectedRun();
  return r && state.config ? JSON.stringify([r.path, r.run, state.configOrigin, state.config]) : null;
}

function showCheckState(stateName: string, text: string | null): void {
  const box = $('run-check');
  box.dataset.state = stateName;
  box.querySelector('.check-status')?.remove();
  if (text !== null) box.prepend(h('p', { class: 'check-status' }, text));
}

function showAnalyseNote(): void {
  const note = $('analyse-note');
  const r = state.check;
  note.hidden = !r || r.ok;
  if (r && !r.ok) note.textContent = `✗ The check found ${r.errors} error${r.errors === 1 ? '' : 's'} (listed under 1 · Runs): this analysis will fail.`;
}

/** Re-checks when the run or the config has changed, once they have stopped changing for a moment. */
function scheduleCheck(): void {
  if (checkTimer) clearTimeout(checkTimer);
  checkTimer = setTimeout(() => void runCheck(), CHECK_DELAY_MS);
}

async function runCheck(): Promise<void> {
  checkTimer = null;
  const run = selectedRun();
  const box = $('run-check');
  if (!run) {
    ++checkSeq;
    shownKey = '';
    runningKey = null;
    state.check = null;
    box.replaceChildren();
    box.dataset.state = 'idle';
    showAnalyseNote();
    return;
  }
  if (!state.config) {
    ++checkSeq;
    shownKey = '';
    runningKey = null;
    state.check = null;
    box.replaceChildren(h('p', { class: 'check-status' }, `The config has mistakes (listed under 2 · Config): run ${run.run} is checked against it once they are fixed.`));
    box.dataset.state = 'invalid';
    showAnalyseNote();
    return;
  }
  const key = checkKey()!;
  if (key === runningKey || (key === shownKey && runningKey === null)) return;
  // The worker is reading the run for the analysis: check when it is done.
  if (state.running) {
    checkPending = true;
    return;
  }
  const seq = ++checkSeq;
  runningKey = key;
  const config = state.config;
  const origin = state.configOrigin;
  // The old report stays visible (dimmed) until the new one arrives, but no longer speaks for Analyse.
  state.check = null;
  showAnalyseNote();
  showCheckState('checking', `checking ${origin} against run ${run.run}…`);
  try {
    const report = await api.check(config, run.path, run.run);
    if (seq !== checkSeq) return;
    shownKey = key;
    runningKey = null;
    state.check = report;
    box.replaceChildren(checkReport(report, origin));
    box.dataset.state = report.errors ? 'error' : report.warnings ? 'warning' : 'ok';
  } catch (err) {
    if (seq !== checkSeq) return;
    shownKey = '';
    runningKey = null;
    state.check = null;
    box.replaceChildren(h('p', { class: 'check-status error' }, `The check could not run: ${errorText(err)}`));
    box.dataset.state = 'failed';
  }
  showAnalyseNote();
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
    sel.replaceChildren(...opened.runs.map((r) => new Option(`run ${r.run} · ${r.tags} tags · ${r.name}`, `${r.path}#${r.run}`)));
    if (opened.runs.length) sel.selectedIndex = opened.runs.length - 1;
    showRunInfo();
    // Other files under the same names: the old report says nothing about them.
    shownKey = '';
    scheduleCheck();
  } catch (err) {
    list('run-problems', [errorText(err)]);
  }
  updateButtons();
}

($('run-select') as HTMLSelectElement).onchange = () => {
  showRunInfo();
  scheduleCheck();
};
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
  scheduleCheck();
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
    if (checkPending) {
      checkPending = false;
      scheduleCheck();
    }
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
