// The logbook table (docs/table.md): one row per result file, default columns (run, start,
// good and total shots, the nominal photon energy, the median of every database value) and
// user columns from a column file; sorting; text (aligned, one number format per column), CSV
// and JSON. Portable (no Node imports): the CLI and the web app's worker fill it alike.
import { type ResultSource, ExpressionError, Expression } from './expression.js';
import type { ColumnSpec, NumberFormat } from './columns.js';
import { ConfigError, DataError } from '../../core/errors.js';

export interface Column {
  name: string;
  /** `name (unit)`, or the name alone. */
  header: string;
  /** '' when unknown or dimensionless. */
  unit: string;
  kind: 'number' | 'text';
  format: NumberFormat;
  /** The expression behind the column (user columns and the medians of values), else null. */
  expr: string | null;
  user: boolean;
}

/** A cell: a number (NaN when it could not be computed), a text, or null (not in this run). */
export type Cell = number | string | null;

export interface TableRow {
  run: number;
  path: string | null;
  cells: Record<string, Cell>;
  /** What went wrong computing this row's cells, one line each. */
  problems: string[];
}

export interface TableOptions {
  /** User columns (from a column file); one named like a database value replaces its median column. */
  columns?: ColumnSpec[];
}

// The nominal photon energy under this root attribute is preferred to one given by the caller.
const PHOTON_ENERGY_ATTR = 'photon_energy_in_eV';

const time = (seconds: unknown): string | null => {
  const s = typeof seconds === 'bigint' ? Number(seconds) : seconds;
  return typeof s === 'number' && Number.isFinite(s) ? new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
};

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN);

/** The database values of a result file: the config's values that are datasets of it. */
function valueNames(source: ResultSource): string[] {
  const raw = source.attrs.config;
  if (typeof raw !== 'string') return [];
  try {
    const config = JSON.parse(raw) as { values?: Record<string, unknown> };
    return Object.keys(config.values ?? {}).filter((name) => source.names.includes(name));
  } catch {
    return [];
  }
}

export class RunTable {
  readonly rows: TableRow[] = [];
  readonly user: ColumnSpec[];
  /** Database values seen so far, in the order first seen. */
  private values: string[] = [];
  private units = new Map<string, string>();
  private photonEnergyKnown = false;
  /** Per user column: rows where it failed, and the first error. */
  private failures = new Map<string, { rows: number; first: Error }>();

  constructor(options: TableOptions = {}) {
    this.user = options.columns ?? [];
  }

  /** Computes one row from an open result file (read it before the file is closed). */
  add(source: ResultSource): TableRow {
    const cells: Record<string, Cell> = {};
    const problems: string[] = [];
    cells.run = source.run;
    cells.start = time(source.attrs.run_start);
    cells.good = num(source.attrs.good_shots);
    cells.shots = num(source.attrs.shots_in_run);
    const energy = PHOTON_ENERGY_ATTR in source.attrs ? num(source.attrs[PHOTON_ENERGY_ATTR]) : (source.photonEnergy ?? NaN);
    cells.photon_energy = energy;
    if (Number.isFinite(energy)) this.photonEnergyKnown = true;
    const unitOf = (name: string) => source.units?.(name) ?? undefined;
    const userNames = new Set(this.user.map((c) => c.name));
    for (const name of valueNames(source)) {
      if (!this.values.includes(name)) this.values.push(name);
      if (userNames.has(name)) continue;
      try {
        cells[name] = MEDIAN_OF(name).evaluate(source);
      } catch (err) {
        cells[name] = NaN;
        problems.push(`run ${source.run}: ${name}: ${(err as Error).message.split('\n')[0]}`);
      }
      const u = unitOf(name);
      if (u && !this.units.has(name)) this.units.set(name, u);
    }
    for (const spec of this.user) {
      try {
        cells[spec.name] = spec.expr.evaluate(source);
      } catch (err) {
        cells[spec.name] = NaN;
        const f = this.failures.get(spec.name);
        if (f) f.rows++;
        else this.failures.set(spec.name, { rows: 1, first: err as Error });
        const reason = err instanceof ExpressionError ? `column ${err.position + 1}: ${err.reason}` : (err as Error).message;
        problems.push(`run ${source.run}: column ${spec.name}: ${reason}`);
      }
      if (!this.units.has(spec.name)) {
        const u = spec.unit ?? spec.expr.unit(unitOf);
        if (u) this.units.set(spec.name, u);
      }
    }
    const row: TableRow = { run: source.run, path: source.path ?? null, cells, problems };
    this.rows.push(row);
    return row;
  }

