// `sacla batch` as a user runs it (the built CLI), against stand-in `sbatch` / `squeue` /
// `scontrol` / `qsub` / `qstat` scripts on PATH that record what they are asked and answer from
// files. The real Slurm is exercised by test/integration/.
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
/** Seven-digit runs, as SACLA numbers them: 1312751–1312757 without 1312754. */
let sacla7: string;
let fakeBin: string;
let emptyBin: string;
let hash: string;
/** The config's hash with the seven-digit folder as its data folder (dark paths depend on it). */
let hash7: string;

const FAKES: Record<string, string> = {
  sbatch: `echo "$*" >> "$FAKE_DIR/sbatch.calls"
n=$(( $(cat "$FAKE_DIR/next" 2>/dev/null || echo 100) + 1 )); echo $n > "$FAKE_DIR/next"
echo "$n"`,
  squeue: `echo "$*" >> "$FAKE_DIR/squeue.calls"; cat "$FAKE_DIR/queue" 2>/dev/null; exit 0`,
  qsub: `echo "$*" >> "$FAKE_DIR/qsub.calls"
n=$(( $(cat "$FAKE_DIR/next" 2>/dev/null || echo 100) + 1 )); echo $n > "$FAKE_DIR/next"
if [ "$1" = "-J" ]; then echo "$n[].pbs01"; else echo "$n.pbs01"; fi`,
  // Slurm's default, unless the test says otherwise.
  scontrol: `echo "MaxArraySize            = $(cat "$FAKE_DIR/max-array-size" 2>/dev/null || echo 1001)"`,
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

interface Status {
  run: number;
  state: string;
  detail?: string;
  cause?: string;
  lastLines?: string[];
  task?: string;
  log?: string;
}

const statusJson = (out: string, fake: string, ...more: string[]) => {
  const r = sacla(['batch', '--status', '--out', out, '--json', ...more], { fake });
  return { code: r.status, runs: JSON.parse(r.stdout).runs as Status[] };
};

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-batch-'));
  data = join(dir, 'data');
  sacla7 = join(dir, 'data7');
  mkdirSync(data);
  mkdirSync(sacla7);
  // Run files are found by name (<N>.h5) without opening them: empty files do for planning.
  for (let run = 1; run <= 120; run++) if (run !== 57) writeFileSync(join(data, `${run}.h5`), '');
  for (let run = 1312751; run <= 1312757; run++) if (run !== 1312754) writeFileSync(join(sacla7, `${run}.h5`), '');
  fakeBin = join(dir, 'bin');
  emptyBin = join(dir, 'empty-bin');
  mkdirSync(fakeBin);
  mkdirSync(emptyBin);
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(fakeBin, name), `#!/bin/bash\nPATH=/usr/bin:/bin\n${body}\n`);
    chmodSync(join(fakeBin, name), 0o755);
  }
  hash = await configHash(await loadConfig(defaultConfigPath(), { dataDir: data }));
  hash7 = await configHash(await loadConfig(defaultConfigPath(), { dataDir: sacla7 }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (out: string, run: number, configHash: string, configFile = defaultConfigPath()) =>
  writeResult(out, { run, outputs: {}, attrs: { run, config_hash: configHash, config_file: configFile } } as Parameters<typeof writeResult>[1]);

describe('sacla batch --dry-run', () => {
  test('PBS: qsub -J 0-(N − 1) per array, gaps inside an array, #PBS directives, $PBS_ARRAY_INDEX; nothing written, no qsub needed', () => {
    const out = join(dir, 'out-pbs-dry');
    const r = sacla(['batch', '--data', data, '--runs', '1-120', '--out', out, '--scheduler', 'pbs', '--dry-run', '--cpus', '2', '--mem', '8G', '--time', '04:00:00', '--partition', 'smp'], {
      path: emptyBin,
    });
    expect(r.status, r.stderr).toBe(0);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('qsub '));
    // 119 runs (57 is missing) in arrays of 50, 50 and 19.
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual(['qsub -J 0-49', 'qsub -J 0-49', 'qsub -J 0-18']);
    expect(commands.map((c) => c.split(' ')[3])).toEqual([
      expect.stringMatching(new RegExp(`^${out}/jobs/pbs_runs_1-50_\\w+\\.sh$`)),
      expect.stringMatching(new RegExp(`^${out}/jobs/pbs_runs_51-101_\\w+\\.sh$`)),
      expect.stringMatching(new RegExp(`^${out}/jobs/pbs_runs_102-120_\\w+\\.sh$`)),
    ]);
    expect(r.stdout).toMatch(/^run 57: skipped, not in /m);
    expect(r.stdout).toMatch(new RegExp(`^# ---- ${out}/jobs/pbs_runs_51-101_\\w+\\.runs \\(one run a line: array index i is line i \\+ 1\\): 51–56, 58–101$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^#PBS -o ${out}/logs/pbs_runs_51-101_\\w+_\\^array_index\\^\\.log$`, 'm'));
    expect(r.stdout).toContain('#PBS -l select=1:ncpus=2:mem=8gb');
    expect(r.stdout).toContain('#PBS -l walltime=04:00:00');
    expect(r.stdout).toContain('#PBS -q smp');
    expect(r.stdout).toContain('INDEX=$PBS_ARRAY_INDEX');
    expect(r.stdout).toContain(`${process.execPath} ${cli} analyse --data ${data} --run "$RUN" --config ${defaultConfigPath()} --out ${out} --workers 2`);
    expect(existsSync(out)).toBe(false);
  });

  test('Slurm: 119 runs in chunks of 50 → 3 arrays 0-49, 0-49, 0-18; runs asked for but absent; --json', () => {
    const out = join(dir, 'out-slurm-dry');
    const r = sacla(['batch', '--data', data, '--runs', '1-122', '--out', out, '--scheduler', 'slurm', '--dry-run', '--json'], { path: emptyBin });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.submitted.map((s: { command: string[] }) => s.command[2])).toEqual(['--array=0-49', '--array=0-49', '--array=0-18']);
    expect(j.submitted[1].runs).toEqual([51, 52, 53, 54, 55, 56, ...Array.from({ length: 44 }, (_, i) => 58 + i)]);
    expect(j.submitted[1].text).toContain('#SBATCH --array=0-49');
    expect(j.submitted[1].runList).toMatch(/\/jobs\/slurm_runs_51-101_\w+\.runs$/);
    expect(j.missing).toEqual([
      { from: 57, to: 57 },
      { from: 121, to: 122 },
    ]);
    expect(j.skipped).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  test('open ranges and lists: --runs 3,5-7,118- (the shared run-list syntax), and --run as its spelling', () => {
    const out = join(dir, 'out-syntax-dry');
    const runsOf = (args: string[]) => {
      const r = sacla(['batch', '--data', data, '--out', out, '--scheduler', 'slurm', '--dry-run', '--json', ...args], { path: emptyBin });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout).submitted.flatMap((s: { runs: number[] }) => s.runs);
    };
    expect(runsOf(['--runs', '3,5-7,118-'])).toEqual([3, 5, 6, 7, 118, 119, 120]);
    expect(runsOf(['--run', '3,5-7,118-'])).toEqual([3, 5, 6, 7, 118, 119, 120]);
    expect(runsOf(['--runs', '-4'])).toEqual([1, 2, 3, 4]);
    const both = sacla(['batch', '--data', data, '--out', out, '--scheduler', 'slurm', '--dry-run', '--run', '3', '--runs', '4'], { path: emptyBin });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--run 3 and --runs 4: give one of them/);
  });
});

