// Per-run state of a batch: done (a result file made with the config), failed (finished without
// one, or the log ends with an error), pending / running (from the scheduler's queue), or not
// submitted. Reads OUT/jobs/submissions.json, the result files and the logs.
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { storedConfigHash } from '../analysis/results.js';
import { resultName } from '../analysis/results.js';
import { listRunFiles } from '../data/runfile.js';
import { latestSubmissions, logPath, readRecord, type Submission } from './record.js';
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
  /** The last lines of the log, for failed runs. */
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

/** What a run's log says about one task: whether the log is this task's, and its exit code. */
function readLog(path: string, task: string): { mine: boolean; exitCode: number | null; lines: string[] } {
  const lines = tailLines(path, 400);
  if (!lines.length) return { mine: false, exitCode: null, lines };
  // The job's first line names its task: an older log (an earlier submission) is not this task's.
  const mine = lines.some((l) => l.startsWith('sacla batch: run ') && l.includes(`job ${task} `));
  let exitCode: number | null = null;
  for (const l of lines) {
    const m = FINISH_LINE.exec(l);
    if (m) exitCode = Number(m[2]);
  }
  return { mine, exitCode, lines };
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
  runs?: number[];
  /** Lines of the log to show for failed runs. */
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
  if (opts.runs) {
    const wanted = new Set(opts.runs);
    runs = runs.filter((r) => wanted.has(r));
  }

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
      statuses.push({ run, state: 'done', result, ...(s ? { scheduler: s.scheduler, jobId: s.jobId, log: logPath(s.logs, run) } : {}) });
      continue;
    }
    if (!s || (opts.configHash && s.configHash !== opts.configHash)) {
      const detail = hashes.get(run) ? 'its result file was made with another config' : s ? 'submitted with another config' : undefined;
      statuses.push({ run, state: 'not submitted', ...(detail ? { detail } : {}) });
      continue;
    }
    const task = taskId(s.scheduler, s.jobId, run, s.runs);
    const log = logPath(s.logs, run);
    const { mine, exitCode, lines } = readLog(log, task);
    const base = { run, scheduler: s.scheduler, jobId: s.jobId, task, log };
    const failed = (detail: string): RunStatus => ({ ...base, state: 'failed', detail, lastLines: mine ? lines.slice(-(opts.tail ?? 10)) : [], ...(mine && exitCode !== null ? { exitCode } : {}) });
    if (mine && exitCode !== null && exitCode !== 0) {
      statuses.push(failed(`exit code ${exitCode}`));
      continue;
    }
    let inQueue: QueueState | null = null;
    let raw = '';
    if (s.scheduler === 'local') {
      if (mine && exitCode === null && pidAlive(s.pid)) inQueue = 'running';
    } else {
      const q = queue.get(task) ?? (s.scheduler === 'slurm' ? queue.get(`${s.jobId}_[${run}]`) : undefined);
      if (q) {
        inQueue = q.state;
        raw = q.raw;
      }
    }
    if (inQueue === 'pending' || inQueue === 'running') {
      statuses.push({ ...base, state: inQueue, ...(raw ? { detail: raw } : {}) });
      continue;
    }
    if (!mine) statuses.push(failed(raw ? `${raw}, no log of this task at ${log}` : `no longer in the queue, no log of this task at ${log}`));
    else if (exitCode === 0) statuses.push(failed(hashes.get(run) ? 'finished, but the result file was made with another config' : 'finished with exit code 0 but no result file'));
    else statuses.push(failed(raw ? `${raw} without finishing (killed? time or memory limit?)` : 'ended without finishing (killed? time or memory limit?)'));
  }
  return statuses;
}

/** "3 done, 1 failed, 2 pending" */
export function summariseStatus(statuses: RunStatus[]): string {
  const order: RunState[] = ['done', 'failed', 'running', 'pending', 'not submitted'];
  const counts = order.map((s) => [s, statuses.filter((x) => x.state === s).length] as const).filter(([, n]) => n > 0);
  return counts.length ? counts.map(([s, n]) => `${n} ${s}`).join(', ') : 'no runs';
}