  /**
   * Throws the first error of a user column that failed on every row (a mistake in the column,
   * not a run without that dataset): its message names the place in the expression.
   */
  check(origin?: string): void {
    for (const spec of this.user) {
      const f = this.failures.get(spec.name);
      if (f && f.rows === this.rows.length) {
        const where = origin ? `${origin}: column ${spec.name}: ` : `column ${spec.name}: `;
        const err = f.first;
        if (err instanceof ExpressionError) {
          throw err.withContext(`${where.slice(0, -2)}, in every run: `);
        }
        throw err instanceof ConfigError ? new ConfigError(where + err.message) : new DataError(where + err.message);
      }
    }
  }

  get columns(): Column[] {
    const unit = (name: string, fallback = '') => this.units.get(name) ?? fallback;
    const make = (name: string, kind: Column['kind'], format: NumberFormat, u: string, expr: string | null, user: boolean): Column => ({
      name,
      header: u ? `${name} (${u})` : name,
      unit: u,
      kind,
      format,
      expr,
      user,
    });
    const cols: Column[] = [
      make('run', 'number', 'd', '', null, false),
      make('start', 'text', 'auto', 'UTC', null, false),
      make('good', 'number', 'd', '', null, false),
      make('shots', 'number', 'd', '', null, false),
    ];
    if (this.photonEnergyKnown) cols.push(make('photon_energy', 'number', 'auto', 'eV', null, false));
    const userNames = new Set(this.user.map((c) => c.name));
    for (const name of this.values) if (!userNames.has(name)) cols.push(make(name, 'number', 'auto', unit(name), MEDIAN_OF(name).text, false));
    for (const spec of this.user) cols.push(make(spec.name, 'number', spec.format, unit(spec.name), spec.expr.text, true));
    return cols;
  }

  /** Sorts the rows by a column (NaN and missing cells last either way; ties in run order). */
  sort(name: string, descending = false): void {
    const column = this.columns.find((c) => c.name === name);
    if (!column) throw new SortError(name, this.columns.map((c) => c.name));
    const sign = descending ? -1 : 1;
    const missing = (v: Cell) => v === null || (typeof v === 'number' && Number.isNaN(v));
    this.rows.sort((a, b) => {
      const x = a.cells[name] ?? null;
      const y = b.cells[name] ?? null;
      if (missing(x) || missing(y)) return missing(x) === missing(y) ? a.run - b.run : missing(x) ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c === 0 ? a.run - b.run : sign * c;
    });
  }

  /** Every cell as it is printed: one number format per column. */
  formatted(): { columns: Column[]; header: string[]; cells: string[][] } {
    const columns = this.columns;
    const byColumn = columns.map((col) => {
      const values = this.rows.map((r) => r.cells[col.name] ?? null);
      if (col.kind === 'text') return values.map((v) => (v === null ? '-' : String(v)));
      return formatColumn(values as (number | null)[], col.format);
    });
    return { columns, header: columns.map((c) => c.header), cells: this.rows.map((_, i) => byColumn.map((col) => col[i])) };
  }

  /** The aligned table: numbers right-aligned (same format, so the decimal points line up). */
  text(): string {
    const { columns, header, cells } = this.formatted();
    return alignedTable(header, cells, columns.map((c) => (c.kind === 'number' ? 'right' : 'left')));
  }

  /** RFC 4180 CSV: the header with units, numbers in full precision, NaN as nan, missing empty. */
  csv(): string {
    const columns = this.columns;
    const lines = [columns.map((c) => csvField(c.header))];
    for (const row of this.rows) {
      lines.push(
        columns.map((c) => {
          const v = row.cells[c.name] ?? null;
          return v === null ? '' : typeof v === 'number' ? plainNumber(v) : csvField(v);
        }),
      );
    }
    return lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
  }

  /** One object per row, keyed by column name; NaN, infinities and missing cells are null. */
  json(): Record<string, number | string | null>[] {
    const columns = this.columns;
    return this.rows.map((row) =>
      Object.fromEntries(
        columns.map((c) => {
          const v = row.cells[c.name] ?? null;
          return [c.name, typeof v === 'number' && !Number.isFinite(v) ? null : v];
        }),
      ),
    );
  }
}

const medians = new Map<string, Expression>();
/** The default value column: the median over the good shots, leaving out NaN shots. */
function MEDIAN_OF(name: string): Expression {
  let e = medians.get(name);
  if (!e) {
    e = new Expression(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `nanmedian(${name})` : `nanmedian(\`${name}\`)`);
    medians.set(name, e);
  }
  return e;
}

