// The page's shared state: the result files held by the worker (for the table, the scan and the
// file browser), what the run view shows, and the file the browser explores. Views read it with
// `useStore`; the shell (main.ts) and the views change it with `update`.
import { useSyncExternalStore } from 'react';
import type { ResultMeta } from './types.js';

/** What the run view shows: a result, an analysis under way (its live preview), or a message. */
export type RunSubject =
  | { kind: 'result'; meta: ResultMeta }
  | { kind: 'live'; run: number; label: string; config: unknown; seq: number }
  | { kind: 'message'; text: string };

/** A file the H5Web browser can open: one the user picked, or a held result (its bytes come from the worker). */
export interface BrowseEntry {
  key: string;
  label: string;
  kind: 'run file' | 'result file' | 'analysis' | 'HDF5 file';
  file?: File;
  resultId?: string;
}

export interface State {
  results: ResultMeta[];
  run: RunSubject;
  browsable: BrowseEntry[];
  browse: BrowseEntry | null;
  tab: 'run' | 'table' | 'scan' | 'browse';
}

let state: State = {
  results: [],
  run: { kind: 'message', text: 'Open a run file (or a folder with runs and darks), then press Analyse. Or open a result file written by sacla analyse.' },
  browsable: [],
  browse: null,
  tab: 'run',
};
const listeners = new Set<() => void>();

export function getState(): State {
  return state;
}

export function update(change: Partial<State> | ((s: State) => Partial<State>)): void {
  state = { ...state, ...(typeof change === 'function' ? change(state) : change) };
  for (const l of listeners) l();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useStore<T>(select: (s: State) => T): T {
  return useSyncExternalStore(subscribe, () => select(state));
}

/** Adds results to the held collection (one per id: a new analysis of a run replaces the old). */
export function addResults(metas: ResultMeta[]): void {
  update((s) => ({
    results: [...s.results.filter((r) => !metas.some((m) => m.id === r.id)), ...metas].sort((a, b) => a.run - b.run || a.id.localeCompare(b.id)),
  }));
}

export function addBrowsable(entries: BrowseEntry[]): void {
  update((s) => ({ browsable: [...s.browsable.filter((b) => !entries.some((e) => e.key === b.key)), ...entries] }));
}
