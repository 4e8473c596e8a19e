// `sacla watch`: follow a beamtime: analyse (or submit) each new run once its file is complete,
// and say how each ended (a failure with the line of its log that says why).
// Ctrl-C (SIGINT) or SIGTERM stops it cleanly with exit code 0: a local analysis under way is
// interrupted (no half result file is left) and is done again at the next start.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { configHash, defaultConfigPath, loadConfig } from '../analysis/config/index.js';
import { requireCommand } from '../batch/scheduler.js';
import { watch } from '../batch/watch.js';
import { defaultWorkers } from '../node/workers.js';
import { addJobOptions, SUBMIT_COMMAND, type JobOptions } from './batch.js';
import { integer } from './options.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

function seconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(v) || !(n > 0)) throw new InvalidArgumentError(`${name} must be a number of seconds > 0, got "${v}"`);
    return n;
  };
}

interface WatchCliOptions extends JobOptions {
  data: string;
  config?: string;
  out: string;
  scheduler: 'local' | 'slurm' | 'pbs';
  since?: number;
  runs?: RunSelection;
  run?: RunSelection;
  force?: boolean;
  interval: number;
  settle: number;
  queueInterval: number;
  workers: number;
}

export function registerWatch(program: Command): void {
  const cmd = program
    .command('watch')
    .description('Follow a beamtime: when a new run file is complete (size stable), analyse it here or submit it to Slurm / PBS; restarts skip what is done; Ctrl-C stops')
    .requiredOption('--data <dir>', 'folder where the run files (<N>.h5) appear')
    .option('--config <file>', 'experiment config (.json or .mjs; default: configs/kuschel2023.json)')
    .option('--out <dir>', 'output folder (results, OUT/logs/, OUT/jobs/)', 'results')
    .addOption(new Option('--scheduler <name>', 'analyse here (local) or submit jobs').choices(['local', 'slurm', 'pbs']).default('local'))
    .option('--since <run>', 'only runs ≥ RUN (the same as --runs RUN-)', integer('--since', 0))
    .option('--runs <runs>', 'only these runs: N, A-B, A-, -B or a list (3,5-7,10-)', runSelection('--runs'))
    .addOption(new Option('--run <runs>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--force', 'replace result files in --out made with another config (such runs are skipped otherwise)')
    .option('--interval <s>', 'seconds between looks at the data folder', seconds('--interval'), 5)
    .option('--settle <s>', 'a run file is complete when its size has not changed for this many seconds', seconds('--settle'), 10)
    .option('--queue-interval <s>', 'slurm/pbs: seconds between looks at the queue for how the submitted runs ended', seconds('--queue-interval'), 60)
    .option('--workers <n>', 'local: worker threads (default: the number of cores)', integer('--workers', 1), defaultWorkers());
  addJobOptions(cmd).action(async (opts: WatchCliOptions) => {
    const runs = selectedRuns(opts);
    const data = resolve(opts.data);
    const config = resolve(opts.config ?? defaultConfigPath());
    const hash = await configHash(await loadConfig(config, { dataDir: data }));
    if (opts.scheduler !== 'local') requireCommand(SUBMIT_COMMAND[opts.scheduler]);
    const controller = new AbortController();
    const stop = (sig: string) => {
      if (!controller.signal.aborted) process.stderr.write(`sacla watch: ${sig}, stopping\n`);
      controller.abort();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    say(`watching ${data} every ${opts.interval} s (${opts.scheduler === 'local' ? 'analysing here' : `submitting to ${opts.scheduler}`}, results in ${resolve(opts.out)}); Ctrl-C stops`);
    try {
      await watch({
        data,
        out: opts.out,
        config,
        configHash: hash,
        scheduler: opts.scheduler,
        since: opts.since,
        runs,
        force: opts.force,
        intervalMs: opts.interval * 1000,
        settleMs: opts.settle * 1000,
        queueIntervalMs: opts.queueInterval * 1000,
        workers: opts.workers,
        job: { chunk: opts.chunk, cpus: opts.cpus, jobName: opts.jobName, partition: opts.partition, time: opts.time, mem: opts.mem },
        signal: controller.signal,
        say,
      });
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
    say('stopped');
    process.exitCode = 0;
  });
}
