// The schedulers' own commands (sbatch, squeue; qsub, qstat), run with execFile: argv arrays,
// never a shell string.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DataError, ConfigError } from '../core/errors.js';
import type { Scheduler } from './scripts.js';

const HOW_TO_GET: Record<string, string> = {
  sbatch: 'Slurm is not installed here: run this on a Slurm login node, or start a local test cluster with `bash scripts/slurm-local.sh start` (Debian: apt-get install slurm-wlm munge)',
  squeue: 'Slurm is not installed here: run this on a Slurm login node, or start a local test cluster with `bash scripts/slurm-local.sh start`',
  qsub: 'PBS is not installed here: run this on a PBS login node (OpenPBS / PBS Pro), or use --dry-run to see the scripts and commands',
  qstat: 'PBS is not installed here: run this on a PBS login node (OpenPBS / PBS Pro)',
};

/** The absolute path of `name` on PATH, or null. */
export function which(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Throws a clear error when a scheduler command is missing. */
export function requireCommand(name: string): string {
  const found = which(name);
  if (!found) throw new ConfigError(`${name}: command not found. ${HOW_TO_GET[name] ?? ''}`.trim());
  return found;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command (argv), without a shell; never throws for a non-zero exit code. */
export function runCommand(argv: string[], timeoutMs = 60_000): Promise<CommandResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new ConfigError(`${cmd}: command not found. ${HOW_TO_GET[cmd] ?? ''}`.trim()));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/** Submits (argv from submitCommand) and returns the job id the scheduler printed. */
export async function submit(scheduler: Scheduler, argv: string[]): Promise<string> {
  requireCommand(argv[0]);
  const r = await runCommand(argv);
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' / ');
  if (r.code !== 0) throw new DataError(`${argv.join(' ')} failed (exit code ${r.code}): ${said || 'no message'}`);
  const out = r.stdout.trim().split('\n').pop()?.trim() ?? '';
  // sbatch --parsable: "12" or "12;cluster"; qsub: "1234[].server" or "1235.server".
  const id = scheduler === 'slurm' ? out.split(';')[0] : out;
  const ok = scheduler === 'slurm' ? /^\d+$/.test(id) : /^\d+(\[\])?(\.\S+)?$/.test(id);
  if (!ok) throw new DataError(`${argv.join(' ')}: expected a job id on its output, got "${out}"`);
  return id;
}

/** What the queue says about a task. */
export type QueueState = 'pending' | 'running' | 'finished';

/**
 * States of the tasks of `jobIds` in the scheduler's queue, by task id (`12_5`; PBS
 * `34[5].server`). Tasks the queue no longer knows are absent.
 */
export async function queueStates(scheduler: Scheduler, jobIds: string[]): Promise<Map<string, { state: QueueState; raw: string }>> {
  const states = new Map<string, { state: QueueState; raw: string }>();
  if (!jobIds.length) return states;
  if (scheduler === 'slurm') {
    requireCommand('squeue');
    const r = await runCommand(['squeue', '--me', '-h', '-t', 'all', '-r', '-o', '%i|%T']);
    if (r.code !== 0) throw new DataError(`squeue failed (exit code ${r.code}): ${r.stderr.trim()}`);
    const wanted = new Set(jobIds);
    for (const line of r.stdout.split('\n')) {
      const [id, raw] = line.trim().split('|');
      if (!id || !raw || !wanted.has(id.split('_')[0])) continue;
      states.set(id, { state: slurmState(raw), raw });
    }
    return states;
  }
  requireCommand('qstat');
  // -t: subjobs; -x: finished jobs too (history); JSON (PBS Pro 18+ / OpenPBS).
  const r = await runCommand(['qstat', '-t', '-x', '-f', '-F', 'json', ...jobIds]);
  let parsed: { Jobs?: Record<string, { job_state?: string }> } = {};
  try {
    parsed = JSON.parse(r.stdout || '{}');
  } catch {
    if (r.code !== 0) return states; // jobs unknown to the server: finished and forgotten
    throw new DataError(`qstat -F json: could not read its output`);
  }
  for (const [id, job] of Object.entries(parsed.Jobs ?? {})) {
    const raw = job.job_state ?? '?';
    states.set(id, { state: pbsState(raw), raw });
  }
  return states;
}

export function slurmState(raw: string): QueueState {
  if (/^(PENDING|CONFIGURING|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|RESV_DEL_HOLD|SUSPENDED|RESIZING)$/.test(raw)) return 'pending';
  if (/^(RUNNING|COMPLETING|STAGE_OUT|SIGNALING)$/.test(raw)) return 'running';
  return 'finished';
}

export function pbsState(raw: string): QueueState {
  if (/^[QHWTSU]$/.test(raw)) return 'pending';
  if (/^[REB]$/.test(raw)) return 'running';
  return 'finished';
}

/**
 * Slurm refuses array indices ≥ MaxArraySize (default 1001). Indices run from 0 to the largest
 * array's size − 1, so only a cluster set below its default can refuse them: say so before
 * submitting. Unknown (no scontrol, no answer): no check.
 */
export async function checkSlurmArraySize(largestArray: number): Promise<void> {
  if (!which('scontrol')) return;
  const r = await runCommand(['scontrol', 'show', 'config'], 30_000);
  const m = /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(r.stdout);
  if (!m) return;
  const max = Number(m[1]);
  if (largestArray > max) {
    throw new ConfigError(
      `--chunk: an array of ${largestArray} runs needs array indices 0–${largestArray - 1}, but this Slurm cluster allows indices below ${max} (MaxArraySize = ${max}): use --chunk ${max} or less`,
    );
  }
}
