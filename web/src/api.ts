// The analysis worker, started once: the page talks to it only through this handle.
import { spawn } from './worker/spawn.js';
import type { AnalysisApi } from './worker/analysis.worker.js';

export const { api } = await spawn<AnalysisApi>(() => new Worker(new URL('./worker/analysis.worker.ts', import.meta.url), { type: 'module', name: 'sacla-analysis' }));
