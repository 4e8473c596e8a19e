// One detector in one run: shot index → image `(raw − dark) × evPerAdu`, per sensor. A
// detector of one sensor gives [rows, cols] images; one of P sensors a stack [P, rows, cols],
// each sensor corrected with its own gain and its own slice of the dark.
import { DataError, ConfigError } from '../core/errors.js';
import { checkDarkValues, darkTime, type Dark } from './darks.js';
import { ImageReader } from './h5.js';
import { core, WasmArray } from '../core/wasm.js';
import { RunFile } from './runfile.js';
import { RunSource } from './source.js';
import { detectorGeometry, type DetectorLayout } from './sensors.js';
import type { DetectorGeometry } from '../image/geometry.js';

export interface DetectorOptions {
  /** eV per ADU: a number for every sensor, or 'auto' = each sensor's absolute gain × 3.65 (default). */
  evPerAdu?: number | 'auto';
  /** Dark image in ADU (the shape of the images: a stack for several sensors), or null for none. */
  dark?: Dark | Float32Array | Float64Array | null;
  /** What to do with run tags that have no image here (default 'skip', with one warning). */
  missingTags?: 'skip' | 'fail';
  /** Where notices go (default console.warn). */
  warn?: (msg: string) => void;
}

/** An image: float32, or float64 for float64 datasets. */
export type Image = Float32Array | Float64Array;
/** An image in kernel memory. */
export type WasmImageData = WasmArray<'f32'> | WasmArray<'f64'>;

/** An image read on first use (`value`), then kept. */
export interface LazyImage {
  readonly index: number;
  readonly tag: number;
  readonly loaded: boolean;
  readonly value: Image;
}

/** Friendly description of missing tags: "3 (first: 1002, 1010, ...)" */
function missingText(missing: number[]): string {
  return `${missing.length} (first: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`;
}

const asSource = (file: RunFile | RunSource) => (file instanceof RunSource ? file : new RunSource([file]));

/**
 * Which tags of the run have an image in every sensor of every detector; returns the kept
 * positions. Missing tags are skipped with one warning (policy 'skip') or are an error naming
 * the file, detectors and tags.
 */
export function selectPresentTags(
  source: RunSource,
  detectors: { name: string; layouts: DetectorLayout[] }[],
  policy: 'skip' | 'fail',
  warn: (msg: string) => void,
): Uint32Array {
  const lacking = detectors.map((d) => ({ ...d, missing: [] as number[] }));
  const keep: number[] = [];
  for (let i = 0; i < source.tags.length; i++) {
    let ok = true;
    for (const d of lacking) {
      if (!source.hasImage(d.layouts, i)) {
        d.missing.push(source.tags[i]);
        ok = false;
      }
    }
    if (ok) keep.push(i);
  }
  const short = lacking.filter((d) => d.missing.length);
  if (short.length) {
    const detail = short.map((d) => `${d.name} (${d.layouts[0].id}) lacks ${missingText(d.missing)}`).join('; ');
    const dropped = source.tags.length - keep.length;
    const where = `${source.path}: run ${source.run}`;
    if (policy === 'fail') throw new DataError(`${where}: ${dropped} of ${source.tags.length} tags have no image: ${detail}`);
    warn(`${where}: skipping ${dropped} of ${source.tags.length} shots whose tags have no image in every sensor: ${detail}`);
  }
  return Uint32Array.from(keep);
}

export class Detector {
  readonly id: string;
  /** The detector's sensors and image shape in the run (its first file). */
  readonly layout: DetectorLayout;
  /** Image shape: [rows, cols], or [sensors, rows, cols]. */
  readonly shape: number[];
  /** Number of pixels per image (all sensors). */
  readonly size: number;
  /** The arithmetic of the images: float64 for float64 datasets, float32 otherwise. */
  readonly dtype: 'f32' | 'f64';
  /** eV per ADU applied to each sensor. */
  readonly evPerAdu: number[];
  /** Dark image (ADU) subtracted from every image, or null. */
  readonly dark: Image | null;
  /** The dark's file, or null (no dark, or an array given by the caller). */
  readonly darkPath: string | null;
  /** The UNIX time (s) in the dark file's name (`<name>_<unix time>.npy`), or null. */
  readonly darkTime: number | null;
  /** Tags served by this detector, in shot order. */
  readonly tags: Float64Array;
  readonly source: RunSource;
  private readonly layouts: DetectorLayout[];
  /** Positions in the run's tag list of the served tags. */
  private readonly positions: Uint32Array;
  private readers: (ImageReader | null)[];
  private staging: WasmImageData | null = null;
  /** The dark, copied once into kernel memory for the correction kernel. */
  private darkInWasm: WasmImageData | null = null;
  private lastIndex = -1;
  private last: Image | null = null;
  #geometry: DetectorGeometry | null | undefined;

