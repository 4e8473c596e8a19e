// Job scripts and submit commands for Slurm and PBS (pure functions: no files, no processes).
// One array task per run, and the array index IS the run number: a chunk is a set of run
// numbers, given to Slurm as a list (`--array=3,5,8-10`) and to PBS as a range (`-J 8-10`;
// PBS arrays take ranges only, so runs with gaps become several arrays).
import { ConfigError } from '../core/errors.js';

export type Scheduler = 'slurm' | 'pbs';

/** Resources and names for one job script. Paths must be absolute. */
export interface JobSpec {
  scheduler: Scheduler;
  /** Runs of this array (ascending). */
  runs: number[];
  /** Absolute paths. */
  data: string;
  config: string;
  out: string;
  /** Where the job writes its per-run logs (absolute; OUT/logs). */
  logs: string;
  /** The command that runs the CLI: [node binary, absolute path of dist/bindings/cli/main.js]. */
  cli: [string, string];
  cpus: number;
  jobName: string;
  partition?: string;
  time?: string;
  mem?: string;
}

/** A shell word: single-quoted unless it is plainly safe. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A value in a `#SBATCH` / `#PBS` line: double-quoted when it has spaces or quotes. */
function directiveValue(s: string): string {
  return /[\s"'\\]/.test(s) ? `"${s.replace(/(["\\])/g, '\\$1')}"` : s;
}

/** Consecutive runs grouped: [[3], [5], [8, 9, 10]]. */
export function consecutiveGroups(runs: number[]): number[][] {
  const sorted = [...new Set(runs)].sort((a, b) => a - b);
  const groups: number[][] = [];
  for (const r of sorted) {
    const last = groups[groups.length - 1];
    if (last && r === last[last.length - 1] + 1) last.push(r);
    else groups.push([r]);
  }
  return groups;
}

/** Slurm's array list syntax: `3,5,8-10`. */
export function slurmArraySpec(runs: number[]): string {
  return consecutiveGroups(runs)
    .map((g) => (g.length === 1 ? `${g[0]}` : `${g[0]}-${g[g.length - 1]}`))
    .join(',');
}

/**
 * Runs in arrays of at most `chunk` runs. Slurm: consecutive slices of the sorted runs (gaps
 * allowed inside an array). PBS: ranges without gaps, each cut into pieces of at most `chunk`.
 */
export function chunkRuns(runs: number[], chunk: number, scheduler: Scheduler): number[][] {
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError(`--chunk must be an integer ≥ 1, got ${chunk}`);
  const sorted = [...new Set(runs)].sort((a, b) => a - b);
  const slices = (list: number[]) => {
    const out: number[][] = [];
    for (let i = 0; i < list.length; i += chunk) out.push(list.slice(i, i + chunk));
    return out;
  };
  if (scheduler === 'slurm') return slices(sorted);
  return consecutiveGroups(sorted).flatMap(slices);
}

/** `--mem`: a number of MB, or a number with K/M/G/T (and an optional B). */
export function parseMem(v: string): { slurm: string; pbs: string } {
  const m = /^\s*(\d+)\s*([KMGT]?)B?\s*$/i.exec(v);
  if (!m || Number(m[1]) === 0) throw new ConfigError(`--mem must be a size such as 4000 (MB), 4000M or 8G, got "${v}"`);
  const unit = (m[2] || 'M').toUpperCase();
  return { slurm: `${m[1]}${unit}`, pbs: `${m[1]}${unit.toLowerCase()}b` };
}

/** `--time`: HH:MM:SS (hours may exceed 24). */
export function parseTime(v: string): string {
  const m = /^\s*(\d+):([0-5]\d):([0-5]\d)\s*$/.exec(v);
  if (!m) throw new ConfigError(`--time must be HH:MM:SS (e.g. 01:30:00), got "${v}"`);
  return `${m[1].padStart(2, '0')}:${m[2]}:${m[3]}`;
}

/** `--partition` (PBS: the queue) and `--job-name`: no spaces or shell characters. */
export function parseName(option: string) {
  return (v: string): string => {
    if (!/^[A-Za-z0-9_.@+-]+$/.test(v)) throw new ConfigError(`${option} must be letters, digits and _ . @ + -, got "${v}"`);
    return v;
  };
}

/** The line the job writes last; `sacla batch --status` reads the exit code from it. */
export const FINISH_LINE = /^sacla batch: run (-?\d+) finished with exit code (\d+)/m;

/** The job script for one array of runs. */
export function jobScript(spec: JobSpec): string {
  for (const [name, p] of Object.entries({ data: spec.data, config: spec.config, out: spec.out, logs: spec.logs, cli: spec.cli[1], node: spec.cli[0] })) {
    if (!p.startsWith('/')) throw new Error(`job script: ${name} path must be absolute, got "${p}"`);
    if (/[\n\r]/.test(p)) throw new ConfigError(`job script: the ${name} path has a line break: "${p}"`);
  }
  if (!spec.runs.length) throw new Error('job script: no runs');
  const runs = [...spec.runs].sort((a, b) => a - b);
  const first = runs[0];
  const last = runs[runs.length - 1];
  const lines = ['#!/bin/bash'];
  let runVar: string;
  let jobVar: string;
  if (spec.scheduler === 'slurm') {
    const array = slurmArraySpec(runs);
    lines.push(
      `# sacla batch: one Slurm array task per run; the array index is the run number.`,
      `#SBATCH --job-name=${spec.jobName}`,
      `#SBATCH --array=${array}`,
      `#SBATCH --output=${directiveValue(`${spec.logs}/run_%a.log`)}`,
      `#SBATCH --ntasks=1`,
      `#SBATCH --cpus-per-task=${spec.cpus}`,
    );
    if (spec.partition) lines.push(`#SBATCH --partition=${spec.partition}`);
    if (spec.time) lines.push(`#SBATCH --time=${spec.time}`);
    if (spec.mem) lines.push(`#SBATCH --mem=${parseMem(spec.mem).slurm}`);
    runVar = '$SLURM_ARRAY_TASK_ID';
    jobVar = '${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}';
  } else {
    if (runs.length > 1 && last - first + 1 !== runs.length) throw new Error(`PBS arrays take ranges only, got runs ${slurmArraySpec(runs)}`);
    const select = [`select=1`, `ncpus=${spec.cpus}`];
    if (spec.mem) select.push(`mem=${parseMem(spec.mem).pbs}`);
    lines.push(`# sacla batch: one PBS subjob per run; the array index is the run number.`, `#PBS -N ${spec.jobName}`);
    if (runs.length > 1) {
      // PBS writes one log per subjob: ^array_index^ becomes the run number.
      lines.push(`#PBS -J ${first}-${last}`, `#PBS -j oe`, `#PBS -o ${directiveValue(`${spec.logs}/run_^array_index^.log`)}`);
      runVar = '$PBS_ARRAY_INDEX';
    } else {
      // A single run: a plain job (a PBS array needs at least two subjobs).
      lines.push(`#PBS -j oe`, `#PBS -o ${directiveValue(`${spec.logs}/run_${first}.log`)}`);
      runVar = String(first);
    }
    lines.push(`#PBS -l ${select.join(':')}`);
    if (spec.time) lines.push(`#PBS -l walltime=${spec.time}`);
    if (spec.partition) lines.push(`#PBS -q ${spec.partition}`);
    jobVar = '${PBS_JOBID}';
  }
  const analyse = [
    ...spec.cli.map(shellQuote),
    'analyse',
    '--data',
    shellQuote(spec.data),
    '--run',
    '"$RUN"',
    '--config',
    shellQuote(spec.config),
    '--out',
    shellQuote(spec.out),
    '--workers',
    String(spec.cpus),
  ].join(' ');
  lines.push(
    '',
    `# Runs ${slurmArraySpec(runs)} of ${spec.data}`,
    `RUN=${runVar}`,
    `echo "sacla batch: run $RUN, job ${jobVar} on $(hostname) at $(date -Is)"`,
    analyse,
    'status=$?',
    `echo "sacla batch: run $RUN finished with exit code $status at $(date -Is)"`,
    'exit $status',
    '',
  );
  return lines.join('\n');
}

/** The submit command (argv) for a script of `runs`. */
export function submitCommand(scheduler: Scheduler, runs: number[], scriptPath: string): string[] {
  const sorted = [...runs].sort((a, b) => a - b);
  if (scheduler === 'slurm') return ['sbatch', '--parsable', `--array=${slurmArraySpec(sorted)}`, scriptPath];
  if (sorted.length === 1) return ['qsub', scriptPath];
  return ['qsub', '-J', `${sorted[0]}-${sorted[sorted.length - 1]}`, scriptPath];
}

/** The id of run `run`'s task in an array job (Slurm `12_5`, PBS `34[5].server`). */
export function taskId(scheduler: Scheduler | 'local', jobId: string, run: number, runs: number[]): string {
  if (scheduler === 'slurm') return `${jobId}_${run}`;
  if (scheduler === 'pbs') return runs.length > 1 ? jobId.replace('[]', `[${run}]`) : jobId;
  return jobId;
}
