// Detectors as converter files store them: one group per sensor, named by `detector_name`.
// A configured detector id is one sensor (or an assembled image, or a camera) whose name is
// the id, or the sensors `<id>-1 … <id>-P` read as one stack. Group numbers are never used
// to find a detector: they change between runs (docs/data.md, "Detectors"; leosala/sacla).
import { DataError } from '../core/errors.js';
import { imageArithmetic, naturalOrder } from './h5.js';
import { DetectorGeometry } from '../image/geometry.js';
import type { RunFile, SensorInfo } from './runfile.js';

/** A detector of a run: its sensors (in order) and how its images are read. */
export interface DetectorLayout {
  /** The detector id, e.g. `MPCCD-2N0-M02-003`. */
  id: string;
  /** 'sensor' (one sensor), 'sensors' (a stack of P sensors), 'assembled', 'camera'. */
  kind: 'sensor' | 'sensors' | 'assembled' | 'camera';
  sensors: SensorInfo[];
  /** Image shape: [rows, cols], or [P, rows, cols] for a stack of sensors. */
  shape: number[];
  /** The arithmetic images are corrected in: float64 for float64 datasets, float32 otherwise. */
  dtype: 'f32' | 'f64';
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The detector a configured id names, in this order: a group whose `detector_name` is the id
 * (a plain sensor before an assembled image of the same name); else the groups named
 * `<id>-1 … <id>-P` (P ≥ 1, numbered without gaps) as one detector; else an error listing
 * the detectors present.
 */
export function resolveDetector(file: RunFile, id: string): DetectorLayout {
  const sensors = file.sensors();
  const named = sensors.filter((s) => s.name === id);
  if (named.length) {
    const plain = named.filter((s) => s.kind !== 'assembled');
    const chosen = plain.length ? plain : named;
    if (chosen.length > 1) {
      throw new DataError(`${file.path}: run ${file.run}: ${chosen.length} groups are named "${id}" (${chosen.map((s) => s.group).join(', ')}): the detector is ambiguous`);
    }
    return layout(file, id, chosen[0].kind, chosen);
  }
  const stack = sensorStack(file, id);
  if (stack) return stack;
  const present = detectorsOf(file)
    .map((d) => (d.kind === 'sensors' ? `${d.id} (${d.sensors.length} sensors)` : d.id))
    .sort();
  throw new DataError(
    `${file.path}: run ${file.run} has no detector "${id}" (no group with that detector_name, no sensors "${id}-1", "${id}-2", …); ` +
      `detectors present: ${present.join(', ') || 'none'}`,
  );
}

/** The sensors `<id>-1 … <id>-P` as one detector, or null when there are none. */
function sensorStack(file: RunFile, id: string): DetectorLayout | null {
  const pattern = new RegExp(`^${escape(id)}-([1-9][0-9]*)$`);
  const parts = file
    .sensors()
    .map((s) => ({ s, m: pattern.exec(s.name) }))
    .filter((x): x is { s: SensorInfo; m: RegExpExecArray } => x.m !== null && x.s.kind === 'sensor')
    .map(({ s, m }) => ({ s, k: Number(m[1]) }))
    .sort((a, b) => a.k - b.k);
  if (!parts.length) return null;
  const numbers = parts.map((p) => p.k);
  const missing = Array.from({ length: numbers[numbers.length - 1] }, (_, i) => i + 1).filter((k) => !numbers.includes(k));
  const twice = numbers.filter((k, i) => numbers.indexOf(k) !== i);
  if (missing.length || twice.length) {
    const found = parts.map((p) => `${p.s.name} (${p.s.group})`).join(', ');
    const why = missing.length ? `sensor(s) ${missing.map((k) => `${id}-${k}`).join(', ')} missing` : `sensor(s) ${twice.map((k) => `${id}-${k}`).join(', ')} twice`;
    throw new DataError(`${file.path}: run ${file.run}: detector "${id}" has ${why}; sensors found: ${found}`);
  }
  return layout(file, id, 'sensors', parts.map((p) => p.s));
}

/**
 * A detector's layout from its sensors' first images: each sensor's first image fixes the shape
 * and the arithmetic every image of the detector must have (ImageReader checks each tag's).
 */
function layout(file: RunFile, id: string, kind: DetectorLayout['kind'], sensors: SensorInfo[]): DetectorLayout {
  const first = sensors[0];
  const where = `${file.path}: run ${file.run}`;
  for (const s of sensors) {
    const image = `${s.name || s.group} (${s.group}), tag ${s.firstTag}`;
    if (!s.shape.length) throw new DataError(`${where}: ${s.name || s.group} (${s.group}) has no images`);
    if (s.shape.length !== 2) throw new DataError(`${where}: ${image}: the image has shape [${s.shape}]; expected a 2-D image`);
    if (!imageArithmetic(s.dtype)) {
      throw new DataError(`${where}: ${image}: the image is ${s.dtype}; expected an image of numbers (float32, float64 or an integer dtype)`);
    }
    // Integer and float32 sensors share float32 arithmetic; float64 cannot be mixed with them.
    if (s.shape[0] !== first.shape[0] || s.shape[1] !== first.shape[1] || imageArithmetic(s.dtype) !== imageArithmetic(first.dtype)) {
      throw new DataError(
        `${where}: the sensors of "${id}" differ: ${first.name} is [${first.shape}] ${first.dtype} (tag ${first.firstTag}), ` +
          `${s.name} is [${s.shape}] ${s.dtype} (tag ${s.firstTag})`,
      );
    }
  }
  const shape = kind === 'sensors' ? [sensors.length, ...first.shape] : [...first.shape];
  return { id, kind, sensors, shape, dtype: imageArithmetic(first.dtype)! };
}

/**
 * The detectors of a run for a listing: sensors named `<base>-1 … <base>-P` (P ≥ 2) are one
 * detector; every other group stands alone (an assembled image of the same detector too).
 */
export function detectorsOf(file: RunFile): DetectorLayout[] {
  const sensors = file.sensors();
  const plain = new Set(sensors.filter((s) => s.kind === 'sensor').map((s) => s.name));
  const bases = new Map<string, SensorInfo[]>();
  for (const s of sensors) {
    const m = /^(.+)-([1-9][0-9]*)$/.exec(s.name);
    if (m && s.kind === 'sensor' && !plain.has(m[1])) bases.set(m[1], [...(bases.get(m[1]) ?? []), s]);
  }
  const out: DetectorLayout[] = [];
  const grouped = new Set<string>();
  for (const [base, members] of bases) {
    if (members.length < 2) continue;
    try {
      out.push(sensorStack(file, base)!);
      for (const m of members) grouped.add(m.group);
    } catch {
      /* inconsistent sensors: listed one by one */
    }
  }
  for (const s of sensors) {
    if (grouped.has(s.group)) continue;
    const kind = s.kind;
    out.push({ id: s.name || s.group, kind, sensors: [s], shape: [...s.shape], dtype: s.dtype === 'float64' ? 'f64' : 'f32' });
  }
  return out.sort((a, b) => naturalOrder(a.sensors[0].group, b.sensors[0].group));
}

/**
 * Where a detector's pixels lie, or null when a sensor has no geometry in `detector_info`.
 * A single sensor without geometry is placed at rotation 0 (its picture is its image).
 */
export function detectorGeometry(d: DetectorLayout): DetectorGeometry | null {
  const missing = d.sensors.filter((s) => !s.geometry);
  if (missing.length && d.sensors.length > 1) return null;
  return new DetectorGeometry(
    d.sensors.map((s) => ({
      geometry: s.geometry ?? {
        coordinate: [0, 0, 0],
        rotation: 0,
        stageDirection: 0,
        stageShiftWeight: 0,
        manipulatorPosition: 0,
        pixelSize: [s.pixelSize?.[0] ?? 50, s.pixelSize?.[0] ?? 50],
      },
      rows: s.shape[0],
      cols: s.shape[1],
    })),
  );
}
