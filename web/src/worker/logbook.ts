// The logbook table and the scan over the held result files, with the library's RunTable and
// Scan (bindings/analysis/table: the expressions, formats and fits of `sacla table` and
// `sacla scan`), so the web app shows the numbers the command line prints.
import { RunTable, Scan, parseColumnFile } from '../../../bindings/analysis/table/index.js';
import { source } from './results.js';
import type { ScanData, ScanRequest, TableData } from '../types.js';

export function table(ids: string[], columnFile: { name: string; text: string } | null, sort: { column: string; descending: boolean } | null): TableData {
  const columns = columnFile ? parseColumnFile(columnFile.text, columnFile.name) : [];
  const t = new RunTable({ columns });
  const rowIds = new Map<object, string>();
  for (const id of ids) rowIds.set(t.add(source(id)), id);
  // A column failing in every run is a mistake in it: said first, the table still shown.
  const mistakes: string[] = [];
  try {
    t.check(columnFile?.name);
  } catch (err) {
    mistakes.push((err as Error).message);
  }
  if (sort) t.sort(sort.column, sort.descending);
  const { columns: cols, cells } = t.formatted();
  return {
    columns: cols.map(({ name, header, unit, kind, user, expr }) => ({ name, header, unit, kind, user, expr })),
    rows: t.rows.map((row, i) => ({ id: rowIds.get(row)!, run: row.run, cells: cells[i], values: cols.map((c) => row.cells[c.name] ?? null) })),
    problems: [...mistakes, ...t.rows.flatMap((r) => r.problems)],
    csv: t.csv(),
  };
}

export function scan(ids: string[], request: ScanRequest): ScanData {
  const s = new Scan({ x: request.x, y: request.y, fit: request.fit, fitOptions: { fixed: request.fixed } });
  const pointIds = new Map<object, string>();
  for (const id of ids) {
    const point = s.add(source(id));
    if (point) pointIds.set(point, id);
  }
  s.check();
  const r = s.result();
  return {
    x: { label: r.x.label, unit: r.x.unit },
    y: { label: r.y.label, unit: r.y.unit },
    points: r.points.map((p) => ({ id: pointIds.get(p) ?? '', run: p.run, x: p.x, y: p.y })),
    fit: r.fit,
    fitUnits: r.fitUnits,
    problems: r.problems,
  };
}
