// The soak test: one synthetic run of 10,000 small shots (written by `sacla synth` in another
// process, so that this one's memory starts clean), every shot analysed with the default config's
// outputs (no filter) in this process with one worker (the kernels' wasm memory and the h5wasm
// heap are this process's), memory sampled as the shots go. After a warm-up of 1,000 shots
// nothing may grow per shot beyond what the result keeps per shot (its per-shot datasets: the
// spectrum of every shot and the values, ~4.2 kB a shot, kept on purpose):
//
// - the kernels' wasm memory by at most 1 MiB: their state is allocated before the first shot and
//   per-shot buffers are reused, so any growth is a leak (1 MiB / 9,000 shots: a leak of ≥ 117
//   bytes a shot is caught);
// - the h5wasm heap by at most 8 MiB: one image buffer for the run, HDF5's caches are bounded
//   (a leak of ≥ 1 kB a shot, an unclosed dataset, is caught);
// - the live JavaScript memory (heap and array buffers, measured right after a full garbage
//   collection) by at most the per-shot datasets plus 24 MiB for the objects that hold them
//   (~1 kB a shot here) and slack (a leak of ≥ 3 kB a shot is caught);
// - the process's RSS by at most the per-shot datasets plus 48 MiB for the allocators' and the
//   garbage collector's slack (≥ 5.6 kB a shot, a third of one 64×70 float32 sensor image);
// - and the peak RSS stays below 768 MiB: the run file is read in place and the small preset's
//   images are a few tens of kB, so the libraries, both wasm heaps and the per-shot outputs
//   (~42 MB) are all there is.
// docs/robustness.md ("Soak") says the same.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { defaultConfigPath, memoryBytes } from 'sacla-analysis';
import { analyseRun, loadConfig } from 'sacla-analysis/node';
import { h5mod } from '../../bindings/data/h5.js';

const SHOTS = 10_000;
const WARM_UP = 1_000;
const MiB = 1024 * 1024;

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));

// A full collection before each sample, so that live memory is measured, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let dir: string;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-soak-'));
  const r = spawnSync(process.execPath, [cli, 'synth', '--out', dir, '--run', '1', '--shots', String(SHOTS), '--preset', 'small', '--seed', '7', '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sacla synth failed: ${r.stderr}`);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test(`${SHOTS} shots in one process: memory does not grow per shot`, async () => {
  const config = JSON.parse(readFileSync(defaultConfigPath(), 'utf8'));
  const path = join(dir, 'all-shots.json');
  writeFileSync(path, JSON.stringify({ ...config, filters: [] }));
  const loaded = await loadConfig(path, { dataDir: dir });
  const samples: { done: number; rss: number; live: number; core: number; h5: number }[] = [];
  const sample = (done: number) => {
    gc();
    const m = process.memoryUsage();
    samples.push({ done, rss: m.rss, live: m.heapUsed + m.external, core: memoryBytes(), h5: h5mod().HEAPU8.buffer.byteLength });
  };
  const result = await analyseRun(loaded, { data: dir, run: 1 }, { workers: 1, warn: () => {}, onProgress: (p) => sample(p.done) });
  expect(result.goodShots).toBe(SHOTS);

  const warm = samples.find((s) => s.done >= WARM_UP)!;
  const after = samples.filter((s) => s.done >= warm.done);
  expect(after.length).toBeGreaterThan(10);
  const peak = (key: 'rss' | 'live' | 'core' | 'h5') => Math.max(...after.map((s) => s[key]));
  const perShotBytes = Object.values(result.outputs)
    .filter((d) => d.shape[0] === SHOTS)
    .reduce((sum, d) => sum + d.data.byteLength, 0);
  const mib = (key: 'rss' | 'live' | 'core' | 'h5') => `${key} ${(warm[key] / MiB).toFixed(1)} → ${(peak(key) / MiB).toFixed(1)} MiB`;
  const report = `from ${warm.done} shots on: ${mib('rss')}, ${mib('live')}, ${mib('core')}, ${mib('h5')}; per-shot datasets ${(perShotBytes / MiB).toFixed(1)} MiB`;

  expect(peak('core') - warm.core, report).toBeLessThanOrEqual(1 * MiB);
  expect(peak('h5') - warm.h5, report).toBeLessThanOrEqual(8 * MiB);
  expect(peak('live') - warm.live, report).toBeLessThanOrEqual(perShotBytes + 24 * MiB);
  expect(peak('rss') - warm.rss, report).toBeLessThanOrEqual(perShotBytes + 48 * MiB);
  expect(peak('rss'), report).toBeLessThanOrEqual(768 * MiB);
}, 120_000);