  /**
   * `id` is the detector's id (`MPCCD-2N0-M02-003`: one sensor of that name, or the sensors
   * `MPCCD-2N0-M02-003-1 … -P`). `positions` (from the Run) are the positions in the run's tag
   * list to serve; by default every tag with an image in each sensor.
   */
  constructor(file: RunFile | RunSource, id: string, options: DetectorOptions = {}, positions?: Uint32Array) {
    this.source = asSource(file);
    this.id = id;
    this.layouts = this.source.resolveDetector(id);
    this.layout = this.layouts[0];
    this.shape = this.layout.shape;
    this.size = this.shape.reduce((a, b) => a * b, 1);
    this.dtype = this.layout.dtype;
    this.evPerAdu = this.gains(options.evPerAdu ?? 'auto');
    const d = options.dark ?? null;
    const data = d === null || ArrayBuffer.isView(d) ? d : d.data;
    if (d !== null && !ArrayBuffer.isView(d)) {
      if (d.shape.length !== this.shape.length || d.shape.some((s, i) => s !== this.shape[i])) {
        throw new DataError(`${d.path}: dark has shape [${d.shape}] but ${this.id} images are [${this.shape}]`);
      }
    }
    if (data && data.length !== this.size) {
      throw new DataError(`dark has ${data.length} pixels but ${this.id} images are [${this.shape}] (${this.size} pixels)`);
    }
    if (d && data) checkDarkValues(data, this.shape, this.darkLabel(d));
    // Subtracted in the images' own arithmetic, as NumPy's `raw − dark.astype(raw's dtype)`.
    this.dark = data === null ? null : this.dtype === 'f64' ? Float64Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
    this.darkPath = d !== null && !ArrayBuffer.isView(d) ? d.path : null;
    this.darkTime = this.darkPath === null ? null : darkTime(this.darkPath);
    this.positions =
      positions ??
      selectPresentTags(this.source, [{ name: id, layouts: this.layouts }], options.missingTags ?? 'skip', options.warn ?? ((m) => console.warn(m)));
    this.tags = Float64Array.from(this.positions, (i) => this.source.tags[i]);
    this.readers = this.source.files.map(() => null);
  }

  private darkLabel(d: Dark | Float32Array | Float64Array): string {
    return ArrayBuffer.isView(d) ? `the dark array given for ${this.id}` : d.path;
  }

  private gains(ev: number | 'auto'): number[] {
    if (ev === 'auto') {
      return this.layout.sensors.map((s) => {
        const where = `${this.source.files[0].path}: ${this.source.files[0].base}/${s.group}/detector_info/absolute_gain (${s.name})`;
        if (s.evPerAdu === null) throw new DataError(`${where} is missing, so evPerAdu 'auto' cannot be used; give a number`);
        if (!(Number.isFinite(s.absoluteGain) && s.absoluteGain! > 0)) {
          throw new DataError(`${where} is ${s.absoluteGain}: expected a positive gain (eV per ADU = gain × 3.65)`);
        }
        return s.evPerAdu;
      });
    }
    if (typeof ev === 'number' && Number.isFinite(ev) && ev > 0) return this.layout.sensors.map(() => ev);
    throw new ConfigError(`${this.id}: evPerAdu must be a positive finite number or 'auto', got ${String(ev)}`);
  }

  /** Number of sensors (1 for a single sensor). */
  get sensors(): number {
    return this.layout.kind === 'sensors' ? this.layout.sensors.length : 1;
  }

