// `sacla batch`: one scheduler job per run, as Slurm / PBS job arrays (docs/batch.md), and
// `sacla batch --status`: what became of them (exit code 0 all done, 1 some failed, 3 the rest).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configHash, defaultConfigPath, loadConfig } from '../analysis/config/index.js';
import { conflictError, describeConfig, planBatch, submitBatch, type JobSubmission } from '../batch/submit.js';
import { requireCommand } from '../batch/scheduler.js';
import { parseChunk, parseMem, parseName, parseSplit, parseTime, shellQuote, type Scheduler } from '../batch/scripts.js';
import { batchStatus, failureLine, summariseStatus, type RunStatus } from '../batch/status.js';
import { summariseRuns } from '../data/runfile.js';
import { ConfigError } from '../core/errors.js';
import { integer } from './options.js';
import { runSelection, selectedRuns, type RunSelection } from './runList.js';

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
    .option('--chunk <n>', 'at most N runs per job array (1 to 1000)', optionParser(parseChunk), 50)
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
  runs?: RunSelection;
  run?: RunSelection;
  config?: string;
  out: string;
  scheduler?: Scheduler;
  dryRun?: boolean;
  retryFailed?: boolean;
  force?: boolean;
  split: number;
  status?: boolean;
  json?: boolean;
  tail: number;
}

export const SUBMIT_COMMAND: Record<Scheduler, string> = { slurm: 'sbatch', pbs: 'qsub' };

/** `sacla batch --status` when no run failed but not every run is done (pending, running, not submitted, or none). */
export const NOT_ALL_DONE = 3;

/** "runs 100–104, 107" or "run 5" */
const runsText = (runs: number[]) => `${runs.length === 1 ? 'run' : 'runs'} ${summariseRuns(runs)}`;

export function describeJob(scheduler: Scheduler, job: JobSubmission): string {
  const what = job.stage === 'parts' ? 'the parts of' : job.stage === 'merge' ? 'the merge of' : '';
  return `${runsText(job.runs)}: ${scheduler === 'slurm' ? 'Slurm' : 'PBS'} job ${job.jobId} (${what ? `${what} ` : ''}${job.runs.length} run${job.runs.length === 1 ? '' : 's'}), script ${job.script}`;
}

