// Job scripts and chunking (pure functions; no scheduler needed).
import { describe, test, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkRuns, jobScript, parseMem, parseTime, shellQuote, slurmArraySpec, submitCommand, taskId, type JobSpec } from '../../bindings/batch/scripts.js';

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  scheduler: 'slurm',
  runs: [1, 2, 3],
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

describe('chunking', () => {
  test('120 runs in chunks of 50: three arrays of 50, 50, 20', () => {
    for (const scheduler of ['slurm', 'pbs'] as const) {
      const chunks = chunkRuns(range(101, 220), 50, scheduler);
      expect(chunks.map((c) => c.length)).toEqual([50, 50, 20]);
      expect(chunks.map((c) => [c[0], c[c.length - 1]])).toEqual([
        [101, 150],
        [151, 200],
        [201, 220],
      ]);
    }
  });

  test('gaps: Slurm keeps them in one array (list syntax); PBS splits them into ranges', () => {
    const runs = [10, 3, 5, 8, 9, 5];
    expect(slurmArraySpec(runs)).toBe('3,5,8-10');
    expect(chunkRuns(runs, 50, 'slurm')).toEqual([[3, 5, 8, 9, 10]]);
    expect(chunkRuns(runs, 50, 'pbs')).toEqual([[3], [5], [8, 9, 10]]);
    expect(chunkRuns(runs, 2, 'pbs')).toEqual([[3], [5], [8, 9], [10]]);
    expect(chunkRuns(runs, 2, 'slurm')).toEqual([[3, 5], [8, 9], [10]]);
    expect(() => chunkRuns(runs, 0, 'slurm')).toThrow(/--chunk/);
  });

  test('submit commands and task ids', () => {
    expect(submitCommand('slurm', [3, 5, 8, 9, 10], '/o/jobs/a.sh')).toEqual(['sbatch', '--parsable', '--array=3,5,8-10', '/o/jobs/a.sh']);
    expect(submitCommand('pbs', [8, 9, 10], '/o/jobs/a.sh')).toEqual(['qsub', '-J', '8-10', '/o/jobs/a.sh']);
    expect(submitCommand('pbs', [8], '/o/jobs/a.sh')).toEqual(['qsub', '/o/jobs/a.sh']);
    expect(taskId('slurm', '12', 5, [5, 6])).toBe('12_5');
    expect(taskId('pbs', '34[].server', 5, [5, 6])).toBe('34[5].server');
    expect(taskId('pbs', '35.server', 5, [5])).toBe('35.server');
  });
});

describe('Slurm job script', () => {
  test('array = run numbers, one log per run, resources, absolute CLI and paths, exit code passed on', () => {
    const text = jobScript(spec({ runs: [3, 5, 8, 9, 10], partition: 'debug', time: '01:30:00', mem: '8G' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#SBATCH --array=3,5,8-10');
    expect(lines).toContain('#SBATCH --job-name=sacla');
    expect(lines).toContain('#SBATCH --output=/beam/out/logs/run_%a.log');
    expect(lines).toContain('#SBATCH --cpus-per-task=4');
    expect(lines).toContain('#SBATCH --partition=debug');
    expect(lines).toContain('#SBATCH --time=01:30:00');
    expect(lines).toContain('#SBATCH --mem=8G');
    expect(lines).toContain('RUN=$SLURM_ARRAY_TASK_ID');
    expect(text).toContain(
      '/usr/bin/node /opt/sacla/dist/bindings/cli/main.js analyse --data /beam/data --run "$RUN" --config /beam/config.json --out /beam/out --workers 4',
    );
    expect(text).toMatch(/status=\$\?\n.*finished with exit code \$status.*\nexit \$status\n$/);
    // No `cd`: nothing depends on the folder the job starts in.
    expect(text).not.toMatch(/^cd /m);
  });

  test('without resources: no partition / time / mem lines', () => {
    const text = jobScript(spec());
    expect(text).not.toMatch(/--partition|--time|--mem/);
    expect(text).toContain('#SBATCH --array=1-3');
  });

  test('paths with spaces and quotes are quoted, and the script is valid bash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-script-'));
    try {
      const text = jobScript(spec({ data: "/beam/my data/it's", out: '/beam/o ut', logs: '/beam/o ut/logs' }));
      expect(text).toContain(`--data '/beam/my data/it'\\''s'`);
      expect(text).toContain(`--out '/beam/o ut'`);
      expect(text).toContain('#SBATCH --output="/beam/o ut/logs/run_%a.log"');
      const path = join(dir, 'job.sh');
      writeFileSync(path, text);
      expect(spawnSync('bash', ['-n', path]).status).toBe(0);
      // The quoted word is the path, as bash reads it.
      expect(spawnSync('bash', ['-c', `printf %s ${shellQuote("/beam/my data/it's")}`], { encoding: 'utf8' }).stdout).toBe("/beam/my data/it's");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('relative paths are refused', () => {
    expect(() => jobScript(spec({ data: 'data' }))).toThrow(/data path must be absolute/);
  });
});

describe('PBS job script', () => {
  test('#PBS -J range, $PBS_ARRAY_INDEX, per-subjob logs, select and walltime', () => {
    const text = jobScript(spec({ scheduler: 'pbs', runs: range(8, 10), time: '02:00:00', mem: '4000', partition: 'smp' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#PBS -J 8-10');
    expect(lines).toContain('#PBS -N sacla');
    expect(lines).toContain('#PBS -j oe');
    expect(lines).toContain('#PBS -o /beam/out/logs/run_^array_index^.log');
    expect(lines).toContain('#PBS -l select=1:ncpus=4:mem=4000mb');
    expect(lines).toContain('#PBS -l walltime=02:00:00');
    expect(lines).toContain('#PBS -q smp');
    expect(lines).toContain('RUN=$PBS_ARRAY_INDEX');
    expect(text).toContain('--run "$RUN"');
  });

  test('a single run: a plain job with its run number', () => {
    const text = jobScript(spec({ scheduler: 'pbs', runs: [7] }));
    expect(text).not.toMatch(/#PBS -J/);
    expect(text).toContain('#PBS -o /beam/out/logs/run_7.log');
    expect(text).toContain('RUN=7\n');
  });

  test('gaps are refused (the caller splits them)', () => {
    expect(() => jobScript(spec({ scheduler: 'pbs', runs: [1, 3] }))).toThrow(/ranges only/);
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
