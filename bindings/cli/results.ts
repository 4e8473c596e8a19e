// `sacla results DIR`: a table of the result files in a folder.
import { Option, type Command } from 'commander';
import { readResults } from '../analysis/results.js';
import { median } from '../core/numeric.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';
import { alignedTable, csvField, formatColumn, plainNumber } from '../analysis/table/table.js';

interface ResultsOptions {
  runs?: RunSelection;
  run?: RunSelection;
  json?: boolean;
  csv?: boolean;
}

interface Row {
  run: number;
  start: string | null;
  goodShots: number;
  shotsInRun: number;
  /** Median of each database value over the good shots. */
  medians: Record<string, number>;
  path: string;
}

const time = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : null);

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('Summarise the result files of a folder: run, time, good/total shots, median of each database value (sacla table: the same with user columns, CSV, sorting)')
    .argument('<dir>', 'folder of result files (run_<N>.h5)')
    .option('--runs <runs>', 'only these runs: N, A-B, A-, -B or a list (3,5-7,10-)', runSelection('--runs'))
    .addOption(new Option('--run <runs>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--json', 'print one JSON object per run')
    .option('--csv', 'print CSV (full precision) instead of the aligned table')
    .action(async (dir: string, opts: ResultsOptions) => {
      const runs = selectedRuns(opts);
      const rows: Row[] = [];
      for await (const result of readResults(dir, { minRun: runs?.minRun, maxRun: runs?.maxRun, warn: (m) => process.stderr.write(`sacla: ${m}\n`) })) {
        if (runs && !runs.has(result.run)) continue;
        const config = result.config as { values?: Record<string, unknown> } | null;
        const valueNames = Object.keys(config?.values ?? {}).filter((name) => result.names.includes(name));
        rows.push({
          run: result.run,
          start: time(result.attrs.run_start),
          goodShots: Number(result.attrs.good_shots),
          shotsInRun: Number(result.attrs.shots_in_run),
          medians: Object.fromEntries(valueNames.map((name) => [name, median(result.read(name).data)])),
          path: result.path,
        });
      }
      if (opts.json) {
        for (const row of rows) process.stdout.write(JSON.stringify(row) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no result files (run_<N>.h5) in ${dir}${runs ? ` for runs ${runs.text}` : ''}\n`);
        return;
      }
      const names = [...new Set(rows.flatMap((r) => Object.keys(r.medians)))];
      const header = ['run', 'start (UTC)', 'good/total', ...names.map((n) => `median ${n}`)];
      const medians = names.map((n) => rows.map((r) => (n in r.medians ? r.medians[n] : null)));
      if (opts.csv) {
        const lines = [header.map(csvField).join(',')];
        for (const [k, r] of rows.entries()) {
          lines.push([String(r.run), r.start ?? '', `${r.goodShots}/${r.shotsInRun}`, ...medians.map((column) => (column[k] === null ? '' : plainNumber(column[k]!)))].map(csvField).join(','));
        }
        process.stdout.write(lines.join('\r\n') + '\r\n');
        return;
      }
      // One number format per column, so that a column reads down (sacla table does the same).
      const formatted = medians.map((column) => formatColumn(column));
      const cells = rows.map((r, k) => [String(r.run), r.start ?? '-', `${r.goodShots}/${r.shotsInRun}`, ...formatted.map((column) => column[k])]);
      process.stdout.write(alignedTable(header, cells, header.map((_, i) => (i === 0 || i >= 3 ? 'right' : 'left'))));
    });
}
