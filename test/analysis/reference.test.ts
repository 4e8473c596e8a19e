// The per-run analysis of the default config (configs/kuschel2023.json) against an independent
// NumPy reference of the original analysis (test/fixtures/analysis/make_analysis_fixtures.py) on
// runs written with h5py: run 7 in the real converter layout (2N0 detectors as two sensor
// groups with geometry and per-sensor gains, found by detector_name whatever their group
// numbers; uint16 / float32 / int32 images; stacks of darks), with and without thinning; run 8
// as re-written files are (one 2-D group per detector, a float64 detector, values under
// event_info/); and a synthetic run of our own writer (run 3). The assembly map and radial bin
// map of every detector are checked against the reference's too.
// Rules per dataset come from the fixture (`compare`): exact, ulp1 (float32 within 1 ulp),
// rel1e-6 (means: accumulation order), rel1e-9 (sums, P²), rel1e-12 (calibrated values, constants).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, analyseRun, writeResult, readResults, writeSyntheticRun, openRun, VERSION } from 'sacla-analysis';
import { loadJsonFixture } from '../helpers/fixtures.js';

type Arr = { data: ArrayLike<number>; shape: number[] };
type Rule = 'exact' | 'ulp1' | 'rel1e-6' | 'rel1e-9' | 'rel1e-12';

const FIXTURES = fileURLToPath(new URL('../fixtures/analysis/', import.meta.url));
const H5PY_RUN = join(FIXTURES, 'h5py_run');
// REF_CONFIG=path runs the same checks with another config (e.g. one under development).
const CONFIG = process.env.REF_CONFIG ?? fileURLToPath(new URL('../../configs/kuschel2023.json', import.meta.url));

const h5pyRef = loadJsonFixture(join(FIXTURES, 'expected_h5py_run.json'));
const synthRef = loadJsonFixture(join(FIXTURES, 'expected_synth_small_run3.json'));
const caseOf = (ref: any, name: string) => ref.cases.find((c: any) => c.name === name);
const withDtypes = (file: string, c: any) => Object.assign(c, { __dtypes: storedDtypes.get(`${file}:${c.name}`) });

/** Shapes equal; a scalar may be stored as [] or [1]. */
function sameShape(a: number[], b: number[]): boolean {
  const norm = (s: number[]) => (s.length === 0 ? [1] : s);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

const f32bits = new Int32Array(1);
const f32view = new Float32Array(f32bits.buffer);
function bits(x: number): number {
  f32view[0] = x;
  return f32bits[0];
}

/** Mismatches of `actual` against `expected` under `rule`, as readable lines (empty: equal). */
function mismatches(rule: Rule, actual: Arr, expected: Arr, limit = 6): string[] {
  const out: string[] = [];
  if (!sameShape(actual.shape, expected.shape)) return [`shape [${actual.shape}] != expected [${expected.shape}]`];
  const a = actual.data;
  const e = expected.data;
  if (a.length !== e.length) return [`length ${a.length} != expected ${e.length}`];
  let scale = 0;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i])) scale = Math.max(scale, Math.abs(e[i]));
  const tol = rule.startsWith('rel') ? Number(rule.slice(3)) : 0;
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const x = Number(a[i]);
    const y = Number(e[i]);
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    let ok: boolean;
    if (rule === 'exact') ok = x === y;
    else if (rule === 'ulp1') {
      if (Number.isNaN(x) || Number.isNaN(y)) ok = false;
      else if (x === y) ok = true;
      else if (Math.sign(x) !== Math.sign(y)) ok = false;
      else ok = Math.abs(bits(x) - bits(y)) <= 1;
    } else {
      const d = Math.abs(x - y);
      ok = d <= tol * Math.max(Math.abs(x), Math.abs(y)) + tol * 1e-6 * scale;
      if (Number.isFinite(d) && y !== 0) worst = Math.max(worst, d / Math.abs(y));
    }
    if (!ok) {
      bad++;
      if (out.length < limit) out.push(`[${i}] got ${x}, expected ${y}`);
    }
  }
  if (bad) out.unshift(`${bad} of ${e.length} elements differ (${rule}${worst ? `, worst relative ${worst.toExponential(2)}` : ''})`);
  return out;
}

