// Per-shot values are float64 numbers: accumulated through the pipeline they must keep NumPy's
// float64 arithmetic (a Variance of tag numbers near 1.2e9 is not 0; 1e39 is not Inf). Run 7 of
// the h5py fixture, with outputs over values and tags added to the default config; the expected
// numbers are computed here with plain two-pass float64 formulas from the result's own columns
// (which reference.test.ts checks against NumPy).
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyseRun, defaultConfigPath, validateConfig } from 'sacla-analysis';

const DATA = fileURLToPath(new URL('../fixtures/analysis/h5py_run', import.meta.url));
let outputs: Record<string, { data: ArrayLike<number>; shape: number[] }>;

const mean = (x: ArrayLike<number>) => Array.from(x).reduce((a, b) => a + b, 0) / x.length;
const variance = (x: ArrayLike<number>) => {
  const m = mean(x);
  return Array.from(x).reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
};

beforeAll(async () => {
  const raw = JSON.parse(readFileSync(defaultConfigPath(), 'utf8'));
  raw.values.big = ['xfel_bl_3_st_5_direct_bm_1_pd/charge', 1e35];
  raw.outputs.push(
    { name: 'tag_variance', source: 'tag', sink: 'variance' },
    { name: 'tag_mean', source: 'tag', sink: 'mean' },
    { name: 'diode_mean', source: 'diode', sink: 'mean' },
    { name: 'big_max', source: 'big', sink: 'max' },
    { name: 'sampleX2_min', source: 'sampleX2', sink: 'min' },
    { name: 'spectrum_sum', source: 'spectrometer', transforms: [{ sumAlongAxis: { axis: 1 } }], sink: 'perShot' },
  );
  // The darks of the fixture folder (relative dark folders resolve against the data folder).
  for (const d of Object.values(raw.detectors) as { dark: string | null }[]) if (d.dark) d.dark = `${DATA}/${d.dark}`;
  const config = validateConfig(raw, 'float64.json');
  const result = await analyseRun({ ...config, detectors: { ...config.detectors } }, { data: DATA, run: 7 }, { workers: 1, warn: () => {} });
  outputs = result.outputs;
});

describe('float64 per-shot values through the pipeline', () => {
  test('the variance and mean of tag numbers (1.2e9 + 2i) are float64 (in float32 they would be 0)', () => {
    const tags = outputs.tag.data;
    // Welford's update (the original's) rounds at the mean's float64 ulp (~2e-7 near 1.2e9), so
    // it agrees with the two-pass formula to ~1e-8 relative, not to the last digit.
    expect(Math.abs(outputs.tag_variance.data[0] - variance(tags)) / variance(tags)).toBeLessThan(1e-7);
    expect(outputs.tag_variance.data[0]).toBeGreaterThan(100);
    expect(Math.abs(outputs.tag_mean.data[0] - mean(tags))).toBeLessThan(1e-6);
  });

  test('values beyond float32 range stay finite; an int32 column is averaged in float64', () => {
    const big = outputs.big.data;
    expect(outputs.big_max.data[0]).toBe(Math.max(...Array.from(big)));
    expect(Number.isFinite(outputs.big_max.data[0])).toBe(true);
    expect(outputs.big_max.data[0]).toBeGreaterThan(1e39);
    expect(outputs.diode_mean.data[0]).toBeCloseTo(mean(outputs.diode.data), 9);
    expect(outputs.sampleX2_min.data[0]).toBe(Math.min(...Array.from(outputs.sampleX2.data)));
  });

  test('sumAlongAxis per shot is the per-shot spectrum (meanAlongAxis, checked against NumPy) times the row length', () => {
    const { spectrum, spectrum_sum: sum } = outputs;
    expect(sum.shape).toEqual(spectrum.shape);
    const rowLength = 16; // the fixture's spectrometer is 48×16
    let worst = 0;
    for (let i = 0; i < sum.data.length; i++) {
      worst = Math.max(worst, Math.abs(sum.data[i] - spectrum.data[i] * rowLength) / Math.max(1, Math.abs(sum.data[i])));
    }
    expect(sum.data.length).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-6);
  });
});
