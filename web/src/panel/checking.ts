// The check: the config held against the selected run, in the worker, as `sacla check` does it;
// re-run a moment after the run or the config stopped changing, and after an analysis.
import { api } from '../api.js';
import { h } from '../dom.js';
import { checkReport } from '../views/check.js';
import { $, errorText, panel, selectedRun } from './state.js';

const CHECK_DELAY_MS = 300;
let timer: ReturnType<typeof setTimeout> | null = null;
let seq = 0;
let pending = false;
// What the report shown is about, and what the check under way is about (run + config).
let shownKey = '';
let runningKey: string | null = null;

function key(): string | null {
  const r = selectedRun();
  return r && panel.config ? JSON.stringify([r.path, r.run, panel.configOrigin, panel.config]) : null;
}

function showState(name: string, text: string | null): void {
  const box = $('run-check');
  box.dataset.state = name;
  box.querySelector('.check-status')?.remove();
  if (text !== null) box.prepend(h('p', { class: 'check-status' }, text));
}

function showAnalyseNote(): void {
  const note = $('analyse-note');
  const r = panel.check;
  note.hidden = !r || r.ok;
  if (r && !r.ok) note.textContent = `✗ The check found ${r.errors} error${r.errors === 1 ? '' : 's'} (listed under 1 · Runs): this analysis will fail.`;
}

/** Re-checks when the run or the config has changed, once they have stopped changing for a moment. */
export function scheduleCheck(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void runCheck(), CHECK_DELAY_MS);
}

/** The files under the same names changed: the old report says nothing about them. */
export function forgetCheck(): void {
  shownKey = '';
}

/** After an analysis: the checks it held back. */
export function checkAfterAnalysis(): void {
  if (pending) {
    pending = false;
    scheduleCheck();
  }
}

function clear(text: string | null, name: string): void {
  ++seq;
  shownKey = '';
  runningKey = null;
  panel.check = null;
  const box = $('run-check');
  box.replaceChildren(...(text ? [h('p', { class: 'check-status' }, text)] : []));
  box.dataset.state = name;
  showAnalyseNote();
}

async function runCheck(): Promise<void> {
  timer = null;
  const run = selectedRun();
  if (!run) return clear(null, 'idle');
  if (!panel.config) return clear(`The config has mistakes (listed under 2 · Config): run ${run.run} is checked against it once they are fixed.`, 'invalid');
  const k = key()!;
  if (k === runningKey || (k === shownKey && runningKey === null)) return;
  // The worker is reading the run for the analysis: check when it is done.
  if (panel.running) {
    pending = true;
    return;
  }
  const mine = ++seq;
  runningKey = k;
  const { config, configOrigin: origin } = panel;
  // The old report stays visible (dimmed) until the new one arrives, but no longer speaks for Analyse.
  panel.check = null;
  showAnalyseNote();
  showState('checking', `checking ${origin} against run ${run.run}…`);
  const box = $('run-check');
  try {
    const report = await api.check(config, run.path, run.run);
    if (mine !== seq) return;
    shownKey = k;
    runningKey = null;
    panel.check = report;
    box.replaceChildren(checkReport(report, origin));
    box.dataset.state = report.errors ? 'error' : report.warnings ? 'warning' : 'ok';
  } catch (err) {
    if (mine !== seq) return;
    shownKey = '';
    runningKey = null;
    panel.check = null;
    box.replaceChildren(h('p', { class: 'check-status error' }, `The check could not run: ${errorText(err)}`));
    box.dataset.state = 'failed';
  }
  showAnalyseNote();
}
