// Per-run state of a batch: done (a result file made with the config), failed (finished without
// one, or the log ends with an error; with the log's line that says why), pending / running
// (from the scheduler's queue), or not submitted. Reads OUT/jobs/submissions.json, the result
// files and the task logs.
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { storedConfigHash } from '../analysis/results.js';
import { resultName } from '../analysis/results.js';
import { listRunFiles } from '../data/runfile.js';
import { arrayIndex, latestSubmissions, readRecord, taskLogPath, type Submission } from './record.js';
import { queueStates, type QueueState } from './scheduler.js';
import { FINISH_LINE, taskId, type Scheduler } from './scripts.js';

export type RunState = 'done' | 'failed' | 'pending' | 'running' | 'not submitted';

export interface RunStatus {
  run: number;
  state: RunState;
  /** Why, in a few words (e.g. "exit code 1", "no longer in the queue, no result file"). */
  detail?: string;
  scheduler?: Submission['scheduler'];
  jobId?: string;
  /** The task's id in the scheduler (`12_5`, `34[5].server`). */
  task?: string;
  result?: string;
  log?: string;
  /** For failed runs: the line of the log that says why (failureCause). */
  cause?: string;
  /** For failed runs, when asked (`tail`): the last lines of the log. */
  lastLines?: string[];
  exitCode?: number;
}

/** The last `n` lines of a text file (reads at most its last 16 kB). */
export function tailLines(path: string, n = 10): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** The first line of a text file (at most its first 1 kB), or '' when there is none. */
function firstLine(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split('\n')[0];
  } finally {
    closeSync(fd);
  }
}

/**
 * The line of a failed run's log that says why, in this order of preference: `sacla analyse`'s
 * report of the run (`sacla: run N failed: …`, given without its prefix), the scheduler's kill
 * (`slurmstepd: error: … DUE TO TIME LIMIT`, an oom_kill, `=>> PBS: job killed: walltime …`),
 * the job script's own error, Node's (`RangeError: …`, `FATAL ERROR: … heap out of memory`),
 * the last `sacla: …` line (a config mistake stops analyse with it; the closing `N of M run(s)
 * failed` says nothing), and else the last line that is neither the job's nor progress.
 */
export function failureCause(lines: string[]): string | null {
  const preferences: RegExp[] = [
    /^sacla: run -?\d+ failed: (.+)$/,
    /^(slurmstepd(?:-[\w.-]+)?: error: .+)$/,
    /^(=>> PBS: .+)$/,
    /^sacla batch: error: (.+)$/,
    /^((?:[A-Z]\w*)?Error: .+|FATAL ERROR: .+)$/,
    /^sacla: (?!\d+ of \d+ run\(s\) failed$)(.+)$/,
  ];
  for (const re of preferences) {
    let found: string | null = null;
    for (const line of lines) {
      const m = re.exec(line.trim());
      if (m) found = m[1];
    }
    if (found !== null) return found;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line && !line.startsWith('sacla batch: ') && !/^run -?\d+: \d+\/\d+ shots/.test(line)) return line;
  }
  return null;
}

/**
 * What a log says about one task: whether it is this task's (the job's first line names the
 * task, or its error line does: a run's log from an earlier submission is not this task's), its
 * exit code, its last lines and the cause. The first line is read apart: a long run's progress
 * lines push it out of the tail.
 */
