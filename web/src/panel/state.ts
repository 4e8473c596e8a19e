// What the side panel (runs, config, analysis) knows, shared by its parts.
import type { ExperimentConfig } from '../../../bindings/analysis/config/index.js';
import type { CheckReport } from '../../../bindings/analysis/check.js';
import type { ResultMeta, RunSummary } from '../types.js';

export interface PanelState {
  runs: RunSummary[];
  config: ExperimentConfig | null;
  configOrigin: string;
  running: boolean;
  /** The result the Save button saves (an analysis made here). */
  result: ResultMeta | null;
  /** The check of the selected run against the config (null until one has finished). */
  check: CheckReport | null;
}

export const panel: PanelState = { runs: [], config: null, configOrigin: 'kuschel2023.json', running: false, result: null, check: null };

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function selectedRun(): RunSummary | null {
  const v = $<HTMLSelectElement>('run-select').value;
  return panel.runs.find((r) => `${r.path}#${r.run}` === v) ?? null;
}

export function updateButtons(): void {
  $<HTMLButtonElement>('analyse').disabled = panel.running || !panel.config || !selectedRun();
  $<HTMLButtonElement>('cancel').disabled = !panel.running;
  $<HTMLButtonElement>('save').disabled = panel.running || !panel.result?.analysed;
}
