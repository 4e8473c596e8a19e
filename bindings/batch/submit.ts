// Planning and submitting a batch: which runs need a job (not done with this config, not under
// way, not failed unless asked), the job scripts in OUT/jobs/, the submit commands, the record.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { listRunFiles } from '../data/runfile.js';
import { addSubmission, jobsDir, logsDir } from './record.js';
import { checkSlurmArraySize, submit } from './scheduler.js';
import { chunkRuns, jobScript, submitCommand, type Scheduler } from './scripts.js';
import { batchStatus, type RunStatus } from './status.js';

/**
 * The CLI the job scripts call: [node, absolute path of dist/bindings/cli/main.js]. From the
 * built package that is the neighbouring cli/main.js; from the sources, the repo's dist/.
 */
export function cliEntry(): [string, string] {
  const candidates = ['../cli/main.js', '../../dist/bindings/cli/main.js'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return [process.execPath, candidates.find((c) => existsSync(c)) ?? candidates[0]];
}

export interface BatchPlan {
  /** Runs to submit, ascending. */
  submit: number[];
  /** Runs left out, with the reason. */
  skipped: { run: number; reason: string; status?: RunStatus }[];
}

/**
 * Which of `requested` runs to submit: runs absent from the data folder, runs done with this
 * config, and runs pending or running are left out; so are failed runs unless `retryFailed`.
 * Negative run numbers count back from the newest run in the folder.
 */
export async function planBatch(opts: { data: string; out: string; runs: number[]; configHash: string; retryFailed?: boolean }): Promise<BatchPlan> {
  const present = (await listRunFiles(opts.data)).map((e) => e.run);
  const have = new Set(present);
  const skipped: BatchPlan['skipped'] = [];
  const wanted: number[] = [];
  for (const r of opts.runs) {
    const run = r < 0 ? present[present.length + r] : r;
    if (run === undefined) throw new ConfigError(`--runs: run ${r} asked but ${opts.data} holds only ${present.length} runs`);
    if (!have.has(run)) skipped.push({ run, reason: `not in ${opts.data}` });
    else wanted.push(run);
  }
  const unique = [...new Set(wanted)].sort((a, b) => a - b);
  const statuses = await batchStatus({ out: opts.out, configHash: opts.configHash, runs: unique, data: opts.data });
  const byRun = new Map(statuses.map((s) => [s.run, s]));
  const submitRuns: number[] = [];
  for (const run of unique) {
    const s = byRun.get(run);
    if (!s || s.state === 'not submitted') submitRuns.push(run);
    else if (s.state === 'done') skipped.push({ run, reason: 'done with this config', status: s });
    else if (s.state === 'failed' && opts.retryFailed) submitRuns.push(run);
    else if (s.state === 'failed') skipped.push({ run, reason: `failed before (job ${s.task}, ${s.detail}): --retry-failed to submit it again`, status: s });
    else skipped.push({ run, reason: `already submitted (job ${s.task}, ${s.state})`, status: s });
  }
  skipped.sort((a, b) => a.run - b.run);
  return { submit: submitRuns, skipped };
}

export interface SubmitOptions {
  scheduler: Scheduler;
  runs: number[];
  /** Absolute (resolved here otherwise). */
  data: string;
  config: string;
  configHash: string;
  out: string;
  chunk: number;
  cpus: number;
  jobName: string;
  partition?: string;
  time?: string;
  mem?: string;
  dryRun?: boolean;
  cli?: [string, string];
}

export interface JobSubmission {
  runs: number[];
  script: string;
  text: string;
  command: string[];
  jobId?: string;
}

let serial = 0;

/** Writes one job script per array into OUT/jobs/ and submits it (or only returns them: dryRun). */
export async function submitBatch(opts: SubmitOptions, onSubmitted?: (job: JobSubmission) => void): Promise<JobSubmission[]> {
  const out = resolve(opts.out);
  const data = resolve(opts.data);
  const config = resolve(opts.config);
  const logs = logsDir(out);
  const cli = opts.cli ?? cliEntry();
  if (!opts.dryRun && !existsSync(cli[1])) throw new ConfigError(`${cli[1]} is missing: build the CLI first (npm run build)`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const jobs: JobSubmission[] = [];
  for (const runs of chunkRuns(opts.runs, opts.chunk, opts.scheduler)) {
    const label = runs.length === 1 ? `${runs[0]}` : `${runs[0]}-${runs[runs.length - 1]}`;
    let script = join(jobsDir(out), `${opts.scheduler}_runs_${label}_${stamp}.sh`);
    if (existsSync(script)) script = script.replace(/\.sh$/, `_${process.pid}_${++serial}.sh`);
    const text = jobScript({ scheduler: opts.scheduler, runs, data, config, out, logs, cli, cpus: opts.cpus, jobName: opts.jobName, partition: opts.partition, time: opts.time, mem: opts.mem });
    jobs.push({ runs, script, text, command: submitCommand(opts.scheduler, runs, script) });
  }
  if (opts.dryRun) return jobs;
  if (opts.scheduler === 'slurm') await checkSlurmArraySize(Math.max(...opts.runs));
  mkdirSync(jobsDir(out), { recursive: true });
  mkdirSync(logs, { recursive: true });
  for (const job of jobs) {
    writeFileSync(job.script, job.text);
    chmodSync(job.script, 0o755);
    job.jobId = await submit(opts.scheduler, job.command);
    addSubmission(out, {
      scheduler: opts.scheduler,
      jobId: job.jobId,
      runs: job.runs,
      data,
      config,
      configHash: opts.configHash,
      out,
      logs,
      script: job.script,
      command: job.command,
      submitted: new Date().toISOString(),
    });
    onSubmitted?.(job);
  }
  return jobs;
}
