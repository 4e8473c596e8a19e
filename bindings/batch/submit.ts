// Planning and submitting a batch: which runs need a job (not done with this config, not under
// way, not failed unless asked, not replacing another config's results unless forced), the job
// scripts and run lists in OUT/jobs/, the submit commands, the record.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openResult, resultName } from '../analysis/results.js';
import { ConfigError } from '../core/errors.js';
import { listRunFiles, summariseRuns } from '../data/runfile.js';
import { addSubmission, jobsDir, logsDir, runListPath } from './record.js';
import { checkSlurmArraySize, submit } from './scheduler.js';
import { chunkRuns, jobScript, MAX_ARRAY_TASKS, runListText, submitCommand, type Scheduler } from './scripts.js';
import { batchStatus, type RunStatus } from './status.js';

/**
 * The CLI the job scripts call: [node, absolute path of dist/bindings/cli/main.js]. From the
 * built package that is the neighbouring cli/main.js; from the sources, the repo's dist/.
 */
export function cliEntry(): [string, string] {
  const candidates = ['../cli/main.js', '../../dist/bindings/cli/main.js'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return [process.execPath, candidates.find((c) => existsSync(c)) ?? candidates[0]];
}

/** Which runs a batch is asked for: inclusive [from, to] ranges (open ends ±Infinity). */
export interface RunRequest {
  ranges: readonly (readonly [number, number])[];
  has(run: number): boolean;
}

/** A result file in OUT that a submission would replace, made with another config. */
export interface Conflict {
  run: number;
  path: string;
  /** Its root attributes `config_hash` and `config_file` (null when absent or unreadable). */
  configHash: string | null;
  configFile: string | null;
  /** Why it could not be read, when it could not. */
  unreadable?: string;
}

export interface BatchPlan {
  /** Runs to submit, ascending. */
  submit: number[];
  /** Runs asked for by a bounded range but absent from the data folder: [from, to] ranges. */
  missing: [number, number][];
  /** Runs of the data folder left out, with the reason. */
  skipped: { run: number; reason: string; status?: RunStatus }[];
  /**
   * Runs whose result file was made with another config: left out of `submit` unless `force`
   * (then in `submit` and listed here too, as what is replaced).
   */
  conflicts: Conflict[];
}

async function existingResult(out: string, run: number, configHash: string): Promise<Conflict | null> {
  const path = join(out, resultName(run));
  if (!existsSync(path)) return null;
  try {
    const result = await openResult(path);
    try {
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      const stored = str(result.attrs.config_hash);
      return stored === configHash ? null : { run, path, configHash: stored, configFile: str(result.attrs.config_file) };
    } finally {
      result.close();
    }
  } catch (err) {
    return { run, path, configHash: null, configFile: null, unreadable: (err as Error).message };
  }
}

/** The runs asked for by bounded ranges that `present` (sorted) lacks, as [from, to] ranges. */
export function missingRuns(ranges: RunRequest['ranges'], present: number[]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [a, b] of [...ranges].filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).sort((x, y) => x[0] - y[0])) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  const missing: [number, number][] = [];
  for (const [a, b] of merged) {
    let next = a;
    for (const run of present) {
      if (run < next) continue;
      if (run > b) break;
      if (run > next) missing.push([next, run - 1]);
      next = run + 1;
    }
    if (next <= b) missing.push([next, b]);
  }
  return missing;
}

const shortHash = (h: string | null) => (h === null ? 'none' : h.slice(0, 12));

/** "config_hash 1a2b3c4d5e6f, config_file /beam/old.json" */
export function describeConfig(hash: string | null, file: string | null): string {
  return `config_hash ${shortHash(hash)}, config_file ${file ?? 'none'}`;
}

