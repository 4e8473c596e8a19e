// A scan across runs (docs/table.md): one point per result file, x and y from the table's
// expressions (or the names of a column file's columns), optionally on log10 axes, and a fit.
// Portable: `sacla scan` and the web app's scan view share it.
import { Expression, ExpressionError, type ResultSource } from './expression.js';
import type { ColumnSpec } from './columns.js';
import { fitModel, paramUnits, type FitOptions, type FitResult, type ModelName } from './fit.js';

export interface ScanAxis {
  /** What the user gave: an expression, or the name of a column of the column file. */
  spec: string;
  expr: Expression;
  /** The column's or the expression's text, with log10(…) around it on a log axis. */
  label: string;
  /** Unit of the values before any log ('' when unknown or dimensionless). */
  unit: string;
  log: boolean;
}

export interface ScanPoint {
  run: number;
  /** The axis values (log10 of the expression's value on a log axis). */
  x: number;
  y: number;
}

export interface ScanOptions {
  x: string;
  y: string;
  /** Columns of a column file: an axis may name one (its expression and unit are used). */
  columns?: ColumnSpec[];
  logX?: boolean;
  logY?: boolean;
  fit?: ModelName | null;
  fitOptions?: FitOptions;
}

export interface ScanResult {
  x: ScanAxis;
  y: ScanAxis;
  /** In x order (then run order). */
  points: ScanPoint[];
  fit: FitResult | null;
  /** Units of the fit's parameters ('' when unknown): from the axes' units, none on a log axis. */
  fitUnits: Record<string, string>;
  /** Runs left out, one line each. */
  problems: string[];
}

export class Scan {
  readonly x: ScanAxis;
  readonly y: ScanAxis;
  readonly points: ScanPoint[] = [];
  readonly problems: string[] = [];
  private runs = 0;
  private failures: Record<'x' | 'y', { rows: number; first: Error } | null> = { x: null, y: null };
  private units: Record<'x' | 'y', string | null>;
  private readonly fitModel: ModelName | null;
  private readonly fitOptions: FitOptions;

  constructor(options: ScanOptions) {
    this.x = axis('--x', options.x, options.columns ?? [], options.logX ?? false);
    this.y = axis('--y', options.y, options.columns ?? [], options.logY ?? false);
    const unitOf = (name: string) => (options.columns ?? []).find((c) => c.name === name)?.unit ?? null;
    this.units = { x: unitOf(options.x), y: unitOf(options.y) };
    this.fitModel = options.fit ?? null;
    this.fitOptions = options.fitOptions ?? {};
  }

  /** The point of one open result file, or null (the reason is in `problems`). */
  add(source: ResultSource): ScanPoint | null {
    this.runs++;
    const values: Partial<Record<'x' | 'y', number>> = {};
    for (const which of ['x', 'y'] as const) {
      const ax = this[which];
      let v: number;
      try {
        v = ax.expr.evaluate(source);
      } catch (err) {
        const f = this.failures[which];
        if (f) f.rows++;
        else this.failures[which] = { rows: 1, first: err as Error };
        const reason = err instanceof ExpressionError ? `column ${err.position + 1}: ${err.reason}` : (err as Error).message;
        this.problems.push(`run ${source.run}: ${which} = ${ax.spec}: ${reason}`);
        continue;
      }
      if (this.units[which] === null) {
        const u = ax.expr.unit((name) => source.units?.(name) ?? undefined);
        if (u) this.units[which] = u;
      }
      if (!Number.isFinite(v)) {
        const hint = Number.isNaN(v) && ax.expr.propagatesNaN ? ' (NaN among the values? nanmean, nanmedian, … leave NaN out)' : '';
        this.problems.push(`run ${source.run}: ${which} = ${ax.spec} is ${Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf'}: left out${hint}`);
        continue;
      }
      if (ax.log && !(v > 0)) {
        this.problems.push(`run ${source.run}: ${which} = ${ax.spec} is ${v}, not > 0, on a log axis: left out`);
        continue;
      }
      values[which] = ax.log ? Math.log10(v) : v;
    }
    if (values.x === undefined || values.y === undefined) return null;
    const point = { run: source.run, x: values.x, y: values.y };
    this.points.push(point);
    return point;
  }

  /** Throws when an axis failed in every run: a mistake in its expression (usage, exit 2). */
  check(): void {
    for (const which of ['x', 'y'] as const) {
      const f = this.failures[which];
      if (f && f.rows === this.runs) {
        const err = f.first;
        if (err instanceof ExpressionError) throw err.withContext(`--${which}, in every run: `);
        throw err;
      }
    }
  }

  result(): ScanResult {
    const points = [...this.points].sort((a, b) => a.x - b.x || a.run - b.run);
    const x = { ...this.x, unit: this.units.x ?? '' };
    const y = { ...this.y, unit: this.units.y ?? '' };
    let fit: FitResult | null = null;
    let fitUnits: Record<string, string> = {};
    if (this.fitModel) {
      fit = fitModel(
        this.fitModel,
        points.map((p) => p.x),
        points.map((p) => p.y),
        this.fitOptions,
      );
      fitUnits = paramUnits(this.fitModel, x.log ? '' : x.unit, y.log ? '' : y.unit);
    }
    return { x, y, points, fit, fitUnits, problems: [...this.problems] };
  }
}

function axis(option: string, spec: string, columns: ColumnSpec[], log: boolean): ScanAxis {
  const column = columns.find((c) => c.name === spec);
  let expr: Expression;
  if (column) expr = column.expr;
  else {
    try {
      expr = new Expression(spec);
    } catch (err) {
      if (err instanceof ExpressionError) {
        const hint = columns.length ? ` (nor a column of the column file: ${columns.map((c) => c.name).join(', ')})` : '';
        throw new ExpressionError(err.expression, err.position, err.reason + hint, `${option}: `);
      }
      throw err;
    }
  }
  const text = column ? column.name : spec;
  return { spec, expr, label: log ? `log10(${text})` : text, unit: column?.unit ?? '', log };
}
