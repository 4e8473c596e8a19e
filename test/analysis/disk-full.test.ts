// Result files are all or nothing (docs/robustness.md, "Writing"): on a 20 MB tmpfs this test
// mounts itself, filled so that a result no longer fits, `sacla analyse` exits 1 with one line
// naming the file and the cause, HDF5's messages go to run_<N>.h5.log instead of the terminal,
// no run_<N>.h5 or temporary file is left, and with --force an earlier good result stays as it
// was, byte for byte and readable by h5py. A read-only --out is refused before any shot is read.
// Mounting needs root (CI runs as root); elsewhere the tests skip, saying so.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const PYTHON = '/usr/bin/python3';

let dir: string;
let data: string;
const mounts: string[] = [];
let cannotMount = '';

/** Mounts a tmpfs with `options` at a new folder; returns it, or '' (and why in cannotMount). */
function mountTmpfs(name: string, options: string): string {
  const at = join(dir, name);
  mkdirSync(at);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { encoding: 'utf8' });
  if (r.status !== 0) {
    cannotMount = `cannot mount a tmpfs here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}): these tests need root, as CI has`;
    return '';
  }
  mounts.push(at);
  return at;
}

/** The datasets of a result file with their shapes and sums, as h5py reads them. */
function h5pyListing(path: string): string {
  const script = `import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'r') as f:
    for k in sorted(f.keys()):
        if not isinstance(f[k], h5py.Dataset): continue  # the NeXus tree links to the datasets
        d = f[k][()]
        print(k, np.shape(d), float(np.nansum(d)))
    print('attrs', sorted(f.attrs.keys()))`;
  const r = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`h5py cannot read ${path}: ${r.stderr}`);
  return r.stdout;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Fills the file system of `folder` up to `leave` bytes free. */
function fill(folder: string, leave: number): void {
  const st = statfsSync(folder);
  const free = st.bavail * st.bsize;
  writeFileSync(join(folder, 'filler'), Buffer.alloc(Math.max(0, free - leave)));
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-disk-full-'));
  data = join(dir, 'data');
  // A result of this run is ~0.5 MB: it cannot fit in the 64 kB left free below.
  await writeSyntheticRun({ out: data, run: 1, shots: 40, preset: 'small', seed: 1 });
}, 120_000);

afterAll(() => {
  // Unmounted even when a test failed; a busy mount is detached lazily rather than left behind.
  for (const at of mounts) {
    if (spawnSync('umount', [at]).status !== 0) spawnSync('umount', ['-l', at]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a full disk', () => {
  test('with --force over a good result: exit 1, one line naming the file and the cause, the good result untouched', (ctx) => {
    const out = mountTmpfs('full', 'size=20m');
    if (!out) return ctx.skip(cannotMount);
    const first = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet');
    expect(first.status, first.stderr).toBe(0);
    const result = join(out, 'run_1.h5');
    const before = { sha: sha(result), listing: h5pyListing(result) };

    fill(out, 64 * 1024);
    const r = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet', '--force');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/HDF5-DIAG|#\d{3}:/);
    const lines = r.stderr.trim().split('\n');
    // The failure of the run, and the count of failed runs.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`sacla: run 1 failed: cannot write ${result}: No space left on device (HDF5's messages: ${result}.log)`);
    expect(lines[1]).toBe('sacla: 1 of 1 run(s) failed');
    expect(readFileSync(`${result}.log`, 'utf8')).toMatch(/HDF5-DIAG[\s\S]*No space left on device/);
    expect(readdirSync(out).sort()).toEqual(['filler', 'run_1.h5', 'run_1.h5.log']);
    expect(sha(result)).toBe(before.sha);
    expect(h5pyListing(result)).toBe(before.listing);

    // Room again: the run is written, and the log of the failed write goes.
    rmSync(join(out, 'filler'));
    const again = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet', '--force');
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['run_1.h5']);
    expect(h5pyListing(result).replace(/^attrs.*$/m, '')).toBe(before.listing.replace(/^attrs.*$/m, ''));
  }, 120_000);

  test('without an earlier result: no run_<N>.h5 and no temporary file is left', (ctx) => {
    const out = mountTmpfs('full-fresh', 'size=20m');
    if (!out) return ctx.skip(cannotMount);
    fill(out, 64 * 1024);
    const r = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('HDF5-DIAG');
    expect(r.stderr).toContain(`cannot write ${join(out, 'run_1.h5')}: No space left on device`);
    expect(readdirSync(out).sort()).toEqual(['filler', 'run_1.h5.log']);
  }, 120_000);

  test('sacla synth on a disk that fills up: exit 1, one line naming the run file and the cause, nothing left behind', (ctx) => {
    const out = mountTmpfs('full-synth', 'size=8m');
    if (!out) return ctx.skip(cannotMount);
    // The small preset writes ~45 kB per shot: 400 shots do not fit in 8 MB.
    const r = sacla('synth', '--out', out, '--run', '5', '--shots', '400', '--preset', 'small', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('HDF5-DIAG');
    expect(r.stderr.trim()).toMatch(new RegExp(`^sacla: cannot write ${join(out, '5.h5')}: No space left on device$`));
    expect(readdirSync(out).filter((f) => f.endsWith('.h5'))).toEqual([]);
  }, 120_000);

  test('a disk with no room at all is found before the analysis (exit 2, naming --out)', (ctx) => {
    const out = mountTmpfs('full-now', 'size=1m');
    if (!out) return ctx.skip(cannotMount);
    fill(out, 0);
    const r = sacla('analyse', '--data', data, '--run', '1', '--out', out, '--workers', '1');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^sacla: --out ${out}: cannot write in ${out}: ENOSPC: no space left on device`));
    // No shot was read: no progress line.
    expect(r.stderr).not.toMatch(/shots/);
  }, 60_000);
});

describe('an --out that cannot be written', () => {
  test('a read-only file system: exit 2 naming --out and the cause, before any shot is read', (ctx) => {
    const out = mountTmpfs('read-only', 'size=1m,ro');
    if (!out) return ctx.skip(cannotMount);
    const r = sacla('analyse', '--data', data, '--run', '1', '--out', join(out, 'results'), '--workers', '1');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^sacla: --out .*results: cannot create the folder .*results: EROFS: read-only file system/);
    expect(r.stderr).not.toMatch(/shots/);
  }, 60_000);
});