/** What a conflict is, for a person: the stored config against the new one. */
export function describeConflict(c: Conflict, configHash: string, configFile: string): string {
  const stored = c.unreadable ? `is an unreadable file (${c.unreadable})` : `was made with another config (${describeConfig(c.configHash, c.configFile)})`;
  return `its result ${c.path} ${stored}; this config: ${describeConfig(configHash, configFile)}`;
}

/** The refusal of a batch that would replace results made with other configs. */
export function conflictError(out: string, conflicts: Conflict[], configHash: string, configFile: string): ConfigError {
  const groups = new Map<string, number[]>();
  for (const c of conflicts) {
    const key = c.unreadable ? 'unreadable result files' : describeConfig(c.configHash, c.configFile);
    groups.set(key, [...(groups.get(key) ?? []), c.run]);
  }
  const held = [...groups].map(([key, runs]) => `${runs.length === 1 ? 'run' : 'runs'} ${summariseRuns(runs)} (${key})`).join('; ');
  return new ConfigError(
    `--out ${out} holds results made with another config, which this batch would replace: ${held}; this batch's config: ${describeConfig(configHash, configFile)}. ` +
      `Give another --out, or --force to replace them`,
  );
}

/**
 * Which of the `requested` runs of the data folder to submit: runs done with this config and
 * runs pending or running are left out; so are failed runs unless `retryFailed`, and runs whose
 * result file was made with another config unless `force` (see `conflicts`).
 */
export async function planBatch(opts: { data: string; out: string; runs: RunRequest; configHash: string; retryFailed?: boolean; force?: boolean }): Promise<BatchPlan> {
  const present = [...new Set((await listRunFiles(opts.data)).map((e) => e.run))].sort((a, b) => a - b);
  const wanted = present.filter((run) => opts.runs.has(run));
  const statuses = await batchStatus({ out: opts.out, configHash: opts.configHash, runs: new Set(wanted), data: opts.data });
  const byRun = new Map(statuses.map((s) => [s.run, s]));
  const plan: BatchPlan = { submit: [], missing: missingRuns(opts.runs.ranges, present), skipped: [], conflicts: [] };
  for (const run of wanted) {
    const s = byRun.get(run);
    if (s?.state === 'done') plan.skipped.push({ run, reason: 'done with this config', status: s });
    else if (s?.state === 'pending' || s?.state === 'running') plan.skipped.push({ run, reason: `already submitted (job ${s.task}, ${s.state})`, status: s });
    else if (s?.state === 'failed' && !opts.retryFailed) {
      plan.skipped.push({ run, reason: `failed before (job ${s.task}, ${s.detail}${s.cause ? `: ${s.cause}` : ''}): --retry-failed to submit it again`, status: s });
    } else {
      const conflict = await existingResult(opts.out, run, opts.configHash);
      if (conflict) plan.conflicts.push(conflict);
      if (!conflict || opts.force) plan.submit.push(run);
    }
  }
  return plan;
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
  /** The jobs replace results made with another config (sacla analyse --force). */
  force?: boolean;
  /** Parts per run (sacla analyse --part K/N on N nodes, then sacla merge); 1 or absent: none. */
  split?: number;
  dryRun?: boolean;
  cli?: [string, string];
}

export interface JobSubmission {
  /** In the order of the run list: array index i is runs[i] (for a parts array: part k of runs[⌊i / split⌋]). */
  runs: number[];
  /** A split run's two arrays: its parts, and the merge that waits for them. */
  stage?: 'parts' | 'merge';
  /** The array's name: jobs/NAME.sh, jobs/NAME.runs, logs/NAME_<index>.log. */
  name: string;
  script: string;
  runList: string;
  text: string;
  command: string[];
  jobId?: string;
}

let serial = 0;

/**
 * Writes each array's run list and job script into OUT/jobs/ and submits it (or only returns
 * them: dryRun).
 */
