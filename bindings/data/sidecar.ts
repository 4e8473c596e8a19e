// Sidecar text files of `tag, value` lines, as exported by the facility's sync-DAQ command-line
// tool: one equipment per file, one line per tag. Blank lines, `#` comments and a non-numeric
// header line are skipped; separators may be commas, tabs or spaces.
import { DataError } from '../core/errors.js';
import { files } from '../core/files.js';

export interface Sidecar {
  tags: Float64Array;
  values: Float64Array;
}

const WORDS: Record<string, number> = { true: 1, false: 0, on: 1, off: 0, open: 1, close: 0, closed: 0, nan: NaN };

/** Parses sidecar text; `where` names the file in errors. */
export function parseSidecar(text: string, where = 'sidecar'): Sidecar {
  const tags: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim();
    if (!line) continue;
    const parts = line.split(/[,\t ;]+/).filter(Boolean);
    const tag = Number(parts[0]);
    if (!Number.isInteger(tag)) {
      if (tags.length === 0) continue; // a header line
      throw new DataError(`${where}: line ${i + 1}: expected "tag, value", got ${JSON.stringify(lines[i])}`);
    }
    if (parts.length < 2) throw new DataError(`${where}: line ${i + 1}: no value after tag ${tag}`);
    const raw = parts[parts.length - 1];
    let v = Number(raw);
    if (Number.isNaN(v)) {
      const w = WORDS[raw.toLowerCase()];
      if (w === undefined) throw new DataError(`${where}: line ${i + 1}: value ${JSON.stringify(raw)} is not a number`);
      v = w;
    }
    tags.push(tag);
    values.push(v);
  }
  if (tags.length === 0) throw new DataError(`${where}: no "tag, value" lines`);
  return { tags: Float64Array.from(tags), values: Float64Array.from(values) };
}

/** Reads a sidecar file. */
export async function readSidecar(path: string): Promise<Sidecar> {
  let text: string;
  try {
    text = new TextDecoder().decode(files().read(path));
  } catch (err) {
    throw new DataError(`${path}: cannot read sidecar file: ${(err as Error).message}`);
  }
  return parseSidecar(text, path);
}

/**
 * The sidecar values for `tags` (in that order). Every tag must be present: a missing tag is an
 * error naming the file, how many are missing and the first of them.
 */
export function alignSidecar(sc: Sidecar, tags: ArrayLike<number>, where = 'sidecar'): Float64Array {
  const map = new Map<number, number>();
  for (let i = 0; i < sc.tags.length; i++) map.set(sc.tags[i], sc.values[i]);
  const out = new Float64Array(tags.length);
  const missing: number[] = [];
  for (let i = 0; i < tags.length; i++) {
    const v = map.get(tags[i]);
    if (v === undefined) missing.push(tags[i]);
    else out[i] = v;
  }
  if (missing.length) {
    throw new DataError(
      `${where}: ${missing.length} of the run's ${tags.length} tags have no value (first: ${missing.slice(0, 5).join(', ')})`,
    );
  }
  return out;
}
