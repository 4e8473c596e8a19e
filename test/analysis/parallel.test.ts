// Worker threads give the single-thread results, for any number of workers (docs/config.md,
// "Parallel runs"): P² estimates, minima and maxima, per-shot lists and top-k bit for bit; means
// and variances within float64 rounding. Order-dependent sinks (P²) are split by pixels (each
// worker sees every shot, for its block of rows), or run whole in one worker when their chain
// reduces the image; everything else is split by shots.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, analyseRun, defaultConfigPath, writeSyntheticRun, memoryBytes, validateConfig, type AnalysisResult, type ExperimentConfig } from 'sacla-analysis/node';
import { encodeNpy } from '../../bindings/data/npy.js';

let dir: string;
let config: ExperimentConfig;
const results = new Map<number, AnalysisResult>();

// Means and variances merge partial sums (Chan et al.): the same value up to float64 rounding.
const ROUNDED = new Set(['spectrum_mean', 'side_mean', 'forward_mean', 'side_hist_mean', 'forward_hist_mean', 'side_radial', 'side_variance']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sacla-parallel-'));
  await writeSyntheticRun({ out: dir, run: 11, shots: 90, preset: 'small', seed: 21 });
  const base = await loadConfig(defaultConfigPath(), { dataDir: dir });
  // A bad-pixel mask: every 7th pixel of the side detector ([2, 64, 32] in the small preset).
  mkdirSync(join(dir, 'masks'));
  const maskFile = join(dir, 'masks', 'side.npy');
  writeFileSync(maskFile, encodeNpy(Uint8Array.from({ length: 2 * 64 * 32 }, (_, i) => (i % 7 === 3 ? 1 : 0)), [2, 64, 32]));
  const plain = JSON.parse(JSON.stringify({ ...base, source: undefined }));
  config = validateConfig(
    {
      ...plain,
      outputs: [
        ...plain.outputs,
        // By pixels, through pixelwise steps (one of them with per-pixel data of its own).
        { name: 'side_cut_median', source: 'side_ccd', transforms: [{ noiseCut: { threshold: 1000, fill: 0 } }, { mask: { file: maskFile } }], sink: 'median' },
        { name: 'side_q90', source: 'side_ccd', sink: { quantile: { p: 0.9 } } },
        { name: 'spectrum_median_pixels', source: 'spectrometer', sink: 'median' },
        // Whole, in one worker: the chain reduces each image first.
        { name: 'side_hist_median', source: 'side_ccd', transforms: [{ histogram: { bins: 50, range: [0, 50000] } }], sink: 'median' },
        { name: 'spectrum_median', source: 'spectrometer', transforms: [{ meanAlongAxis: { axis: 1 } }], sink: 'median' },
        { name: 'side_variance', source: 'side_ccd', sink: 'variance' },
        { name: 'side_min', source: 'side_ccd', sink: 'min' },
      ],
    },
    'parallel.test config',
  );
  for (const workers of [1, 2, 3, 4]) results.set(workers, await analyseRun(config, { data: dir, run: 11 }, { workers, warn: () => {} }));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxRelative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 1e-300));
  }
  return worst;
};

/** Float64 bit patterns: −0 ≠ 0 and NaN payloads count. */
const bits = (x: ArrayLike<number>) => Array.from(new BigUint64Array(Float64Array.from(x).buffer));

describe.each([2, 3, 4])('%i workers vs 1', (workers) => {
  test('the same datasets, shapes, counts and filters', () => {
    const [seq, par] = [results.get(1)!, results.get(workers)!];
    expect(par.workers).toBe(workers);
    expect(Object.keys(par.outputs).sort()).toEqual(Object.keys(seq.outputs).sort());
    for (const [name, d] of Object.entries(seq.outputs)) expect(par.outputs[name].shape, name).toEqual(d.shape);
    expect(par.goodShots).toBe(seq.goodShots);
    expect(par.filters).toEqual(seq.filters);
  });

  test('every dataset but means and variances: bit-identical (P² estimates included)', () => {
    const [seq, par] = [results.get(1)!, results.get(workers)!];
    const exact = Object.keys(seq.outputs).filter((name) => !ROUNDED.has(name));
    for (const name of ['side_median', 'side_cut_median', 'side_q90', 'spectrum_median_pixels', 'side_hist_median', 'spectrum_median', 'side_max', 'side_min', 'i_top_images', 'spectrum']) {
      expect(exact).toContain(name);
    }
    for (const name of exact) expect(bits(par.outputs[name].data), name).toEqual(bits(seq.outputs[name].data));
  });

  test('means and variances within float64 rounding', () => {
    const [seq, par] = [results.get(1)!, results.get(workers)!];
    for (const name of ROUNDED) expect(maxRelative(par.outputs[name].data, seq.outputs[name].data), name).toBeLessThan(1e-12);
  });
});

// AnalysisResult.phases (docs/config.md, "Where the time goes"): this thread's phases add up to
// `seconds`, and every share, here or in a worker, says how long it opened the run and ran.
test.each([1, 2, 3, 4])('%i worker(s): the phases add up to the seconds, and each share reports its own', (workers) => {
  const { seconds, phases } = results.get(workers)!;
  const parts = [phases.open, phases.shots, phases.merge, phases.result];
  for (const p of parts) expect(p).toBeGreaterThanOrEqual(0);
  expect(parts.reduce((a, b) => a + b, 0)).toBeCloseTo(seconds, 9);
  expect(phases.open).toBeGreaterThan(0);
  expect(phases.shots).toBeGreaterThan(0);
  if (workers === 1) expect(phases.merge).toBe(0);
  expect(phases.shares).toHaveLength(workers);
  for (const share of phases.shares) {
    expect(share.open).toBeGreaterThan(0);
    expect(share.shots).toBeGreaterThan(0);
    // A share runs within the analysis: it cannot take longer than the run's time until the states were in.
    expect(share.open + share.shots).toBeLessThanOrEqual(phases.open + phases.shots + 1e-3);
  }
  // Share 0 runs in this thread: its opening is this thread's.
  expect(phases.shares[0].open).toBe(phases.open);
});

test('the P² outputs are real estimates: not constant, and the mask and noise cut reached them', () => {
  const seq = results.get(1)!.outputs;
  const masked = seq.side_cut_median.data;
  expect(Number.isNaN(masked[3])).toBe(true); // masked pixel 3
  expect(Number.isNaN(masked[4])).toBe(false);
  expect(new Set(Array.from(seq.side_median.data)).size).toBeGreaterThan(100);
  expect(new Set(Array.from(seq.side_hist_median.data)).size).toBeGreaterThan(2);
});

describe('memory is bounded by the accumulators, not the run length', () => {
  test('a 10× longer run needs no more wasm memory', async () => {
    await writeSyntheticRun({ out: dir, run: 12, shots: 60, preset: 'small', seed: 22 });
    await writeSyntheticRun({ out: dir, run: 13, shots: 600, preset: 'small', seed: 23 });
    const short = await analyseRun(config, { data: dir, run: 12 }, { workers: 1, warn: () => {} });
    const before = memoryBytes();
    const long = await analyseRun(config, { data: dir, run: 13 }, { workers: 1, warn: () => {} });
    expect(long.goodShots).toBeGreaterThan(8 * short.goodShots);
    expect(memoryBytes()).toBe(before);
  }, 120_000);
});
