// `sacla merge`: the part files of a run (sacla analyse --part K/N, one per node) joined into its
// result file, the one a single process would have written (docs/config.md, "A run across many
// nodes"). The part files go once the result is written.
import { Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { DataError } from '../core/errors.js';
import { files } from '../core/files.js';
import { mergeParts, partFiles, readPart } from '../analysis/parts.js';
import { prepareResultFolder, resultName, storedConfigHash, writeResult } from '../analysis/results.js';
import { stopsEverything } from './exit.js';
import { outputFolder } from './options.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

interface MergeOptions {
  out: string;
  runs?: RunSelection;
  run?: RunSelection;
  force?: boolean;
  keepParts?: boolean;
  json?: boolean;
}

/** The runs of the folder's part files within a selection. */
function runsWithParts(out: string, selection: RunSelection | undefined): number[] {
  const runs = new Set<number>();
  for (const name of files().list(out)) {
    const m = /^run_(\d+)\.part\d+of\d+\.h5$/.exec(name);
    if (m) runs.add(Number(m[1]));
  }
  return [...runs].filter((r) => !selection || selection.has(r)).sort((a, b) => a - b);
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('Join the part files of runs (sacla analyse --part K/N) in OUT into their result files OUT/run_<N>.h5')
    .requiredOption('--out <dir>', 'the folder of the part files, where the result files go', outputFolder('--out'))
    .option('--runs <runs>', 'only these runs: N, A-B, A-, -B or a list (3,5-7,10-); default: every run with part files', runSelection('--runs'))
    .addOption(new Option('--run <runs>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--force', 'replace a result file made with another config')
    .option('--keep-parts', 'keep the part files once the result is written')
    .option('--json', 'print one JSON object per run on stdout')
    .action(async (opts: MergeOptions) => {
      prepareResultFolder(opts.out);
      const selection = selectedRuns(opts);
      const runs = runsWithParts(opts.out, selection);
      if (!runs.length) throw new DataError(`${opts.out}: no part files (run_<N>.part<K>of<N>.h5)${selection ? ' of the runs asked for' : ''}`);
      let failures = 0;
      for (const run of runs) {
        try {
          const paths = partFiles(opts.out, run);
          const parts = await Promise.all(paths.map((p) => readPart(p)));
          const result = await mergeParts(parts, { warn: (m) => process.stderr.write(`sacla: ${m}\n`) });
          const path = resolve(join(opts.out, resultName(run)));
          if (!opts.force && files().stat(path)) {
            const stored = await storedConfigHash(path);
            if (stored !== result.configHash) {
              throw new DataError(`${path} was made with another config (config_hash ${stored ?? 'none'}, the parts' ${result.configHash}): not replaced (--force replaces it)`);
            }
          }
          const written = await writeResult(opts.out, result);
          if (!opts.keepParts) for (const p of paths) files().remove(p);
          if (opts.json) process.stdout.write(JSON.stringify({ run, parts: parts.length, goodShots: result.goodShots, output: written }) + '\n');
          else process.stdout.write(`run ${run}: ${parts.length} parts merged, ${result.goodShots} of ${result.shotsInRun} shots good → ${written}\n`);
        } catch (err) {
          if (stopsEverything(err)) throw err;
          failures++;
          if (opts.json) process.stdout.write(JSON.stringify({ run, error: (err as Error).message }) + '\n');
          const message = (err as Error).message;
          process.stderr.write(`sacla: ${message.startsWith(`run ${run}:`) ? '' : `run ${run}: `}${message}\n`);
        }
      }
      if (failures) process.exitCode = 1;
    });
}
