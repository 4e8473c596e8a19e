// 1 · Runs: run files or a data folder opened (mounted in the worker, read where they lie), the
// runs they hold, and the selected run's tags, times, detectors and database keys.
import { api } from '../api.js';
import { fromInput, dropTarget } from '../files.js';
import { fmt } from '../plots/format.js';
import { h, setList } from '../dom.js';
import { addBrowsable } from '../store.js';
import { forgetCheck, scheduleCheck } from './checking.js';
import { forgetCopies, keepCopies } from './copies.js';
import { $, errorText, panel, selectedRun, updateButtons } from './state.js';
import type { MountFile, RunSummary } from '../types.js';

function detectorTable(r: RunSummary): HTMLElement {
  const cell = (text: string | number, title?: string) => h('td', { title }, text);
  return h(
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
}

function showRunInfo(): void {
  const r = selectedRun();
  const info = $('run-info');
  if (!r) return info.replaceChildren();
  const when = r.startTime ? new Date(r.startTime * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
  const pairs: [string, string][] = [
    ['file', r.name],
    ['tags', `${r.tags} (${r.firstTag} … ${r.lastTag})`],
    ['start', when],
    ['photon energy', `${r.photonEnergy ?? '—'} eV`],
  ];
  const search = h('input', {});
  search.type = 'search';
  search.id = 'key-search';
  search.placeholder = 'search keys (regular expression)';
  const keyList = h('ul', { class: 'keys' });
  keyList.id = 'key-list';
  info.replaceChildren(
    h('dl', {}, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    detectorTable(r),
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

async function openRuns(files: MountFile[]): Promise<void> {
  if (!files.length) return;
  if (panel.running) return setList($('run-problems'), ['an analysis is running: cancel it before opening other files']);
  forgetCopies();
  setList($('run-problems'), [`reading ${files.length} file${files.length > 1 ? 's' : ''}…`]);
  try {
    const opened = await api.openRuns(files);
    panel.runs = opened.runs;
    const problems = [...opened.problems];
    if (!opened.runs.length) problems.push('no runs found in what was opened');
    if (opened.darks.length) problems.push(`${opened.darks.length} dark file(s) found: config dark folders are looked up among them`);
    setList($('run-problems'), problems);
    const sel = $<HTMLSelectElement>('run-select');
    sel.replaceChildren(...opened.runs.map((r) => new Option(`run ${r.run} · ${r.tags} tags · ${r.name}`, `${r.path}#${r.run}`)));
    if (opened.runs.length) sel.selectedIndex = opened.runs.length - 1;
    const names = new Set(opened.runs.map((r) => r.name));
    keepCopies(files.filter((f) => names.has(f.path)));
    addBrowsable(files.filter((f) => names.has(f.path)).map((f) => ({ key: `run:${f.path}:${f.file.size}:${f.file.lastModified}`, label: f.path, kind: 'run file' as const, file: f.file })));
    showRunInfo();
    forgetCheck();
    scheduleCheck();
  } catch (err) {
    setList($('run-problems'), [errorText(err)]);
  }
  updateButtons();
}

export function setUpRuns(): void {
  $<HTMLSelectElement>('run-select').onchange = () => {
    showRunInfo();
    scheduleCheck();
  };
  for (const id of ['run-input', 'run-folder']) {
    $<HTMLInputElement>(id).onchange = (e) => {
      const input = e.target as HTMLInputElement;
      void openRuns(fromInput(input.files));
      input.value = '';
    };
  }
  dropTarget($('run-drop'), (files) => void openRuns(files));
}
