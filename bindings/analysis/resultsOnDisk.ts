// Result files on disk (Node): OUT/run_<N>.h5, written under a temporary name and renamed, so
// a crash or an interrupt never leaves a half file under the final name; and the files of a
// folder, in run order.
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadH5 } from '../data/h5.js';
import { DataError } from '../cli/errors.js';
import { fillResultFile, resultName, ResultFile, type ResultContent } from './results.js';

const RESULT_FILE = /^run_(-?\d+)\.h5$/;

/** Temporary files of writes that are under way (removed if the process is interrupted). */
const pending = new Set<string>();

/** Removes the temporary files of writes under way (for signal handlers). */
export function removePendingResults(): void {
  for (const path of pending) rmSync(path, { force: true });
  pending.clear();
}

/** Writes `OUT/run_<N>.h5` and returns its path. */
export async function writeResult(outDir: string, result: ResultContent): Promise<string> {
  const h5 = await loadH5();
  mkdirSync(outDir, { recursive: true });
  const path = resolve(outDir, resultName(result.run));
  const tmp = `${path}.${process.pid}.tmp`;
  pending.add(tmp);
  try {
    const file = new h5.File(tmp, 'w');
    try {
      fillResultFile(file, result);
    } finally {
      file.close();
    }
    renameSync(tmp, path);
    return path;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new DataError(`cannot write ${path}: ${(err as Error).message}`);
  } finally {
    pending.delete(tmp);
  }
}

/** Opens one result file. */
export async function openResult(path: string): Promise<ResultFile> {
  const h5 = await loadH5();
  let file;
  try {
    file = new h5.File(path, 'r');
  } catch (err) {
    throw new DataError(`${path}: not a readable result file (${(err as Error).message})`);
  }
  return new ResultFile(path, file);
}

/**
 * The result files of a folder in run order, optionally within [minRun, maxRun]: the run number
 * in the file name is a quick pre-filter, the number stored in the file decides. Each file is
 * closed when the loop moves on.
 */
export async function* readResults(
  dir: string,
  { minRun = -Infinity, maxRun = Infinity, warn = (m: string) => console.warn(m) }: { minRun?: number; maxRun?: number; warn?: (m: string) => void } = {},
): AsyncGenerator<ResultFile> {
  if (!existsSync(dir)) throw new DataError(`${dir}: no such folder`);
  const candidates = readdirSync(dir)
    .map((name) => ({ name, match: RESULT_FILE.exec(name) }))
    .filter((c): c is { name: string; match: RegExpExecArray } => c.match !== null)
    .map((c) => ({ path: join(dir, c.name), run: Number(c.match[1]) }))
    .filter((c) => c.run >= minRun && c.run <= maxRun)
    .sort((a, b) => a.run - b.run);
  for (const candidate of candidates) {
    let result: ResultFile;
    try {
      result = await openResult(candidate.path);
    } catch (err) {
      warn((err as Error).message);
      continue;
    }
    try {
      if (result.run !== candidate.run) {
        warn(`${candidate.path}: the file name says run ${candidate.run} but the file holds run ${result.run}`);
        if (!(result.run >= minRun && result.run <= maxRun)) continue;
      }
      yield result;
    } finally {
      result.close();
    }
  }
}

/** The config hash stored in a result file, or null when there is none or it is unreadable. */
export async function storedConfigHash(path: string): Promise<string | null> {
  if (!existsSync(path)) return null;
  try {
    const result = await openResult(path);
    try {
      return typeof result.attrs.config_hash === 'string' ? result.attrs.config_hash : null;
    } finally {
      result.close();
    }
  } catch {
    return null;
  }
}
