// Config mistakes and their messages: `<origin>: <path>: expected …, got …`, a path in the file
// (`outputs[3].transforms[0].noiseCut.threshold`) and a short description of what is there.
import { closestKeys, editDistance } from '../../data/calibration.js';

export type PathSeg = string | number;

export interface Issue {
  path: PathSeg[];
  expected: string;
  /** Overrides the description of the value found at `path`. */
  got?: string;
}

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(path: PathSeg[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (IDENT.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s || '(top level)';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A short description of a value found in a config ("got …"). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}…` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    if (v.length === 0) return 'an empty list';
    const short = v.length <= 8 && v.every((x) => x === null || ['number', 'string', 'boolean'].includes(typeof x));
    const text = short ? JSON.stringify(v).replace(/,/g, ', ') : '';
    return short && text.length <= 60 ? text : `a list of ${v.length}`;
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
    return `an object with ${keys.length === 1 ? 'key' : 'keys'} ${shown}`;
  }
  return typeof v;
}

export function at(raw: unknown, path: PathSeg[]): unknown {
  let v = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSeg, unknown>)[p];
  }
  return v;
}

export function didYouMean(key: string, candidates: readonly string[]): string {
  if (!candidates.length) return '';
  const [best] = closestKeys(key, [...candidates], 1);
  const d = editDistance(key.toLowerCase(), best.toLowerCase());
  return best !== key && d <= Math.max(2, Math.floor(Math.min(key.length, best.length) / 3)) ? ` (did you mean "${best}"?)` : '';
}

export function list(names: readonly string[]): string {
  return names.join(', ');
}
