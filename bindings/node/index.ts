// The Node entry, `sacla-analysis/node`: everything of the portable entry, and what needs Node
// itself: worker threads for runs split across workers (the default pool of analyseRun here),
// the number of cores.
import { analyseRun as analyseWithPool, type AnalyseOptions, type AnalysisResult, type RunRef } from '../analysis/pipeline.js';
import type { ExperimentConfig } from '../analysis/config/index.js';
import type { Run } from '../data/run.js';
import { threadPool } from './workers.js';
import { analysePart as analysePartWithPool, type RunPart } from '../analysis/parts.js';

export * from '../index.js';
export { threadPool, spawnThread, defaultWorkers } from './workers.js';

/** analyseRun with worker threads as its pool (options.workers > 1 splits the run across them). */
export function analyseRun(config: ExperimentConfig, run: Run | RunRef, options: AnalyseOptions = {}): Promise<AnalysisResult> {
  return analyseWithPool(config, run, { pool: threadPool, shareInThisThread: true, ...options });
}

/** analysePart with worker threads as its pool. */
export function analysePart(config: ExperimentConfig, ref: RunRef, part: number, parts: number, options: AnalyseOptions = {}): Promise<RunPart> {
  return analysePartWithPool(config, ref, part, parts, { pool: threadPool, ...options });
}
