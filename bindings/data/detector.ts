// One 2-D detector in one run: index → float32 image `(raw − dark) × evPerAdu`.
import { DataError, UsageError } from '../cli/errors.js';
import type { Dark } from './darks.js';
import { ImageReader } from './h5.js';
import { WasmArray } from '../core/wasm.js';
import type { DetectorInfo, RunFile } from './runfile.js';

export interface DetectorOptions {
  /** eV per ADU: a number, or 'auto' = absolute gain × 3.65 (default 'auto'). */
  evPerAdu?: number | 'auto';
  /** Dark image in ADU (same shape as the images), or null for none. */
  dark?: Dark | Float32Array | null;
  /** What to do with run tags that have no image here (default 'skip', with one warning). */
  missingTags?: 'skip' | 'fail';
  /** Where notices go (default console.warn). */
  warn?: (msg: string) => void;
}

/** An image read on first use (`value`), then kept. */
export interface LazyImage {
  readonly index: number;
  readonly tag: number;
  readonly loaded: boolean;
  readonly value: Float32Array;
}

/** Friendly description of missing tags: "3 (first: 1002, 1010, ...)" */
function missingText(missing: number[]): string {
  return `${missing.length} (first: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`;
}

/**
 * Which of `tags` have an image in every group; returns the kept positions. Missing tags are
 * skipped with one warning (policy 'skip') or are an error naming the file, groups and tags.
 */
export function selectPresentTags(
  file: RunFile,
  groups: { name: string; group: string }[],
  policy: 'skip' | 'fail',
  warn: (msg: string) => void,
): Uint32Array {
  const sets = groups.map((g) => ({ ...g, tags: file.detectorTags(g.group), missing: [] as number[] }));
  const keep: number[] = [];
  for (let i = 0; i < file.tags.length; i++) {
    const t = file.tags[i];
    let ok = true;
    for (const s of sets) {
      if (!s.tags.has(t)) {
        s.missing.push(t);
        ok = false;
      }
    }
    if (ok) keep.push(i);
  }
  const lacking = sets.filter((s) => s.missing.length);
  if (lacking.length) {
    const detail = lacking.map((s) => `${s.name} (${s.group}) lacks ${missingText(s.missing)}`).join('; ');
    const dropped = file.tags.length - keep.length;
    if (policy === 'fail') {
      throw new DataError(`${file.path}: run ${file.run}: ${dropped} of ${file.tags.length} tags have no image: ${detail}`);
    }
    warn(`${file.path}: run ${file.run}: skipping ${dropped} of ${file.tags.length} shots whose tags have no image: ${detail}`);
  }
  return Uint32Array.from(keep);
}

export class Detector {
  readonly group: string;
  readonly info: DetectorInfo;
  /** Image shape (rows, cols). */
  readonly shape: number[];
  /** Number of pixels per image. */
  readonly size: number;
  /** eV per ADU applied to every image. */
  readonly evPerAdu: number;
  /** Dark image (ADU) subtracted from every image, or null. */
  readonly dark: Float32Array | null;
  readonly darkPath: string | null;
  /** Tags served by this detector, in shot order. */
  readonly tags: Float64Array;
  private reader: ImageReader | null = null;
  /** The dark, copied once into kernel memory for the correction kernel. */
  private darkInWasm: WasmArray<'f32'> | null = null;
  private lastIndex = -1;
  private last: Float32Array | null = null;