function readLog(path: string, task: string): { mine: boolean; exitCode: number | null; lines: string[]; cause: string | null } {
  const lines = tailLines(path, 400);
  const mine = [firstLine(path), ...lines].some((l) => l.startsWith('sacla batch: ') && (l.includes(`job ${task} `) || l.includes(`job ${task})`)));
  let exitCode: number | null = null;
  for (const l of lines) {
    const m = FINISH_LINE.exec(l);
    if (m) exitCode = Number(m[2]);
  }
  return { mine, exitCode, lines, cause: mine ? failureCause(lines) : null };
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StatusOptions {
  out: string;
  /** A data folder: its runs without a submission are listed as "not submitted". */
  data?: string;
  /** Compare result files with this config hash (default: the hash of each run's latest submission). */
  configHash?: string;
  /** Only these runs. */
  runs?: { has(run: number): boolean };
  /** Lines of the log to show for failed runs (default none: the cause is always given). */
  tail?: number;
}

/** The state of each run, in run order. */
export async function batchStatus(opts: StatusOptions): Promise<RunStatus[]> {
  const record = readRecord(opts.out);
  const latest = latestSubmissions(record);
  const candidates = new Set<number>(latest.keys());
  if (existsSync(opts.out)) {
    for (const name of readdirSync(opts.out)) {
      const m = /^run_(-?\d+)\.h5$/.exec(name);
      if (m) candidates.add(Number(m[1]));
    }
  }
  const data = opts.data ?? record.submissions[record.submissions.length - 1]?.data;
  if (data && existsSync(data)) for (const e of await listRunFiles(data)) candidates.add(e.run);
  let runs = [...candidates].sort((a, b) => a - b);
  if (opts.runs) runs = runs.filter((r) => opts.runs!.has(r));

  // Results first: the queue is asked only about runs that are not done.
  const hashes = new Map<number, string | null>();
  for (const run of runs) hashes.set(run, await storedConfigHash(join(opts.out, resultName(run))));
  const expected = (run: number) => opts.configHash ?? latest.get(run)?.configHash ?? null;
  const isDone = (run: number) => {
    const h = hashes.get(run);
    return h !== null && h !== undefined && (expected(run) === null || h === expected(run));
  };
  const queue = new Map<string, { state: QueueState; raw: string }>();
  for (const scheduler of ['slurm', 'pbs'] as Scheduler[]) {
    const ids = new Set<string>();
    for (const run of runs) {
      const s = latest.get(run);
      if (s && s.scheduler === scheduler && !isDone(run)) ids.add(s.jobId);
    }
    if (ids.size) for (const [k, v] of await queueStates(scheduler, [...ids])) queue.set(k, v);
  }

  const statuses: RunStatus[] = [];
  for (const run of runs) {
    const result = join(opts.out, resultName(run));
    const s = latest.get(run);
    if (isDone(run)) {
      statuses.push({ run, state: 'done', result, ...(s ? { scheduler: s.scheduler, jobId: s.jobId, log: taskLogPath(s, run) } : {}) });
      continue;
    }
    if (!s || (opts.configHash && s.configHash !== opts.configHash)) {
      const detail = hashes.get(run) ? 'its result file was made with another config' : s ? 'submitted with another config' : undefined;
      statuses.push({ run, state: 'not submitted', ...(detail ? { detail } : {}) });
      continue;
    }
    const index = arrayIndex(s, run);
    const task = taskId(s.scheduler, s.jobId, index, s.runs.length);
    const log = taskLogPath(s, run);
    const { mine, exitCode, lines, cause } = readLog(log, task);
    const base = { run, scheduler: s.scheduler, jobId: s.jobId, task, log };
    const tail = opts.tail ?? 0;
    const failed = (detail: string): RunStatus => ({
      ...base,
      state: 'failed',
      detail,
      ...(cause !== null ? { cause } : {}),
      ...(mine && tail > 0 ? { lastLines: lines.slice(-tail) } : {}),
      ...(mine && exitCode !== null ? { exitCode } : {}),
    });
    // A split run whose part failed: that part's failure is the cause (its merge only says a part is missing).
    const partFailure = (): RunStatus | null => {
      const part = s.parts ? failedPart(s, run) : null;
      if (!part) return null;
      const detail = `part ${part.part} of ${s.parts!.split}${part.exitCode !== null ? `: exit code ${part.exitCode}` : ': no end in its log'}`;
      return { ...base, state: 'failed', task: part.task, log: part.log, detail, ...(part.cause !== null ? { cause: part.cause } : {}) };
    };
    if (mine && exitCode !== null && exitCode !== 0) {
      statuses.push(partFailure() ?? failed(`exit code ${exitCode}`));
      continue;
    }
    let inQueue: QueueState | null = null;
    let raw = '';
    if (s.scheduler === 'local') {
      if (mine && exitCode === null && pidAlive(s.pid)) inQueue = 'running';
    } else {
      const q = queue.get(task) ?? (s.scheduler === 'slurm' ? queue.get(`${s.jobId}_[${index}]`) : undefined);
      if (q) {
        inQueue = q.state;
        raw = q.raw;
      }
    }
    if (inQueue === 'pending' || inQueue === 'running') {
      statuses.push({ ...base, state: inQueue, ...(raw ? { detail: raw } : {}) });
      continue;
    }
    const part = mine ? null : partFailure();
    if (part) statuses.push(part);
    else if (!mine) statuses.push(failed(raw ? `${raw}, no log of this task at ${log}` : `no longer in the queue, no log of this task at ${log}`));
    else if (exitCode === 0) statuses.push(failed(hashes.get(run) ? 'finished, but the result file was made with another config' : 'finished with exit code 0 but no result file'));
    // The log's cause (a kill message) makes guessing needless.
    else statuses.push(failed(`ended without finishing${raw ? ` (${raw})` : ''}${cause === null ? ': killed? (time or memory limit?)' : ''}`));
  }
  return statuses;
}

const PART_FINISH_LINE = /^sacla batch: run -?\d+ part (\d+) finished with exit code (\d+)/;

/** The first part of a split run whose task failed (or never finished), with its log's cause; null when all ended well. */
function failedPart(s: Submission, run: number): { part: number; task: string; log: string; exitCode: number | null; cause: string | null } | null {
  const { array, jobId, split } = s.parts!;
  const tasks = s.runs.length * split;
  const first = s.runs.indexOf(run) * split;
  for (let k = 0; k < split; k++) {
    const index = first + k;
    const task = taskId(s.scheduler, jobId, index, tasks);
    const log = join(s.logs, `${array}_${index}.log`);
    const { mine, lines, cause } = readLog(log, task);
    let exitCode: number | null = null;
    for (const l of lines) {
      const m = PART_FINISH_LINE.exec(l);
      if (m) exitCode = Number(m[2]);
    }
    if (!mine || exitCode !== 0) return { part: k + 1, task, log, exitCode, cause };
  }
  return null;
}

/** "run 5: failed (job 12_0: exit code 1): <the cause>; log: <path>" */
export function failureLine(s: Pick<RunStatus, 'run' | 'task' | 'detail' | 'cause' | 'log'>): string {
  const why = [s.task ? `job ${s.task}` : '', s.detail].filter(Boolean).join(': ');
  return `run ${s.run}: failed${why ? ` (${why})` : ''}${s.cause ? `: ${s.cause}` : ''}${s.log ? `; log: ${s.log}` : ''}`;
}

/** "3 done, 1 failed, 2 pending" */
export function summariseStatus(statuses: RunStatus[]): string {
  const order: RunState[] = ['done', 'failed', 'running', 'pending', 'not submitted'];
  const counts = order.map((s) => [s, statuses.filter((x) => x.state === s).length] as const).filter(([, n]) => n > 0);
  return counts.length ? counts.map(([s, n]) => `${n} ${s}`).join(', ') : 'no runs';
}
