// OUT/jobs/submissions.json: what was submitted (job ids, runs, scheduler, config, time), so
// `sacla batch --status` and re-submissions know which runs are under way or have failed.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { Scheduler } from './scripts.js';

export interface Submission {
  scheduler: Scheduler | 'local';
  /** Slurm `12`, PBS `34[].server` or `35.server`, local `local-<pid>-<run>`. */
  jobId: string;
  /** In the order of the run list: array index i is runs[i]. */
  runs: number[];
  /**
   * The array's name (jobs/NAME.sh, jobs/NAME.runs, logs/NAME_<index>.log). Absent for local
   * analyses, and in records written before run lists, whose array indices were run numbers
   * and whose logs were logs/run_<N>.log.
   */
  array?: string;
  /** Absolute paths. */
  data: string;
  config: string;
  configHash: string;
  out: string;
  logs: string;
  script?: string;
  command?: string[];
  /** ISO time of the submission. */
  submitted: string;
  /**
   * A merge array of runs split across nodes: the parts array it waits for (task i: part
   * i mod split + 1 of runs[⌊i / split⌋]), whose logs say why a run failed before its merge.
   */
  parts?: { jobId: string; array: string; split: number };
  /** Local analyses: the pid of the process that ran them. */
  pid?: number;
  /** Local analyses interrupted (Ctrl-C): not attempted, redone on restart. */
  interrupted?: number[];
}

export interface SubmissionRecord {
  version: 1;
  submissions: Submission[];
}

export const jobsDir = (out: string) => join(out, 'jobs');
export const logsDir = (out: string) => join(out, 'logs');
export const recordPath = (out: string) => join(jobsDir(out), 'submissions.json');
export const logPath = (logs: string, run: number) => join(logs, `run_${run}.log`);
export const runListPath = (out: string, array: string) => join(jobsDir(out), `${array}.runs`);

/** The array index of `run` in its submission. */
export function arrayIndex(s: Submission, run: number): number {
  return s.array === undefined ? run : s.runs.indexOf(run);
}

/** The file the scheduler (or sacla watch) writes `run`'s output to. */
export function taskLogPath(s: Submission, run: number): string {
  return s.array === undefined ? logPath(s.logs, run) : join(s.logs, `${s.array}_${arrayIndex(s, run)}.log`);
}

export function readRecord(out: string): SubmissionRecord {
  const path = recordPath(out);
  if (!existsSync(path)) return { version: 1, submissions: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`${path}: not a readable submission record (${(err as Error).message}); move it away to start afresh`);
  }
  const rec = parsed as Partial<SubmissionRecord>;
  if (!rec || !Array.isArray(rec.submissions)) throw new DataError(`${path}: expected {"version": 1, "submissions": [...]}`);
  return { version: 1, submissions: rec.submissions };
}

function writeRecord(out: string, record: SubmissionRecord): void {
  mkdirSync(jobsDir(out), { recursive: true });
  const path = recordPath(out);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Adds a submission (read, append, write: the record is small). */
export function addSubmission(out: string, submission: Submission): void {
  const record = readRecord(out);
  record.submissions.push(submission);
  writeRecord(out, record);
}

/** Marks local runs as interrupted (not attempted). */
export function markInterrupted(out: string, jobId: string, run: number): void {
  const record = readRecord(out);
  const s = record.submissions.find((x) => x.jobId === jobId);
  if (!s) return;
  s.interrupted = [...new Set([...(s.interrupted ?? []), run])];
  writeRecord(out, record);
}

/** The latest submission of each run (interrupted local runs left out). */
export function latestSubmissions(record: SubmissionRecord): Map<number, Submission> {
  const latest = new Map<number, Submission>();
  for (const s of record.submissions) {
    for (const run of s.runs) if (!s.interrupted?.includes(run)) latest.set(run, s);
  }
  return latest;
}