/** Float32 where NumPy computes in float32, float64 where it does (the fixture's own dtype). */
const floatType = (data: ArrayLike<number>) => (data instanceof Float32Array ? 'Float32Array' : data instanceof Float64Array ? 'Float64Array' : null);
/** The dtype each dataset has in the fixture files (the loader turns int64 into Float64Array). */
const storedDtypes = new Map<string, Record<string, string>>();
for (const file of ['expected_h5py_run.json', 'expected_synth_small_run3.json']) {
  for (const c of JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')).cases) {
    storedDtypes.set(`${file}:${c.name}`, Object.fromEntries(Object.entries(c.outputs).map(([k, v]: any) => [k, v.dtype])));
  }
}

const filterName = (f: any) => f.kind ?? f.name;

/** One case of a fixture against an AnalysisResult: counts, filters, then every dataset. */
function describeCase(title: string, getCase: () => any, getResult: () => any) {
  describe(title, () => {
    test('shots in run, good shots, filter counts', () => {
      const c = getCase();
      const r = getResult();
      expect(r.shotsInRun).toBe(c.shots_in_run);
      expect(r.goodShots).toBe(c.good_shots);
      expect(
        r.filters.map((f: any) => ({ name: filterName(f), value: f.value, removed: f.removed })),
      ).toEqual(c.filters.map((f: any) => ({ name: f.name, value: f.value, removed: f.removed })));
    });

    test('every expected dataset is there', () => {
      const missing = Object.keys(getCase().outputs).filter((k) => !(k in getResult().outputs));
      expect(missing).toEqual([]);
    });

    const names = Object.keys(getCaseSync(title)?.outputs ?? {});
    test.each(names)('%s', (name) => {
      const c = getCase();
      const r = getResult();
      const actual = r.outputs[name];
      expect(actual, `${name} missing from the result`).toBeDefined();
      if (/^float/.test(c.__dtypes[name])) expect(floatType(actual.data), `${name} dtype`).toBe(floatType(c.outputs[name].data));
      expect(mismatches(c.compare[name], actual, c.outputs[name]), name).toEqual([]);
    });
  });
}

// test.each needs the dataset names when the suite is collected: look the case up by title.
const CASES: Record<string, any> = {
  'h5py run 7 (sensor layout), default': withDtypes('expected_h5py_run.json', caseOf(h5pyRef, 'run7_default')),
  'h5py run 7 (sensor layout), maxShots 20, step 3': withDtypes('expected_h5py_run.json', caseOf(h5pyRef, 'run7_thin_20_3')),
  'h5py run 8 (single groups, float64 side), default': withDtypes('expected_h5py_run.json', caseOf(h5pyRef, 'run8_default')),
  'synthetic run 3 (small, seed 5)': withDtypes('expected_synth_small_run3.json', caseOf(synthRef, 'default')),
};
function getCaseSync(title: string): any {
  return CASES[title];
}

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
const quiet = () => {};

let config: any;
let synthConfig: any;
let h5pyDefault: any;
let h5pyThin: any;
let run8: any;
let synth: any;
const warnings: string[] = [];

beforeAll(async () => {
  config = await loadConfig(CONFIG, { dataDir: H5PY_RUN });
  h5pyDefault = await analyseRun(config, { data: H5PY_RUN, run: 7 }, { workers: 1, warn: (m) => warnings.push(m) });
  h5pyThin = await analyseRun(config, { data: H5PY_RUN, run: 7 }, { workers: 1, maxShots: 20, step: 3, warn: quiet });
  run8 = await analyseRun(config, { data: H5PY_RUN, run: 8 }, { workers: 1, warn: quiet });
  const dir = mkdtempSync(join(tmpdir(), 'sacla-ref-synth-'));
  tmp.push(dir);
  await writeSyntheticRun({ out: dir, run: 3, shots: 40, preset: 'small', seed: 5 });
  synthConfig = await loadConfig(CONFIG, { dataDir: dir });
  synth = await analyseRun(synthConfig, { data: dir, run: 3 }, { workers: 1, warn: quiet });
}, 120_000);

describeCase('h5py run 7 (sensor layout), default', () => CASES['h5py run 7 (sensor layout), default'], () => h5pyDefault);
describeCase('h5py run 7 (sensor layout), maxShots 20, step 3', () => CASES['h5py run 7 (sensor layout), maxShots 20, step 3'], () => h5pyThin);
describeCase('h5py run 8 (single groups, float64 side), default', () => CASES['h5py run 8 (single groups, float64 side), default'], () => run8);
describeCase('synthetic run 3 (small, seed 5)', () => CASES['synthetic run 3 (small, seed 5)'], () => synth);

