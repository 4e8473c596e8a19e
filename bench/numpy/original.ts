// Runs the original's analysis in NumPy + h5py (original_analysis.py beside this file) under
// Debian's Python: the bench's baseline for analyseRun, and what test/bench/numpy-baseline.test.ts
// checks against analyseRun.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';

/** The script: beside this file in the sources, or in the sources when running from dist/. */
function scriptPath(): string {
  for (const rel of ['./original_analysis.py', '../../../bench/numpy/original_analysis.py']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`bench: original_analysis.py is missing beside ${fileURLToPath(import.meta.url)}`);
}

export const SCRIPT = scriptPath();

/** Why the baseline cannot run here, or null when it can. */
export function pythonMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, h5py'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is missing (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} lacks numpy or h5py (apt-get install python3-numpy python3-h5py): ${probe.stderr.trim().split('\n').pop()}`;
  return null;
}

export interface OriginalOutcome {
  /** The whole run inside the script: opening, darks, filters, every good shot, the outputs. */
  seconds: number;
  shots_in_run: number;
  good_shots: number;
  /** Seconds per phase: open, read, correct, accumulate, p2, finish. */
  phases: Record<string, number>;
  numpy: string;
  h5py: string;
}

/** Analyses `runFile` with the script; `out` receives every dataset of the result (HDF5). */
export function runOriginal(runFile: string, { out }: { out?: string } = {}): Promise<OriginalOutcome> {
  const args = [SCRIPT, runFile, ...(out ? ['--out', out] : [])];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${PYTHON} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as OriginalOutcome);
    });
  });
}
