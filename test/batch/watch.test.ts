// `sacla watch`: a run file appears and grows, is analysed once its size is stable, a restart
// skips it, and SIGINT stops the watch with exit code 0; failures are reported with their cause,
// locally and from the scheduler (stand-in `sbatch` / `squeue`); results made with another
// config are left alone unless --force.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult, writeSyntheticRun } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));

let dir: string;
let staged: Buffer;
let data: string;
let out: string;

class Watch {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(args: string[], where: { data?: string; out?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [cli, 'watch', '--data', where.data ?? data, '--out', where.out ?? out, '--interval', '0.2', '--settle', '1', '--workers', '1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: where.env ?? process.env,
    });
    this.child.stdout!.on('data', (c) => (this.stdout += c));
    this.child.stderr!.on('data', (c) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }
  async until(re: RegExp, ms = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.stdout)) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`watch exited (${this.child.exitCode}) before ${re}; stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-watch-'));
  const staging = join(dir, 'staging');
  await writeSyntheticRun({ out: staging, run: 5, shots: 40, preset: 'small', seed: 5 });
  staged = readFileSync(join(staging, '5.h5'));
  data = join(dir, 'data');
  out = join(dir, 'out');
  mkdirSync(data);
  cpSync(join(staging, 'darks'), join(data, 'darks'), { recursive: true });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sacla watch --scheduler local', () => {
  test('a growing run file is analysed once complete; a restart skips it; SIGINT → exit code 0', async () => {
    const first = new Watch([]);
    try {
      await first.until(/watching /);
      // The file arrives in two parts, as from the DAQ: the half file must not be analysed.
      const half = Math.floor(staged.length / 2);
      writeFileSync(join(data, '5.h5'), staged.subarray(0, half));
      await first.until(/run 5: found /);
      await new Promise((r) => setTimeout(r, 600));
      expect(first.stdout).not.toMatch(/run 5: analysing/);
      appendFileSync(join(data, '5.h5'), staged.subarray(half));
      await first.until(/run 5: (done|failed)/);
      expect(first.stdout).toMatch(/run 5: done → .*run_5\.h5/);
      expect(existsSync(join(out, 'run_5.h5'))).toBe(true);
      const log = readFileSync(join(out, 'logs', 'run_5.log'), 'utf8');
      expect(log).toMatch(/^sacla batch: run 5, job local-\d+-5 /);
      expect(log).toMatch(/run 5: \d+ of 40 shots good/);
      expect(log).toMatch(/sacla batch: run 5 finished with exit code 0/);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(first.stdout).toMatch(/stopped\n$/);
    expect(first.stderr).toMatch(/SIGINT, stopping/);

    // A restart: run 5 is done with this config.
    const second = new Watch([]);
    try {
      await second.until(/run 5: skipped, done with this config/);
      expect(second.stdout).not.toMatch(/run 5: (found|analysing)/);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    const records = JSON.parse(readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8')).submissions;
    expect(records.map((s: { scheduler: string; runs: number[] }) => [s.scheduler, s.runs])).toEqual([['local', [5]]]);

    // --since leaves older runs alone; and `sacla batch --status` knows local runs too.
    const third = new Watch(['--since', '6']);
    try {
      await third.until(/watching /);
      await new Promise((r) => setTimeout(r, 500));
      expect(third.stdout).not.toMatch(/run 5/);
    } finally {
      expect(await third.stop()).toBe(0);
    }
    const status = spawnSync(process.execPath, [cli, 'batch', '--status', '--out', out], { encoding: 'utf8' });
    expect(status.stdout).toMatch(/^run 5: done → .*run_5\.h5$/m);
  }, 60_000);

  test('a failed run is reported with the cause from its log; a result made with another config is left alone unless --force', async () => {
    const failing = join(dir, 'data-failing');
    const failingOut = join(dir, 'out-failing');
    mkdirSync(failing);
    cpSync(join(data, 'darks'), join(failing, 'darks'), { recursive: true });
    writeFileSync(join(failing, '6.h5'), staged.subarray(0, Math.floor(staged.length * 0.6)));
    // Run 7's result, made with another config: the watch must not replace it.
    writeFileSync(join(failing, '7.h5'), '');
    await writeResult(failingOut, { run: 7, outputs: {}, attrs: { run: 7, config_hash: 'c'.repeat(64), config_file: '/beam/old.json' } } as Parameters<typeof writeResult>[1]);
    const before = readFileSync(join(failingOut, 'run_7.h5'));
    const w = new Watch([], { data: failing, out: failingOut });
    try {
      await w.until(/run 6: failed/);
      await w.until(/run 7: skipped/);
    } finally {
      expect(await w.stop()).toBe(0);
    }
    const log = join(failingOut, 'logs', 'run_6.log');
    const cause = /^sacla: run 6 failed: (.*)$/m.exec(readFileSync(log, 'utf8'))?.[1];
    expect(cause, readFileSync(log, 'utf8')).toMatch(/6\.h5/);
    expect(w.stdout).toContain(`run 6: failed (exit code 1): ${cause}; log: ${log}\n`);
    expect(w.stdout).toMatch(
      new RegExp(`run 7: skipped, its result ${join(failingOut, 'run_7.h5')} was made with another config \\(config_hash cccccccccccc, config_file /beam/old\\.json\\); this config: config_hash [0-9a-f]{12}, config_file .*kuschel2023\\.json: --force to replace it\n`),
    );
    expect(readFileSync(join(failingOut, 'run_7.h5')).equals(before)).toBe(true);
    expect(w.stdout).not.toMatch(/run 7: analysing/);

    // --force: analysed (and, were the file a good run, replaced); run 6 failed before and stays.
    const forced = new Watch(['--force'], { data: failing, out: failingOut });
    try {
      await forced.until(/run 7: analysing/);
    } finally {
      expect(await forced.stop()).toBe(0);
    }
    expect(forced.stdout).toMatch(/run 7: replacing .*run_7\.h5 \(config_hash cccccccccccc, config_file \/beam\/old\.json\): --force\n/);
    expect(forced.stdout).toMatch(/run 6: skipped, failed before \(job local-\d+-6, exit code 1: .*6\.h5.*\): --retry-failed/);
  }, 60_000);

  test('--scheduler slurm: submits the runs of --runs, then reports how each job ended, with the cause', async () => {
    const slurmData = join(dir, 'data-slurm');
    const slurmOut = join(dir, 'out-slurm');
    const fake = join(dir, 'fake-slurm');
    const bin = join(dir, 'bin-slurm');
    for (const d of [slurmData, fake, bin]) mkdirSync(d);
    for (const run of [1312758, 1312759]) writeFileSync(join(slurmData, `${run}.h5`), '');
    const fakes: Record<string, string> = {
      sbatch: 'echo "$*" >> "$FAKE_DIR/sbatch.calls"; echo 101',
      squeue: 'cat "$FAKE_DIR/queue"',
    };
    for (const [name, body] of Object.entries(fakes)) {
      writeFileSync(join(bin, name), `#!/bin/bash\nPATH=/usr/bin:/bin\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(join(fake, 'queue'), '101_0|PENDING\n');
    const w = new Watch(['--scheduler', 'slurm', '--runs', '1312758', '--queue-interval', '0.2'], { data: slurmData, out: slurmOut, env: { ...process.env, PATH: bin, FAKE_DIR: fake } });
    try {
      await w.until(/submitted run 1312758: Slurm job 101\n/);
      const script = readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split(' ').pop()!;
      expect(readFileSync(script.replace(/\.sh$/, '.runs'), 'utf8')).toBe('1312758\n');
      const taskLog = join(slurmOut, 'logs', `${script.split('/').pop()!.replace(/\.sh$/, '')}_0.log`);
      writeFileSync(
        taskLog,
        ['sacla batch: run 1312758, job 101_0 on node1 at x', 'sacla: run 1312758 failed: /beam/1312758.h5: not an HDF5 file', 'sacla batch: run 1312758 finished with exit code 1 at y'].join('\n') + '\n',
      );
      writeFileSync(join(fake, 'queue'), '101_0|FAILED\n');
      await w.until(/run 1312758: failed/);
      expect(w.stdout).toContain(`run 1312758: failed (job 101_0: exit code 1): /beam/1312758.h5: not an HDF5 file; log: ${taskLog}\n`);
    } finally {
      expect(await w.stop()).toBe(0);
    }
    expect(w.stdout).not.toMatch(/1312759/);
  }, 60_000);

  test('usage mistakes: exit code 2', () => {
    const r = spawnSync(process.execPath, [cli, 'watch', '--data', data, '--interval', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--interval must be a number of seconds > 0/);
    const s = spawnSync(process.execPath, [cli, 'watch', '--data', data, '--scheduler', 'slurm'], { encoding: 'utf8', env: { ...process.env, PATH: join(dir, 'nothing') } });
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/sbatch: command not found/);
    const n = spawnSync(process.execPath, [cli, 'watch', '--data', join(dir, 'no-data'), '--interval', '0.1'], { encoding: 'utf8' });
    expect(n.status).toBe(1);
    expect(n.stderr).toMatch(/no-data: no such file or folder/);
  });
});
