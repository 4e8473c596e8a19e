// `sacla check --data DIR --run N [--config FILE] [--json]`: a config held against a run
// without analysing it; exit 0 when everything resolves, 1 when something does not.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig, defaultConfigPath } from '../analysis/config/index.js';
import { checkRun, formatCheck } from '../analysis/check.js';
import { dataFolder, existingPath, refuseCombineWithFile, runNumber } from './options.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Check an experiment config against a run without analysing it: every detector, value, dark, mask, filter and output resolved or reported')
    .requiredOption('--data <dir>', 'folder of run files (<N>.h5) and their darks, or one run file', existingPath('--data', 'any'))
    .requiredOption('--run <n>', 'the run (negative counts back from the newest)', runNumber('--run'))
    .option('--config <file>', 'experiment config (.json or .mjs; default: configs/kuschel2023.json)', existingPath('--config', 'file'))
    .option('--combine', 'a run split into several files of the folder is read from all of them')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { data: string; run: number; config?: string; combine?: boolean; json?: boolean }) => {
      const config = await loadConfig(resolve(opts.config ?? defaultConfigPath()), { dataDir: dataFolder(opts.data) });
      refuseCombineWithFile(opts.data, opts.combine);
      const report = await checkRun(config, { data: opts.data, run: opts.run }, { combine: opts.combine });
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatCheck(report)) + '\n');
      if (!report.ok) process.exitCode = 1;
    });
}
