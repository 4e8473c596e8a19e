// `sacla batch --scheduler slurm` on a real one-node Slurm cluster with Slurm's default
// MaxArraySize (1001) (bash scripts/slurm-local.sh start; npm run test:integration does it):
// three synthetic runs with seven-digit SACLA run numbers and a corrupt one are submitted as job
// arrays; the jobs run the built CLI on the node as separate processes, each looking its run up
// from its array index.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openResult, writeSyntheticRun } from 'sacla-analysis';

// Absolute paths throughout: the job scripts run elsewhere (slurmd's working folder).
const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

const TIMEOUT_MS = 180_000;
const RUNS = [1312758, 1312759, 1312760];
const CORRUPT = 1312761;

let dir: string;
let data: string;
let out: string;

interface Status {
  run: number;
  state: string;
  task?: string;
  detail?: string;
  cause?: string;
  log?: string;
}

function status(): { code: number | null; runs: Status[] } {
  const r = sacla('batch', '--status', '--out', out, '--json');
  if (r.status !== 0 && r.status !== 1 && r.status !== 3) throw new Error(`sacla batch --status failed (${r.status}): ${r.stderr}`);
  return { code: r.status, runs: JSON.parse(r.stdout).runs };
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  if (sinfo.error || sinfo.status !== 0 || !/idle|mix|alloc/.test(sinfo.stdout)) {
    throw new Error(`no Slurm cluster up (sinfo: ${sinfo.error?.message ?? (sinfo.stderr.trim() || sinfo.stdout.trim())}): run bash scripts/slurm-local.sh start`);
  }
  const max = /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout)?.[1];
  if (max !== '1001') {
    throw new Error(`this test needs Slurm's default MaxArraySize (1001), the cluster says ${max}: restart it with bash scripts/slurm-local.sh stop && bash scripts/slurm-local.sh start`);
  }
  dir = mkdtempSync(join(tmpdir(), 'sacla-slurm-it-'));
  data = join(dir, 'data');
  out = join(dir, 'out');
  for (const run of RUNS) await writeSyntheticRun({ out: data, run, shots: 40, preset: 'small', seed: run % 1000 });
  // The last run: a copy of the one before, cut short.
  copyFileSync(join(data, `${RUNS[2]}.h5`), join(data, `${CORRUPT}.h5`));
  truncateSync(join(data, `${CORRUPT}.h5`), Math.floor(statSync(join(data, `${CORRUPT}.h5`)).size * 0.6));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sacla batch --scheduler slurm on a real cluster', () => {
  test('the cluster refuses a seven-digit run number as an array index, and takes arrays of 1000', () => {
    const old = spawnSync('sbatch', ['--test-only', `--array=${RUNS[0]}`, '--wrap', 'true'], { encoding: 'utf8' });
    expect(old.status).not.toBe(0);
    expect(old.stderr).toMatch(/array/i);

    // 2500 seven-digit runs (empty files do for planning): three arrays, each accepted.
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let run = 1312000; run < 1314500; run++) writeFileSync(join(many, `${run}.h5`), '');
    const r = sacla('batch', '--data', many, '--runs', '1312000-', '--out', join(dir, 'out-many'), '--scheduler', 'slurm', '--chunk', '1000', '--dry-run', '--json');
    expect(r.status, r.stderr).toBe(0);
    const jobs = JSON.parse(r.stdout).submitted as { command: string[]; text: string }[];
    expect(jobs.map((j) => j.command[2])).toEqual(['--array=0-999', '--array=0-999', '--array=0-499']);
    for (const [i, job] of jobs.entries()) {
      const script = join(dir, `many-${i}.sh`);
      writeFileSync(script, job.text);
      const t = spawnSync('sbatch', ['--test-only', job.command[2], script], { encoding: 'utf8' });
      expect(t.status, `${job.command[2]}: ${t.stderr}`).toBe(0);
    }
  });

  test('three runs analysed as sacla analyse does, the corrupt one failed with its cause, a re-submission submits nothing', async () => {
    // Two arrays (3 runs and 1), so that the last run is index 0 of the second.
    const submit = sacla('batch', '--data', data, '--runs', `${RUNS[0]}-${CORRUPT}`, '--out', out, '--scheduler', 'slurm', '--cpus', '1', '--time', '00:10:00', '--chunk', '3');
    expect(submit.status, submit.stderr).toBe(0);
    const first = /Slurm job (\d+) \(3 runs\)/.exec(submit.stdout)?.[1];
    const second = /Slurm job (\d+) \(1 run\)/.exec(submit.stdout)?.[1];
    expect(first, submit.stdout).toMatch(/^\d+$/);
    expect(second, submit.stdout).toMatch(/^\d+$/);
    expect(second).not.toBe(first);

    // Wait until nothing is pending or running (bounded).
    const t0 = Date.now();
    let s = status();
    while (s.runs.some((x) => x.state === 'pending' || x.state === 'running')) {
      // 3 while nothing failed yet; 1 once the corrupt run has failed (before the others end).
      expect(s.runs.some((x) => x.state === 'failed') ? 1 : 3).toBe(s.code);
      if (Date.now() - t0 > TIMEOUT_MS) {
        const queue = spawnSync('squeue', ['--me', '-t', 'all'], { encoding: 'utf8' }).stdout;
        throw new Error(`jobs not finished after ${TIMEOUT_MS / 1000} s: ${JSON.stringify(s.runs)}\nsqueue:\n${queue}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
      s = status();
    }
    expect(s.code).toBe(1);
    const byRun = Object.fromEntries(s.runs.map((x) => [x.run, x]));
    expect(s.runs.map((x) => `${x.run} ${x.state}`)).toEqual([...RUNS.map((r) => `${r} done`), `${CORRUPT} failed`]);
    expect(byRun[CORRUPT].task).toBe(`${second}_0`);
    expect(byRun[CORRUPT].detail).toBe('exit code 1');
    expect(byRun[CORRUPT].cause).toMatch(new RegExp(`${CORRUPT}\\.h5: cannot read the file`));
    const name = readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8').match(new RegExp(`slurm_runs_${CORRUPT}_\\w+(?=\\.sh)`))?.[0];
    expect(byRun[CORRUPT].log).toBe(join(out, 'logs', `${name}_0.log`));
    // logs/run_<N>.log: each run's log under its run number.
    expect(readlinkSync(join(out, 'logs', `run_${CORRUPT}.log`))).toBe(`${name}_0.log`);
    expect(readFileSync(join(out, 'logs', `run_${RUNS[1]}.log`), 'utf8')).toMatch(new RegExp(`job ${first}_1 on .*\\n[^]*run ${RUNS[1]}: \\d+ of 40 shots good`));

    const text = sacla('batch', '--status', '--out', out);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^run ${CORRUPT}: failed \\(job ${second}_0: exit code 1\\): .*${CORRUPT}\\.h5: cannot read the file.*; log: .*_0\\.log$`, 'm'));
    expect(text.stdout).toMatch(/^3 done, 1 failed$/m);
    expect(sacla('batch', '--status', '--out', out, '--runs', `-${RUNS[2]}`).status).toBe(0);

    // The same runs analysed directly: the same datasets and attributes (but the time made).
    const direct = join(dir, 'direct');
    const r = sacla('analyse', '--data', data, '--run', RUNS.join(','), '--out', direct, '--workers', '1');
    expect(r.status, r.stderr).toBe(0);
    for (const run of RUNS) {
      const a = await openResult(join(out, `run_${run}.h5`));
      const b = await openResult(join(direct, `run_${run}.h5`));
      try {
        expect(a.run).toBe(run);
        expect(a.names).toEqual(b.names);
        for (const name of a.names) {
          const x = a.read(name);
          const y = b.read(name);
          expect(x.shape, `${name} of run ${run}`).toEqual(y.shape);
          expect(Array.from(x.data as ArrayLike<number>), `${name} of run ${run}`).toEqual(Array.from(y.data as ArrayLike<number>));
        }
        const { created: _a, ...attrsA } = a.attrs;
        const { created: _b, ...attrsB } = b.attrs;
        expect(attrsA).toEqual(attrsB);
      } finally {
        a.close();
        b.close();
      }
    }

    // A second submission: nothing to do (three done, the failed one needs --retry-failed).
    const again = sacla('batch', '--data', data, '--runs', `${RUNS[0]}-`, '--out', out, '--scheduler', 'slurm');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to submit \(4 runs skipped\)/);
    const record = JSON.parse(readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8'));
    expect(record.submissions).toHaveLength(2);
  });

  test('--split 3: each run in three parts on the node, then merged; every merged file equals sacla analyse, the corrupt run fails with its part\'s cause', async () => {
    const split = join(dir, 'out-split');
    const submit = sacla('batch', '--data', data, '--runs', `${RUNS[0]}-${CORRUPT}`, '--out', split, '--scheduler', 'slurm', '--cpus', '1', '--time', '00:10:00', '--split', '3');
    expect(submit.status, submit.stderr).toBe(0);
    expect(submit.stdout).toMatch(/Slurm job \d+ \(the parts of 4 runs\)/);
    expect(submit.stdout).toMatch(/Slurm job \d+ \(the merge of 4 runs\)/);
    const t0 = Date.now();
    let r = sacla('batch', '--status', '--out', split, '--json');
    while ((JSON.parse(r.stdout).runs as Status[]).some((x) => x.state === 'pending' || x.state === 'running')) {
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`split jobs not finished after ${TIMEOUT_MS / 1000} s: ${r.stdout}\n${spawnSync('squeue', ['--me', '-t', 'all'], { encoding: 'utf8' }).stdout}`);
      await new Promise((res) => setTimeout(res, 1000));
      r = sacla('batch', '--status', '--out', split, '--json');
    }
    expect(r.status).toBe(1);
    const runs = JSON.parse(r.stdout).runs as Status[];
    expect(runs.map((x) => `${x.run} ${x.state}`)).toEqual([...RUNS.map((run) => `${run} done`), `${CORRUPT} failed`]);
    const corrupt = runs.find((x) => x.run === CORRUPT)!;
    expect(corrupt.detail).toMatch(/^part 1 of 3: exit code 1$/);
    expect(corrupt.cause).toMatch(new RegExp(`${CORRUPT}\\.h5: cannot read the file`));
    // The merged runs' part files are gone; each merged file is what one process writes.
    const direct = join(dir, 'direct-split');
    const a = sacla('analyse', '--data', data, '--run', RUNS.join(','), '--out', direct, '--workers', '1');
    expect(a.status, a.stderr).toBe(0);
    for (const run of RUNS) {
      expect(existsSync(join(split, `run_${run}.part1of3.h5`))).toBe(false);
      const merged = await openResult(join(split, `run_${run}.h5`));
      const whole = await openResult(join(direct, `run_${run}.h5`));
      try {
        expect(merged.attrs.parts).toBe(3);
        expect(merged.names.sort()).toEqual(whole.names.sort());
        for (const name of whole.names) {
          const x = Array.from(merged.read(name).data as ArrayLike<number>);
          const y = Array.from(whole.read(name).data as ArrayLike<number>);
          expect(merged.read(name).shape, `${name} of run ${run}`).toEqual(whole.read(name).shape);
          // Means merge partial sums: float64 rounding; everything else bit for bit.
          if (/_mean$|_radial$/.test(name)) x.forEach((v, i) => expect(Math.abs(v - y[i]) <= 1e-12 * Math.abs(y[i]) || (Number.isNaN(v) && Number.isNaN(y[i])), `${name}[${i}] of run ${run}`).toBe(true));
          else expect(x, `${name} of run ${run}`).toEqual(y);
        }
      } finally {
        merged.close();
        whole.close();
      }
    }
  });
});
