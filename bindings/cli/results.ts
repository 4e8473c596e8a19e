// `sacla results DIR`: a table of the result files in a folder.
import { Option, type Command } from 'commander';
import { readResults } from '../analysis/results.js';
import { median } from '../core/numeric.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

interface ResultsOptions {
  runs?: RunSelection;
  run?: RunSelection;
  json?: boolean;
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

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? value.toExponential(3) : value.toPrecision(4);
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('Summarise the result files of a folder: run, time, good/total shots, median of each database value (sacla table: the same with user columns, CSV, sorting)')
    .argument('<dir>', 'folder of result files (run_<N>.h5)')
    .option('--runs <runs>', 'only these runs: N, A-B, A-, -B or a list (3,5-7,10-)', runSelection('--runs'))
    .addOption(new Option('--run <runs>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--json', 'print one JSON object per run')
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
      const table = rows.map((r) => [String(r.run), r.start ?? '-', `${r.goodShots}/${r.shotsInRun}`, ...names.map((n) => (n in r.medians ? format(r.medians[n]) : '-'))]);
      const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
      process.stdout.write([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n') + '\n');
    });
}
