// Job scripts and submit commands for Slurm and PBS (pure functions: no files, no processes).
// One array task per run. Array indices are 0 … N − 1 and the task looks its run up in a
// run-list file (line i + 1 for index i) written next to the script: run numbers (seven digits
// at SACLA) are far beyond what a default Slurm accepts as indices (MaxArraySize 1001), and
// any set of runs, gaps included, is one range 0-(N − 1) on Slurm and on PBS alike. A run split
// across nodes (`--split N`) is N tasks of a parts array (`sacla analyse --part K/N`, a line
// "RUN K" each) and one task of a merge array (`sacla merge`) that waits for the parts array.
import { ConfigError } from '../core/errors.js';

export type Scheduler = 'slurm' | 'pbs';

/** Resources and names for one job script. Paths must be absolute. */
export interface JobSpec {
  scheduler: Scheduler;
  /** Runs of this array, in the order of its run list. */
  runs: number[];
  /**
   * The array's name, shared by its script (jobs/NAME.sh), its run list and its task logs
   * (logs/NAME_<index>.log). A plain file name.
   */
  name: string;
  /** Absolute path of the run-list file (runListText of `runs`). */
  runList: string;
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
  /** Passes --force to sacla analyse: replace results made with another config. */
  force?: boolean;
  /**
   * A run split into `split` parts: `parts`, the array of the parts (task i: the run and part
   * on line i + 1); `merge`, the array that joins each run's parts. Absent: one task per run.
   */
  stage?: 'parts' | 'merge';
  split?: number;
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

/**
 * The most tasks in one array: Slurm's default MaxArraySize is 1001 (indices 0–1000), and a
 * round thousand keeps PBS (max_array_size 10000 by default) well inside its limit too.
 */
export const MAX_ARRAY_TASKS = 1000;

/** `--chunk`: runs per array, 1 to MAX_ARRAY_TASKS. */
export function parseChunk(v: string | number): number {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_ARRAY_TASKS) {
    throw new ConfigError(`--chunk must be an integer from 1 to ${MAX_ARRAY_TASKS} (runs per job array; Slurm's default MaxArraySize 1001 allows indices 0–1000), got "${v}"`);
  }
  return n;
}

/** The sorted, distinct runs in arrays of at most `chunk` runs (gaps between runs do not matter). */
export function chunkRuns(runs: number[], chunk: number): number[][] {
  parseChunk(chunk);
  const sorted = [...new Set(runs)].sort((a, b) => a - b);
  const arrays: number[][] = [];
  for (let i = 0; i < sorted.length; i += chunk) arrays.push(sorted.slice(i, i + chunk));
  return arrays;
}

/** The run-list file of an array: one run a line, line i + 1 for array index i; for a parts array, "RUN K" for each part K. */
export function runListText(runs: number[], split?: number): string {
  if (split === undefined) return runs.map((r) => `${r}\n`).join('');
  return runs.flatMap((r) => Array.from({ length: split }, (_, k) => `${r} ${k + 1}\n`)).join('');
}

/** `--split`: parts per run, 2 to MAX_ARRAY_TASKS (1 is no split). */
export function parseSplit(v: string | number): number {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_ARRAY_TASKS) throw new ConfigError(`--split must be an integer from 1 to ${MAX_ARRAY_TASKS} (parts per run, one node each), got "${v}"`);
  return n;
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

/** The array spec of `n` tasks: indices 0 to n − 1 (Slurm `0-41`, PBS `-J 0-41`). */
export const arrayRange = (n: number) => `0-${n - 1}`;

