// `sacla batch --scheduler slurm` on a real one-node Slurm cluster (bash scripts/slurm-local.sh
// start; npm run test:integration does it): three synthetic runs and a corrupt one are submitted
// as a job array; the jobs run the built CLI on the node as separate processes.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openResult, writeSyntheticRun } from 'sacla-analysis';

// Absolute paths throughout: the job scripts run elsewhere (slurmd's working folder).
const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

const TIMEOUT_MS = 180_000;

let dir: string;
let data: string;
let out: string;

interface Status {
  run: number;
  state: string;
  task?: string;
  detail?: string;
  log?: string;
  lastLines?: string[];
}

function status(): Status[] {
  const r = sacla('batch', '--status', '--out', out, '--json');
  if (r.status !== 0) throw new Error(`sacla batch --status failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout).runs;
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  if (sinfo.error || sinfo.status !== 0 || !/idle|mix|alloc/.test(sinfo.stdout)) {
    throw new Error(`no Slurm cluster up (sinfo: ${sinfo.error?.message ?? (sinfo.stderr.trim() || sinfo.stdout.trim())}): run bash scripts/slurm-local.sh start`);
  }
  dir = mkdtempSync(join(tmpdir(), 'sacla-slurm-it-'));
  data = join(dir, 'data');
  out = join(dir, 'out');
  for (const run of [1, 2, 3]) await writeSyntheticRun({ out: data, run, shots: 40, preset: 'small', seed: 100 + run });
  // Run 4: a copy of run 3 cut short.
  copyFileSync(join(data, '3.h5'), join(data, '4.h5'));
  truncateSync(join(data, '4.h5'), Math.floor(statSync(join(data, '4.h5')).size * 0.6));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sacla batch --scheduler slurm on a real cluster', () => {
  test('three runs analysed as sacla analyse does, the corrupt one failed with its log, a re-submission submits nothing', async () => {
    const submit = sacla('batch', '--data', data, '--runs', '1-4', '--out', out, '--scheduler', 'slurm', '--cpus', '1', '--time', '00:10:00');
    expect(submit.status, submit.stderr).toBe(0);
    const jobId = /Slurm job (\d+) \(4 runs\)/.exec(submit.stdout)?.[1];
    expect(jobId, submit.stdout).toBeDefined();

    // Wait until nothing is pending or running (bounded).
    const t0 = Date.now();
    let states = status();
    while (states.some((s) => s.state === 'pending' || s.state === 'running')) {
      if (Date.now() - t0 > TIMEOUT_MS) {
        const queue = spawnSync('squeue', ['--me', '-t', 'all'], { encoding: 'utf8' }).stdout;
        throw new Error(`jobs not finished after ${TIMEOUT_MS / 1000} s: ${JSON.stringify(states)}\nsqueue:\n${queue}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
      states = status();
    }
    const byRun = Object.fromEntries(states.map((s) => [s.run, s]));
    expect(states.map((s) => `${s.run} ${s.state}`)).toEqual(['1 done', '2 done', '3 done', '4 failed']);
    expect(byRun[4].task).toBe(`${jobId}_4`);
    expect(byRun[4].detail).toBe('exit code 1');
    expect(byRun[4].lastLines?.join('\n')).toMatch(/run 4 failed: .*4\.h5/);
    expect(byRun[4].log).toBe(join(out, 'logs', 'run_4.log'));
    expect(readFileSync(join(out, 'logs', 'run_1.log'), 'utf8')).toMatch(new RegExp(`job ${jobId}_1 on .*\\n[^]*run 1: \\d+ of 40 shots good`));

    const text = sacla('batch', '--status', '--out', out);
    expect(text.stdout).toMatch(/^run 4: failed \(job \d+_4: exit code 1\); last lines of .*run_4\.log:$/m);
    expect(text.stdout).toMatch(/^3 done, 1 failed$/m);

    // The same runs analysed directly: the same datasets and attributes (but the time made).
    const direct = join(dir, 'direct');
    const r = sacla('analyse', '--data', data, '--run', '1-3', '--out', direct, '--workers', '1');
    expect(r.status, r.stderr).toBe(0);
    for (const run of [1, 2, 3]) {
      const a = await openResult(join(out, `run_${run}.h5`));
      const b = await openResult(join(direct, `run_${run}.h5`));
      try {
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
    const again = sacla('batch', '--data', data, '--runs', '1-4', '--out', out, '--scheduler', 'slurm');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to submit \(4 runs skipped\)/);
    const record = JSON.parse(readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8'));
    expect(record.submissions).toHaveLength(1);
  });
});