/** The exit code of `--status`: 0 when every run is done, 1 when any failed, NOT_ALL_DONE otherwise. */
export function statusExitCode(statuses: RunStatus[]): number {
  if (statuses.some((s) => s.state === 'failed')) return 1;
  return statuses.length && statuses.every((s) => s.state === 'done') ? 0 : NOT_ALL_DONE;
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
      lines.push(failureLine(s));
      if (s.lastLines?.length) lines.push(`    last ${s.lastLines.length} line${s.lastLines.length === 1 ? '' : 's'} of the log:`, ...s.lastLines.map((l) => `    ${l}`));
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
    .option('--runs <runs>', 'runs of the data folder: N, A-B, A-, -B or a list (3,5-7,10-)', runSelection('--runs'))
    .addOption(new Option('--run <runs>', 'the same as --runs').argParser(runSelection('--run')))
    .option('--config <file>', 'experiment config (.json or .mjs; default: configs/kuschel2023.json)')
    .option('--out <dir>', 'output folder: results, OUT/jobs/ (scripts, run lists, submissions.json), OUT/logs/', 'results')
    .addOption(new Option('--scheduler <name>', 'the cluster scheduler').choices(['slurm', 'pbs']));
  addJobOptions(cmd)
    .option('--split <n>', 'analyse each run in N parts on N nodes (sacla analyse --part K/N), then merge them in a job that waits for the parts (sacla merge)', optionParser(parseSplit), 1)
    .option('--dry-run', 'print the run lists, job scripts and submit commands; write and submit nothing')
    .option('--retry-failed', 'submit runs that failed before (after fixing the cause)')
    .option('--force', 'replace result files in --out that were made with another config (refused otherwise)')
    .option('--status', 'report per run: done, failed (with the cause from its log), pending, running, not submitted; exit code 0 all done, 1 some failed, 3 otherwise')
    .option('--tail <n>', 'with --status: also the last N lines of a failed run\'s log', integer('--tail', 0), 0)
    .option('--json', 'machine-readable output (one JSON object)')
    .action(async (opts: BatchOptions) => {
      const out = resolve(opts.out);
      const runs = selectedRuns(opts);
      if (opts.status) {
        if (!existsSync(out)) throw new ConfigError(`--out ${opts.out}: no such folder (nothing was submitted there)`);
        const data = opts.data === undefined ? undefined : resolve(opts.data);
        const hash = opts.config === undefined ? undefined : await configHash(await loadConfig(resolve(opts.config), data ? { dataDir: data } : {}));
        const statuses = await batchStatus({ out, data, configHash: hash, runs, tail: opts.tail });
        printStatus(statuses, opts.json);
        process.exitCode = statusExitCode(statuses);
        return;
      }
      if (opts.data === undefined) throw new ConfigError('sacla batch: --data <dir> is required (the folder of run files), unless --status');
      if (runs === undefined) throw new ConfigError('sacla batch: --runs <runs> is required (e.g. --runs 100-250, or --runs 0- for all), unless --status');
      if (opts.scheduler === undefined) throw new ConfigError('sacla batch: --scheduler slurm|pbs is required, unless --status');
      const scheduler = opts.scheduler;
      const data = resolve(opts.data);
      const configPath = resolve(opts.config ?? defaultConfigPath());
      // Config mistakes first (exit code 2), with the same data folder the jobs will use.
      const config = await loadConfig(configPath, { dataDir: data });
      const hash = await configHash(config);
      if (!opts.dryRun) requireCommand(SUBMIT_COMMAND[scheduler]);
      const plan = await planBatch({ data, out, runs, configHash: hash, retryFailed: opts.retryFailed, force: opts.force });
      if (plan.conflicts.length && !opts.force) throw conflictError(out, plan.conflicts, hash, configPath);
      const say = (line: string) => {
        if (!opts.json) process.stdout.write(line + '\n');
      };
      for (const [from, to] of plan.missing) say(`${from === to ? `run ${from}` : `runs ${from}–${to}`}: skipped, not in ${data}`);
      // Runs skipped for the same reason on one line: "runs 5–400: skipped, done with this config".
      const byReason = new Map<string, number[]>();
      for (const s of plan.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.run]);
      for (const [reason, skipped] of byReason) say(`${runsText(skipped)}: skipped, ${reason}`);
      const replaced = new Map<string, number[]>();
      for (const c of plan.conflicts) {
        if (c.unreadable) say(`run ${c.run}: replacing the unreadable result file ${c.path} (${c.unreadable}): --force`);
        else replaced.set(describeConfig(c.configHash, c.configFile), [...(replaced.get(describeConfig(c.configHash, c.configFile)) ?? []), c.run]);
      }
      for (const [config, conflicting] of replaced) say(`${runsText(conflicting)}: replacing the result${conflicting.length === 1 ? '' : 's'} made with another config (${config}): --force`);
      const jobs = plan.submit.length
        ? await submitBatch(
            {
              scheduler,
              runs: plan.submit,
              data,
              config: configPath,
              configHash: hash,
              out,
              chunk: opts.chunk,
              cpus: opts.cpus,
              jobName: opts.jobName,
              partition: opts.partition,
              time: opts.time,
              mem: opts.mem,
              force: opts.force,
              split: opts.split,
              dryRun: opts.dryRun,
            },
            (job) => say(`submitted ${describeJob(scheduler, job)}`),
          )
        : [];
      if (opts.dryRun) {
        for (const job of jobs) {
          const lines = job.stage === 'parts' ? 'a run and a part number a line' : 'one run a line';
          say(`# ---- ${job.runList} (${lines}: array index i is line i + 1): ${summariseRuns(job.runs)}`);
          say(`# ---- ${job.script} (${runsText(job.runs)}, ${job.runs.length} run${job.runs.length === 1 ? '' : 's'})`);
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
            submitted: jobs.map((j) => ({ jobId: j.jobId ?? null, runs: j.runs, script: j.script, runList: j.runList, command: j.command, ...(opts.dryRun ? { text: j.text } : {}) })),
            skipped: plan.skipped.map(({ run, reason }) => ({ run, reason })),
            missing: plan.missing.map(([from, to]) => ({ from, to })),
            replaced: plan.conflicts.map(({ run, path, configHash, configFile }) => ({ run, path, configHash, configFile })),
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
