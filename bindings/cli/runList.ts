// The run-list syntax of every command that selects runs among existing ones (results, table,
// scan, batch, watch): `N`, `A-B`, `A-`, `-B`, or a comma-separated list of those (`3,5-7,10-`).
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors.js';

export interface RunSelection {
  text: string;
  /** Inclusive [from, to] pairs; an open end is ±Infinity. */
  ranges: readonly (readonly [number, number])[];
  minRun: number;
  maxRun: number;
  has(run: number): boolean;
}

export function runSelection(name: string) {
  return (v: string): RunSelection => {
    const parts = v.split(',').map((p) => p.trim());
    const ranges: [number, number][] = [];
    for (const part of parts) {
      const m = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(part);
      if (!m || (!m[1] && !m[3]) || (!m[2] && m[1] && m[3])) {
        throw new InvalidArgumentError(`${name} must be N, A-B, A-, -B or a comma-separated list of those (3,5-7), got "${v}"`);
      }
      const lo = m[1] ? Number(m[1]) : -Infinity;
      const hi = m[3] ? Number(m[3]) : m[2] ? Infinity : lo;
      const range: [number, number] = m[2] ? [lo, hi] : [Number(m[1] ?? m[3]), Number(m[1] ?? m[3])];
      if (range[0] > range[1]) throw new InvalidArgumentError(`${name}: ${part} is an empty range (A-B needs A ≤ B)`);
      ranges.push(range);
    }
    return {
      text: v,
      ranges,
      minRun: Math.min(...ranges.map((r) => r[0])),
      maxRun: Math.max(...ranges.map((r) => r[1])),
      has: (run) => ranges.some(([a, b]) => run >= a && run <= b),
    };
  };
}

/** `--runs` or its spelling `--run` (as `analyse` has it); both at once must agree. */
export function selectedRuns(opts: { runs?: RunSelection; run?: RunSelection }): RunSelection | undefined {
  if (opts.runs && opts.run && opts.runs.text !== opts.run.text) {
    throw new ConfigError(`--run ${opts.run.text} and --runs ${opts.runs.text}: give one of them (they mean the same)`);
  }
  return opts.runs ?? opts.run;
}
