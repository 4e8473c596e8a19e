// The column file of the logbook table (docs/table.md): user-defined per-run columns,
// `{ "columns": [{ "name", "expr", "unit"?, "format"? }] }`, validated as configs are: every
// mistake at once, one line each, `<file>: <path>: expected …, got …`. Portable (no Node imports).
import * as z from 'zod';
import { ConfigError } from '../../core/errors.js';
import { Expression, ExpressionError, didYouMean } from './expression.js';

/** How a column's numbers are written: chosen from its values, integers, fixed or scientific. */
export type NumberFormat = 'auto' | 'd' | { fixed: number } | { sci: number };

export interface ColumnSpec {
  name: string;
  expr: Expression;
  /** Shown in the header as `name (unit)`; null: from the datasets' units, when they have one. */
  unit: string | null;
  format: NumberFormat;
}

/** Names the table's default columns use (a user column may not take one). */
export const DEFAULT_COLUMN_NAMES = ['run', 'start', 'good', 'shots', 'photon_energy'] as const;

const FORMAT = /^(auto|d|\.(\d{1,2})([fe]))$/;

/** `"auto"`, `"d"`, `".3f"`, `".4e"` → a NumberFormat (null when not one of those). */
export function parseFormat(text: string): NumberFormat | null {
  const m = FORMAT.exec(text);
  if (!m) return null;
  if (m[1] === 'auto' || m[1] === 'd') return m[1];
  const digits = Number(m[2]);
  if (digits > 20) return null;
  return m[3] === 'f' ? { fixed: digits } : { sci: digits };
}

type PathSeg = string | number;

function formatPath(path: PathSeg[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(top level)';
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 57))}…` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length ? `a list of ${v.length}` : 'an empty list';
  if (typeof v === 'object') {
    const keys = Object.keys(v as object);
    return keys.length ? `an object with ${keys.length === 1 ? 'key' : 'keys'} ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}` : 'an empty object';
  }
  return typeof v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// The column entry's fields; unknown keys are reported separately (with "did you mean").
const COLUMN_KEYS = ['name', 'expr', 'unit', 'format'];
const columnSchema = z.object({
  name: z
    .string({ error: 'a column name (a non-empty string)' })
    .min(1, { error: 'a column name (a non-empty string)' })
    .max(40, { error: 'a column name of at most 40 characters' })
    .regex(/^(?!\s)[^\p{Cc}]*(?<!\s)$/u, { error: 'a column name without control characters or spaces at either end' }),
  expr: z.string({ error: 'an expression (a string), e.g. "median(sampleY)"' }).min(1, { error: 'an expression (a string), e.g. "median(sampleY)"' }),
  unit: z.string({ error: 'a unit (a string, e.g. "eV")' }).nullish(),
  format: z
    .string({ error: 'a number format: "auto", "d", ".3f" or ".4e"' })
    .refine((s) => parseFormat(s) !== null, { error: 'a number format: "auto", "d", ".3f" (fixed, 3 decimals) or ".4e" (scientific, 4 decimals)' })
    .optional(),
});

/**
 * Checks a parsed column file and returns its columns, expressions parsed. Every mistake is
 * reported in one ConfigError, one line each.
 */
export function validateColumns(raw: unknown, origin: string): ColumnSpec[] {
  const issues: { path: PathSeg[]; expected: string; got?: string }[] = [];
  const at = (path: PathSeg[]) => path.reduce<unknown>((v, p) => (isObject(v) || Array.isArray(v) ? (v as Record<PathSeg, unknown>)[p] : undefined), raw);
  const fail = (): never => {
    throw new ConfigError(issues.map((i) => `${origin}: ${formatPath(i.path)}: expected ${i.expected}, got ${i.got ?? describe(at(i.path))}`).join('\n'));
  };
  if (!isObject(raw)) {
    issues.push({ path: [], expected: 'an object { "columns": [{ "name", "expr", "unit"?, "format"? }, …] }' });
    return fail();
  }
  for (const k of Object.keys(raw)) {
    if (k !== 'columns') issues.push({ path: [k], expected: `the key columns${didYouMean(k, ['columns'])}`, got: 'an unknown key' });
  }
  const list = raw.columns;
  if (!Array.isArray(list)) {
    issues.push({ path: ['columns'], expected: 'a list of columns [{ "name", "expr", "unit"?, "format"? }, …]' });
    return fail();
  }
  const columns: ColumnSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    const path = ['columns', i];
    if (!isObject(entry)) {
      issues.push({ path, expected: 'a column { "name", "expr", "unit"?, "format"? }' });
      return;
    }
    for (const k of Object.keys(entry)) {
      if (!COLUMN_KEYS.includes(k)) issues.push({ path: [...path, k], expected: `one of the keys ${COLUMN_KEYS.join(', ')}${didYouMean(k, COLUMN_KEYS)}`, got: 'an unknown key' });
    }
    const r = columnSchema.safeParse(entry);
    if (!r.success) {
      for (const iss of r.error.issues) issues.push({ path: [...path, ...(iss.path as PathSeg[])], expected: iss.message });
      return;
    }
    const { name, expr, unit, format } = r.data;
    if ((DEFAULT_COLUMN_NAMES as readonly string[]).includes(name)) {
      issues.push({ path: [...path, 'name'], expected: `a name other than the default columns' (${DEFAULT_COLUMN_NAMES.join(', ')})` });
    } else if (seen.has(name)) {
      issues.push({ path: [...path, 'name'], expected: `a name not already used by columns[${seen.get(name)}]` });
    } else seen.set(name, i);
    let parsed: Expression;
    try {
      parsed = new Expression(expr);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issues.push({ path: [...path, 'expr'], expected: 'a valid expression', got: `${JSON.stringify(expr)} (column ${err.position + 1}: ${err.reason})` });
      return;
    }
    columns.push({ name, expr: parsed, unit: unit ?? null, format: parseFormat(format ?? 'auto')! });
  });
  if (issues.length) fail();
  return columns;
}

function lineColumn(text: string, pos: number): string {
  const lines = text.slice(0, Math.max(0, Math.min(pos, text.length))).split('\n');
  return `line ${lines.length}, column ${lines[lines.length - 1].length + 1}`;
}

/** Parses and validates a column file's text (`origin` names it in errors). */
export function parseColumnFile(text: string, origin: string): ColumnSpec[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    const where = lc ? `line ${lc[1]}, column ${lc[2]}` : pos ? lineColumn(text, Number(pos[1])) : /end of (JSON )?input/i.test(msg) ? lineColumn(text, text.length) : 'JSON';
    const reason = msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/\s*in JSON at position \d+/, '').replace(/,\s*".*" is not valid JSON$/s, '');
    throw new ConfigError(`${origin}: ${where}: expected valid JSON, got ${reason}`);
  }
  return validateColumns(raw, origin);
}
