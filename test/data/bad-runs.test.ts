// The bad-input suite, data part: run files damaged one way each, written with h5py in the real
// converter layout at test time (test/fixtures/bad/make_bad_runs.py). Each is given to
// `sacla analyse` (exit code, the culprit named, no result file) and to the library (the error's
// class and text); good runs read after the bad ones in the same process give NumPy's numbers,
// so no bad input has damaged the h5wasm or wasm heap.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DataError } from '../../bindings/core/errors.js';
import { analyseRun, loadConfig, openResult, openRun, type AnalysisResult, type Dataset } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const script = fileURLToPath(new URL('../fixtures/bad/make_bad_runs.py', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

/** One case of cases.json: what is wrong, as the fixture script wrote it. */
interface Case {
  name: string;
  run: number;
  files: string[];
  detector?: string;
  sensor?: string;
  group?: string;
  tag?: number;
  first_tag?: number;
  dtype?: string;
  detector_dtype?: string;
  shape?: number[];
  detector_shape?: number[];
  key?: string;
  gain?: string;
  bad_file?: string;
  dark_folder?: string;
  dark_file?: string | null;
}
interface Expected {
  side_mean: number[];
  side_max: number[];
  side_total: number[];
  spectrum_mean: number[];
  odd_image: number[];
  shape: number[];
  tags: number[];
}
interface Doc {
  side: string;
  spectrometer: string;
  shutter_key: string;
  dark: { path: string; time: number; iso: string };
  cases: Case[];
  expected: Record<string, Expected>;
}

let dir: string;
let data: string;
let doc: Doc;
const cases: Record<string, Case> = {};

/** The analysis config of every case (the 2N0 dark from `dark`, relative to the data folder). */
function config(dark: string | null = 'darks/side_ccd', evPerAdu: unknown = 'auto') {
  return {
    detectors: {
      side_ccd: { id: doc.side, dark, evPerAdu },
      spectrometer: { id: doc.spectrometer, dark: null },
    },
    values: { shutter_open: doc.shutter_key },
    filters: [{ shutter: 'shutter_open' }],
    outputs: [
      { name: 'side_mean', source: 'side_ccd', sink: 'mean' },
      { name: 'side_max', source: 'side_ccd', sink: 'max' },
      { name: 'side_total', source: 'side_ccd', transforms: [{ sum: {} }], sink: 'perShot' },
      { name: 'spectrum_mean', source: 'spectrometer', transforms: [{ meanAlongAxis: { axis: 1 } }], sink: 'mean' },
    ],
  };
}

function writeConfig(name: string, text: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}

const file = (c: Case, k = 0) => join(data, c.files[k]);
const darkConfig = (c: Case) => writeConfig(c.name, JSON.stringify(config(join(dir, c.dark_folder!))));

/** The parts of the message that name the culprit of each failing case (file first). */
function culprit(c: Case): (string | RegExp)[] {
  const img = [file(c), c.detector!, `${c.sensor} (${c.group})`, `tag ${c.tag}`];
  switch (c.name) {
    case 'dtype_float64':
      return [...img, `the image is ${c.dtype}`, `is ${c.detector_dtype}`];
    case 'dtype_float16':
    case 'dtype_bool':
      return [...img, `the image is ${c.dtype}; expected an image of numbers`];
    case 'dtype_first_float64':
      // A 1N0 is one sensor: named once, with its group.
      return [file(c), `${c.detector} (${c.group}), tag ${c.tag}`, `the image is ${c.dtype}`, `tag ${c.first_tag}) is ${c.detector_dtype}`];
    case 'shape_rows':
      return [file(c), `${c.detector} (${c.group}), tag ${c.tag}`, `shape [${c.shape}]`, `images are [${c.detector_shape}]`];
    case 'shape_3d':
      return [...img, `shape [${c.shape}]`, `images are [${c.detector_shape}]`];
    case 'shape_sensors':
      return [file(c), `"${c.detector}" differ`, `${c.sensor} is [${c.shape}]`, `is [${c.detector_shape}]`];
    case 'tags_duplicate':
      return [file(c), c.key!, `tag ${c.tag} appears twice`];
    case 'tags_descending':
      return [file(c), `${c.key} is descending`, `tag ${c.tag} `, 'refused, not sorted'];
    case 'tags_shuffled':
      return [file(c), `${c.key} is not ascending`, `tag ${c.tag} `, 'refused, not sorted'];
    case 'tags_fraction':
      return [file(c), c.key!, `tag ${c.tag} `, 'not a tag number'];
    case 'split_duplicate':
      return [file(c, 0), file(c, 1), `tag ${c.tag} is in both files`];
    case 'split_unsorted':
      return [join(data, c.bad_file!), `${c.key} is not ascending`, `tag ${c.tag} `];
    case 'gain_zero':
    case 'gain_negative':
    case 'gain_nan':
    case 'gain_inf':
      return [file(c), `${c.key} (${c.sensor}) is ${c.gain}:`, 'expected a positive gain'];
    case 'darks_nan':
      return [join(dir, c.dark_file!), 'NaN everywhere', 'detector side_ccd'];
    case 'darks_inf':
      return [join(dir, c.dark_file!), 'the dark is Infinity at pixel [1, 2, 3]', 'detector side_ccd'];
    case 'darks_bool':
      return [join(dir, c.dark_file!), 'bool array', 'detector side_ccd'];
    case 'darks_shape':
      return [join(dir, c.dark_file!), 'shape [8,6]', 'images are [2,8,6]', 'detector side_ccd'];
    case 'darks_h5_text':
      return [join(dir, c.dark_file!), '/dark is string', 'detector side_ccd'];
    case 'darks_empty':
      return ['detectors.side_ccd.dark', join(dir, c.dark_folder!), 'holds no dark file', '"dark": null'];
    case 'darks_missing':
      return ['detectors.side_ccd.dark', join(dir, c.dark_folder!), 'does not exist', '"dark": null'];
  }
  throw new Error(`no culprit for case ${c.name}`);
}

function expectNamed(message: string, c: Case): void {
  for (const part of culprit(c)) expect(message, c.name).toContain(part);
  expect(message).not.toMatch(/HDF5-DIAG|Aborted|out of bounds|\n\s+at /);
}

const IMAGE_CASES = ['dtype_float64', 'dtype_float16', 'dtype_bool', 'dtype_first_float64', 'shape_rows', 'shape_3d'];
const OPEN_CASES = ['shape_sensors', 'tags_duplicate', 'tags_descending', 'tags_shuffled', 'tags_fraction', 'gain_zero', 'gain_negative', 'gain_nan', 'gain_inf'];
const DARK_CASES = ['darks_nan', 'darks_inf', 'darks_bool', 'darks_shape', 'darks_h5_text'];
const DARK_CONFIG_CASES = ['darks_empty', 'darks_missing'];
/** Runs with an integer or big-endian image among float32 ones: each image converted, NumPy's numbers. */
const CONVERTED = ['dtype_int8', 'dtype_uint16', 'dtype_float32_be'];

/** Relative difference at most `rel` (exact when 0), element by element. */
function expectClose(actual: ArrayLike<number | bigint>, want: number[], rel: number, what: string): void {
  expect(actual.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const a = Number(actual[i]);
    worst = Math.max(worst, a === want[i] ? 0 : Math.abs(a - want[i]) / Math.abs(want[i]));
  }
  expect(worst, what).toBeLessThanOrEqual(rel);
}

/** Every output of a run equals NumPy's (means to float64 rounding, maxima and float32 images exactly). */
function expectOutputs(read: (name: string) => Dataset, run: number): void {
  const e = doc.expected[String(run)];
  expect(read('side_mean').shape).toEqual(e.shape);
  expectClose(read('side_mean').data, e.side_mean, 1e-15, `run ${run} side_mean`);
  expectClose(read('side_max').data, e.side_max, 0, `run ${run} side_max`);
  expectClose(read('side_total').data, e.side_total, 1e-15, `run ${run} side_total`);
  expectClose(read('spectrum_mean').data, e.spectrum_mean, 1e-15, `run ${run} spectrum_mean`);
  expect(Array.from(read('tag').data, Number)).toEqual(e.tags);
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:ts`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-bad-runs-'));
  data = join(dir, 'data');
  const made = spawnSync('/usr/bin/python3', [script, dir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_bad_runs.py failed: ${made.stderr}`);
  doc = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8'));
  for (const c of doc.cases) cases[c.name] = c;
  writeConfig('config', JSON.stringify(config()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sacla analyse on bad runs', () => {
  const runOf = (name: string) => cases[name].run;
  const outDir = (name: string) => join(dir, `out-${name}`);
  const results = (out: string) => (existsSync(out) ? readdirSync(out).sort() : []);

  test('bad runs among good ones, in one process: each bad one named and without a result, the good ones right', async () => {
    // Good and converted runs in between and last: what a bad run leaves behind in the heaps would show in them.
    const order = ['dtype_float64', 'dtype_int8', 'dtype_float16', 'dtype_uint16', 'dtype_bool', 'dtype_float32_be', 'dtype_first_float64',
      'shape_rows', 'shape_3d', ...OPEN_CASES];
    const runs = [...order.map(runOf), runOf('good')];
    const out = outDir('range');
    const r = sacla('analyse', '--data', data, '--run', runs.join(','), '--config', join(dir, 'config.json'), '--out', out, '--workers', '1', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.run)).toEqual(runs);
    const failed = [...IMAGE_CASES, ...OPEN_CASES];
    for (const name of failed) {
      const line = lines.find((l) => l.run === runOf(name));
      expect(line.error, name).toBeDefined();
      expectNamed(line.error, cases[name]);
      expect(r.stderr).toContain(`run ${runOf(name)} failed: ${line.error}`);
    }
    expect(r.stderr).toContain(`${failed.length} of ${runs.length} run(s) failed`);
    expect(r.stderr).not.toMatch(/HDF5-DIAG|Aborted|memory access/);
    const good = ['good', ...CONVERTED].map(runOf);
    expect(results(out)).toEqual(good.map((n) => `run_${n}.h5`).sort());
    for (const run of good) {
      const result = await openResult(join(out, `run_${run}.h5`));
      try {
        expectOutputs((name) => result.read(name), run);
        expect(result.attrs.dark_side_ccd).toBe(join(data, doc.dark.path));
        expect(result.attrs.dark_side_ccd_time).toBe(doc.dark.iso);
        expect(result.attrs.dark_spectrometer).toBe('none');
        expect(result.attrs.dark_spectrometer_time).toBe('none');
      } finally {
        result.close();
      }
    }
  }, 120_000);

  test('with worker threads: a bad image is named the same way, and the good run after it is right', async () => {
    const runs = [runOf('dtype_float64'), runOf('shape_rows'), runOf('good')];
    const out = outDir('workers');
    const r = sacla('analyse', '--data', data, '--run', runs.join(','), '--config', join(dir, 'config.json'), '--out', out, '--workers', '2', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expectNamed(lines[0].error, cases.dtype_float64);
    expectNamed(lines[1].error, cases.shape_rows);
    expect(results(out)).toEqual([`run_${runOf('good')}.h5`]);
    const result = await openResult(join(out, `run_${runOf('good')}.h5`));
    try {
      expectOutputs((name) => result.read(name), runOf('good'));
    } finally {
      result.close();
    }
  });

  test('a split run with a tag in both files, or a file whose tags are out of order: refused with --combine', () => {
    const runs = [runOf('split_duplicate'), runOf('split_unsorted'), runOf('good')];
    const out = outDir('split');
    const r = sacla('analyse', '--data', data, '--run', runs.join(','), '--combine', '--config', join(dir, 'config.json'), '--out', out, '--workers', '1', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expectNamed(lines[0].error, cases.split_duplicate);
    expectNamed(lines[1].error, cases.split_unsorted);
    expect(lines[2].error).toBeUndefined();
    expect(results(out)).toEqual([`run_${runOf('good')}.h5`]);
  });

  test.each(DARK_CASES)('an implausible dark (%s): exit 1, the dark file named, no result file', (name) => {
    const c = cases[name];
    const out = outDir(name);
    const r = sacla('analyse', '--data', data, '--run', String(c.run), '--config', darkConfig(c), '--out', out, '--workers', '1', '--quiet');
    expect(r.status, r.stderr).toBe(1);
    expectNamed(r.stderr, c);
    expect(results(out)).toEqual([]);
  });

  test.each(DARK_CONFIG_CASES)('a dark folder without a dark (%s): exit 2, the config key and folder named, nothing written', (name) => {
    const c = cases[name];
    const out = outDir(name);
    const path = darkConfig(c);
    const r = sacla('analyse', '--data', data, '--run', String(c.run), '--config', path, '--out', out, '--workers', '1', '--quiet');
    expect(r.status, r.stderr).toBe(2);
    expectNamed(r.stderr, c);
    expect(r.stderr).toContain(path);
    expect(results(out)).toEqual([]);
  });

  test.each([
    ['0', '0'],
    ['-4.6', '-4.6'],
    ['1e999', '1e999'],
  ])('evPerAdu %s in the config: exit 2 naming the entry, nothing written', (name, literal) => {
    const text = JSON.stringify(config('darks/side_ccd', '@')).replace('"@"', literal);
    const path = writeConfig(`ev-${name}`, text);
    const out = outDir(`ev-${name}`);
    const r = sacla('analyse', '--data', data, '--run', String(runOf('good')), '--config', path, '--out', out, '--workers', '1', '--quiet');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(/detectors\.side_ccd\.evPerAdu/);
    expect(results(out)).toEqual([]);
  });
});

describe('the library on bad runs', () => {
  const options = (dark: string | null = join(data, 'darks', 'side_ccd')) => ({
    detectors: { side_ccd: doc.side, spectrometer: doc.spectrometer },
    darks: { side_ccd: dark },
    values: { shutter_open: doc.shutter_key },
  });

  test.each(OPEN_CASES)('openRun refuses %s with a DataError naming the culprit', async (name) => {
    const c = cases[name];
    const err = await openRun(data, { ...options(), run: c.run }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expectNamed((err as Error).message, c);
  });

  test('openRun reads the files of a split run only when each holds its tags once, in order', async () => {
    for (const name of ['split_duplicate', 'split_unsorted']) {
      const c = cases[name];
      const err = await openRun(data, { ...options(), run: c.run, combine: true }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DataError);
      expectNamed((err as Error).message, c);
    }
  });

  test.each(IMAGE_CASES)('%s: the run opens, the bad image is a DataError naming it, the other images read', async (name) => {
    const c = cases[name];
    const run = await openRun(data, { ...options(), run: c.run, warn: () => {} });
    try {
      const detector = c.detector === doc.side ? run.detectors.side_ccd : run.detectors.spectrometer;
      const i = Array.from(detector.tags).indexOf(c.tag!);
      expect(i).toBeGreaterThanOrEqual(0);
      let err: unknown;
      try {
        detector.read(i);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expectNamed((err as Error).message, c);
      // The first image fixed the detector's dtype (float64 for dtype_first_float64): later ones
      // of another arithmetic fail; the others read.
      for (let k = 0; k < detector.length; k++) {
        if (k === i) continue;
        if (name === 'dtype_first_float64' && k > 0) continue;
        expect(() => detector.read(k)).not.toThrow();
      }
    } finally {
      run.close();
    }
  });

  test.each(CONVERTED)('%s: the odd image is read as what it is and converted', async (name) => {
    const c = cases[name];
    const run = await openRun(data, { ...options(), run: c.run });
    try {
      const side = run.detectors.side_ccd;
      expect(side.dtype).toBe('f32');
      const image = side.get(Array.from(side.tags).indexOf(c.tag!));
      expect(image).toBeInstanceOf(Float32Array);
      expectClose(image, doc.expected[String(c.run)].odd_image, 0, name);
    } finally {
      run.close();
    }
  });

  test.each(DARK_CASES)('an implausible dark (%s) is a DataError naming the file', async (name) => {
    const c = cases[name];
    const err = await openRun(data, { ...options(join(dir, c.dark_folder!)), run: c.run }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expectNamed((err as Error).message, c);
  });

  test.each(DARK_CONFIG_CASES)('a dark folder without a dark (%s) is a ConfigError', async (name) => {
    const c = cases[name];
    const err = await openRun(data, { ...options(join(dir, c.dark_folder!)), run: c.run, origin: 'my.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expectNamed((err as Error).message, c);
    expect((err as Error).message).toMatch(/^my\.json: detectors\.side_ccd\.dark: /);
  });

  test('"dark": null is no dark, recorded as none', async () => {
    const result = await analyseRun(await configFile(config(null)), { data, run: cases.good.run }, { workers: 1 });
    expect(result.attrs.dark_side_ccd).toBe('none');
    expect(result.attrs.dark_side_ccd_time).toBe('none');
  });

  test.each([0, -1, NaN, Infinity])('evPerAdu %s given to openRun is a ConfigError naming the detector', async (ev) => {
    const err = await openRun(data, { ...options(), run: cases.good.run, evPerAdu: { side_ccd: ev } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`detectors.side_ccd.evPerAdu: expected a positive finite number`);
    expect((err as Error).message).toContain(`got ${ev}`);
  });

  test('a dark array given by the caller is checked too', async () => {
    const nan = new Float32Array(96).fill(NaN);
    const err = await openRun(data, { ...options(), darks: { side_ccd: nan }, run: cases.good.run }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/dark array given for MPCCD-2N0-M02-003: the dark is NaN everywhere/);
  });

  async function configFile(body: object): Promise<Awaited<ReturnType<typeof loadConfig>>> {
    const path = writeConfig(`lib-${Math.random().toString(36).slice(2)}`, JSON.stringify(body));
    return loadConfig(path, { dataDir: data });
  }

  test('heap: every bad run analysed in this process, then the good and converted runs give NumPy numbers', async () => {
    const good = await configFile(config());
    const expectRight = async () => {
      for (const name of ['good', ...CONVERTED]) {
        const result: AnalysisResult = await analyseRun(good, { data, run: cases[name].run }, { workers: 1, warn: () => {} });
        expectOutputs((n) => result.outputs[n], cases[name].run);
        expect(result.attrs.dark_side_ccd_time).toBe(doc.dark.iso);
      }
    };
    await expectRight();
    for (const name of [...IMAGE_CASES, ...OPEN_CASES, 'split_duplicate', 'split_unsorted']) {
      const c = cases[name];
      const err = await analyseRun(good, { data, run: c.run }, { workers: 1, warn: () => {}, combine: c.files.length > 1 }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DataError);
      expectNamed((err as Error).message, c);
      await expectRight();
    }
    for (const name of [...DARK_CASES, ...DARK_CONFIG_CASES]) {
      const c = cases[name];
      const err = await analyseRun(await configFile(config(join(dir, c.dark_folder!))), { data, run: c.run }, { workers: 1 }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DARK_CASES.includes(name) ? DataError : ConfigError);
      expectNamed((err as Error).message, c);
    }
    await expectRight();
  }, 120_000);
});