describe('h5py run 7: what the reader says', () => {
  test('NaN values are reported once per value, with their count', () => {
    const nan = CASES['h5py run 7 (sensor layout), default'].checks.value_nan_shots as Record<string, number>;
    for (const [name, count] of Object.entries(nan)) {
      const lines = warnings.filter((w) => w.includes(`value ${name} (`));
      if (count === 0) expect(lines, name).toEqual([]);
      else expect(lines.length, name).toBe(1);
    }
  });

  test('the darks chosen are the reference\'s (stacks, one dark per sensor)', () => {
    const files = h5pyRef.runs['7'].dark_files as Record<string, string>;
    const attrs = h5pyDefault.attrs;
    for (const [name, rel] of Object.entries(files)) expect(String(attrs[`dark_${name}`]), name).toBe(join(H5PY_RUN, rel));
  });
});

describe.each(['7', '8'])('h5py run %s: geometry maps equal the reference', (runNumber) => {
  let run: any;
  beforeAll(async () => {
    run = await openRun(H5PY_RUN, { run: Number(runNumber), detectors: config ? Object.fromEntries(Object.entries(config.detectors).map(([n, d]: any) => [n, d.id])) : {}, warn: quiet });
  });
  afterAll(() => run?.close());
  test.each(['spectrometer', 'side_ccd', 'forward_ccd'])('%s: assembled shape, assembly map, radial bins', (name) => {
    const ref = h5pyRef.geometry[runNumber][name];
    const det = run.detectors[name];
    expect(det.shape).toEqual(ref.stack_shape);
    const geometry = det.geometry;
    expect(geometry).not.toBeNull();
    expect(geometry.shape).toEqual(ref.assembled_shape);
    expect(Array.from(geometry.assemblyMap())).toEqual(Array.from(ref.assembly_map.data));
    const centre = geometry.center(null, null);
    expect(Array.from(geometry.radialBinMap(centre))).toEqual(Array.from(ref.radial_bins.data));
  });
});

describe('synthetic run 3: diagnosis', () => {
  test('the spectrometer is not dark-subtracted (the original analysis has no spectrometer dark)', () => {
    const got = synth.outputs.spectrum_mean;
    const noDark = mismatches('rel1e-6', got, CASES['synthetic run 3 (small, seed 5)'].outputs.spectrum_mean);
    const withDark = mismatches('rel1e-6', got, synthRef.alternatives.spectrum_mean);
    expect({ noDark: noDark.length === 0, withDark: withDark.length === 0 }).toEqual({ noDark: true, withDark: false });
  });
});

describe('result file', () => {
  let out: string;
  let written: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'sacla-ref-out-'));
    tmp.push(out);
    written = await writeResult(out, h5pyDefault);
  });

  test('OUT/run_7.h5 is read back with its datasets and root attributes', async () => {
    expect(written).toBe(join(out, 'run_7.h5'));
    const c = CASES['h5py run 7 (sensor layout), default'];
    const seen: number[] = [];
    for await (const r of readResults(out, { minRun: 7, maxRun: 7 })) {
      seen.push(r.run);
      const datasets = r.datasets;
      for (const name of ['tag', 'i_top_images', 'side_bright_pershot', 'side_max', 'forward_top_images', 'side_median', 'spectrum_axis', 'side_hist_mean', 'runNR', 'sampleX2']) {
        expect(datasets[name], `${name} in the file`).toBeDefined();
        expect(mismatches(c.compare[name], datasets[name], c.outputs[name]), name).toEqual([]);
      }
      expect(Number(r.attrs.run)).toBe(7);
      expect(Number(r.attrs.good_shots)).toBe(c.good_shots);
      expect(Number(r.attrs.shots_in_run)).toBe(c.shots_in_run);
      expect(r.attrs.version).toBe(VERSION);
      const cfg = JSON.parse(String(r.attrs.config));
      expect(typeof cfg).toBe('object');
      expect(cfg.detectors).toBeDefined();
      const filters = JSON.parse(String(r.attrs.filters));
      expect(filters.map((f: any) => f.removed)).toEqual(c.filters.map((f: any) => f.removed));
      for (const f of c.filters) expect(Number(r.attrs[`removed_by_${f.name}_${f.value}`]), f.name).toBe(f.removed);
    }
    expect(seen).toEqual([7]);
    const none: number[] = [];
    for await (const r of readResults(out, { minRun: 8 })) none.push(r.run);
    expect(none).toEqual([]);
  });
});
