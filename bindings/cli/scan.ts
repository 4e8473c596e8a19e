// `sacla scan`: the notebook's focus and attenuator scans from the command line (docs/table.md):
// one point per result file from the table's expressions, and a fit with its uncertainties.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readResults } from '../analysis/results.js';
import { Scan, type ScanResult } from '../analysis/table/scan.js';
import { MODELS, modelValue, type ModelName } from '../analysis/table/fit.js';
import { alignedTable, csvField, formatColumn, formatWithError, plainNumber } from '../analysis/table/table.js';
import { DataError } from '../core/errors.js';
import { loadColumns, resultSource, resultsDir, warnLine } from './table.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

interface ScanOptions {
  results?: string;
  runs?: RunSelection;
  run?: RunSelection;
  x: string;
  y: string;
  fit?: ModelName;
  columns?: string;
  logX?: boolean;
  logY?: boolean;
  csv?: boolean;
  json?: boolean;
}

const PARAM_LABEL: Record<string, string> = { sigma: 'σ', tau: 'τ', fwhm: 'FWHM' };

const withUnit = (label: string, unit: string) => (unit ? `${label} (${unit})` : label);

/** The points as an aligned table, with the fitted curve at each x when there is a fit. */
function pointsTable(r: ScanResult): string {
  const header = ['run', withUnit(r.x.label, r.x.log ? '' : r.x.unit), withUnit(r.y.label, r.y.log ? '' : r.y.unit)];
  const columns = [r.points.map((p) => String(p.run)), formatColumn(r.points.map((p) => p.x)), formatColumn(r.points.map((p) => p.y))];
  if (r.fit && Number.isFinite(r.fit.ssr)) {
    header.push('fit', 'residual');
    const curve = r.points.map((p) => modelValue(r.fit!, p.x));
    // The curve in the y column's format, so that they compare digit by digit.
    const both = formatColumn([...r.points.map((p) => p.y), ...curve]);
    columns[2] = both.slice(0, r.points.length);
    columns.push(both.slice(r.points.length), formatColumn(r.points.map((p, i) => p.y - curve[i])));
  }
  const cells = r.points.map((_, i) => columns.map((c) => c[i]));
  return alignedTable(header, cells, header.map(() => 'right'));
}

