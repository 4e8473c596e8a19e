// Job scripts, run lists and chunking (pure functions; no scheduler needed). The scripts are
// also run with bash, as a scheduler would, with a stand-in CLI that prints what it was given.
import { describe, test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkRuns, jobScript, parseChunk, parseMem, parseSplit, parseTime, runListText, shellQuote, submitCommand, taskId, type JobSpec } from '../../bindings/batch/scripts.js';

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  scheduler: 'slurm',
  runs: [1, 2, 3],
  name: 'slurm_runs_1-3_T',
  runList: '/beam/out/jobs/slurm_runs_1-3_T.runs',
  data: '/beam/data',
  config: '/beam/config.json',
  out: '/beam/out',
  logs: '/beam/out/logs',
  cli: ['/usr/bin/node', '/opt/sacla/dist/bindings/cli/main.js'],
  cpus: 4,
  jobName: 'sacla',
  ...over,
});

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * Runs a job script as the scheduler would (its task-index variable set), with a stand-in CLI
 * that prints its arguments and exits with FAKE_EXIT. Returns the task's output and exit code.
 */
function runScript(dir: string, over: Partial<JobSpec>, env: Record<string, string>, fakeExit = 0) {
  const fake = join(dir, 'fake-cli.sh');
  writeFileSync(fake, `#!/bin/bash\necho "cli: $*"\nexit ${fakeExit}\n`);
  chmodSync(fake, 0o755);
  const s = spec({ cli: ['/bin/bash', fake], data: join(dir, 'data'), config: join(dir, 'c.json'), out: dir, logs: join(dir, 'logs'), runList: join(dir, 'jobs', 'a.runs'), name: 'a', ...over });
  mkdirSync(join(dir, 'jobs'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(s.runList, runListText(s.runs, s.stage === 'parts' ? s.split : undefined));
  const script = join(dir, 'jobs', 'a.sh');
  writeFileSync(script, jobScript(s));
  const r = spawnSync('bash', [script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  return { stdout: r.stdout, code: r.status };
}

describe('chunking', () => {
  test('120 runs in chunks of 50: three arrays of 50, 50, 20', () => {
    const chunks = chunkRuns(range(101, 220), 50);
    expect(chunks.map((c) => c.length)).toEqual([50, 50, 20]);
    expect(chunks.map((c) => [c[0], c[c.length - 1]])).toEqual([
      [101, 150],
      [151, 200],
      [201, 220],
    ]);
  });

  test('gaps do not split arrays: sorted, distinct runs in slices', () => {
    const runs = [10, 3, 5, 8, 9, 5];
    expect(chunkRuns(runs, 50)).toEqual([[3, 5, 8, 9, 10]]);
    expect(chunkRuns(runs, 2)).toEqual([[3, 5], [8, 9], [10]]);
    expect(() => chunkRuns(runs, 0)).toThrow(/--chunk/);
  });

  test('2500 seven-digit runs: arrays of at most 1000 (Slurm\'s default MaxArraySize 1001)', () => {
    const runs = range(1312758, 1312758 + 2499);
    expect(chunkRuns(runs, 1000).map((c) => [c.length, c[0]])).toEqual([
      [1000, 1312758],
      [1000, 1313758],
      [500, 1314758],
    ]);
    expect(parseChunk('1000')).toBe(1000);
    expect(() => parseChunk('1001')).toThrow(/--chunk must be an integer from 1 to 1000 .*MaxArraySize 1001/);
    expect(() => parseChunk('5x')).toThrow(/--chunk/);
  });

  test('run lists: line i + 1 is index i', () => {
    expect(runListText([1312758, 1312760, 1312761])).toBe('1312758\n1312760\n1312761\n');
  });

  test('submit commands and task ids: indices 0 to N − 1, whatever the run numbers', () => {
    expect(submitCommand('slurm', 5, '/o/jobs/a.sh')).toEqual(['sbatch', '--parsable', '--array=0-4', '/o/jobs/a.sh']);
    expect(submitCommand('slurm', 1, '/o/jobs/a.sh')).toEqual(['sbatch', '--parsable', '--array=0-0', '/o/jobs/a.sh']);
    expect(submitCommand('pbs', 3, '/o/jobs/a.sh')).toEqual(['qsub', '-J', '0-2', '/o/jobs/a.sh']);
    expect(submitCommand('pbs', 1, '/o/jobs/a.sh')).toEqual(['qsub', '/o/jobs/a.sh']);
    expect(taskId('slurm', '12', 5, 6)).toBe('12_5');
    expect(taskId('pbs', '34[].server', 5, 6)).toBe('34[5].server');
    expect(taskId('pbs', '35.server', 0, 1)).toBe('35.server');
  });
});

describe('Slurm job script', () => {
  test('array 0-(N − 1), the run looked up in the run list, one log per task, resources, absolute CLI and paths', () => {
    const text = jobScript(spec({ runs: [1312758, 1312760, 1312761], partition: 'debug', time: '01:30:00', mem: '8G' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#SBATCH --array=0-2');
    expect(lines).toContain('#SBATCH --job-name=sacla');
    expect(lines).toContain('#SBATCH --output=/beam/out/logs/slurm_runs_1-3_T_%a.log');
    expect(lines).toContain('#SBATCH --cpus-per-task=4');
    expect(lines).toContain('#SBATCH --partition=debug');
    expect(lines).toContain('#SBATCH --time=01:30:00');
    expect(lines).toContain('#SBATCH --mem=8G');
    expect(lines).toContain('INDEX=$SLURM_ARRAY_TASK_ID');
    expect(lines).toContain('RUNS=/beam/out/jobs/slurm_runs_1-3_T.runs');
    expect(text).toContain(
      '/usr/bin/node /opt/sacla/dist/bindings/cli/main.js analyse --data /beam/data --run "$RUN" --config /beam/config.json --out /beam/out --workers 4\n',
    );
    expect(text).toMatch(/status=\$\?\n.*finished with exit code \$status.*\nexit \$status\n$/);
    // No `cd`: nothing depends on the folder the job starts in.
    expect(text).not.toMatch(/^cd /m);
  });

  test('without resources: no partition / time / mem lines; --force is passed on when asked', () => {
    const text = jobScript(spec());
    expect(text).not.toMatch(/--partition|--time|--mem|--force/);
    expect(text).toContain('#SBATCH --array=0-2');
    expect(jobScript(spec({ force: true }))).toMatch(/ --workers 4 --force\n/);
  });

  test('run with bash as task 1 of 3: analyses the second run of the list, links logs/run_<N>.log to the task log, passes the exit code on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const { stdout, code } = runScript(dir, { runs: [1312758, 1312760, 1312761] }, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77' }, 1);
      expect(code).toBe(1);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^sacla batch: run 1312760, job 77_1 on \S+ at /);
      expect(lines[1]).toBe(`cli: analyse --data ${dir}/data --run 1312760 --config ${dir}/c.json --out ${dir} --workers 4`);
      expect(lines[2]).toMatch(/^sacla batch: run 1312760 finished with exit code 1 at /);
      const link = join(dir, 'logs', 'run_1312760.log');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe('a_1.log');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an index beyond the run list: an error line naming the list and the index, exit code 2, analyse not run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const { stdout, code } = runScript(dir, { runs: [5, 6] }, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_JOB_ID: '78' });
      expect(code).toBe(2);
      expect(stdout).toBe(`sacla batch: error: no run on line 3 of ${dir}/jobs/a.runs (array index 2, job 78_2)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('paths with spaces and quotes are quoted, and the script is valid bash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const text = jobScript(spec({ data: "/beam/my data/it's", out: '/beam/o ut', logs: '/beam/o ut/logs', runList: '/beam/o ut/jobs/a.runs' }));
      expect(text).toContain(`--data '/beam/my data/it'\\''s'`);
      expect(text).toContain(`--out '/beam/o ut'`);
      expect(text).toContain(`RUNS='/beam/o ut/jobs/a.runs'`);
      expect(text).toContain('#SBATCH --output="/beam/o ut/logs/slurm_runs_1-3_T_%a.log"');
      const path = join(dir, 'job.sh');
      writeFileSync(path, text);
      expect(spawnSync('bash', ['-n', path]).status).toBe(0);
      // The quoted word is the path, as bash reads it.
      expect(spawnSync('bash', ['-c', `printf %s ${shellQuote("/beam/my data/it's")}`], { encoding: 'utf8' }).stdout).toBe("/beam/my data/it's");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('relative paths and names that are not plain file names are refused', () => {
    expect(() => jobScript(spec({ data: 'data' }))).toThrow(/data path must be absolute/);
    expect(() => jobScript(spec({ runList: 'a.runs' }))).toThrow(/runList path must be absolute/);
    expect(() => jobScript(spec({ name: 'a b' }))).toThrow(/plain file name/);
  });
});

describe('a run split across nodes (--split N)', () => {
  test('the parts array: task i is part (i mod N) + 1 of run ⌊i / N⌋ of the list, sacla analyse --part K/N, a part\'s own last line', () => {
    expect(runListText([1312758, 1312760], 3)).toBe('1312758 1\n1312758 2\n1312758 3\n1312760 1\n1312760 2\n1312760 3\n');
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const { stdout, code } = runScript(dir, { runs: [1312758, 1312760], stage: 'parts', split: 3 }, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_JOB_ID: '77' });
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^sacla batch: run 1312760 part 2, job 77_4 on \S+ at /);
      expect(lines[1]).toBe(`cli: analyse --data ${dir}/data --run 1312760 --part 2/3 --config ${dir}/c.json --out ${dir} --workers 4`);
      // Not the line that says a run finished: the run is done when its merge is.
      expect(lines[2]).toMatch(/^sacla batch: run 1312760 part 2 finished with exit code 0 at /);
      expect(readlinkSync(join(dir, 'logs', 'run_1312760.part2.log'))).toBe('a_4.log');
      expect(jobScript(spec({ stage: 'parts', split: 3 }))).toContain('#SBATCH --array=0-8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the merge array: one task per run, sacla merge of that run, after the whole parts array has ended', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const { stdout } = runScript(dir, { runs: [1312758, 1312760], stage: 'merge', split: 3 }, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '78' });
      expect(stdout.trim().split('\n')[1]).toBe(`cli: merge --out ${dir} --run 1312760`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(submitCommand('slurm', 2, '/j/m.sh', { jobId: '77', tasks: 6 })).toEqual(['sbatch', '--parsable', '--dependency=afterany:77', '--array=0-1', '/j/m.sh']);
    expect(submitCommand('pbs', 2, '/j/m.sh', { jobId: '34[].pbs', tasks: 6 })).toEqual(['qsub', '-W', 'depend=afteranyarray:34[].pbs', '-J', '0-1', '/j/m.sh']);
    expect(submitCommand('pbs', 1, '/j/m.sh', { jobId: '35.pbs', tasks: 1 })).toEqual(['qsub', '-W', 'depend=afterany:35.pbs', '/j/m.sh']);
    expect(() => parseSplit('0')).toThrow(/--split must be an integer from 1 to 1000/);
    expect(parseSplit('3')).toBe(3);
  });
});

describe('PBS job script', () => {
  test('#PBS -J 0-(N − 1) for runs with gaps, $PBS_ARRAY_INDEX, per-subjob logs, select and walltime', () => {
    const text = jobScript(spec({ scheduler: 'pbs', name: 'pbs_runs_8-12_T', runs: [8, 9, 12], time: '02:00:00', mem: '4000', partition: 'smp' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#PBS -J 0-2');
    expect(lines).toContain('#PBS -N sacla');
    expect(lines).toContain('#PBS -j oe');
    expect(lines).toContain('#PBS -o /beam/out/logs/pbs_runs_8-12_T_^array_index^.log');
    expect(lines).toContain('#PBS -l select=1:ncpus=4:mem=4000mb');
    expect(lines).toContain('#PBS -l walltime=02:00:00');
    expect(lines).toContain('#PBS -q smp');
    expect(lines).toContain('INDEX=$PBS_ARRAY_INDEX');
    expect(text).toContain('--run "$RUN"');
  });

  test('run with bash as subjob 2: the third run of the list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const { stdout, code } = runScript(dir, { scheduler: 'pbs', runs: [8, 9, 12] }, { PBS_ARRAY_INDEX: '2', PBS_JOBID: '40[2].pbs01' });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^sacla batch: run 12, job 40\[2\]\.pbs01 on /);
      expect(stdout).toContain(' --run 12 ');
      expect(stdout).toMatch(/sacla batch: run 12 finished with exit code 0 at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a single run: a plain job, index 0', () => {
    const text = jobScript(spec({ scheduler: 'pbs', name: 'pbs_runs_7_T', runs: [7] }));
    expect(text).not.toMatch(/#PBS -J/);
    expect(text).toContain('#PBS -o /beam/out/logs/pbs_runs_7_T_0.log');
    expect(text).toContain('INDEX=0\n');
  });
});

describe('option values', () => {
  test('--mem', () => {
    expect(parseMem('4000')).toEqual({ slurm: '4000M', pbs: '4000mb' });
    expect(parseMem('8G')).toEqual({ slurm: '8G', pbs: '8gb' });
    expect(parseMem('16gb')).toEqual({ slurm: '16G', pbs: '16gb' });
    expect(() => parseMem('8X')).toThrow(/--mem must be a size/);
    expect(() => parseMem('0')).toThrow(/--mem/);
  });

  test('--time', () => {
    expect(parseTime('1:30:00')).toBe('01:30:00');
    expect(parseTime('48:00:00')).toBe('48:00:00');
    expect(() => parseTime('1h')).toThrow(/--time must be HH:MM:SS/);
    expect(() => parseTime('01:60:00')).toThrow(/--time/);
  });
});