/** An unknown column to sort by. */
export class SortError extends ConfigError {
  constructor(name: string, known: string[]) {
    super(`--sort: no column "${name}" (columns: ${known.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Number formats

/** Significant digits of the automatic format. */
const DIGITS = 4;

function special(v: number | null): string | null {
  if (v === null) return '-';
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/**
 * The format of a column from its finite values: integers as integers; otherwise fixed-point
 * with the decimals that give the largest value 4 significant digits and the smallest at least
 * 2, unless that takes more than 8 digits or the values are below 1e-3 or from 1e6 up: then
 * scientific with 3 decimals. One format for the whole column, so that it reads down.
 */
export function chooseFormat(values: readonly (number | null)[]): Exclude<NumberFormat, 'auto'> {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!finite.length) return 'd';
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of finite) {
    const a = Math.abs(v);
    maxAbs = Math.max(maxAbs, a);
    if (a > 0) minAbs = Math.min(minAbs, a);
  }
  if (finite.every(Number.isInteger) && maxAbs < 1e15) return 'd';
  if (maxAbs >= 1e6 || maxAbs < 1e-3) return { sci: DIGITS - 1 };
  const eMax = Math.floor(Math.log10(maxAbs));
  let decimals = Math.max(DIGITS - 1 - eMax, 0);
  if (Number.isFinite(minAbs)) decimals = Math.max(decimals, 1 - Math.floor(Math.log10(minAbs)));
  if (eMax + 1 + decimals > 8) return { sci: DIGITS - 1 };
  return { fixed: decimals };
}

export function formatNumber(v: number | null, format: Exclude<NumberFormat, 'auto'>): string {
  const s = special(v);
  if (s !== null) return s;
  const x = v as number;
  let out: string;
  if (format === 'd') out = Math.abs(x) < 1e21 ? x.toFixed(0) : x.toExponential(DIGITS - 1);
  else if ('fixed' in format) out = Math.abs(x) < 1e21 ? x.toFixed(format.fixed) : x.toExponential(format.fixed);
  else out = x.toExponential(format.sci);
  // A negative number that rounds to zero keeps no sign.
  return /^-0(\.0*)?(e[+-]\d+)?$/.test(out) ? out.slice(1) : out;
}

/** A column's numbers in one format (chosen from the values when 'auto'). */
export function formatColumn(values: readonly (number | null)[], format: NumberFormat = 'auto'): string[] {
  const f = format === 'auto' ? chooseFormat(values) : format;
  return values.map((v) => formatNumber(v, f));
}

/**
 * A value with its uncertainty, both to the decimal of the uncertainty's second significant
 * digit: `0.4132 ± 0.0021`, `(2.993 ± 0.019)e-4`; without a finite uncertainty, 4 digits.
 */
export function formatWithError(value: number, error: number): string {
  const s = special(value);
  if (s !== null) return s;
  if (!(Number.isFinite(error) && error > 0)) {
    return `${formatColumn([value])[0]} ± ${error === 0 ? '0' : Number.isNaN(error) ? 'nan' : 'inf'}`;
  }
  const eErr = Math.floor(Math.log10(error));
  const big = Math.max(Math.abs(value), error);
  const eBig = Math.floor(Math.log10(big));
  // Fixed-point while the uncertainty's second digit is at or right of the decimal point.
  if (big >= 1e-3 && big < 1e6 && eErr <= 1) {
    const decimals = 1 - eErr;
    if (decimals <= 8) return `${formatNumber(value, { fixed: decimals })} ± ${error.toFixed(decimals)}`;
  }
  // Scientific with one exponent for both.
  const scale = 10 ** eBig;
  const decimals = Math.max(0, eBig - eErr + 1);
  return `(${formatNumber(value / scale, { fixed: decimals })} ± ${(error / scale).toFixed(decimals)})e${eBig >= 0 ? '+' : ''}${eBig}`;
}

/** Full precision for CSV: JavaScript's shortest round-trip form, nan / inf / -inf. */
export function plainNumber(v: number): string {
  return special(v) ?? String(v);
}

export function csvField(s: string): string {
  return /[\x22,\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Columns padded to their widest cell, two spaces apart, a rule under the header. */
export function alignedTable(header: string[], cells: string[][], align: ('left' | 'right')[]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...cells.map((row) => width(row[i]))));
  const pad = (s: string, i: number) => (align[i] === 'right' ? ' '.repeat(widths[i] - width(s)) + s : s + ' '.repeat(widths[i] - width(s)));
  const line = (row: string[]) => row.map(pad).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** Characters as a terminal shows them (σ, µ, ± are one column each). */
function width(s: string): number {
  return [...s].length;
}
