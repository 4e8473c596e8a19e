// Dark (pedestal) images: files named `<anything>_<unix timestamp>.npy` (or `.h5` with a `/dark`
// dataset) in a folder per detector; the dark of a run is the one closest to the run's middle.
import { DataError } from '../cli/errors.js';
import { H5Reader, loadH5, toFloat64 } from './h5.js';
import { npyToFloat32, readNpy } from './npy.js';

/** A dark image in ADU. */
export interface Dark {
  data: Float32Array;
  shape: number[];
  path: string;
}

/** Something with a middle time: a Run, a RunFile, or a UNIX time in seconds. */
export type RunTime = number | { middleTime: number | null; path?: string };

/** A dark file and its timestamp. */
export interface DarkFile {
  path: string;
  timestamp: number;
}

const DARK_NAME = /_(\d+(?:\.\d+)?)\.(npy|h5)$/i;

/** Dark files of a folder (by the naming rule), sorted by timestamp. */
export async function listDarks(folder: string): Promise<DarkFile[]> {
  const fs = await import('node:fs');
  const nodePath = await import('node:path');
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: DARK_NAME.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ path: nodePath.join(folder, x.n), timestamp: Number(x.m[1]) }))
    .sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * The dark file whose timestamp is closest to the middle of the run (mean of its first and last
 * tag time). No dark file (or no folder) → null, with a notice through `warn`.
 */
export async function closestDark(
  folder: string,
  run: RunTime,
  warn: (msg: string) => void = (m) => console.warn(m),
): Promise<string | null> {
  const mid = typeof run === 'number' ? run : run.middleTime;
  if (mid === null || !Number.isFinite(mid)) {
    const where = typeof run === 'number' ? '' : `${run.path ?? 'the run'}: `;
    throw new DataError(`${where}the run has no time_stamp, so no dark can be chosen from ${folder}`);
  }
  const darks = await listDarks(folder);
  if (!darks.length) {
    warn(`no dark file (<name>_<unix time>.npy or .h5) in ${folder}: images are not dark-subtracted`);
    return null;
  }
  let best = darks[0];
  for (const d of darks) if (Math.abs(d.timestamp - mid) < Math.abs(best.timestamp - mid)) best = d;
  return best.path;
}

/** Reads a dark from a `.npy` file or an `.h5` file (`/dark`). Checks the shape if given. */
export async function loadDark(path: string, expectShape?: number[]): Promise<Dark> {
  let data: Float32Array;
  let shape: number[];
  if (/\.npy$/i.test(path)) {
    const a = await readNpy(path);
    data = npyToFloat32(a);
    shape = a.shape;
  } else {
    await loadH5();
    const h5 = H5Reader.open(path);
    try {
      if (h5.kind('/dark') !== 'dataset') throw new DataError(`${path}: no /dark dataset in this dark file`);
      const md = h5.metadata('/dark');
      shape = md.shape ?? [];
      const v = h5.value('/dark');
      data = v instanceof Float32Array ? v : Float32Array.from(toFloat64(v, `${path}: /dark`));
    } finally {
      h5.close();
    }
  }
  if (expectShape && (shape.length !== expectShape.length || shape.some((s, i) => s !== expectShape[i]))) {
    throw new DataError(`${path}: dark has shape [${shape}] but the detector images are [${expectShape}]`);
  }
  return { data, shape, path };
}
