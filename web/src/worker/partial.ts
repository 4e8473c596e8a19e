// A share's states of the outputs a live preview shows: what each share (a shot worker, or the
// analysis worker's own share) answers, for ./preview.ts to merge.
import type { Plan } from '../../../bindings/analysis/plan.js';
import type { SinkState } from '../../../bindings/analysis/ops/index.js';

export interface PartialStates {
  /** The outputs whose states these are, in config order. */
  outputs: string[];
  /** Their sinks' states, in the order a Plan of just these outputs holds its sinks. */
  states: SinkState[];
}

/**
 * A share's states so far of those of these outputs whose sinks are split by shots (their states
 * of every share merge exactly, whatever each has done). Sinks split by pixel blocks or kept
 * whole by one worker (P² medians) wait for the result.
 */
export function partialStates(plan: Plan, outputs: string[]): PartialStates {
  const chosen: string[] = [];
  const sinks: Plan['sinks'] = [];
  for (const o of plan.outputs) {
    if (!outputs.includes(o.spec.name) || o.sink.split.kind !== 'shots') continue;
    chosen.push(o.spec.name);
    if (!sinks.includes(o.sink)) sinks.push(o.sink);
  }
  return { outputs: chosen, states: sinks.map((s) => s.sink.exportState()) };
}
