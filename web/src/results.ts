// Result files into the worker's collection, from a picker, a drop or an analysis; the table,
// the scan and the file browser follow the collection.
import { api } from './api.js';
import { addBrowsable, addResults, getState, update } from './store.js';
import type { MountFile, ResultMeta } from './types.js';

/** Opens result files (held by the worker); returns the problems, one line each. */
export async function openResultFiles(files: MountFile[]): Promise<{ opened: ResultMeta[]; problems: string[] }> {
  if (!files.length) return { opened: [], problems: [] };
  const { opened, problems } = await api.openResults(files);
  addResults(opened);
  addBrowsable(opened.map((m) => ({ key: `result:${m.id}`, label: m.label, kind: 'result file' as const, file: files.find((f) => f.path === m.label)?.file })));
  return { opened, problems };
}

/** A finished analysis joins the collection (replacing an earlier analysis of the same run). */
export function addAnalysis(meta: ResultMeta): void {
  addResults([meta]);
  addBrowsable([{ key: `result:${meta.id}`, label: `run_${meta.run}.h5 (analysed here)`, kind: 'analysis', resultId: meta.id }]);
}

export function closeResult(id: string): void {
  void api.close(id);
  update((s) => ({ results: s.results.filter((r) => r.id !== id), browsable: s.browsable.filter((b) => b.key !== `result:${id}`) }));
  const run = getState().run;
  if (run.kind === 'result' && run.meta.id === id) update({ run: { kind: 'message', text: 'That result file was closed.' } });
}

/** Shows a held result in the run view. */
export function showResult(meta: ResultMeta): void {
  update({ run: { kind: 'result', meta }, tab: 'run' });
}