  /**
   * `idOrGroup` is the facility id (`MPCCD-2N0-M02-003`) or the group name (`detector_2d_2`).
   * `tags` (from the Run) are the tags to serve; by default, every run tag with an image here.
   */
  constructor(
    readonly file: RunFile,
    idOrGroup: string,
    options: DetectorOptions = {},
    tags?: Float64Array,
  ) {
    this.group = file.findDetector(idOrGroup);
    this.info = file.detectorInfo(this.group);
    this.shape = this.info.shape;
    this.size = this.shape.reduce((a, b) => a * b, 1);
    const ev = options.evPerAdu ?? 'auto';
    if (ev === 'auto') {
      if (this.info.evPerAdu === null) {
        throw new DataError(
          `${file.path}: ${file.base}/${this.group}/detector_info/absolute_gain is missing, so evPerAdu 'auto' cannot be used; give a number`,
        );
      }
      this.evPerAdu = this.info.evPerAdu;
    } else if (typeof ev === 'number' && Number.isFinite(ev)) {
      this.evPerAdu = ev;
    } else {
      throw new UsageError(`evPerAdu must be a number or 'auto', got ${JSON.stringify(ev)}`);
    }
    const d = options.dark ?? null;
    if (d instanceof Float32Array) {
      if (d.length !== this.size) {
        throw new DataError(`dark has ${d.length} pixels but ${this.group} images are [${this.shape}] (${this.size} pixels)`);
      }
      this.dark = d;
      this.darkPath = null;
    } else if (d) {
      if (d.shape.length !== this.shape.length || d.shape.some((s, i) => s !== this.shape[i])) {
        throw new DataError(`${d.path}: dark has shape [${d.shape}] but ${this.info.id || this.group} images are [${this.shape}]`);
      }
      this.dark = d.data;
      this.darkPath = d.path;
    } else {
      this.dark = null;
      this.darkPath = null;
    }
    if (tags) this.tags = tags;
    else {
      const keep = selectPresentTags(
        file,
        [{ name: this.info.id || this.group, group: this.group }],
        options.missingTags ?? 'skip',
        options.warn ?? ((m) => console.warn(m)),
      );
      this.tags = Float64Array.from(keep, (i) => file.tags[i]);
    }
  }

  /** Facility id (detector_name). */
  get id(): string {
    return this.info.id;
  }

  get length(): number {
    return this.tags.length;
  }

  private index(i: number): number {
    if (!Number.isInteger(i)) throw new UsageError(`shot index must be an integer, got ${i}`);
    const j = i < 0 ? i + this.length : i;
    if (j < 0 || j >= this.length) throw new RangeError(`shot index ${i} out of range (detector ${this.group} has ${this.length} shots)`);
    return j;
  }

  /**
   * Reads image `i` as `(raw − dark) × evPerAdu` into `out`: a Float32Array (allocated if not
   * given), or a float32 WasmArray (kernel memory, where the pipeline keeps its shots).
   */
  read(i: number): Float32Array;
  read<T extends Float32Array | WasmArray<'f32'>>(i: number, out: T): T;
  read(i: number, out?: Float32Array | WasmArray<'f32'>): Float32Array | WasmArray<'f32'> {
    const j = this.index(i);
    const buf = out ?? new Float32Array(this.size);
    if (buf.length !== this.size) throw new UsageError(`output buffer has ${buf.length} elements, need ${this.size}`);
    if (buf instanceof WasmArray && buf.dtype !== 'f32') throw new UsageError(`output buffer must be float32, got ${buf.dtype}`);
    if (!this.reader) this.reader = new ImageReader(this.file.h5, this.shape, this.info.dtype);
    if (this.dark && !this.darkInWasm) this.darkInWasm = new WasmArray('f32', this.size).set(this.dark);
    return this.reader.read(this.file.imagePath(this.group, this.tags[j]), buf, this.darkInWasm, this.evPerAdu);
  }

  /** Image `i` (negative counts from the end). The last image read is cached. */
  get(i: number): Float32Array {
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
    let img: Float32Array | null = null;
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

  *[Symbol.iterator](): IterableIterator<Float32Array> {
    for (let i = 0; i < this.length; i++) yield this.read(i);
  }

  /** Frees the read buffer in the h5wasm heap and the dark in kernel memory (the file stays open). */
  free(): void {
    this.reader?.free();
    this.reader = null;
    this.darkInWasm?.dispose();
    this.darkInWasm = null;
    this.last = null;
    this.lastIndex = -1;
  }
}
