// `sacla batch`: one scheduler job per run, as Slurm / PBS job arrays (docs/batch.md), and
// `sacla batch --status`: what became of them.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configHash, defaultConfigPath, loadConfig } from '../analysis/config/index.js';
import { planBatch, submitBatch, type JobSubmission } from '../batch/submit.js';
import { requireCommand } from '../batch/scheduler.js';
import { parseMem, parseName, parseTime, shellQuote, type Scheduler } from '../batch/scripts.js';
import { batchStatus, summariseStatus, type RunStatus } from '../batch/status.js';
import { summariseRuns } from '../data/runfile.js';
import { ConfigError } from '../core/errors.js';
import { integer, runList } from './options.js';

/** A parser that throws ConfigError, as a commander option parser (exit code 2, option named). */
export function optionParser<T>(parse: (v: string) => T) {
  return (v: string): T => {
    try {
      return parse(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** Options shared by `sacla batch` and `sacla watch` for the job scripts. */
export function addJobOptions(cmd: Command): Command {
  return cmd
    .option('--chunk <n>', 'at most N runs per job array', integer('--chunk', 1), 50)
    .option('--partition <p>', 'Slurm partition / PBS queue', optionParser(parseName('--partition')))
    .option('--time <HH:MM:SS>', 'time limit per run', optionParser(parseTime))
    .option('--cpus <n>', 'CPUs per run (also the analysis worker threads)', integer('--cpus', 1), 1)
    .option('--mem <M>', 'memory per run: MB, or with a unit (8G)', optionParser((v) => (parseMem(v), v.trim())))
    .option('--job-name <name>', 'job name', optionParser(parseName('--job-name')), 'sacla');
}

export interface JobOptions {
  chunk: number;
  partition?: string;
  time?: string;
  cpus: number;
  mem?: string;
  jobName: string;
}

interface BatchOptions extends JobOptions {
  data?: string;
  runs?: number[];
  config?: string;
  out: string;
  scheduler?: Scheduler;
  dryRun?: boolean;
  retryFailed?: boolean;
  status?: boolean;
  json?: boolean;
  tail: number;
}

export const SUBMIT_COMMAND: Record<Scheduler, string> = { slurm: 'sbatch', pbs: 'qsub' };

export function describeJob(scheduler: Scheduler, job: JobSubmission): string {
  const runs = job.runs.length === 1 ? `run ${job.runs[0]}` : `runs ${job.command.find((a) => a.startsWith('--array='))?.slice(8) ?? `${job.runs[0]}-${job.runs[job.runs.length - 1]}`}`;
  return `${runs}: ${scheduler === 'slurm' ? 'Slurm' : 'PBS'} job ${job.jobId} (${job.runs.length} run${job.runs.length === 1 ? '' : 's'}), script ${job.script}`;
}

function printStatus(statuses: RunStatus[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify({ runs: statuses, summary: summariseStatus(statuses) }) + '\n');
    return;
  }
  const lines: string[] = [];
  for (const s of statuses) {
    const job = s.task ? `job ${s.task}` : '';
    if (s.state === 'done') lines.push(`run ${s.run}: done → ${s.result}`);
    else if (s.state === 'failed') {
      lines.push(`run ${s.run}: failed (${[job, s.detail].filter(Boolean).join(': ')})${s.lastLines?.length ? `; last lines of ${s.log}:` : ''}`);
      for (const l of s.lastLines ?? []) lines.push(`    ${l}`);
    } else if (s.state === 'not submitted') lines.push(`run ${s.run}: not submitted${s.detail ? ` (${s.detail})` : ''}`);
    else lines.push(`run ${s.run}: ${s.state} (${[job, s.detail].filter(Boolean).join(': ')})`);
  }
  lines.push(summariseStatus(statuses));
  if (statuses.some((s) => s.state === 'failed')) lines.push('Fix the cause, then submit the failed runs again: sacla batch … --retry-failed');
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerBatch(program: Command): void {
  const cmd = program
    .command('batch')
    .description('Submit one job per run to Slurm or PBS (job arrays; runs done with the same config are skipped), or report their state (--status)')
    .option('--data <dir>', 'folder of run files (<N>.h5)')
    .option('--runs <runs>', 'runs: A-B, N, A,B,C (negative N counts back from the newest)', runList('--runs'))
    .option('--config <file>', 'experiment config (.json or .mjs; default: configs/kuschel2023.json)')
    .option('--out <dir>', 'output folder: results, OUT/jobs/ (scripts, submissions.json), OUT/logs/', 'results')
    .addOption(new Option('--scheduler <name>', 'the cluster scheduler').choices(['slurm', 'pbs']));
  addJobOptions(cmd)
    .option('--dry-run', 'print the job scripts and submit commands; write and submit nothing')
    .option('--retry-failed', 'submit runs that failed before (after fixing the cause)')
    .option('--status', 'report per run: done, failed (with the end of its log), pending, running, not submitted')
    .option('--tail <n>', 'with --status: lines of a failed run\'s log to show', integer('--tail', 0), 10)
    .option('--json', 'machine-readable output (one JSON object)')
    .action(async (opts: BatchOptions) => {
      const out = resolve(opts.out);
      if (opts.status) {
        if (!existsSync(out)) throw new ConfigError(`--out ${opts.out}: no such folder (nothing was submitted there)`);
        const data = opts.data === undefined ? undefined : resolve(opts.data);
        const hash = opts.config === undefined ? undefined : await configHash(await loadConfig(resolve(opts.config), data ? { dataDir: data } : {}));
        printStatus(await batchStatus({ out, data, configHash: hash, runs: opts.runs, tail: opts.tail }), opts.json);
        return;
      }
      if (opts.data === undefined) throw new ConfigError('sacla batch: --data <dir> is required (the folder of run files), unless --status');
      if (opts.runs === undefined) throw new ConfigError('sacla batch: --runs <runs> is required (e.g. --runs 100-250), unless --status');
      if (opts.scheduler === undefined) throw new ConfigError('sacla batch: --scheduler slurm|pbs is required, unless --status');
      const scheduler = opts.scheduler;
      const data = resolve(opts.data);
      const configPath = resolve(opts.config ?? defaultConfigPath());
      // Config mistakes first (exit code 2), with the same data folder the jobs will use.
      const config = await loadConfig(configPath, { dataDir: data });
      const hash = await configHash(config);
      if (!opts.dryRun) requireCommand(SUBMIT_COMMAND[scheduler]);
      const plan = await planBatch({ data, out, runs: opts.runs, configHash: hash, retryFailed: opts.retryFailed });
      const say = (line: string) => {
        if (!opts.json) process.stdout.write(line + '\n');
      };
      // Runs skipped for the same reason on one line: "runs 5–400: skipped, not in DATA".
      const byReason = new Map<string, number[]>();
      for (const s of plan.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.run]);
      for (const [reason, runs] of byReason) say(`${runs.length === 1 ? 'run' : 'runs'} ${summariseRuns(runs)}: skipped, ${reason}`);
      const jobs = plan.submit.length
        ? await submitBatch(
            { scheduler, runs: plan.submit, data, config: configPath, configHash: hash, out, chunk: opts.chunk, cpus: opts.cpus, jobName: opts.jobName, partition: opts.partition, time: opts.time, mem: opts.mem, dryRun: opts.dryRun },
            (job) => say(`submitted ${describeJob(scheduler, job)}`),
          )
        : [];
      if (opts.dryRun) {
        for (const job of jobs) {
          say(`# ---- ${job.script} (runs ${job.runs[0]}–${job.runs[job.runs.length - 1]}, ${job.runs.length} run${job.runs.length === 1 ? '' : 's'})`);
          say(job.text.trimEnd());
        }
        say('# ---- submit commands');
        for (const job of jobs) say(job.command.map(shellQuote).join(' '));
      }
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({
            scheduler,
            dryRun: Boolean(opts.dryRun),
            submitted: jobs.map((j) => ({ jobId: j.jobId ?? null, runs: j.runs, script: j.script, command: j.command, ...(opts.dryRun ? { text: j.text } : {}) })),
            skipped: plan.skipped.map(({ run, reason }) => ({ run, reason })),
          }) + '\n',
        );
        return;
      }
      const n = plan.submit.length;
      if (!n) say(`nothing to submit (${plan.skipped.length} run${plan.skipped.length === 1 ? '' : 's'} skipped)`);
      else if (opts.dryRun) say(`dry run: ${n} run${n === 1 ? '' : 's'} in ${jobs.length} array${jobs.length === 1 ? '' : 's'} would be submitted; nothing written`);
      else say(`${n} run${n === 1 ? '' : 's'} submitted in ${jobs.length} job${jobs.length === 1 ? '' : 's'}: ${jobs.map((j) => j.jobId).join(' ')}; follow them with: sacla batch --status --out ${shellQuote(opts.out)}`);
    });
}
