// One run across many nodes (docs/config.md, "A run across many nodes"): `sacla analyse --part
// K/N` on each, `sacla merge` after; the merged file equals `sacla analyse` of the whole run,
// dataset for dataset (bit for bit but for means and variances, within float64 rounding), also
// when the parts run with threads of their own. Mistakes in the set of parts are named.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun, openResult, defaultConfigPath } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const ROUNDED = new Set(['spectrum_mean', 'side_mean', 'forward_mean', 'side_hist_mean', 'forward_hist_mean', 'side_radial']);

let dir: string;
let data: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sacla-parts-'));
  data = join(dir, 'data');
  await writeSyntheticRun({ out: data, run: 4, shots: 70, preset: 'small', seed: 4 });
  const whole = sacla('analyse', '--data', data, '--run', '4', '--out', join(dir, 'whole'), '--workers', '1', '--quiet');
  expect(whole.status, whole.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function datasets(path: string) {
  const file = await openResult(path);
  try {
    return { attrs: file.attrs, sets: file.datasets };
  } finally {
    file.close();
  }
}

const bits = (x: ArrayLike<number>) => Array.from(new BigUint64Array(Float64Array.from(x).buffer));

describe.each([
  ['3 parts, one thread each', 3, ['1', '1', '1']],
  ['2 parts, two threads each', 2, ['2', '2']],
])('%s', (_title, parts, workers) => {
  test('the merged file holds what one process writes', async () => {
    const out = join(dir, `parts-${parts}`);
    workers.forEach((w, k) => {
      const r = sacla('analyse', '--data', data, '--run', '4', '--out', out, '--part', `${k + 1}/${parts}`, '--workers', w, '--quiet');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^run 4: part ${k + 1} of ${parts} `));
    });
    expect(readdirSync(out).sort()).toEqual(Array.from({ length: parts }, (_, k) => `run_4.part${k + 1}of${parts}.h5`));
    const merged = sacla('merge', '--out', out);
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(new RegExp(`^run 4: ${parts} parts merged, \\d+ of 70 shots good → `));
    // The parts are gone, the result is there.
    expect(readdirSync(out)).toEqual(['run_4.h5']);
    const [a, b] = [await datasets(join(dir, 'whole', 'run_4.h5')), await datasets(join(out, 'run_4.h5'))];
    expect(Object.keys(b.sets).sort()).toEqual(Object.keys(a.sets).sort());
    for (const [name, d] of Object.entries(a.sets)) {
      expect(b.sets[name].shape, name).toEqual(d.shape);
      if (ROUNDED.has(name)) {
        for (let i = 0; i < d.data.length; i++) {
          if (Number.isNaN(d.data[i])) expect(Number.isNaN(b.sets[name].data[i]), name).toBe(true);
          else expect(Math.abs(b.sets[name].data[i] - d.data[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-12 * Math.abs(d.data[i]) + 1e-300);
        }
      } else expect(bits(b.sets[name].data), name).toEqual(bits(d.data));
    }
    for (const key of ['good_shots', 'shots_in_run', 'filters', 'config_hash', 'source', 'run_start', 'dark_side_ccd', 'dark_side_ccd_time']) {
      expect(b.attrs[key], key).toEqual(a.attrs[key]);
    }
    expect(b.attrs.parts).toBe(parts);
  }, 180_000);
});

describe('mistakes in the parts', () => {
  const split = (name: string, parts: number[], of: number, extra: string[] = []) => {
    const out = join(dir, name);
    for (const k of parts) {
      const r = sacla('analyse', '--data', data, '--run', '4', '--out', out, '--part', `${k}/${of}`, '--workers', '1', '--quiet', ...extra);
      expect(r.status, r.stderr).toBe(0);
    }
    return out;
  };

  test('a missing part: exit 1 naming it, nothing written, the parts kept', () => {
    const out = split('missing', [1, 3], 3);
    const r = sacla('merge', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('sacla: run 4: part 2 of 3 missing');
    expect(readdirSync(out).sort()).toEqual(['run_4.part1of3.h5', 'run_4.part3of3.h5']);
  }, 120_000);

  test('parts of two splits, or made with another config, are not merged', () => {
    const out = split('two-splits', [1, 2], 2);
    split('two-splits', [1], 3);
    const r = sacla('merge', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run 4 has part files of 2 and 3 parts: remove those of the other split/);
    // Another config for part 2: its first two outputs only.
    const other = join(dir, 'few.json');
    const config = JSON.parse(readFileSync(defaultConfigPath(), 'utf8'));
    config.outputs = config.outputs.slice(0, 2);
    writeFileSync(other, JSON.stringify(config));
    const mixed = split('mixed', [1], 2);
    split('mixed', [2], 2, ['--config', other]);
    const m = sacla('merge', '--out', mixed);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/part 2 of 2 was made with another config \(config_hash [0-9a-f]{12}, part 1 of 2 [0-9a-f]{12}\)/);
    expect(existsSync(join(mixed, 'run_4.h5'))).toBe(false);
  }, 180_000);

  test('a part file renamed to another part is caught by its own record', () => {
    const out = split('renamed', [1, 1], 2);
    renameSync(join(out, 'run_4.part1of2.h5'), join(out, 'run_4.part2of2.h5'));
    split('renamed', [1], 2);
    const r = sacla('merge', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/part 2 of 2 missing|a part is given twice/);
  }, 120_000);

  test('--part mistakes are usage errors', () => {
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0']) {
      const r = sacla('analyse', '--data', data, '--run', '4', '--out', join(dir, 'x'), '--part', bad);
      expect(r.status, bad).toBe(2);
      expect(r.stderr.trim(), bad).toBe(`sacla: option '--part <K/N>' argument '${bad}' is invalid. --part must be K/N with 1 ≤ K ≤ N ≤ 10000 (e.g. 2/3), got "${bad}"`);
    }
  });
});

