// 3 · Analyse and 4 · Results: the analysis in the workers with its progress, live preview,
// notices and cancel; a final state that always comes (done, failed or cancelled) and that no
// late progress message overwrites; saving the result file; opening one.
import * as Comlink from 'comlink';
import { api } from '../api.js';
import { fromInput } from '../files.js';
import { setList } from '../dom.js';
import { update } from '../store.js';
import { addAnalysis, openResultFiles, showResult } from '../results.js';
import { download } from '../plots/png.js';
import { checkAfterAnalysis } from './checking.js';
import { pauseCopies, resumeCopies } from './copies.js';
import { $, errorText, panel, selectedRun, updateButtons } from './state.js';
import type { ProgressInfo } from '../types.js';

let seq = 0;

function progressText(p: ProgressInfo): string {
  const eta = Number.isFinite(p.etaSeconds) ? `ETA ${p.etaSeconds < 90 ? `${p.etaSeconds.toFixed(0)} s` : `${(p.etaSeconds / 60).toFixed(1)} min`}` : 'ETA —';
  return `${p.done} / ${p.total} shots · ${p.shotsPerSecond.toFixed(1)} shots/s · ${eta}`;
}

// A Cancel pressed before the analysis reached the worker (see the frame it waits for).
let cancelledEarly = false;

/** The final state, and when it came (`data-at`: the page's clock, for the tests' long-task check). */
function finish(state: 'done' | 'failed', text: string): void {
  const t = $('progress-text');
  t.dataset.state = state;
  t.dataset.at = String(performance.now());
  t.textContent = text;
}

async function analyse(): Promise<void> {
  const run = selectedRun();
  if (!run || !panel.config) return;
  const mine = ++seq;
  const workers = Math.max(1, Math.floor(Number($<HTMLInputElement>('workers').value) || 1));
  const maxShotsText = $<HTMLInputElement>('max-shots').value;
  const maxShots = maxShotsText ? Math.max(1, Math.floor(Number(maxShotsText))) : null;
  panel.running = true;
  panel.result = null;
  updateButtons();
  setList($('analysis-errors'), []);
  setList($('analysis-warnings'), []);
  const warnings: string[] = [];
  const bar = $<HTMLProgressElement>('progress');
  bar.value = 0;
  let last = null as ProgressInfo | null;
  $('progress-text').dataset.state = 'running';
  $('progress-text').textContent = 'opening the run…';
  update({ run: { kind: 'live', run: run.run, label: run.name, config: panel.config, seq: mine } });
  const started = performance.now();
  pauseCopies();
  try {
    // The live view is drawn before the workers take every core: the same render a moment
    // later, beside them, can stretch past 100 ms of wall time.
    cancelledEarly = false;
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    if (cancelledEarly) throw new Error('cancelled');
    const meta = await api.analyse(
      panel.config,
      run.path,
      run.run,
      { workers, maxShots },
      Comlink.proxy((p: ProgressInfo) => {
        // Messages of a finished analysis may still be under way.
        if (mine !== seq || !panel.running) return;
        last = p;
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        $('progress-text').textContent = progressText(p);
      }),
      Comlink.proxy((m: string) => {
        if (mine !== seq) return;
        warnings.push(m);
        setList($('analysis-warnings'), warnings);
      }),
    );
    panel.running = false;
    panel.result = meta;
    const seconds = (performance.now() - started) / 1000;
    const good = Number(meta.attrs.good_shots);
    bar.max = Math.max(1, good);
    bar.value = good;
    const made = Number(meta.attrs.workers) > 1 ? `${meta.attrs.workers} workers` : '1 worker';
    const source = meta.fromCopy ? " · read from the browser's copy" : '';
    finish('done', `${good} / ${last?.total ?? good} shots · ${(good / seconds).toFixed(1)} shots/s · done in ${seconds.toFixed(1)} s with ${made}${source}`);
    $('progress-text').dataset.source = meta.fromCopy ? 'copy' : 'file';
    addAnalysis(meta);
    showResult(meta);
  } catch (err) {
    panel.running = false;
    const message = errorText(err);
    finish('failed', message === 'cancelled' ? 'cancelled' : 'failed');
    if (message !== 'cancelled') setList($('analysis-errors'), message.split('\n'));
    update({ run: { kind: 'message', text: message === 'cancelled' ? 'Cancelled.' : 'The analysis failed: see the message on the left.' } });
  } finally {
    panel.running = false;
    resumeCopies();
    updateButtons();
    checkAfterAnalysis();
  }
}

export function setUpAnalysis(): void {
  $<HTMLInputElement>('workers').value = String(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8)));
  $('analyse').onclick = () => void analyse();
  $('cancel').onclick = () => {
    cancelledEarly = true;
    void api.cancel();
  };
  $('save').onclick = async () => {
    if (!panel.result) return;
    try {
      const bytes = await api.resultBytes(panel.result.id);
      download(new Blob([bytes as BlobPart], { type: 'application/x-hdf5' }), `run_${panel.result.run}.h5`);
    } catch (err) {
      setList($('analysis-errors'), [errorText(err)]);
    }
  };
  $<HTMLInputElement>('result-input').onchange = async (e) => {
    const input = e.target as HTMLInputElement;
    const files = fromInput(input.files);
    input.value = '';
    const { opened, problems } = await openResultFiles(files);
    setList($('analysis-errors'), problems);
    if (opened.length) showResult(opened[0]);
  };
}
