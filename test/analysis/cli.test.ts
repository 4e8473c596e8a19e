// `sacla analyse` and `sacla results` as a user runs them (the built CLI, in a child process).
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun, openResult } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

let dir: string;
let data: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-cli-'));
  data = join(dir, 'data');
  for (const run of [1, 2, 4]) await writeSyntheticRun({ out: data, run, shots: 40, preset: 'small', seed: run });
  // Run 3 is a copy of run 2 cut short: a corrupt file among good ones.
  copyFileSync(join(data, '2.h5'), join(data, '3.h5'));
  truncateSync(join(data, '3.h5'), Math.floor(statSync(join(data, '3.h5')).size * 0.6));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sacla analyse', () => {
  test('a corrupt run among good ones: the others finish, the bad one is reported, exit code 1', () => {
    const out = join(dir, 'out-range');
    const r = sacla('analyse', '--data', data, '--run', '1-4', '--out', out, '--workers', '1', '--json');
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.run)).toEqual([1, 2, 3, 4]);
    expect(lines.filter((l) => l.error).map((l) => l.run)).toEqual([3]);
    expect(lines[2].error).toMatch(/3\.h5/);
    expect(r.stderr).toMatch(/run 3 failed: .*3\.h5/);
    expect(readdirSync(out).sort()).toEqual(['run_1.h5', 'run_2.h5', 'run_4.h5']);
    for (const l of lines.filter((l) => !l.error)) {
      expect(l.goodShots).toBeGreaterThan(0);
      expect(l.goodShots).toBeLessThanOrEqual(l.shotsInRun);
      expect(l.output).toBe(join(out, `run_${l.run}.h5`));
      // Where its seconds went, and the writing after them (docs/config.md, "Where the time goes").
      expect(l.phases.open + l.phases.shots + l.phases.merge + l.phases.result).toBeCloseTo(l.seconds, 9);
      expect(l.phases.shares).toHaveLength(1);
      expect(l.phases.write).toBeGreaterThan(0);
    }
  }, 120_000);

  test('runs already analysed with the same config are skipped; --force redoes them', async () => {
    const out = join(dir, 'out-skip');
    expect(sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1').status).toBe(0);
    const first = statSync(join(out, 'run_1.h5')).mtimeMs;
    const again = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1');
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/run 1: already analysed with this config/);
    expect(statSync(join(out, 'run_1.h5')).mtimeMs).toBe(first);
    const forced = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--force');
    expect(forced.stdout).toMatch(/run 1: \d+ of 40 shots good \(motorStep sampleX2 −\d+, shutter shutter_open −\d+\), [\d.]+ s, [\d.]+ shots\/s → .*run_1\.h5/);
    // Another config (another max-shots does not change the config; a changed config does).
    const config = join(dir, 'other.json');
    const result = await openResult(join(out, 'run_1.h5'));
    const changed = result.config as { outputs: { name: string; transforms?: { noiseCut?: { threshold: number } }[] }[] };
    result.close();
    changed.outputs[0].transforms = [{ noiseCut: { threshold: 900 } }, ...(changed.outputs[0].transforms ?? []).slice(1)];
    writeFileSync(config, JSON.stringify(changed));
    // A result made with another config is not replaced silently (docs/robustness.md): --force replaces it.
    const refused = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--config', config);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/run_1\.h5 was made with another config .*--force replaces it/);
    const redo = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--config', config, '--force');
    expect(redo.status, redo.stderr).toBe(0);
    expect(redo.stdout).not.toMatch(/already analysed/);
  }, 120_000);

  test('a config mistake: exit code 2, the path in the file named, before any data is read', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ detectors: {}, values: {}, outputs: [{ name: 'x', source: 'nothing', sink: 'mean' }] }));
    const r = sacla('analyse', '--data', data, '--run', '1', '--config', config);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.json/);
    expect(r.stderr).toMatch(/outputs\[0\]\.source/);
    expect(r.stderr).not.toMatch(/run 1/);
  });

  test('usage mistakes: exit code 2', () => {
    expect(sacla('analyse', '--data', data, '--run', 'x-y').status).toBe(2);
    expect(sacla('analyse', '--data', data, '--run', '1', '--workers', '0').status).toBe(2);
    expect(sacla('analyse', '--run', '1').status).toBe(2);
  });

  test('interrupting leaves no half-written result file, and a re-run completes', async () => {
    await writeSyntheticRun({ out: data, run: 9, shots: 4000, preset: 'small', seed: 9 });
    const out = join(dir, 'out-interrupt');
    for (const workers of ['1', '2']) {
      const child = spawn(process.execPath, [cli, 'analyse', '--data', data, '--run', '9', '--out', out, '--workers', workers], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let sent = false;
      // The first progress line comes when the shots start flowing: interrupt then (once).
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (!sent && /run 9: 0\/\d+ shots/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/interrupted/);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
    const done = sacla('analyse', '--data', data, '--run', '9', '--out', out, '--workers', '2');
    expect(done.status, done.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['run_9.h5']);
    const result = await openResult(join(out, 'run_9.h5'));
    expect(result.attrs.good_shots).toBeGreaterThan(3000);
    result.close();
  }, 120_000);
});

describe('sacla results', () => {
  test('a table of result files, and JSON lines with the medians of the values', () => {
    const out = join(dir, 'out-range');
    const table = sacla('results', out);
    expect(table.status, table.stderr).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^run\s+start \(UTC\)\s+good\/total\s+median sampleX2\s+median sampleZ1/);
    expect(rows.slice(2).map((r) => r.trim().split(/\s+/)[0])).toEqual(['1', '2', '4']);
    const json = sacla('results', out, '--runs', '2-4', '--json');
    const parsed = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.run)).toEqual([2, 4]);
    expect(parsed[0].medians.shutter_open).toBe(1);
    expect(Object.keys(parsed[0].medians)).toContain('attenuator_eh_5_Si_m');
  });

  test('one number format per column, right-aligned; CSV with the medians in full precision', () => {
    const out = join(dir, 'out-range');
    const json = sacla('results', out, '--json');
    const medians = json.stdout.trim().split('\n').map((l) => JSON.parse(l).medians as Record<string, number>);
    const table = sacla('results', out);
    const lines = table.stdout.trimEnd().split('\n');
    const header = lines[0];
    for (const name of ['sampleX2', 'sampleZ1', 'diode', 'attenuator_eh_5_Si_m']) {
      // The cells of the column end where its header ends (right-aligned).
      const end = header.indexOf(`median ${name}`) + `median ${name}`.length;
      const cells = lines.slice(2).map((l) => l.slice(0, end).split(/\s+/).pop()!);
      const shapes = new Set(cells.map((c) => c.replace(/\d/g, '0').replace(/^-/, '')));
      expect(shapes.size, `${name}: ${cells.join(' ')}`).toBe(1);
      cells.forEach((c, k) => expect(Math.abs(Number(c) - medians[k][name])).toBeLessThanOrEqual(Math.abs(medians[k][name]) * 5e-3 + 1e-12));
    }
    const csv = sacla('results', out, '--csv');
    expect(csv.status, csv.stderr).toBe(0);
    const rows = csv.stdout.trimEnd().split('\r\n').map((l) => l.split(','));
    const at = rows[0].indexOf('median diode');
    expect(rows.slice(1).map((r) => Number(r[at]))).toEqual(medians.map((m) => m.diode));
  });
});
