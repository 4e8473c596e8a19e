// The command line misused as people misuse it (docs/robustness.md, "The command line"): each
// mistake is one line on stderr naming the option, exit code 2, nothing on stdout and no stack
// trace; then what is not a mistake but used to go wrong: --workers above the core count, an
// --out where mkdir never ends, SIGTERM mid-analysis, a result of another config in the way,
// temporary files of killed writes.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun, openResult } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

let dir: string;
let data: string;
let aFile: string;
// The default config's first two outputs: another config than the default, and quick.
let fewOutputs: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-misuse-'));
  data = join(dir, 'data');
  await writeSyntheticRun({ out: data, run: 1, shots: 20, preset: 'small', seed: 1 });
  aFile = join(dir, 'a-file.txt');
  writeFileSync(aFile, 'not a folder\n');
  const config = JSON.parse(readFileSync(fileURLToPath(new URL('../../configs/kuschel2023.json', import.meta.url)), 'utf8'));
  fewOutputs = join(dir, 'few-outputs.json');
  writeFileSync(fewOutputs, JSON.stringify({ ...config, outputs: config.outputs.slice(0, 2) }));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage mistakes: one line naming the option, exit code 2', () => {
  // [what, arguments, what the line must say]; `D` stands for the data folder, `F` for a file.
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown global option', ['--bogus'], /unknown option '--bogus'/],
    ['an unknown option', ['analyse', '--data', 'D', '--run', '1', '--bogus'], /unknown option '--bogus'/],
    ['a misspelt option', ['analyse', '--data', 'D', '--run', '1', '--froce'], /unknown option '--froce'.*--force/],
    ['a value given to a flag', ['analyse', '--data', 'D', '--run', '1', '--json=yes'], /'--json=yes'/],
    ['a missing value', ['analyse', '--data'], /'--data <dir>' argument missing/],
    ['a missing required option', ['analyse', '--run', '1'], /required option '--data <dir>'/],
    ['no runs', ['analyse', '--data', 'D'], /--run: which runs to analyse\?/],
    ['an argument too many', ['analyse', '--data', 'D', '--run', '1', 'extra'], /too many arguments/],
    ['--run -0', ['analyse', '--data', 'D', '--run', '-0'], /--run .*"-0"/],
    ['--run 1e3', ['analyse', '--data', 'D', '--run', '1e3'], /--run .*"1e3"/],
    ['--run 0x10', ['analyse', '--data', 'D', '--run', '0x10'], /--run .*"0x10"/],
    ['--run empty', ['analyse', '--data', 'D', '--run', ''], /--run .*""/],
    ['--run 5-3', ['analyse', '--data', 'D', '--run', '5-3'], /--run .*"5-3"/],
    ['--run 1,,2', ['analyse', '--data', 'D', '--run', '1,,2'], /--run .*"1,,2"/],
    ['--run beyond 2^53', ['analyse', '--data', 'D', '--run', '99999999999999999999'], /--run /],
    ['--run selecting millions', ['analyse', '--data', 'D', '--run', '1-9999999'], /--run 1-9999999 selects more than/],
    ['--run given twice', ['analyse', '--data', 'D', '--run', '1', '--run', '2'], /'--run' given 2 times/],
    ['--workers 0', ['analyse', '--data', 'D', '--run', '1', '--workers', '0'], /--workers must be an integer ≥ 1, got "0"/],
    ['--workers 1.5', ['analyse', '--data', 'D', '--run', '1', '--workers', '1.5'], /--workers .*"1.5"/],
    ['--workers empty', ['analyse', '--data', 'D', '--run', '1', '--workers', ''], /--workers .*""/],
    ['--max-shots -1', ['analyse', '--data', 'D', '--run', '1', '--max-shots', '-1'], /--max-shots .*"-1"/],
    ['--step 0', ['analyse', '--data', 'D', '--run', '1', '--step', '0'], /--step .*"0"/],
    ['a --data that does not exist', ['analyse', '--data', '/nonexistent/data', '--run', '1'], /--data \/nonexistent\/data: no such file or folder/],
    ['an empty --data', ['analyse', '--data', '', '--run', '1'], /--data must be a path/],
    ['a file as --out', ['analyse', '--data', 'D', '--run', '1', '--out', 'F'], /--out .*a-file\.txt: a file, where a folder is expected/],
    ['an --out mkdir cannot make (/proc)', ['analyse', '--data', 'D', '--run', '1', '--out', '/proc/sacla-out'], /--out \/proc\/sacla-out: cannot create the folder/],
    ['a --config that does not exist', ['analyse', '--data', 'D', '--run', '1', '--config', '/nonexistent.json'], /--config \/nonexistent\.json: no such file or folder/],
    ['a folder as --config', ['analyse', '--data', 'D', '--run', '1', '--config', 'D'], /--config .*a folder, where a file is expected/],
    ['--combine with one run file', ['analyse', '--data', 'D/1.h5', '--run', '1', '--combine'], /--combine .*--data .*1\.h5 is one file/],
    ['synth --shots -5', ['synth', '--out', 'D/synth', '--run', '1', '--shots', '-5'], /--shots .*"-5"/],
    ['synth --run -1', ['synth', '--out', 'D/synth', '--run', '-1'], /--run .*"-1"/],
    ['synth --preset unknown', ['synth', '--out', 'D/synth', '--run', '1', '--preset', 'huge'], /--preset .*huge.*kuschel2023, small/],
    ['synth --out in /proc', ['synth', '--out', '/proc/sacla-synth', '--run', '1'], /--out \/proc\/sacla-synth: cannot create the folder/],
    ['darks --run 1e3', ['darks', '--data', 'D', '--run', '1e3'], /--run .*"1e3"/],
    ['darks --mask-sigma 0', ['darks', '--data', 'D', '--run', '1', '--mask-sigma', '0'], /--mask-sigma .*"0"/],
    ['darks --detectors empty', ['darks', '--data', 'D', '--run', '1', '--detectors', ','], /--detectors .*","/],
    ['darks: a file as --out', ['darks', '--data', 'D', '--run', '1', '--out', 'F'], /--out .*a file, where a folder is expected/],
    ['check without --run', ['check', '--data', 'D'], /required option '--run <n>'/],
    ['check: a --data that does not exist', ['check', '--data', '/nonexistent', '--run', '1'], /--data \/nonexistent: no such file or folder/],
    ['info of a path that does not exist', ['info', '/nonexistent'], /path \/nonexistent: no such file or folder/],
    ['info --run x', ['info', 'D', '--run', 'x'], /--run .*"x"/],
    ['web --port 70000', ['web', '--port', '70000'], /--port must be an integer from 0 to 65535, got "70000"/],
    ['web --port abc', ['web', '--port', 'abc'], /--port .*"abc"/],
    ['web --dir missing', ['web', '--dir', '/nonexistent'], /--dir \/nonexistent: no such file or folder/],
    ['web --dir a file', ['web', '--dir', 'F'], /--dir .*a file, where a folder is expected/],
    ['demo --size 1e3', ['demo', '--size', '1e3'], /--size .*"1e3"/],
    ['demo --shots 1', ['demo', '--shots', '1'], /--shots must be an integer from 2 to 100000, got "1"/],
  ];

  test.each(cases)('%s', (_, args, says) => {
    const r = sacla(...args.map((a) => a.replace(/^D/, data).replace(/^F$/, aFile)));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^sacla: /);
    expect(lines[0]).toMatch(says);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('what is not a mistake', () => {
  test('--workers above the core count is capped at it, with a notice naming --workers', () => {
    const r = sacla('analyse', '--data', data, '--run', '1', '--config', fewOutputs, '--out', join(dir, 'out-workers'), '--workers', '1000', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const cores = availableParallelism();
    expect(r.stderr).toContain(`sacla: --workers: 1000 workers asked for, but this process may use ${cores} core${cores === 1 ? '' : 's'}: using ${cores}`);
    expect(JSON.parse(r.stdout).workers).toBeLessThanOrEqual(cores);
  }, 60_000);

  test('SIGTERM while the shots are analysed: exit code 130, no result file and no temporary file', async () => {
    await writeSyntheticRun({ out: data, run: 2, shots: 1000, preset: 'small', seed: 2 });
    for (const workers of ['1', '2']) {
      const out = join(dir, `out-term-${workers}`);
      const child = spawn(process.execPath, [cli, 'analyse', '--data', data, '--run', '2', '--out', out, '--workers', workers], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (!sent && /run 2: 0\/\d+ shots/.test(stderr)) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      expect([code, signal], stderr).toEqual([130, null]);
      expect(stderr).toMatch(/interrupted/);
      // The folder made for the probe is gone again, and nothing was written.
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
  }, 120_000);

  test('analyse takes --runs as --run, and says which runs it needs when neither is given', () => {
    const out = join(dir, 'out-runs');
    const r = sacla('analyse', '--data', data, '--runs', '1', '--out', out, '--config', fewOutputs, '--workers', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).run).toBe(1);
    const none = sacla('analyse', '--data', data, '--out', out);
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe('sacla: --run: which runs to analyse? e.g. --run 100, --run 100-120, --run -1 (the newest)');
  }, 60_000);

  test('SIGTERM while sacla synth writes: exit code 130, no run file and no temporary file', async () => {
    const out = join(dir, 'synth-term');
    const child = spawn(process.execPath, [cli, 'synth', '--out', out, '--run', '3', '--shots', '5000', '--preset', 'small'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Once the file is being written (its temporary name exists), stop it.
    const started = Date.now();
    while (!(existsSync(out) && readdirSync(out).some((f) => f.endsWith('.tmp.h5'))) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    expect([code, signal], stderr).toEqual([130, null]);
    // The folder synth made may go with its temporary file: then nothing is left either.
    expect(existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.h5')) : []).toEqual([]);
  }, 60_000);

  test('a result made with another config, or an unreadable one, is not replaced without --force', async () => {
    const out = join(dir, 'out-other');
    mkdirSync(out);
    // Not a result file at all (a half file of an old version, say): kept as it is.
    writeFileSync(join(out, 'run_1.h5'), 'not HDF5');
    const refused = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/run_1\.h5 is not a readable result file .*not replaced \(--force replaces it, or choose another --out\)/);
    expect(readFileSync(join(out, 'run_1.h5'), 'utf8')).toBe('not HDF5');
    expect(sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet', '--force').status).toBe(0);
    const before = await openResult(join(out, 'run_1.h5'));
    const hash = before.attrs.config_hash;
    before.close();
    const again = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet', '--config', fewOutputs);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`run_1\\.h5 was made with another config \\(config_hash ${hash}, this config's is \\w+\\): not replaced`));
    const after = await openResult(join(out, 'run_1.h5'));
    expect(after.attrs.config_hash).toBe(hash);
    after.close();
  }, 60_000);

  test('temporary files of killed writes are removed when the folder is next used, and said so; those of live writers stay', () => {
    const out = join(dir, 'out-stale');
    mkdirSync(out);
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    // A process of this machine that has ended, and an hour-old file of another machine.
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const dead = join(out, `run_1.h5.${host}.${ended}.tmp`);
    const old = join(out, 'run_3.h5.another-node.4242.tmp');
    // Live writers: this test's own process here, and a fresh file of another machine.
    const live = join(out, `run_4.h5.${host}.${process.pid}.tmp`);
    const fresh = join(out, 'run_5.h5.another-node.4343.tmp');
    for (const f of [dead, old, live, fresh]) writeFileSync(f, 'half a file');
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    const r = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`sacla: removed ${dead}, left by a write that was killed`);
    expect(r.stderr).toContain(`sacla: removed ${old}, left by a write that was killed`);
    expect(readdirSync(out).sort()).toEqual(['run_1.h5', `run_4.h5.${host}.${process.pid}.tmp`, 'run_5.h5.another-node.4343.tmp']);
  }, 60_000);
});