describe('sacla batch with a scheduler (stand-in commands)', () => {
  test('seven-digit runs: array 0-4 and its run list on a default Slurm; done skipped; queue, causes and exit codes of --status; resubmission', async () => {
    const out = join(dir, 'out-slurm');
    const fake = fakeDir('fake-slurm');
    await result(out, 1312752, hash7); // done with this config
    const r = sacla(['batch', '--data', sacla7, '--runs', '1312751-1312757', '--out', out, '--scheduler', 'slurm'], { fake });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run 1312754: skipped, not in /m);
    expect(r.stdout).toMatch(/^run 1312752: skipped, done with this config$/m);
    expect(r.stdout).toMatch(/submitted runs 1312751, 1312753, 1312755–1312757: Slurm job 101 \(5 runs\)/);
    const calls = readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    const [parsable, array, script] = calls[0].split(' ');
    expect([parsable, array]).toEqual(['--parsable', '--array=0-4']);
    expect(statSync(script).mode & 0o111).not.toBe(0);
    const name = /\/jobs\/(slurm_runs_1312751-1312757_\w+)\.sh$/.exec(script)?.[1];
    expect(name, script).toBeDefined();
    expect(readFileSync(join(out, 'jobs', `${name}.runs`), 'utf8')).toBe('1312751\n1312753\n1312755\n1312756\n1312757\n');
    expect(readFileSync(script, 'utf8')).toContain(`RUNS=${join(out, 'jobs', `${name}.runs`)}`);
    expect(existsSync(join(out, 'logs'))).toBe(true);
    const record = JSON.parse(readFileSync(join(out, 'jobs', 'submissions.json'), 'utf8'));
    expect(record.submissions).toHaveLength(1);
    expect(record.submissions[0]).toMatchObject({ scheduler: 'slurm', jobId: '101', runs: [1312751, 1312753, 1312755, 1312756, 1312757], array: name, configHash: hash7, script, data: sacla7, out });

    // Everything pending: not all done, nothing failed → exit code 3.
    writeFileSync(join(fake, 'queue'), [0, 1, 2, 3, 4].map((i) => `101_${i}|PENDING`).join('\n') + '\n');
    const pending = statusJson(out, fake);
    expect(pending.code).toBe(3);
    expect(pending.runs.map((s) => `${s.run} ${s.state} ${s.task ?? ''}`)).toEqual([
      '1312751 pending 101_0',
      '1312752 done ',
      '1312753 pending 101_1',
      '1312755 pending 101_2',
      '1312756 pending 101_3',
      '1312757 pending 101_4',
    ]);

    // Index 0 (1312751) pending, 1 (1312753) running, 2 (1312755) failed with an error in its
    // log, 3 (1312756) finished with a result, 4 (1312757) killed for time, gone from the queue.
    writeFileSync(join(fake, 'queue'), ['101_0|PENDING', '101_1|RUNNING', '101_2|FAILED', '101_3|COMPLETED', '99_2|RUNNING'].join('\n') + '\n');
    const taskLog = (i: number) => join(out, 'logs', `${name}_${i}.log`);
    writeFileSync(
      taskLog(2),
      [
        'sacla batch: run 1312755, job 101_2 on node1 at 2026-01-01T00:00:00+00:00',
        // A long run: its progress lines push the job's first line far out of the log's tail.
        ...Array.from({ length: 2000 }, (_, i) => `run 1312755: ${i}/2000 shots, 4.0 shots/s, ETA ${2000 - i} s`),
        'sacla: dark for side_ccd: using /data/darks/a.npy',
        'sacla: run 1312755 failed: /data/1312755.h5: cannot read the file',
        'sacla: 1 of 1 run(s) failed',
        'sacla batch: run 1312755 finished with exit code 1 at 2026-01-01T00:00:01+00:00',
      ].join('\n') + '\n',
    );
    writeFileSync(taskLog(3), 'sacla batch: run 1312756, job 101_3 on node1 at x\nsacla batch: run 1312756 finished with exit code 0 at y\n');
    await result(out, 1312756, hash7);
    writeFileSync(
      taskLog(4),
      [
        'sacla batch: run 1312757, job 101_4 on node1 at 2026-01-01T00:00:00+00:00',
        'run 1312757: 0/1000 shots, 0.0 shots/s',
        'run 1312757: 200/1000 shots, 40.0 shots/s, ETA 20 s',
        'slurmstepd: error: *** JOB 106 ON node1 CANCELLED AT 2026-01-01T01:00:00 DUE TO TIME LIMIT ***',
      ].join('\n') + '\n',
    );

    const status = statusJson(out, fake);
    expect(status.code).toBe(1);
    const byRun = Object.fromEntries(status.runs.map((s) => [s.run, s]));
    expect(byRun[1312751]).toMatchObject({ state: 'pending', task: '101_0' });
    expect(byRun[1312752].state).toBe('done');
    expect(byRun[1312753]).toMatchObject({ state: 'running', task: '101_1' });
    expect(byRun[1312755]).toMatchObject({ state: 'failed', task: '101_2', detail: 'exit code 1', cause: '/data/1312755.h5: cannot read the file', log: taskLog(2) });
    expect(byRun[1312755].lastLines).toBeUndefined();
    expect(byRun[1312756]).toMatchObject({ state: 'done', log: taskLog(3) });
    expect(byRun[1312757]).toMatchObject({ state: 'failed', cause: 'slurmstepd: error: *** JOB 106 ON node1 CANCELLED AT 2026-01-01T01:00:00 DUE TO TIME LIMIT ***' });
    expect(byRun[1312757].detail).toBe('ended without finishing');

    // The cause shows whatever --tail says; --tail 2 adds the log's last two lines.
    const text = sacla(['batch', '--status', '--out', out, '--runs', '1312751-1312757', '--tail', '2'], { fake });
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(
      `run 1312755: failed (job 101_2: exit code 1): /data/1312755.h5: cannot read the file; log: ${taskLog(2)}\n` +
        '    last 2 lines of the log:\n' +
        '    sacla: 1 of 1 run(s) failed\n' +
        '    sacla batch: run 1312755 finished with exit code 1 at 2026-01-01T00:00:01+00:00\n',
    );
    expect(text.stdout).toMatch(/^run 1312757: failed \(job 101_4: ended without finishing\): slurmstepd: error: \*\*\* JOB 106 .* DUE TO TIME LIMIT \*\*\*; log: /m);
    expect(text.stdout).toMatch(/^2 done, 2 failed, 1 running, 1 pending$/m);
    expect(text.stdout).toMatch(/--retry-failed/);
    // Only the done ones asked about: exit code 0.
    expect(sacla(['batch', '--status', '--out', out, '--run', '1312752,1312756'], { fake }).status).toBe(0);

    // Again: nothing new to submit (done, pending, running, failed all skipped); the failed
    // ones say why.
    const again = sacla(['batch', '--data', sacla7, '--runs', '1312751-', '--out', out, '--scheduler', 'slurm'], { fake });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to submit \(6 runs skipped\)/);
    expect(again.stdout).toMatch(/^run 1312755: skipped, failed before \(job 101_2, exit code 1: \/data\/1312755\.h5: cannot read the file\): --retry-failed/m);
    expect(readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n')).toHaveLength(1);

    // --retry-failed: the failed ones only, in a new array of two.
    const retry = sacla(['batch', '--data', sacla7, '--runs', '1312751-1312757', '--out', out, '--scheduler', 'slurm', '--retry-failed'], { fake });
    expect(retry.status, retry.stderr).toBe(0);
    const retryScript = readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n')[1];
    expect(retryScript).toMatch(/^--parsable --array=0-1 .*\/slurm_runs_1312755-1312757_\w+\.sh$/);
    expect(readFileSync(retryScript.split(' ')[2].replace(/\.sh$/, '.runs'), 'utf8')).toBe('1312755\n1312757\n');
    // The old logs belong to job 101: the new tasks are pending, not failed.
    writeFileSync(join(fake, 'queue'), '102_0|PENDING\n102_1|PENDING\n');
    const after = statusJson(out, fake, '--runs', '1312755,1312757');
    expect(after.runs.map((s) => [s.state, s.task])).toEqual([
      ['pending', '102_0'],
      ['pending', '102_1'],
    ]);
    expect(after.code).toBe(3);
  });

  test('PBS: qsub -J 0-(N − 1), subjob ids with the index, states from qstat', () => {
    const out = join(dir, 'out-pbs');
    const fake = fakeDir('fake-pbs');
    const r = sacla(['batch', '--data', data, '--runs', '55-59', '--out', out, '--scheduler', 'pbs', '--chunk', '3'], { fake });
    expect(r.status, r.stderr).toBe(0);
    const calls = readFileSync(join(fake, 'qsub.calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual([expect.stringMatching(/^-J 0-2 \/.*\/pbs_runs_55-58_\w+\.sh$/), expect.stringMatching(/^\/.*\/pbs_runs_59_\w+\.sh$/)]);
    expect(r.stdout).toMatch(/submitted runs 55–56, 58: PBS job 101\[\]\.pbs01/);
    expect(r.stdout).toMatch(/submitted run 59: PBS job 102\.pbs01/);
    writeFileSync(join(fake, 'qstat.json'), JSON.stringify({ Jobs: { '101[0].pbs01': { job_state: 'R' }, '101[1].pbs01': { job_state: 'Q' }, '101[2].pbs01': { job_state: 'F' } } }));
    const s = statusJson(out, fake, '--runs', '55-59');
    expect(s.runs.map((x) => `${x.run} ${x.state} ${x.task}`)).toEqual(['55 running 101[0].pbs01', '56 pending 101[1].pbs01', '58 failed 101[2].pbs01', '59 failed 102.pbs01']);
    expect(s.code).toBe(1);
  });

  test('a cluster whose MaxArraySize is below --chunk: refused before submitting, naming --chunk', () => {
    const fake = fakeDir('fake-small-arrays');
    writeFileSync(join(fake, 'max-array-size'), '10');
    const r = sacla(['batch', '--data', data, '--runs', '1-20', '--out', join(dir, 'out-small-arrays'), '--scheduler', 'slurm'], { fake });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--chunk: an array of 20 runs needs array indices 0–19, but this Slurm cluster allows indices below 10 \(MaxArraySize = 10\): use --chunk 10 or less/);
    expect(existsSync(join(fake, 'sbatch.calls'))).toBe(false);
    const ok = sacla(['batch', '--data', data, '--runs', '1-20', '--out', join(dir, 'out-small-arrays'), '--scheduler', 'slurm', '--chunk', '10'], { fake });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n').map((l) => l.split(' ')[1])).toEqual(['--array=0-9', '--array=0-9']);
  });

  test('results made with another config: refused (runs, stored and new config_hash / config_file) unless --force, which the jobs pass on', async () => {
    const out = join(dir, 'out-other-config');
    const fake = fakeDir('fake-other-config');
    await result(out, 3, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '/beam/old.json');
    await result(out, 4, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '/beam/old.json');
    await result(out, 6, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', '/beam/older.json');
    const before = readFileSync(join(out, 'run_3.h5'));
    const r = sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm'], { fake });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `sacla: --out ${out} holds results made with another config, which this batch would replace: ` +
        'runs 3–4 (config_hash aaaaaaaaaaaa, config_file /beam/old.json); run 6 (config_hash bbbbbbbbbbbb, config_file /beam/older.json); ' +
        `this batch's config: config_hash ${hash.slice(0, 12)}, config_file ${defaultConfigPath()}. Give another --out, or --force to replace them\n`,
    );
    expect(existsSync(join(fake, 'sbatch.calls'))).toBe(false);
    expect(readFileSync(join(out, 'run_3.h5')).equals(before)).toBe(true);
    // A dry run says the same.
    expect(sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm', '--dry-run'], { fake }).status).toBe(2);
    // Runs without such results go ahead.
    expect(sacla(['batch', '--data', data, '--runs', '1-2,5', '--out', out, '--scheduler', 'slurm'], { fake }).status).toBe(0);

    const forced = sacla(['batch', '--data', data, '--runs', '1-6', '--out', out, '--scheduler', 'slurm', '--force'], { fake });
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^runs 3–4: replacing the results made with another config \(config_hash aaaaaaaaaaaa, config_file \/beam\/old\.json\): --force$/m);
    expect(forced.stdout).toMatch(/^run 6: replacing the result made with another config \(config_hash bbbbbbbbbbbb, config_file \/beam\/older\.json\): --force$/m);
    const script = readFileSync(join(fake, 'sbatch.calls'), 'utf8').trim().split('\n')[1].split(' ')[2];
    expect(readFileSync(script.replace(/\.sh$/, '.runs'), 'utf8')).toBe('3\n4\n6\n');
    expect(readFileSync(script, 'utf8')).toMatch(/ --workers 1 --force\n/);
  });

  test('a record written before run lists (array index = run number, logs/run_<N>.log) is still read', () => {
    const out = fakeDir('out-old-record');
    const fake = fakeDir('fake-old-record');
    mkdirSync(join(out, 'jobs'));
    mkdirSync(join(out, 'logs'));
    const old = { scheduler: 'slurm', jobId: '90', runs: [7, 8], data, config: defaultConfigPath(), configHash: hash, out, logs: join(out, 'logs'), submitted: '2026-01-01T00:00:00Z' };
    writeFileSync(join(out, 'jobs', 'submissions.json'), JSON.stringify({ version: 1, submissions: [old] }));
    writeFileSync(join(out, 'logs', 'run_8.log'), 'sacla batch: run 8, job 90_8 on n at x\nsacla: run 8 failed: bad file\nsacla batch: run 8 finished with exit code 1 at y\n');
    writeFileSync(join(fake, 'queue'), '90_7|RUNNING\n');
    const s = statusJson(out, fake, '--runs', '7-8');
    expect(s.runs).toEqual([
      expect.objectContaining({ run: 7, state: 'running', task: '90_7' }),
      expect.objectContaining({ run: 8, state: 'failed', task: '90_8', cause: 'bad file', log: join(out, 'logs', 'run_8.log') }),
    ]);
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
    const chunk = sacla([...base, '--scheduler', 'slurm', '--chunk', '1001']);
    expect(chunk.status).toBe(2);
    expect(chunk.stderr).toMatch(/--chunk must be an integer from 1 to 1000/);
    expect(sacla(['batch', '--data', data, '--runs', '5-3', '--scheduler', 'slurm', '--dry-run']).stderr).toMatch(/--runs: 5-3 is an empty range/);
    expect(sacla(['batch', '--runs', '1', '--scheduler', 'slurm']).stderr).toMatch(/--data <dir> is required/);
    expect(sacla(['batch', '--data', data, '--scheduler', 'slurm']).stderr).toMatch(/--runs <runs> is required/);
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
