// `sacla batch` as a user runs it (the built CLI), against stand-in `sbatch` / `squeue` /
// `qsub` / `qstat` scripts on PATH that record what they are asked and answer from files. The
// real Slurm is exercised by test/integration/.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configHash, defaultConfigPath, loadConfig, writeResult } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));

let dir: string;
let data: string;
let fakeBin: string;
let emptyBin: string;
let hash: string;

const FAKES: Record<string, string> = {
  sbatch: `echo "$*" >> "$FAKE_DIR/sbatch.calls"
n=$(( $(cat "$FAKE_DIR/next" 2>/dev/null || echo 100) + 1 )); echo $n > "$FAKE_DIR/next"
echo "$n"`,
  squeue: `echo "$*" >> "$FAKE_DIR/squeue.calls"; cat "$FAKE_DIR/queue" 2>/dev/null; exit 0`,
  qsub: `echo "$*" >> "$FAKE_DIR/qsub.calls"
n=$(( $(cat "$FAKE_DIR/next" 2>/dev/null || echo 100) + 1 )); echo $n > "$FAKE_DIR/next"
if [ "$1" = "-J" ]; then echo "$n[].pbs01"; else echo "$n.pbs01"; fi`,
  scontrol: `echo "MaxArraySize            = 1001"`,
  qstat: `cat "$FAKE_DIR/qstat.json" 2>/dev/null || echo '{"Jobs":{}}'`,
};

function sacla(args: string[], { fake, path }: { fake?: string; path?: string } = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH: path ?? fakeBin, FAKE_DIR: fake ?? join(dir, 'fake') },
  });
}