export async function submitBatch(opts: SubmitOptions, onSubmitted?: (job: JobSubmission) => void): Promise<JobSubmission[]> {
  const out = resolve(opts.out);
  const data = resolve(opts.data);
  const config = resolve(opts.config);
  const logs = logsDir(out);
  const cli = opts.cli ?? cliEntry();
  if (!opts.dryRun && !existsSync(cli[1])) throw new ConfigError(`${cli[1]} is missing: build the CLI first (npm run build)`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const jobs: JobSubmission[] = [];
  const split = opts.split && opts.split > 1 ? opts.split : 0;
  const job = (runs: number[], kind: string, stage?: 'parts' | 'merge'): JobSubmission => {
    const label = runs.length === 1 ? `${runs[0]}` : `${runs[0]}-${runs[runs.length - 1]}`;
    let name = `${opts.scheduler}_${kind}_${label}_${stamp}`;
    if (existsSync(join(jobsDir(out), `${name}.sh`))) name += `_${process.pid}_${++serial}`;
    const script = join(jobsDir(out), `${name}.sh`);
    const runList = runListPath(out, name);
    const text = jobScript({
      scheduler: opts.scheduler,
      runs,
      name,
      runList,
      data,
      config,
      out,
      logs,
      cli,
      cpus: stage === 'merge' ? 1 : opts.cpus,
      jobName: opts.jobName,
      partition: opts.partition,
      time: opts.time,
      mem: opts.mem,
      force: opts.force,
      stage,
      split: split || undefined,
    });
    const tasks = stage === 'parts' ? runs.length * split : runs.length;
    return { runs, stage, name, script, runList, text, command: submitCommand(opts.scheduler, tasks, script) };
  };
  // A parts array holds `split` tasks per run: as many runs per array as keep it within MAX_ARRAY_TASKS.
  const chunk = split ? Math.max(1, Math.min(opts.chunk, Math.floor(MAX_ARRAY_TASKS / split))) : opts.chunk;
  for (const runs of chunkRuns(opts.runs, chunk)) {
    if (!split) jobs.push(job(runs, 'runs'));
    else {
      const parts = job(runs, 'parts', 'parts');
      const merge = job(runs, 'runs', 'merge');
      merge.command = submitCommand(opts.scheduler, runs.length, merge.script, { jobId: '<the parts job>', tasks: runs.length * split });
      jobs.push(parts, merge);
    }
  }
  if (opts.dryRun) return jobs;
  if (opts.scheduler === 'slurm') await checkSlurmArraySize(Math.max(...jobs.map((j) => (j.stage === 'parts' ? j.runs.length * split : j.runs.length))));
  mkdirSync(jobsDir(out), { recursive: true });
  mkdirSync(logs, { recursive: true });
  let partsJob: { jobId: string; array: string; tasks: number } | null = null;
  for (const j of jobs) {
    writeFileSync(j.runList, runListText(j.runs, j.stage === 'parts' ? split : undefined));
    writeFileSync(j.script, j.text);
    chmodSync(j.script, 0o755);
    if (j.stage === 'merge') j.command = submitCommand(opts.scheduler, j.runs.length, j.script, { jobId: partsJob!.jobId, tasks: partsJob!.tasks });
    j.jobId = await submit(opts.scheduler, j.command);
    if (j.stage === 'parts') {
      // Recorded with its merge: a run's state is its merge's, the parts' logs say why it failed.
      partsJob = { jobId: j.jobId, array: j.name, tasks: j.runs.length * split };
      onSubmitted?.(j);
      continue;
    }
    addSubmission(out, {
      scheduler: opts.scheduler,
      jobId: j.jobId,
      runs: j.runs,
      array: j.name,
      ...(j.stage === 'merge' ? { parts: { jobId: partsJob!.jobId, array: partsJob!.array, split } } : {}),
      data,
      config,
      configHash: opts.configHash,
      out,
      logs,
      script: j.script,
      command: j.command,
      submitted: new Date().toISOString(),
    });
    onSubmitted?.(j);
  }
  return jobs;
}