/** The job script for one array of runs. */
export function jobScript(spec: JobSpec): string {
  for (const [name, p] of Object.entries({ data: spec.data, config: spec.config, out: spec.out, logs: spec.logs, runList: spec.runList, cli: spec.cli[1], node: spec.cli[0] })) {
    if (!p.startsWith('/')) throw new Error(`job script: ${name} path must be absolute, got "${p}"`);
    if (/[\n\r]/.test(p)) throw new ConfigError(`job script: the ${name} path has a line break: "${p}"`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(spec.name)) throw new Error(`job script: the array name must be a plain file name, got "${spec.name}"`);
  if (!spec.runs.length) throw new Error('job script: no runs');
  const parts = spec.stage === 'parts' ? spec.split! : 0;
  const n = parts ? spec.runs.length * parts : spec.runs.length;
  const what = parts ? `part of a run (sacla analyse --part K/${parts})` : spec.stage === 'merge' ? 'run whose parts it merges (sacla merge)' : 'run';
  const lines = ['#!/bin/bash'];
  let indexVar: string;
  let jobVar: string;
  if (spec.scheduler === 'slurm') {
    lines.push(
      `# sacla batch: one Slurm array task per ${what}; task i takes line i + 1 of the run list.`,
      `#SBATCH --job-name=${spec.jobName}`,
      `#SBATCH --array=${arrayRange(n)}`,
      `#SBATCH --output=${directiveValue(`${spec.logs}/${spec.name}_%a.log`)}`,
      `#SBATCH --ntasks=1`,
      `#SBATCH --cpus-per-task=${spec.cpus}`,
    );
    if (spec.partition) lines.push(`#SBATCH --partition=${spec.partition}`);
    if (spec.time) lines.push(`#SBATCH --time=${spec.time}`);
    if (spec.mem) lines.push(`#SBATCH --mem=${parseMem(spec.mem).slurm}`);
    indexVar = '$SLURM_ARRAY_TASK_ID';
    jobVar = '${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}';
  } else {
    const select = [`select=1`, `ncpus=${spec.cpus}`];
    if (spec.mem) select.push(`mem=${parseMem(spec.mem).pbs}`);
    lines.push(`# sacla batch: one PBS subjob per ${what}; subjob i takes line i + 1 of the run list.`, `#PBS -N ${spec.jobName}`);
    if (n > 1) {
      // PBS writes one log per subjob: ^array_index^ becomes the index.
      lines.push(`#PBS -J ${arrayRange(n)}`, `#PBS -j oe`, `#PBS -o ${directiveValue(`${spec.logs}/${spec.name}_^array_index^.log`)}`);
      indexVar = '$PBS_ARRAY_INDEX';
    } else {
      // A single run: a plain job (a PBS array needs at least two subjobs), index 0.
      lines.push(`#PBS -j oe`, `#PBS -o ${directiveValue(`${spec.logs}/${spec.name}_0.log`)}`);
      indexVar = '0';
    }
    lines.push(`#PBS -l ${select.join(':')}`);
    if (spec.time) lines.push(`#PBS -l walltime=${spec.time}`);
    if (spec.partition) lines.push(`#PBS -q ${spec.partition}`);
    jobVar = '${PBS_JOBID}';
  }
  const command =
    spec.stage === 'merge'
      ? [...spec.cli.map(shellQuote), 'merge', '--out', shellQuote(spec.out), '--run', '"$RUN"', ...(spec.force ? ['--force'] : [])]
      : [
          ...spec.cli.map(shellQuote),
          'analyse',
          '--data',
          shellQuote(spec.data),
          '--run',
          '"$RUN"',
          ...(parts ? ['--part', `"$PART/${parts}"`] : []),
          '--config',
          shellQuote(spec.config),
          '--out',
          shellQuote(spec.out),
          '--workers',
          String(spec.cpus),
          ...(spec.force ? ['--force'] : []),
        ];
  const runs = spec.runs.length;
  const range = runs === 1 ? `${spec.runs[0]}` : `${spec.runs[0]} to ${spec.runs[runs - 1]}`;
  lines.push(
    '',
    `# ${runs} run${runs === 1 ? '' : 's'} (${range}) of ${spec.data}${parts ? `, ${parts} parts each` : ''}`,
    `RUNS=${shellQuote(spec.runList)}`,
    `LOGS=${shellQuote(spec.logs)}`,
    `INDEX=${indexVar}`,
    `JOB=${jobVar}`,
    ...(parts
      ? [
          'read -r RUN PART <<< "$(sed -n "$((INDEX + 1))p" "$RUNS")"',
          'if ! [[ $RUN =~ ^[0-9]+$ && $PART =~ ^[0-9]+$ ]]; then',
          '  echo "sacla batch: error: no run and part on line $((INDEX + 1)) of $RUNS (array index $INDEX, job $JOB)"',
          '  exit 2',
          'fi',
          `ln -sfn "${spec.name}_$INDEX.log" "$LOGS/run_$RUN.part$PART.log"`,
          'echo "sacla batch: run $RUN part $PART, job $JOB on $(hostname) at $(date -Is)"',
        ]
      : [
          'RUN=$(sed -n "$((INDEX + 1))p" "$RUNS")',
          'if ! [[ $RUN =~ ^[0-9]+$ ]]; then',
          '  echo "sacla batch: error: no run on line $((INDEX + 1)) of $RUNS (array index $INDEX, job $JOB)"',
          '  exit 2',
          'fi',
          // logs/run_<N>.log: the run's log under its run number, for people (sacla batch
          // --status reads the task's own file).
          `ln -sfn "${spec.name}_$INDEX.log" "$LOGS/run_$RUN.log"`,
          'echo "sacla batch: run $RUN, job $JOB on $(hostname) at $(date -Is)"',
        ]),
    command.join(' '),
    'status=$?',
    // A part's last line is not a run's (FINISH_LINE): the run is done when its merge is.
    parts
      ? 'echo "sacla batch: run $RUN part $PART finished with exit code $status at $(date -Is)"'
      : 'echo "sacla batch: run $RUN finished with exit code $status at $(date -Is)"',
    'exit $status',
    '',
  );
  return lines.join('\n');
}

/**
 * The submit command (argv) for a script of `n` tasks; `after`, the job (of `tasks` tasks) it
 * waits for: it starts once every task of that one has ended, well or not (a merge array: each
 * run whose parts all ended well is merged; `sacla merge` names a run's missing parts).
 */
export function submitCommand(scheduler: Scheduler, n: number, scriptPath: string, after?: { jobId: string; tasks: number }): string[] {
  if (scheduler === 'slurm') {
    const wait = after ? [`--dependency=afterany:${after.jobId}`] : [];
    return ['sbatch', '--parsable', ...wait, `--array=${arrayRange(n)}`, scriptPath];
  }
  const wait = after ? ['-W', `depend=${after.tasks > 1 ? 'afteranyarray' : 'afterany'}:${after.jobId}`] : [];
  if (n === 1) return ['qsub', ...wait, scriptPath];
  return ['qsub', ...wait, '-J', arrayRange(n), scriptPath];
}

/** The id of the task at `index` of a job of `n` tasks (Slurm `12_5`, PBS `34[5].server`). */
export function taskId(scheduler: Scheduler | 'local', jobId: string, index: number, n: number): string {
  if (scheduler === 'slurm') return `${jobId}_${index}`;
  if (scheduler === 'pbs') return n > 1 ? jobId.replace('[]', `[${index}]`) : jobId;
  return jobId;
}
