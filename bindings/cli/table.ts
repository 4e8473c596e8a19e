// `sacla table --results DIR`: the beamtime's logbook, one row per result file (docs/table.md).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { readResults, type ResultFile } from '../analysis/results.js';
import { RunFile } from '../data/runfile.js';
import { parseColumnFile, type ColumnSpec } from '../analysis/table/columns.js';
import { RunTable } from '../analysis/table/table.js';
import type { ResultSource } from '../analysis/table/expression.js';
import { ConfigError } from '../core/errors.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

export function loadColumns(path: string): ColumnSpec[] {
  if (!existsSync(path)) throw new ConfigError(`column file ${path} not found`);
  if (!statSync(path).isFile()) throw new ConfigError(`${path}: expected a column file, got a folder`);
  return parseColumnFile(readFileSync(path, 'utf8'), path);
}

/**
 * A result file as the table reads it, with the run's nominal photon energy from the run file
 * it was made from when that file is still where the analysis found it (result files do not
 * hold it yet).
 */
export async function resultSource(result: ResultFile, { runFiles = true }: { runFiles?: boolean } = {}): Promise<ResultSource> {
  let photonEnergy: number | null = null;
  const source = result.attrs.source;
  if (runFiles && !('photon_energy_in_eV' in result.attrs) && typeof source === 'string' && existsSync(source)) {
    try {
      const file = await RunFile.open(source, result.run);
      try {
        photonEnergy = file.photonEnergy;
      } finally {
        file.h5.close();
      }
    } catch {
      // A moved, rewritten or unreadable run file: the energy stays unknown.
    }
  }
  // Dataset units, once result files carry them (a `units(name)` method of ResultFile).
  const units = (result as unknown as { units?: (name: string) => string | null }).units;
  return {
    run: result.run,
    path: result.path,
    names: result.names,
    attrs: result.attrs,
    read: (name) => result.read(name),
    units: typeof units === 'function' ? (name) => units.call(result, name) : undefined,
    photonEnergy,
  };
}

interface TableOptions {
  results?: string;
  runs?: RunSelection;
  run?: RunSelection;
  columns?: string;
  sort?: string;
  desc?: boolean;
  csv?: boolean;
  json?: boolean;
  runFiles?: boolean;
}

export const warnLine = (m: string) => process.stderr.write(`sacla: ${m}\n`);

export function resultsDir(positional: string | undefined, option: string | undefined): string {
  if (positional && option && positional !== option) throw new ConfigError(`two result folders (${positional} and --results ${option}): give one`);
  const dir = option ?? positional;
  if (!dir) throw new ConfigError('which result folder? give --results DIR');
  return dir;
}

export function registerTable(program: Command): void {
  program
    .command('table')
    .description(
      'The beamtime logbook: one row per result file (run, start, good/total shots, photon energy, the median of each database value) ' +
        'and the columns of a column file (docs/table.md)',
    )
    .argument('[dir]', 'folder of result files (the same as --results)')
    .option('--results <dir>', 'folder of result files (run_<N>.h5)')
    .option('--runs <A-B>', 'only these runs: N, A-B, A-, -B or a list (3,5-7)', runSelection('--runs'))
    .addOption(new Option('--run <A-B>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--columns <file>', 'a column file: {"columns": [{"name", "expr", "unit"?, "format"?}]}')
    .option('--sort <column>', 'sort by this column (default: run)')
    .option('--desc', 'sort in descending order')
    .option('--no-run-files', 'do not open the run files for the nominal photon energy')
    .addOption(new Option('--csv', 'CSV (RFC 4180) with full-precision numbers').conflicts('json'))
    .option('--json', 'one JSON object per run (NaN as null)')
    .action(async (positional: string | undefined, opts: TableOptions) => {
      const dir = resultsDir(positional, opts.results);
      const runs = selectedRuns(opts);
      const columns = opts.columns ? loadColumns(opts.columns) : [];
      const table = new RunTable({ columns });
      for await (const result of readResults(dir, { minRun: runs?.minRun, maxRun: runs?.maxRun, warn: warnLine })) {
        if (runs && !runs.has(result.run)) continue;
        table.add(await resultSource(result, { runFiles: opts.runFiles !== false }));
      }
      table.check(opts.columns);
      if (opts.sort) table.sort(opts.sort, opts.desc);
      else if (opts.desc) table.sort('run', true);
      for (const row of table.rows) for (const p of row.problems) warnLine(p);
      if (opts.json) {
        for (const row of table.json()) process.stdout.write(JSON.stringify(row) + '\n');
      } else if (opts.csv) {
        process.stdout.write(table.csv());
      } else if (table.rows.length === 0) {
        process.stdout.write(`no result files (run_<N>.h5) in ${dir}${runs ? ` for runs ${runs.text}` : ''}\n`);
      } else {
        process.stdout.write(table.text());
      }
    });
}
