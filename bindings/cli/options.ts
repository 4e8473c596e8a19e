// Option parsers shared by the commands: each names the option and what was expected. Numbers
// are plain decimal integers: `1e3`, `0x10`, `1.0`, `''` and `-0` are refused, not read as
// something the user may not have meant.
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors.js';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const t = v.trim();
    const n = Number(t);
    if (!/^-?\d+$/.test(t) || t === '-0' || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name} must be an integer ${range}, got "${v}"`);
    }
    return n;
  };
}

type PathKind = 'folder' | 'file' | 'any';

/** What is wrong with `v` as the path `name` of a `kind` that must exist, or null. */
function pathProblem(name: string, v: string, kind: PathKind): string | null {
  if (!v.trim()) return `${name} must be a path, got ""`;
  let st;
  try {
    st = statSync(v);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `${name} ${v}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : (err as Error).message}`;
  }
  if (kind === 'folder' && !st.isDirectory()) return `${name} ${v}: a file, where a folder is expected`;
  if (kind === 'file' && !st.isFile()) return `${name} ${v}: ${st.isDirectory() ? 'a folder' : 'not a regular file'}, where a file is expected`;
  return null;
}

/** A path that must exist: a folder (`folder`), a file (`file`) or either (`any`). */
export function existingPath(name: string, kind: PathKind) {
  return (v: string): string => {
    const problem = pathProblem(name, v, kind);
    if (problem) throw new InvalidArgumentError(problem);
    return v;
  };
}

/**
 * The folder a config's relative paths (darks, masks) are read from: `--data`, or the folder of
 * the run file `--data` names, where `sacla darks` puts its `darks/` too.
 */
export function dataFolder(data: string): string {
  try {
    return statSync(data).isDirectory() ? data : dirname(data);
  } catch {
    return data;
  }
}

/** `--combine` reads a run from the several files of a folder: a single run file as `--data` contradicts it. */
export function refuseCombineWithFile(data: string, combine: boolean | undefined): void {
  if (combine && dataFolder(data) !== data) {
    throw new ConfigError(`--combine reads a run split into several files of a folder, but --data ${data} is one file: give its folder as --data, or leave --combine out`);
  }
}

/** A folder that is written to: created if missing, but not something else already there. */
export function outputFolder(name: string) {
  return (v: string): string => {
    if (!v.trim()) throw new InvalidArgumentError(`${name} must be a folder, got ""`);
    let st;
    try {
      st = statSync(v);
    } catch {
      return v;
    }
    if (!st.isDirectory()) throw new InvalidArgumentError(`${name} ${v}: a file, where a folder is expected`);
    return v;
  };
}

/** Most runs one selection may name: a typo such as 100-1000000 would otherwise queue a million. */
export const MAX_RUNS_SELECTED = 100_000;

/** One run number; a negative one counts back from the newest run (−1 = newest); -0 is refused. */
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
      const safe = (single ? [part] : range ? [range[1], range[2]] : []).every((n) => Number.isSafeInteger(Number(n)));
      if (single && part !== '-0' && safe) runs.push(Number(part));
      else if (range && safe && Number(range[1]) <= Number(range[2])) {
        if (Number(range[2]) - Number(range[1]) + runs.length >= MAX_RUNS_SELECTED) {
          throw new InvalidArgumentError(`${name} ${v} selects more than ${MAX_RUNS_SELECTED} runs: is a digit too many?`);
        }
        for (let r = Number(range[1]); r <= Number(range[2]); r++) runs.push(r);
      } else {
        throw new InvalidArgumentError(`${name} must be N, A-B (A ≤ B) or a comma-separated list of those, got "${v}"`);
      }
    }
    return [...new Set(runs)];
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