const fakeDir = (name: string) => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-batch-'));
  data = join(dir, 'data');
  mkdirSync(data);
  // Run files are found by name (<N>.h5) without opening them: empty files do for planning.
  for (let run = 1; run <= 120; run++) if (run !== 57) writeFileSync(join(data, `${run}.h5`), '');
  fakeBin = join(dir, 'bin');
  emptyBin = join(dir, 'empty-bin');
  mkdirSync(fakeBin);
  mkdirSync(emptyBin);
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(fakeBin, name), `#!/bin/bash\nPATH=/usr/bin:/bin\n${body}\n`);
    chmodSync(join(fakeBin, name), 0o755);
  }
  hash = await configHash(await loadConfig(defaultConfigPath(), { dataDir: data }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (out: string, run: number, configHash: string) =>
  writeResult(out, { run, outputs: {}, attrs: { run, config_hash: configHash } } as Parameters<typeof writeResult>[1]);

describe('sacla batch --dry-run', () => {
  test('PBS: qsub -J per range (gaps split), #PBS directives, $PBS_ARRAY_INDEX; nothing written, no qsub needed', () => {
    const out = join(dir, 'out-pbs-dry');
    const r = sacla(['batch', '--data', data, '--runs', '1-120', '--out', out, '--scheduler', 'pbs', '--dry-run', '--cpus', '2', '--mem', '8G', '--time', '04:00:00', '--partition', 'smp'], {
      path: emptyBin,
    });
    expect(r.status, r.stderr).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('qsub '));
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['qsub -J 1-50', 'qsub -J 51-56', 'qsub -J 58-107', 'qsub -J 108-120']);
    for (const c of commands) expect(c.split(' ')[3]).toMatch(new RegExp(`^${out}/jobs/pbs_runs_\\d+-\\d+_\\w+\\.sh$`));
    expect(r.stdout).toMatch(/^run 57: skipped, not in /m);
    expect(r.stdout).toContain('#PBS -J 58-107');
    expect(r.stdout).toContain(`#PBS -o ${out}/logs/run_^array_index^.log`);
    expect(r.stdout).toContain('#PBS -l select=1:ncpus=2:mem=8gb');
    expect(r.stdout).toContain('#PBS -l walltime=04:00:00');
    expect(r.stdout).toContain('#PBS -q smp');
    expect(r.stdout).toContain('RUN=$PBS_ARRAY_INDEX');
    expect(r.stdout).toContain(`${process.execPath} ${cli} analyse --data ${data} --run "$RUN" --config ${defaultConfigPath()} --out ${out} --workers 2`);
    expect(existsSync(out)).toBe(false);
  });

  test('Slurm: 120 runs in chunks of 50 → 3 arrays; --json', () => {
    const out = join(dir, 'out-slurm-dry');
    const r = sacla(['batch', '--data', data, '--runs', '1-121', '--out', out, '--scheduler', 'slurm', '--dry-run', '--json'], { path: emptyBin });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.submitted.map((s: { command: string[] }) => s.command[2])).toEqual(['--array=1-50', '--array=51-56,58-101', '--array=102-120']);
    expect(j.submitted[1].text).toContain('#SBATCH --array=51-56,58-101');
    expect(j.skipped).toEqual([
      { run: 57, reason: `not in ${data}` },
      { run: 121, reason: `not in ${data}` },
    ]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('sacla batch with a scheduler (stand-in commands)', () => {
  test('skips runs done with this config, submits the rest, records them; a second submission submits nothing', async () => {
    const out = join(dir, 'out-slurm');
    const fake = fakeDir('fake-slurm');
    await result(out, 2, hash); // done with this config
    await result(out, 3, 'another-config'); // done with another config: redone
    const r = sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm'], { fake });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run 2: skipped, done with this config$/m);
    expect(r.stdout).toMatch(/submitted runs 1,3-6: Slurm job 101 \(5 runs\)/);
    const calls = readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    const [parsable, array, script] = calls[0].split(' ');
    expect([parsable, array]).toEqual(['--parsable', '--array=1,3-6']);
    expect(statSync(script).mode & 0o111).not.toBe(0);
    expect(readFileSync(script, 'utf8')).toContain('#SBATCH --array=1,3-6');
    expect(existsSync(join(out, 'logs'))).toBe(true);
    const record = JSON.parse(readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8'));
    expect(record.submissions).toHaveLength(1);
    expect(record.submissions[0]).toMatchObject({ scheduler: 'slurm', jobId: '101', runs: [1, 3, 4, 5, 6], configHash: hash, script, data, out });

    // The queue: 1 pending, 3 running, 4 finished with an error in its log, 5 finished with a
    // result, 6 gone from the queue without a log.
    writeFileSync(join(fake, 'queue'), ['101_1|PENDING', '101_3|RUNNING', '101_4|FAILED', '101_5|COMPLETED', '99_2|RUNNING'].join('\n') + '\n');
    writeFileSync(
      join(out, 'logs', 'run_4.log'),
      ['sacla batch: run 4, job 101_4 on node1 at 2026-01-01T00:00:00+00:00', 'sacla: run 4 failed: /data/4.h5: cannot read the file', 'sacla batch: run 4 finished with exit code 1 at 2026-01-01T00:00:01+00:00'].join('\n') + '\n',
    );
    writeFileSync(join(out, 'logs', 'run_5.log'), 'sacla batch: run 5, job 101_5 on node1 at x\nsacla batch: run 5 finished with exit code 0 at y\n');
    await result(out, 5, hash);

    const status = sacla(['batch', '--status', '--out', out, '--json'], { fake });
    expect(status.status, status.stderr).toBe(0);
    const runs = JSON.parse(status.stdout).runs as { run: number; state: string; detail?: string; lastLines?: string[]; task?: string }[];
    const byRun = Object.fromEntries(runs.map((s) => [s.run, s]));
    expect(runs.map((s) => s.run).slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(byRun[1]).toMatchObject({ state: 'pending', task: '101_1' });
    expect(byRun[2].state).toBe('done');
    expect(byRun[3]).toMatchObject({ state: 'running', task: '101_3' });
    expect(byRun[4]).toMatchObject({ state: 'failed', detail: 'exit code 1' });
    expect(byRun[4].lastLines?.join('\n')).toMatch(/run 4 failed: .*cannot read the file/);
    expect(byRun[5].state).toBe('done');
    expect(byRun[6]).toMatchObject({ state: 'failed' });
    expect(byRun[6].detail).toMatch(/no longer in the queue/);
    expect(byRun[7].state).toBe('not submitted');

    const text = sacla(['batch', '--status', '--out', out, '--runs', '1-7'], { fake });
    expect(text.stdout).toMatch(/^run 4: failed \(job 101_4: exit code 1\); last lines of .*run_4\.log:\n {4}sacla batch: run 4, job 101_4/m);
    expect(text.stdout).toMatch(/^2 done, 2 failed, 1 running, 1 pending, 1 not submitted$/m);
    expect(text.stdout).toMatch(/--retry-failed/);

    // Again: nothing new to submit (done, pending, running, failed all skipped).
    const again = sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm'], { fake });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to submit \(6 runs skipped\)/);
    expect(again.stdout).toMatch(/^run 4: skipped, failed before \(job 101_4, exit code 1\): --retry-failed/m);
    expect(readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n')).toHaveLength(1);

    // --retry-failed: the failed ones only.
    const retry = sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm', '--retry-failed'], { fake });
    expect(retry.status, retry.stderr).toBe(0);
    expect(readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n')[1]).toMatch(/^--parsable --array=4,6 /);
    // The old log of run 4 belongs to job 101: the new task is pending, not failed.
    writeFileSync(join(fake, 'queue'), '102_4|PENDING\n102_6|PENDING\n');
    const after = JSON.parse(sacla(['batch', '--status', '--out', out, '--runs', '4,6', '--json'], { fake }).stdout);
    expect(after.runs.map((s: { state: string; task: string }) => [s.state, s.task])).toEqual([
      ['pending', '102_4'],
      ['pending', '102_6'],
    ]);
  });

  test('PBS: qsub -J, job ids with [], states from qstat', () => {
    const out = join(dir, 'out-pbs');
    const fake = fakeDir('fake-pbs');
    const r = sacla(['batch', '--data', data, '--runs', '55-59', '--out', out, '--scheduler', 'pbs', '--chunk', '2'], { fake });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(fake, 'qsub.calls'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['-J 55-56', '-J 58-59']);
    expect(r.stdout).toMatch(/submitted runs 55-56: PBS job 101\[\]\.pbs01/);
    writeFileSync(join(fake, 'qstat.json'), JSON.stringify({ Jobs: { '101[55].pbs01': { job_state: 'R' }, '101[56].pbs01': { job_state: 'Q' }, '102[58].pbs01': { job_state: 'F' } } }));
    const s = JSON.parse(sacla(['batch', '--status', '--out', out, '--runs', '55-59', '--json'], { fake }).stdout);
    expect(s.runs.map((x: { run: number; state: string }) => `${x.run} ${x.state}`)).toEqual(['55 running', '56 pending', '58 failed', '59 failed']);
  });
});

describe('mistakes', () => {
  test('sbatch missing: exit code 2, says which command and how to get a test cluster', () => {
    const r = sacla(['batch', '--data', data, '--runs', '1-3', '--out', join(dir, 'out-none'), '--scheduler', 'slurm'], { path: emptyBin });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sbatch: command not found.*scripts\/slurm-local\.sh start/);
    const q = sacla(['batch', '--data', data, '--runs', '1-3', '--out', join(dir, 'out-none'), '--scheduler', 'pbs'], { path: emptyBin });
    expect(q.status).toBe(2);
    expect(q.stderr).toMatch(/qsub: command not found.*--dry-run/);
    expect(existsSync(join(dir, 'out-none'))).toBe(false);
  });

  test('Slurm: a run number beyond the cluster\'s MaxArraySize is refused before submitting', () => {
    const big = fakeDir('data-big');
    writeFileSync(join(big, '1500.h5'), '');
    const fake = fakeDir('fake-big');
    const r = sacla(['batch', '--data', big, '--runs', '1500', '--out', join(dir, 'out-big'), '--scheduler', 'slurm'], { fake });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/run 1500 is too large an array index for this Slurm cluster \(MaxArraySize = 1001/);
    expect(existsSync(join(fake, 'sbatch.calls'))).toBe(false);
  });

  test('usage: missing options, bad values, no such folder', () => {
    const base = ['batch', '--data', data, '--runs', '1-3', '--dry-run'];
    expect(sacla([...base]).stderr).toMatch(/--scheduler slurm\|pbs is required/);
    expect(sacla([...base, '--scheduler', 'lsf']).status).toBe(2);
    const mem = sacla([...base, '--scheduler', 'slurm', '--mem', '8X']);
    expect(mem.status).toBe(2);
    expect(mem.stderr).toMatch(/--mem must be a size/);
    expect(sacla([...base, '--scheduler', 'slurm', '--time', '2h']).stderr).toMatch(/--time must be HH:MM:SS/);
    expect(sacla([...base, '--scheduler', 'slurm', '--partition', 'a b']).stderr).toMatch(/--partition must be/);
    expect(sacla([...base, '--scheduler', 'slurm', '--chunk', '0']).status).toBe(2);
    expect(sacla(['batch', '--runs', '1', '--scheduler', 'slurm']).stderr).toMatch(/--data <dir> is required/);
    const status = sacla(['batch', '--status', '--out', join(dir, 'nowhere')]);
    expect(status.status).toBe(2);
    expect(status.stderr).toMatch(/--out .*nowhere: no such folder/);
    const noData = sacla(['batch', '--data', join(dir, 'no-data'), '--runs', '1', '--scheduler', 'slurm', '--dry-run']);
    expect(noData.status).toBe(1);
    expect(noData.stderr).toMatch(/no-data: no such file or folder/);
    const badConfig = join(dir, 'bad.json');
    writeFileSync(badConfig, '{"outputs": 3}');
    const cfg = sacla([...base, '--scheduler', 'slurm', '--config', badConfig]);
    expect(cfg.status).toBe(2);
    expect(cfg.stderr).toMatch(/bad\.json/);
  });

  test('an unreadable submission record is named', () => {
    const out = fakeDir('out-broken');
    mkdirSync(join(out, 'jobs'));
    writeFileSync(join(out, 'jobs', 'submissions.json'), '{nope');
    const r = sacla(['batch', '--status', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/submissions\.json: not a readable submission record/);
  });
});
