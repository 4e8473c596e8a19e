// A run as read from one converter file, or from several files that split it by tags
// (`run_N_bg.h5` + `run_N_sig.h5`, mpmdean/py15sacla SaveRunHDF): the tags of all files in
// one ascending list, each tag read from the file that holds it.
import { DataError } from '../core/errors.js';
import { RunFile, timeSpan, type RunInfo } from './runfile.js';
import { resolveDetector, type DetectorLayout } from './sensors.js';

export class RunSource {
  readonly run: number;
  /** Every tag of the run, ascending. */
  readonly tags: Float64Array;
  /** UNIX time of each tag, or null when a file has no `time_stamp`. */
  readonly timeStamps: Float64Array | null;
  /** For each tag: the file that holds it and its position in that file's tag list. */
  readonly fileOf: Uint16Array;
  readonly indexInFile: Uint32Array;

  constructor(readonly files: RunFile[]) {
    if (!files.length) throw new RangeError('RunSource: no files');
    this.run = files[0].run;
    for (const f of files) checkTagList(f);
    const all: { tag: number; file: number; index: number }[] = [];
    files.forEach((f, k) => f.tags.forEach((tag, index) => all.push({ tag, file: k, index })));
    if (files.length > 1) {
      all.sort((a, b) => a.tag - b.tag);
      for (let i = 1; i < all.length; i++) {
        if (all[i].tag === all[i - 1].tag) {
          throw new DataError(
            `${files[all[i - 1].file].path} and ${files[all[i].file].path}: run ${this.run}: tag ${all[i].tag} is in both files; ` +
              'the files of a split run must hold different tags',
          );
        }
      }
    }
    this.tags = Float64Array.from(all, (e) => e.tag);
    this.fileOf = Uint16Array.from(all, (e) => e.file);
    this.indexInFile = Uint32Array.from(all, (e) => e.index);
    this.timeStamps = files.every((f) => f.timeStamps) ? Float64Array.from(all, (e) => files[e.file].timeStamps![e.index]) : null;
  }

  /** Opens a run from one file or from every file of a split run. */
  static async open(paths: string[], run: number): Promise<RunSource> {
    const files: RunFile[] = [];
    try {
      for (const p of paths) files.push(await RunFile.open(p, run));
      return new RunSource(files);
    } catch (err) {
      for (const f of files) f.close();
      throw err;
    }
  }

  /** The file's path, or `a + b` for a run read from several files. */
  get path(): string {
    return this.files.map((f) => f.path).join(' + ');
  }

  get highTag(): number | null {
    return this.files[0].highTag;
  }

  get startTime(): number | null {
    return timeSpan(this.timeStamps).start;
  }

  get endTime(): number | null {
    return timeSpan(this.timeStamps).end;
  }

  /** Middle of the run (mean of first and last tag time), used to choose a dark. */
  get middleTime(): number | null {
    return timeSpan(this.timeStamps).middle;
  }

  runInfo(): RunInfo {
    return this.files[0].runInfo();
  }

  /** Database keys of the run (those of its first file). */
  databaseKeys(): string[] {
    return this.files[0].databaseKeys();
  }

  /** The detector an id names, in every file (the same sensors, shapes and dtypes in each). */
  resolveDetector(id: string): DetectorLayout[] {
    const layouts = this.files.map((f) => resolveDetector(f, id));
    const [first] = layouts;
    layouts.forEach((l, k) => {
      const same = l.shape.join() === first.shape.join() && l.dtype === first.dtype && l.sensors.every((s, i) => s.name === first.sensors[i].name);
      if (!same) {
        throw new DataError(
          `${this.files[k].path}: detector "${id}" is [${l.shape}] here but [${first.shape}] in ${this.files[0].path}: the files do not hold the same run`,
        );
      }
    });
    return layouts;
  }

  /** Whether every sensor of the detector has an image for tag `i` (in every file's layout). */
  hasImage(layouts: DetectorLayout[], i: number): boolean {
    const f = this.fileOf[i];
    const tag = this.tags[i];
    return layouts[f].sensors.every((s) => this.files[f].groupTags(s.group).has(tag));
  }

  /** Raw per-tag values of a key, aligned with `tags`; null when no file holds the key. */
  rawValues(key: string): Float64Array | null {
    const per = this.files.map((f) => (f.valuePath(key) ? f.rawValues(key) : null));
    if (per.every((v) => v === null)) return null;
    const missing = per.findIndex((v) => v === null);
    if (missing >= 0) throw new DataError(`${this.files[missing].path}: database key "${key}" is missing here but present in ${this.files[per.findIndex((v) => v)].path}`);
    return Float64Array.from(this.tags, (_, i) => per[this.fileOf[i]]![this.indexInFile[i]]);
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}

/**
 * A file's tag list must be what the converter writes: integer tags, ascending, each once. A
 * list out of order is refused rather than sorted: the converter writes tags in order, so such
 * a list was damaged or re-written, and its images and values might not belong to its tags.
 */
function checkTagList(file: RunFile): void {
  const tags = file.tags;
  const where = `${file.path}: run ${file.run}: ${file.base}/event_info/tag_number_list`;
  for (let i = 0; i < tags.length; i++) {
    if (!(Number.isSafeInteger(tags[i]) && tags[i] >= 0)) {
      throw new DataError(`${where}: tag ${tags[i]} (position ${i}) is not a tag number (expected non-negative integers)`);
    }
  }
  const seen = new Map<number, number>();
  for (let i = 0; i < tags.length; i++) {
    const before = seen.get(tags[i]);
    if (before !== undefined) {
      throw new DataError(`${where}: tag ${tags[i]} appears twice (positions ${before} and ${i}); each tag must be listed once`);
    }
    seen.set(tags[i], i);
  }
  let descents = 0;
  let firstDescent = -1;
  for (let i = 1; i < tags.length; i++) {
    if (tags[i] < tags[i - 1]) {
      descents++;
      if (firstDescent < 0) firstDescent = i;
    }
  }
  if (descents) {
    const order = descents === tags.length - 1 ? 'descending' : `not ascending (${descents} of ${tags.length} tags are smaller than the one before)`;
    throw new DataError(
      `${where} is ${order}: tag ${tags[firstDescent]} (position ${firstDescent}) comes after ${tags[firstDescent - 1]}; ` +
        'the converter writes tags in ascending order, so this list is damaged and its images might not match its tags: the run is refused, not sorted',
    );
  }
}
