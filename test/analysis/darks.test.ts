// `sacla darks`: dark files and bad-pixel masks from a dark run, checked against an independent
// NumPy computation (test/fixtures/sacla/make_dark_run.py), and used by `closestDark`, by
// `sacla analyse` as a dark and by the `mask` transform.
import { ConfigError, DataError } from '../../bindings/core/errors.js';
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closestDark, encodeNpy, loadConfig, makeDarks, openResult, openRun, parseNpy, readNpy, writeSyntheticRun, type NpyArray } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const script = fileURLToPath(new URL('../fixtures/sacla/make_dark_run.py', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

interface Counts {
  total: number;
  nan: number;
  stuck: number;
  mean: number;
  std: number;
}
interface Expected {
  shutter_key: string;
  ids: Record<string, string>;
  assembled_shape: number[];
  runs: Record<string, { start: number; stem: string; shots: number; shutter_open: number; detectors: Record<string, { shape: number[]; dtype: string; masked: Record<string, Counts> }> }>;
}

const DETECTORS = ['side_ccd', 'spectrometer'];
let dir: string;
let data: string;
let expected: Expected;
let darksConfig: string;
let analyseConfig: string;

const npy = (path: string) => parseNpy(readFileSync(path), path);
const exp = (name: string) => npy(join(data, 'expected', `${name}.npy`));

/** Distance in units in the last place of two float32 values (NaN = NaN). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const key = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(key(bits[0]) - key(bits[1]));
}

/** The dark matches NumPy's: float32 within 1 ulp of the rounded float64 mean; float64 within 1e-12 relative. */
function expectDark(actual: NpyArray, want: NpyArray) {
  expect(actual.dtype).toBe(want.dtype);
  expect(actual.shape).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const a = Number(actual.data[i]);
    const b = Number(want.data[i]);
    expect(Number.isNaN(a), `pixel ${i}`).toBe(Number.isNaN(b));
    if (Number.isNaN(b)) continue;
    worst = Math.max(worst, want.dtype === 'float32' ? ulps(a, b) : Math.abs(a - b) / Math.abs(b) / 1e-12);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

function expectMask(actual: NpyArray, want: NpyArray) {
  expect(actual.dtype).toBe('bool');
  expect(actual.shape).toEqual(want.shape);
  expect(Array.from(actual.data, Number)).toEqual(Array.from(want.data, Number));
}

const darkPath = (out: string, det: string, run = '100') => join(out, det, `${expected.runs[run].stem}.npy`);
const maskPath = (out: string, det: string, run = '100') => join(out, det, 'masks', `${expected.runs[run].stem}.npy`);

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-darks-'));
  data = join(dir, 'data');
  const made = spawnSync('/usr/bin/python3', [script, data], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make_dark_run.py failed: ${made.stderr}`);
  expected = JSON.parse(readFileSync(join(data, 'expected.json'), 'utf8'));
  const detectors = {
    side_ccd: { id: expected.ids.side_ccd, dark: 'darks/side_ccd', evPerAdu: 1 },
    spectrometer: { id: expected.ids.spectrometer, dark: null, evPerAdu: 1 },
  };
  const values = { shutter_open: expected.shutter_key };
  darksConfig = join(dir, 'darks.json');
  writeFileSync(darksConfig, JSON.stringify({ detectors, values, filters: [{ shutter: 'shutter_open' }], outputs: [{ name: 'side_mean', source: 'side_ccd', sink: 'mean' }] }));
  // No shutter filter: the dark run itself is analysed (every shot has the shutter closed).
  const sideMask = { mask: { file: 'darks/side_ccd/masks' } };
  analyseConfig = join(dir, 'analyse.json');
  writeFileSync(
    analyseConfig,
    JSON.stringify({
      detectors,
      values,
      outputs: [
        { name: 'side_mean', source: 'side_ccd', sink: 'mean' },
        { name: 'side_mean_masked', source: 'side_ccd', transforms: [sideMask], sink: 'mean' },
        { name: 'side_mean_masked_assembled', source: 'side_ccd', transforms: [sideMask], sink: 'mean', after: [{ assemble: {} }] },
        { name: 'side_mean_assembled_mask_after', source: 'side_ccd', sink: 'mean', after: [sideMask, { assemble: {} }] },
        { name: 'spec_mean_masked', source: 'spectrometer', transforms: [{ mask: { file: 'darks/spectrometer/masks' } }], sink: 'mean' },
      ],
    }),
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sacla darks', () => {
  test('a dark and a mask per detector, named <run>_<round(start)>.npy, equal to NumPy\'s', () => {
    const r = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = join(data, 'darks');
    expect(expected.runs['100'].stem).toBe('100_1690200000');
    for (const det of DETECTORS) {
      expect(readdirSync(join(out, det)).sort()).toEqual(['100_1690200000.npy', 'masks']);
      expect(readdirSync(join(out, det, 'masks'))).toEqual(['100_1690200000.npy']);
      const want = expected.runs['100'].detectors[det];
      const dark = npy(darkPath(out, det));
      expect(dark.shape).toEqual(want.shape);
      expect(dark.dtype).toBe(want.dtype);
      expectDark(dark, exp(`100_${det}_dark`));
      expectMask(npy(maskPath(out, det)), exp(`100_${det}_mask`));
      const m = want.masked['6'];
      expect(r.stdout).toContain(`mask: ${m.total} of ${want.shape.reduce((a, b) => a * b)} pixels (NaN ${m.nan}, stuck ${m.stuck}, mean outlier ${m.mean}, spread outlier ${m.std})`);
    }
    expect(expected.runs['100'].detectors.side_ccd).toMatchObject({ shape: [2, 16, 8], dtype: 'float32' });
    expect(expected.runs['100'].detectors.spectrometer).toMatchObject({ shape: [12, 10], dtype: 'float64' });
    expect(r.stdout).toMatch(/^run 100: 20 shots averaged, shutter closed on all \(shutter_open\)/);
    // NumPy itself reads the files: bool masks, the detector's dtype.
    const check = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, numpy as np\nfor d in sys.argv[2:]:\n a = np.load(f"{sys.argv[1]}/{d}/100_1690200000.npy"); m = np.load(f"{sys.argv[1]}/{d}/masks/100_1690200000.npy")\n print(d, a.dtype, m.dtype, m.shape == a.shape, int(m.sum()))',
        out,
        ...DETECTORS,
      ],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toEqual([
      `side_ccd float32 bool True ${expected.runs['100'].detectors.side_ccd.masked['6'].total}`,
      `spectrometer float64 bool True ${expected.runs['100'].detectors.spectrometer.masked['6'].total}`,
    ]);
  });

  test('--json and --mask-sigma: counts per criterion and the mask at another threshold', () => {
    const out = join(dir, 'out-json');
    const r = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--out', out, '--mask-sigma', '2.5', '--json', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ run: 100, shots: 20, shutter: { value: 'shutter_open', open: 0, nan: 0 }, maskSigma: 2.5, out, startTime: expected.runs['100'].start });
    expect(Object.keys(j.detectors).sort()).toEqual([...DETECTORS].sort());
    for (const det of DETECTORS) {
      const want = expected.runs['100'].detectors[det];
      expect(j.detectors[det]).toMatchObject({
        name: det,
        id: expected.ids[det],
        dark: darkPath(out, det),
        mask: maskPath(out, det),
        shape: want.shape,
        dtype: want.dtype,
        shots: 20,
        masked: want.masked['2.5'],
      });
      expect(j.detectors[det].sensors).toHaveLength(want.shape.length === 3 ? want.shape[0] : 1);
      expectMask(npy(maskPath(out, det)), exp(`100_${det}_mask_sigma2.5`));
    }
    // The threshold matters here: 2.5 σ masks more than 6 σ.
    expect(j.detectors.side_ccd.masked.total).toBeGreaterThan(expected.runs['100'].detectors.side_ccd.masked['6'].total);
  });

  test('an existing dark file of the same name is refused unless --force', () => {
    const out = join(dir, 'out-exists');
    const args = ['darks', '--data', data, '--run', '100', '--config', darksConfig, '--out', out, '--quiet'];
    expect(sacla(...args).status).toBe(0);
    const before = statSync(darkPath(out, 'side_ccd')).mtimeMs;
    const again = sacla(...args);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/100_1690200000\.npy.* already exist.*--force/);
    expect(statSync(darkPath(out, 'side_ccd')).mtimeMs).toBe(before);
    // Only one mask left: still refused (a dark and its mask are written together).
    for (const p of [darkPath(out, 'side_ccd'), maskPath(out, 'side_ccd'), darkPath(out, 'spectrometer')]) rmSync(p);
    const maskOnly = sacla(...args);
    expect(maskOnly.status).toBe(1);
    expect(maskOnly.stderr).toContain(`${maskPath(out, 'spectrometer')} already exists`);
    expect(existsSync(darkPath(out, 'spectrometer'))).toBe(false);
    const forced = sacla(...args, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expectDark(npy(darkPath(out, 'spectrometer')), exp('100_spectrometer_dark'));
    for (const det of DETECTORS) expect(readdirSync(join(out, det)).sort()).toEqual(['100_1690200000.npy', 'masks']);
  });

  test('a run with the shutter open is refused (exit 1, how many shots) unless --force', () => {
    const out = join(dir, 'out-shutter');
    const args = ['darks', '--data', data, '--run', '101', '--config', darksConfig, '--out', out, '--quiet'];
    const refused = sacla(...args);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/run 101: the shutter was open \(shutter_open > 0\) on 3 of 20 shots: not a dark run \(--force/);
    expect(refused.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    const forced = sacla(...args, '--force', '--json');
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/shutter was open .* on 3 of 20 shots; averaging them anyway/);
    expect(JSON.parse(forced.stdout).shutter).toEqual({ value: 'shutter_open', open: 3, nan: 0 });
    expect(expected.runs['101'].stem).toBe('101_1690203601');
    for (const det of DETECTORS) {
      expectDark(npy(darkPath(out, det, '101')), exp(`101_${det}_dark`));
      expectMask(npy(maskPath(out, det, '101')), exp(`101_${det}_mask`));
    }
  });

  test('a config without a shutter filter, or a NaN shutter value: a notice, and the darks are made', () => {
    const out = join(dir, 'out-noshutter');
    const r = sacla('darks', '--data', data, '--run', '101', '--config', analyseConfig, '--out', out, '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/no shutter filter/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/shutter not checked/);
    expectDark(npy(darkPath(out, 'side_ccd', '101')), exp('101_side_ccd_dark'));
    // A shutter value the run lacks, marked optional, is NaN: averaged, with a notice.
    const optional = join(dir, 'optional-shutter.json');
    const config = JSON.parse(readFileSync(darksConfig, 'utf8'));
    config.values.shutter_open = { key: 'xfel_bl_3_no_such_shutter/status', optional: true };
    writeFileSync(optional, JSON.stringify(config));
    const nan = sacla('darks', '--data', data, '--run', '100', '--config', optional, '--out', join(dir, 'out-nanshutter'), '--quiet', '--json');
    expect(nan.status, nan.stderr).toBe(0);
    expect(nan.stderr).toMatch(/shutter_open is NaN on 20 of 20 shots/);
    expect(JSON.parse(nan.stdout).shutter).toEqual({ value: 'shutter_open', open: 0, nan: 20 });
  });

  test('--detectors restricts to some of the configured detectors; usage mistakes exit 2', () => {
    const out = join(dir, 'out-some');
    const r = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--out', out, '--detectors', 'side_ccd', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['side_ccd']);
    const unknown = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--out', out, '--detectors', 'side_ccd,forward_ccd');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no configured detector "forward_ccd" .*configured: side_ccd, spectrometer/);
    expect(sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--mask-sigma', '0').status).toBe(2);
    expect(sacla('darks', '--data', data, '--run', 'x', '--config', darksConfig).status).toBe(2);
    expect(sacla('darks', '--run', '100').status).toBe(2);
  });

  test('closestDark picks the new file for the run among older and newer darks', async () => {
    const out = join(dir, 'out-closest');
    const folder = join(out, 'side_ccd');
    mkdirSync(folder, { recursive: true });
    const start = Math.round(expected.runs['100'].start);
    for (const t of [start - 86400, start - 4000, start + 5000]) writeFileSync(join(folder, `dark_${t}.npy`), encodeNpy(new Float32Array(256), [2, 16, 8]));
    const r = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--out', out, '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const run = await openRun(data, { run: 100 });
    try {
      expect(await closestDark(folder, run)).toBe(darkPath(out, 'side_ccd'));
      expect(await closestDark(join(folder, 'masks'), run)).toBe(maskPath(out, 'side_ccd'));
    } finally {
      run.close();
    }
  });

  test('sacla analyse subtracts the new dark, and the mask transform makes exactly the masked pixels NaN', async () => {
    const made = sacla('darks', '--data', data, '--run', '100', '--config', darksConfig, '--quiet', '--force');
    expect(made.status, made.stderr).toBe(0);
    const results = join(dir, 'results');
    const r = sacla('analyse', '--data', data, '--run', '100', '--config', analyseConfig, '--out', results, '--workers', '1', '--quiet', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = await openResult(join(results, 'run_100.h5'));
    try {
      expect(result.attrs.dark_side_ccd).toBe(darkPath(join(data, 'darks'), 'side_ccd'));
      // Mean over the shots of float32(raw − dark): ≈ 0 where the raw mean is ≈ 1000 ADU. NumPy's
      // expectation uses its own float32 dark, which may differ from ours by 1 ulp (≤ 1.2e-4 here).
      const mean = result.read('side_mean');
      const want = exp('100_side_ccd_corrected_mean');
      expect(mean.shape).toEqual([2, 16, 8]);
      for (let i = 0; i < want.data.length; i++) {
        const w = Number(want.data[i]);
        if (Number.isNaN(w)) expect(Number.isNaN(Number(mean.data[i]))).toBe(true);
        else expect(Math.abs(Number(mean.data[i]) - w)).toBeLessThanOrEqual(1.23e-4);
      }
      const nanAt = (d: { data: ArrayLike<number> }) => Array.from(d.data, (v) => (Number.isNaN(v) ? 1 : 0));
      const masked = result.read('side_mean_masked');
      expect(masked.shape).toEqual([2, 16, 8]);
      const mask = exp('100_side_ccd_mask');
      expect(nanAt(masked)).toEqual(Array.from(mask.data, Number));
      for (let i = 0; i < mask.data.length; i++) if (!mask.data[i]) expect(masked.data[i]).toBe(mean.data[i]);
      const cells = exp('100_side_ccd_mask_assembled');
      expect(cells.shape).toEqual(expected.assembled_shape);
      for (const name of ['side_mean_masked_assembled', 'side_mean_assembled_mask_after']) {
        const assembled = result.read(name);
        expect(assembled.shape, name).toEqual(expected.assembled_shape);
        expect(nanAt(assembled), name).toEqual(Array.from(cells.data, Number));
      }
      const spec = result.read('spec_mean_masked');
      expect(nanAt(spec)).toEqual(Array.from(exp('100_spectrometer_mask').data, Number));
    } finally {
      result.close();
    }
  });

  test('interrupting leaves no dark, mask or temporary file (exit 130)', async () => {
    const synth = join(dir, 'synth');
    await writeSyntheticRun({ out: synth, run: 9, shots: 2000, preset: 'small', seed: 9 });
    const child = spawn(process.execPath, [cli, 'darks', '--data', synth, '--run', '9', '--force'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && /darks run 9: 0\/2000 shots/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    for (const det of ['spectrometer', 'side_ccd', 'forward_ccd']) {
      const files = readdirSync(join(synth, 'darks', det));
      expect(files.filter((f) => !/^dark_\d+\.npy$/.test(f)), det).toEqual([]);
    }
  }, 120_000);
});

describe('makeDarks (library)', () => {
  test('per detector: paths, shape, dtype, shots and masked counts; progress up to every shot', async () => {
    const config = await loadConfig(darksConfig, { dataDir: data });
    const out = join(dir, 'out-library');
    const progress: number[] = [];
    const notices: string[] = [];
    const r = await makeDarks(config, { data, run: 100 }, { out, onProgress: (p) => progress.push(p.done), warn: (m) => notices.push(m) });
    expect(notices).toEqual([]);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(20);
    for (const det of DETECTORS) {
      const want = expected.runs['100'].detectors[det];
      expect(r.detectors[det]).toMatchObject({ dark: darkPath(out, det), mask: maskPath(out, det), shape: want.shape, dtype: want.dtype, shots: 20, masked: want.masked['6'] });
      expectDark(await readNpy(r.detectors[det].dark), exp(`100_${det}_dark`));
    }
    await expect(makeDarks(config, { data, run: 100 }, { out })).rejects.toBeInstanceOf(DataError);
    await expect(makeDarks(config, { data, run: 100 }, { out, maskSigma: -1 })).rejects.toBeInstanceOf(ConfigError);
  });

  test('encodeNpy writes a Uint8Array as NumPy bool (|b1), which parseNpy reads back', () => {
    const bytes = encodeNpy(new Uint8Array([0, 1, 0, 7, 1, 0]), [2, 3]);
    expect(new TextDecoder('latin1').decode(bytes.subarray(10, 60))).toContain("'descr': '|b1'");
    const back = parseNpy(bytes);
    expect(back).toMatchObject({ dtype: 'bool', shape: [2, 3] });
    expect(Array.from(back.data, Number)).toEqual([0, 1, 0, 1, 1, 0]);
  });
});
