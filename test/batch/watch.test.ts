// `sacla watch --scheduler local`: a run file appears and grows, is analysed once its size is
// stable, a restart skips it, and SIGINT stops the watch with exit code 0.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun } from 'sacla-analysis';

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
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [cli, 'watch', '--data', data, '--out', out, '--interval', '0.2', '--settle', '1', '--workers', '1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
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