  /** Where every pixel lies (null when the sensors have no geometry in the file). */
  get geometry(): DetectorGeometry | null {
    if (this.#geometry === undefined) this.#geometry = detectorGeometry(this.layout);
    return this.#geometry;
  }

  get length(): number {
    return this.tags.length;
  }

  private index(i: number): number {
    if (!Number.isInteger(i)) throw new ConfigError(`shot index must be an integer, got ${i}`);
    const j = i < 0 ? i + this.length : i;
    if (j < 0 || j >= this.length) throw new RangeError(`shot index ${i} out of range (detector ${this.id} has ${this.length} shots)`);
    return j;
  }

  /**
   * Reads image `i` as `(raw − dark) × evPerAdu` into `out`: a typed array of the detector's
   * dtype (allocated if not given), or a WasmArray of that dtype (kernel memory, where the
   * pipeline keeps its shots).
   */
  read(i: number): Image;
  read<T extends Image | WasmImageData>(i: number, out: T): T;
  read(i: number, out?: Image | WasmImageData): Image | WasmImageData {
    const j = this.index(i);
    const buf = out ?? (this.dtype === 'f64' ? new Float64Array(this.size) : new Float32Array(this.size));
    if (buf.length !== this.size) throw new ConfigError(`output buffer has ${buf.length} elements, need ${this.size}`);
    const target = buf instanceof WasmArray ? buf : this.stagingBuffer();
    const rightType = buf instanceof WasmArray ? buf.dtype === this.dtype : this.dtype === 'f64' ? buf instanceof Float64Array : buf instanceof Float32Array;
    if (!rightType) {
      throw new ConfigError(`${this.id}: output buffer must be ${this.dtype === 'f64' ? 'float64' : 'float32'}, the detector's image dtype`);
    }
    this.readInto(this.positions[j], target as WasmImageData);
    if (!(buf instanceof WasmArray)) buf.set(target.view());
    return buf;
  }

  /**
   * Reads rows `[first, end)` of image `i` into `out` (kernel memory of the detector's dtype,
   * `(end − first) × cols` elements), corrected as `read` corrects them. Rows count through the
   * sensors of a stack (sensor k's rows are k·rows … (k+1)·rows − 1), so a worker that owns a
   * block of the pixels reads only those (HDF5 hyperslabs).
   */
  readRows(i: number, [first, end]: [number, number], out: WasmImageData): WasmImageData {
    const j = this.index(i);
    const cols = this.shape[this.shape.length - 1];
    const total = this.size / cols;
    if (!(Number.isInteger(first) && Number.isInteger(end) && 0 <= first && first < end && end <= total)) {
      throw new RangeError(`${this.id}: rows [${first}, ${end}) are not rows of its ${total}`);
    }
    if (out.dtype !== this.dtype || out.length !== (end - first) * cols) {
      throw new ConfigError(`${this.id}: a buffer for rows [${first}, ${end}) must be ${this.dtype}[${(end - first) * cols}], got ${out.dtype}[${out.length}]`);
    }
    this.readInto(this.positions[j], out, [first, end]);
    return out;
  }

  private stagingBuffer(): WasmImageData {
    this.staging ??= this.dtype === 'f64' ? new WasmArray('f64', this.size) : new WasmArray('f32', this.size);
    return this.staging;
  }

  /**
   * Reads every sensor's image of run tag position `position` into `target` and corrects it; with
   * `rows`, only those rows of the stack (target holds just them).
   */
  private readInto(position: number, target: WasmImageData, rows?: [number, number]): void {
    const f = this.source.fileOf[position];
    const file = this.source.files[f];
    const layout = this.layouts[f];
    const tag = this.source.tags[position];
    const first = layout.sensors[0];
    const reader = (this.readers[f] ??= new ImageReader(file.h5, {
      shape: first.shape,
      arithmetic: this.dtype,
      first: `${first.name || first.group}, tag ${first.firstTag}`,
      firstDtype: first.dtype,
    }));
    if (this.dark && !this.darkInWasm) this.darkInWasm = (this.dtype === 'f64' ? new WasmArray('f64', this.size) : new WasmArray('f32', this.size)).set(this.dark);
    const per = reader.n;
    const bytes = this.dtype === 'f64' ? 8 : 4;
    const correct = this.dtype === 'f64' ? core.correctImageF64 : core.correctImage;
    const rowsPer = first.shape[0];
    const cols = per / rowsPer;
    const [from, to] = rows ?? [0, rowsPer * layout.sensors.length];
    layout.sensors.forEach((s, k) => {
      // This sensor's rows within [from, to), and where they go in target.
      const r0 = Math.max(from - k * rowsPer, 0);
      const r1 = Math.min(to - k * rowsPer, rowsPer);
      if (r0 >= r1) return;
      const what = layout.sensors.length > 1 ? `${this.id} sensor ${s.name} (${s.group}), tag ${tag}` : `${this.id} (${s.group}), tag ${tag}`;
      const offset = (k * rowsPer + r0 - from) * cols;
      const n = (r1 - r0) * cols;
      reader.readRaw(file.imagePath(s.group, tag), target, offset, what, rows ? [r0, r1] : undefined);
      const at = target.ptr + offset * bytes;
      const gain = this.evPerAdu[k];
      const dark = this.darkInWasm ? this.darkInWasm.ptr + (k * rowsPer + r0) * cols * bytes : 0;
      if (this.darkInWasm || gain !== 1) correct(at, dark, at, n, gain);
    });
  }

  /** Image `i` (negative counts from the end). The last image read is cached. */
  get(i: number): Image {
    const j = this.index(i);
    if (j === this.lastIndex && this.last) return this.last;
    const img = this.read(j);
    this.lastIndex = j;
    this.last = img;
    return img;
  }

  /** A handle that reads image `i` on first access of `.value`. */
  lazy(i: number): LazyImage {
    const j = this.index(i);
    const tag = this.tags[j];
    let img: Image | null = null;
    const self = this;
    return {
      index: j,
      tag,
      get loaded() {
        return img !== null;
      },
      get value() {
        if (!img) img = self.get(j);
        return img;
      },
    };
  }

  *[Symbol.iterator](): IterableIterator<Image> {
    for (let i = 0; i < this.length; i++) yield this.read(i);
  }

  /** Frees the read buffers and the dark in kernel memory (the file stays open). */
  free(): void {
    for (const r of this.readers) r?.free();
    this.readers = this.source.files.map(() => null);
    this.staging?.dispose();
    this.staging = null;
    this.darkInWasm?.dispose();
    this.darkInWasm = null;
    this.last = null;
    this.lastIndex = -1;
  }
}
