// Dark (pedestal) images: files named `<anything>_<unix timestamp>.npy` (or `.h5` with a `/dark`
// dataset) in a folder per detector; the dark of a run is the one closest to the run's middle.
import { DataError } from '../core/errors.js';
import { stage } from '../core/input.js';
import { kernel } from '../core/wasm.js';
import { files, paths } from '../core/files.js';
import { H5Reader, dtypeName, imageArithmetic, loadH5, toFloat64 } from './h5.js';
import { npyToFloat32, readNpy } from './npy.js';

/**
 * A dark image in ADU: [rows, cols], or [sensors, rows, cols] for a detector of several
 * sensors. Float64 files stay float64 (a float64 detector subtracts them in float64); other
 * dtypes are held as float32, as the float32 detectors subtract them.
 */
export interface Dark {
  data: Float32Array | Float64Array;
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

/** The UNIX time (s) in a dark file's name (`<anything>_<unix time>.npy|.h5`), or null. */
export function darkTime(path: string): number | null {
  const m = DARK_NAME.exec(paths.basename(path));
  return m ? Number(m[1]) : null;
}

/** Dark files of a folder (by the naming rule), sorted by timestamp. */
export async function listDarks(folder: string): Promise<DarkFile[]> {
  if (files().stat(folder)?.kind !== 'folder') return [];
  return files()
    .list(folder)
    .map((n) => ({ n, m: DARK_NAME.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ path: paths.join(folder, x.n), timestamp: Number(x.m[1]) }))
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

/**
 * Reads a dark from a `.npy` file or an `.h5` file (`/dark`): numbers (floats or integers, not
 * bools: a bool array is a mask), the shape `expectShape` if given, and plausible values.
 */
export async function loadDark(path: string, expectShape?: number[]): Promise<Dark> {
  let data: Float32Array | Float64Array;
  let shape: number[];
  if (/\.npy$/i.test(path)) {
    const a = await readNpy(path);
    if (a.dtype === 'bool') throw new DataError(`${path}: the dark is a bool array (a mask?); expected ADU values (float or integer)`);
    data = a.data instanceof Float64Array ? a.data : npyToFloat32(a);
    shape = a.shape;
  } else {
    await loadH5();
    const h5 = H5Reader.open(path);
    try {
      if (h5.kind('/dark') !== 'dataset') throw new DataError(`${path}: no /dark dataset in this dark file`);
      const md = h5.metadata('/dark');
      const dtype = dtypeName(md);
      if (!imageArithmetic(dtype)) throw new DataError(`${path}: /dark is ${dtype}; expected ADU values (float or integer)`);
      shape = md.shape ?? [];
      const v = h5.value('/dark');
      data = v instanceof Float32Array || v instanceof Float64Array ? v : Float32Array.from(toFloat64(v, `${path}: /dark`));
    } finally {
      h5.close();
    }
  }
  if (expectShape && (shape.length !== expectShape.length || shape.some((s, i) => s !== expectShape[i]))) {
    const stack = expectShape.length === 3 ? ` (${expectShape[0]} sensors of [${expectShape.slice(1)}]: a stack, one dark per sensor)` : '';
    throw new DataError(`${path}: dark has shape [${shape}] but the detector images are [${expectShape}]${stack}`);
  }
  checkDarkValues(data, shape, path);
  return { data, shape, path };
}

/**
 * A dark may mark bad pixels NaN, but a dark that is NaN everywhere, or holds an infinite value,
 * would make whole images (or pixels) NaN or infinite: an error naming `where`.
 */
export function checkDarkValues(data: ArrayLike<number>, shape: number[], where: string): void {
  // The common case, all finite, in one kernel pass (the loop below runs cold in every worker
  // thread: ~20 ms for two darks); the loop only when something must be named.
  const input = stage(data, 'checkDarkValues');
  if (kernel('rangeCount', input.dtype)(input.ptr, input.length, -Infinity, Infinity) === data.length) return;
  let nan = 0;
  let infinite = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) nan++;
    else if (infinite < 0 && (v === Infinity || v === -Infinity)) infinite = i;
  }
  if (data.length && nan === data.length) throw new DataError(`${where}: the dark is NaN everywhere (${data.length} pixels): it would make every image NaN`);
  if (infinite >= 0) {
    const index: number[] = [];
    for (let rest = infinite, d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
    throw new DataError(`${where}: the dark is ${data[infinite]} at pixel [${index.join(', ')}]: expected finite ADU values (NaN marks a bad pixel)`);
  }
}

/** A bad-pixel mask: 1 where a pixel is bad. */
export interface Mask {
  data: Uint8Array;
  shape: number[];
  path: string;
}

/**
 * Reads a bad-pixel mask (`.npy`, bool or integer: nonzero = bad) from a file, or from a
 * folder the one closest in time to the run's middle (same naming rule as darks).
 */
export async function loadMask(path: string, run: RunTime): Promise<Mask> {
  let file = path;
  const st = files().stat(path);
  if (!st) throw new DataError(`mask ${path}: no such file or folder`);
  if (st.kind === 'folder') {
    const chosen = await closestDark(path, run, () => {});
    if (!chosen) throw new DataError(`mask folder ${path} holds no mask file (<name>_<unix time>.npy)`);
    file = chosen;
  }
  if (!/\.npy$/i.test(file)) throw new DataError(`${file}: a mask must be a .npy file (nonzero = bad pixel)`);
  const a = await readNpy(file);
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Number(a.data[i]) !== 0 ? 1 : 0;
  return { data, shape: a.shape, path: file };
}
