// Option parsers shared by the commands: each names the option and what was expected.
import { InvalidArgumentError } from 'commander';

export function integer(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    }
    return n;
  };
}

/** One run number; a negative one counts back from the newest run (−1 = newest). */
export function runNumber(name: string) {
  return (v: string): number => {
    const t = v.trim();
    if (!/^-?\d+$/.test(t) || t === '-0' || !Number.isSafeInteger(Number(t))) {
      throw new InvalidArgumentError(`${name} must be a run number (an integer; negative counts back from the newest, -1 = newest), got "${v}"`);
    }
    return Number(t);
  };
}

/**
 * A run selection: `N`, `A-B` (inclusive), `A,B,C` or a mix (`3,5-7`); a negative N counts
 * back from the newest run in the data folder.
 */
export function runList(name: string) {
  return (v: string): number[] => {
    const runs: number[] = [];
    for (const part of v.split(',').map((p) => p.trim())) {
      const single = /^-?\d+$/.exec(part);
      const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
      if (single && part !== '-0') runs.push(Number(part));
      else if (range && Number(range[1]) <= Number(range[2])) {
        for (let r = Number(range[1]); r <= Number(range[2]); r++) runs.push(r);
      } else {
        throw new InvalidArgumentError(`${name} must be N, A-B (A ≤ B) or a comma-separated list of those, got "${v}"`);
      }
    }
    return [...new Set(runs)];
  };
}

/** A range `A-B` (either end may be left out: `A-`, `-B`) or a single run. */
export function runRange(name: string) {
  return (v: string): { minRun: number; maxRun: number } => {
    const m = /^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$/.exec(v);
    if (!m || (!m[1] && !m[3])) throw new InvalidArgumentError(`${name} must be A-B, A-, -B or N, got "${v}"`);
    if (!m[2]) return { minRun: Number(m[1] ?? m[3]), maxRun: Number(m[1] ?? m[3]) };
    return { minRun: m[1] ? Number(m[1]) : -Infinity, maxRun: m[3] ? Number(m[3]) : Infinity };
  };
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
