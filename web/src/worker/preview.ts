// The live preview of a run split across shot workers: the page asks for the outputs it shows,
// each worker sends its sink states of just those (./pool.ts; those split by shots, whose
// partial states merge exactly), and they are merged here into a plan of just those outputs.
// Nothing is merged, copied or sent that nobody looks at.
import { Plan, type PlanContext } from '../../../bindings/analysis/plan.js';
import { constantDatasets, openConfiguredRun, planContext } from '../../../bindings/analysis/pipeline.js';
import type { ExperimentConfig, OutputConfig } from '../../../bindings/analysis/config/index.js';
import type { Run } from '../../../bindings/data/run.js';
import type { WebPool } from './pool.js';
import { partialStates, type PartialStates } from './partial.js';
import type { Data } from '../types.js';

/** The datasets an output writes: its own, and for a top-k output its payloads. */
function written(o: OutputConfig): string[] {
  const payloads = typeof o.sink === 'object' && o.sink !== null && 'topK' in o.sink ? Object.keys(o.sink.topK.payloads ?? {}) : [];
  return [o.name, ...payloads];
}

export class LivePreview {
  /** The plan of the share this thread analyses (share 0), while it runs. */
  ownShare: Plan | null = null;
  #lastOwn: { key: string; states: PartialStates } | null = null;

  #run: Promise<Run> | null = null;
  #context: Promise<PlanContext> | null = null;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly path: string,
    private readonly runNumber: number,
    private readonly workers: WebPool,
  ) {}

  /** The run as the plan needs it (its detectors' shapes and geometry, the masks), opened once. */
  private context(): Promise<PlanContext> {
    this.#run ??= openConfiguredRun(this.config, this.path, this.runNumber, () => {});
    this.#context ??= this.#run.then((run) => planContext(this.config, run));
    return this.#context;
  }

  /**
   * The merged datasets so far of the outputs writing `names` (null: of every output), with the
   * config's constants; null while no worker has processed a shot yet.
   */
  async datasets(names: string[] | null): Promise<Record<string, Data> | null> {
    const asked = this.config.outputs.filter((o) => names === null || written(o).some((n) => names.includes(n)));
    const constants = constantDatasets(this.config);
    if (!asked.length) return constants;
    const outputNames = asked.map((o) => o.name);
    // A finished share's last answer still counts, as a finished worker's does (./pool.ts).
    const key = outputNames.join('\n');
    if (this.ownShare) this.#lastOwn = { key, states: partialStates(this.ownShare, outputNames) };
    const own = this.#lastOwn?.key === key ? this.#lastOwn.states : null;
    const answer = await this.workers.partial(outputNames, own);
    if (!answer) return null;
    const outputs = asked.filter((o) => answer.outputs.includes(o.name));
    if (!outputs.length) return constants;
    const plan = new Plan(outputs, await this.context());
    try {
      plan.merge(answer.parts);
      // The top shots so far are read again for their payloads (a few reads per preview).
      plan.fillPayloads(await this.#run);
      return { ...constants, ...plan.datasets() };
    } finally {
      plan.dispose();
    }
  }

  async close(): Promise<void> {
    const run = this.#run;
    this.#run = null;
    this.#context = null;
    if (run) (await run.catch(() => null))?.close();
  }
}