function fitText(r: ScanResult): string {
  const fit = r.fit!;
  const lines = [`fit ${fit.model}: y = ${fit.formula}`];
  if (!Number.isFinite(fit.ssr)) {
    // No fit was possible: only the reason.
    return [...lines, ...fit.warnings.map((w) => `warning: ${w}`)].join('\n') + '\n';
  }
  const rows = fit.parameters.map((p) => {
    const unit = r.fitUnits[p.name] ?? '';
    const value = p.fixed && !p.derived ? `${formatColumn([p.value])[0]} (fixed)` : formatWithError(p.value, p.error);
    return [`  ${PARAM_LABEL[p.name] ?? p.name}`, value, unit];
  });
  const table = alignedTable(['  parameter', 'value ± 1σ', 'unit'], rows, ['left', 'left', 'left']).split('\n');
  // No rule under this header: it reads as a list of parameters.
  lines.push(table[0], ...table.slice(2).filter(Boolean));
  const chi = formatColumn([fit.redchi2])[0];
  lines.push(`  ${fit.n} points, ${fit.dof} degree${fit.dof === 1 ? '' : 's'} of freedom, reduced χ² ${chi} (the uncertainties are scaled by it), ${fit.converged ? `converged in ${fit.iterations} iterations` : 'not converged'}`);
  for (const w of fit.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n') + '\n';
}

function csv(r: ScanResult): string {
  const header = ['run', withUnit(r.x.label, r.x.log ? '' : r.x.unit), withUnit(r.y.label, r.y.log ? '' : r.y.unit)];
  const curve = r.fit && Number.isFinite(r.fit.ssr);
  if (curve) header.push('fit');
  const lines = [header.map(csvField).join(',')];
  for (const p of r.points) {
    const cells = [String(p.run), plainNumber(p.x), plainNumber(p.y)];
    if (curve) cells.push(plainNumber(modelValue(r.fit!, p.x)));
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function json(r: ScanResult): unknown {
  const axis = (a: ScanResult['x']) => ({ expr: a.expr.text, label: a.label, unit: a.unit, log: a.log });
  return {
    x: axis(r.x),
    y: axis(r.y),
    points: r.points,
    fit: r.fit && {
      model: r.fit.model,
      formula: r.fit.formula,
      params: Object.fromEntries(
        r.fit.parameters.map((p) => [p.name, { value: finiteOrNull(p.value), error: finiteOrNull(p.error), unit: r.fitUnits[p.name] ?? '', fixed: p.fixed }]),
      ),
      free: r.fit.free,
      covariance: r.fit.covariance.map((row) => row.map(finiteOrNull)),
      n: r.fit.n,
      dof: r.fit.dof,
      ssr: finiteOrNull(r.fit.ssr),
      redchi2: finiteOrNull(r.fit.redchi2),
      iterations: r.fit.iterations,
      converged: r.fit.converged,
      degenerate: r.fit.degenerate,
      warnings: r.fit.warnings,
    },
    problems: r.problems,
  };
}

function model(v: string): ModelName {
  if (!(MODELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--fit must be one of ${MODELS.join(', ')}, got "${v}"`);
  return v as ModelName;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('A scan across runs: x and y per run from expressions over the result files, and a fit (gauss: the focus scan, exp: the attenuator scan, line)')
    .argument('[dir]', 'folder of result files (the same as --results)')
    .option('--results <dir>', 'folder of result files (run_<N>.h5)')
    .option('--runs <A-B>', 'only these runs: N, A-B, A-, -B or a list (3,5-7)', runSelection('--runs'))
    .addOption(new Option('--run <A-B>', 'the same as --runs').argParser(runSelection('--run')))
    .requiredOption('--x <expr>', "x per run: an expression (e.g. 'median(sampleZ1)') or a column of --columns")
    .requiredOption('--y <expr>', "y per run: e.g. 'mean(roi(side_mean, 16, 48, 0, 24))'")
    .option('--fit <model>', `fit ${MODELS.join(', ')}: |a|·exp(−(x−c)²/(2σ²)) + bg, a·exp(−x/τ) + bg, a·x + b`, model)
    .option('--columns <file>', 'a column file whose columns --x and --y may name')
    .option('--log-x', 'x on a log axis: log10 of the values (points ≤ 0 left out); fits are to log10(x)')
    .option('--log-y', 'y on a log axis: log10 of the values; fits are to log10(y)')
    .addOption(new Option('--csv', 'the points as CSV (RFC 4180), the fit on stderr').conflicts('json'))
    .option('--json', 'one JSON object: {x, y, points, fit, problems}')
    .action(async (positional: string | undefined, opts: ScanOptions) => {
      const dir = resultsDir(positional, opts.results);
      const runs = selectedRuns(opts);
      const columns = opts.columns ? loadColumns(opts.columns) : [];
      const scan = new Scan({ x: opts.x, y: opts.y, columns, logX: opts.logX, logY: opts.logY, fit: opts.fit ?? null });
      let files = 0;
      for await (const result of readResults(dir, { minRun: runs?.minRun, maxRun: runs?.maxRun, warn: warnLine })) {
        if (runs && !runs.has(result.run)) continue;
        files++;
        // Expressions read the result files only: the run files are not needed.
        scan.add(await resultSource(result, { runFiles: false }));
      }
      if (files === 0) throw new DataError(`no result files (run_<N>.h5) in ${dir}${runs ? ` for runs ${runs.text}` : ''}`);
      scan.check();
      const r = scan.result();
      if (!opts.json) for (const p of r.problems) warnLine(p);
      if (r.points.length === 0) {
        if (opts.json) process.stdout.write(JSON.stringify(json(r)) + '\n');
        throw new DataError(`no point could be computed from the ${files} result file${files === 1 ? '' : 's'}${r.problems.length ? ' (see above)' : ''}`);
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(json(r)) + '\n');
        return;
      }
      if (opts.csv) {
        process.stdout.write(csv(r));
        if (r.fit) process.stderr.write(fitText(r));
        return;
      }
      const runList = r.points.map((p) => p.run);
      process.stdout.write(
        `${r.points.length} point${r.points.length === 1 ? '' : 's'} (run${runList.length === 1 ? '' : 's'} ${[...runList].sort((a, b) => a - b).join(', ')}): y = ${r.y.label} against x = ${r.x.label}\n\n`,
      );
      process.stdout.write(pointsTable(r));
      if (r.fit) process.stdout.write('\n' + fitText(r));
    });
}
