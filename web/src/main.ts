// The page: the side panel (runs, config, analysis: ./panel/) and the views (React, drawn with
// H5Web: run, table, scan, file browser). Files never leave the machine: the page only hands
// File handles to the analysis worker, which reads them where they lie.
import '@h5web/app/styles.css';
import './style.css';
import { createElement, type FunctionComponent } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api.js';
import { getState, subscribe, update, type State } from './store.js';
import { setUpRuns } from './panel/runs.js';
import { setUpConfig } from './panel/config.js';
import { setUpAnalysis } from './panel/analyse.js';
import { setUpCopies } from './panel/copies.js';
import { $ } from './panel/state.js';
import { RunView } from './views/run/RunView.js';
import { TableView } from './views/table/TableView.js';
import { ScanView } from './views/scan/ScanView.js';
import { BrowseView } from './views/browse/BrowseView.js';
import { warmUp } from './plots/warmUp.js';

const views: [string, FunctionComponent][] = [
  ['run-view', RunView],
  ['tab-table', TableView],
  ['tab-scan', ScanView],
  ['tab-browse', BrowseView],
];
for (const [id, view] of views) createRoot($(id)).render(createElement(view));

// Tabs follow the store, so that a view can switch them (a table row's "view" opens the run tab).
const tabs = ['run', 'table', 'scan', 'browse'] as const;
function showTab(tab: State['tab']): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.tab')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const t of tabs) $(`tab-${t}`).hidden = t !== tab;
}
for (const b of document.querySelectorAll<HTMLButtonElement>('button.tab')) b.onclick = () => update({ tab: b.dataset.tab as State['tab'] });
let shown = getState().tab;
subscribe(() => {
  if (getState().tab !== shown) showTab((shown = getState().tab));
});

setUpRuns();
setUpConfig();
setUpAnalysis();
setUpCopies();

// Ready once the plots' start-up costs are paid; for the end-to-end test and the console.
await warmUp();
(window as unknown as { sacla: unknown }).sacla = { state: getState, api, ready: true };

// sw.js exists in the built app only (web/vite.config.ts writes it); under the dev server registering fails, quietly.
if ('serviceWorker' in navigator && isSecureContext) {
  navigator.serviceWorker
    .register('./sw.js')
    .then(() => ($('offline').textContent = 'works offline once loaded'))
    .catch(() => {});
}
