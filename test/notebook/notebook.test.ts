// The original notebook's result-reading, per-run plot and scan cells (test/notebook/original_cells.py,
// NumPy + h5py + matplotlib + SciPy, only np.load → h5py.File) run unchanged on our result files:
// nine synthetic runs of a focus scan (runs 10–18) written with writeSyntheticRun, analysed with the
// default config, and the h5py-written runs 7 and 8 of test/fixtures/analysis/h5py_run.
// The expected motor positions, attenuator settings and focus come from the synthetic writer's
// documented model (sampleZ1 = (run mod 9 − 4) mm, the side signal ∝ exp(−t / 1 mm)·(0.3 +
// exp(−z² / (2·(2 mm)²))), t = the Si table entry run mod 11), not from the project's code.
// Needs Debian's /usr/bin/python3 with python3-numpy, python3-h5py, python3-matplotlib and
// python3-scipy (scripts/ensure-python.sh, run by `npm test`'s pretest, installs them as root).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { loadConfig, analyseRun, writeResult, writeSyntheticRun } from 'sacla-analysis';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./original_cells.py', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../configs/kuschel2023.json', import.meta.url));
const H5PY_RUN = fileURLToPath(new URL('../fixtures/analysis/h5py_run/', import.meta.url));
const RUNS = [10, 11, 12, 13, 14, 15, 16, 17, 18];
const SHOTS = 30;
/** The original experiment's Si attenuator table (mm), indexed by run mod 11 in synthetic runs. */
const ATTENUATOR_MM = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2.0, 2.5, 3.0];
const PER_RUN_PLOTS = ['mean_images', 'spectrum', 'histograms', 'bright', 'top_image'];
/** Root datasets every result file of the default config has (design.md, "Results"). */
const DOCUMENTED = [
  'tag', 'runNR', 'spectrum_mean', 'spectrum', 'spectrum_axis', 'side_mean', 'forward_mean', 'side_max', 'side_hist_mean',
  'forward_hist_mean', 'side_hist_centers', 'forward_hist_centers', 'side_bright_pershot', 'side_total', 'forward_total',
  'forward_top_images', 'side_top_image', 'forward_top_image_sum', 'side_top_image_sum', 'i_top_images',
  'sampleZ1', 'attenuator_eh_5_Si_m',
];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs the notebook script; resolves with its exit code and output whatever happens. */
function runCells(resultsDir: string, outDir: string, extra: string[] = []): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, resultsDir, outDir, ...extra], { timeout: 120_000, env: { ...process.env, MPLBACKEND: 'Agg' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? String(err) : ''), seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** A PNG's pixels (8-bit RGB or RGBA, not interlaced, as matplotlib's Agg writes them). */
function decodePng(bytes: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature').toBe(true);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect({ bitDepth: body[8], interlace: body[12] }).toEqual({ bitDepth: 8, interlace: 0 });
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[body[9]];
      expect(channels, `colour type ${body[9]}`).toBeDefined();
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const q = a + b - c;
        const pa = Math.abs(q - a);
        const pb = Math.abs(q - b);
        const pc = Math.abs(q - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`PNG filter ${filter}`);
      pixels[y * stride + x] = (line[x] + p) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** What a PNG shows: its size, distinct colours, and the coloured (not grey) pixels among them. */
function pngContent(path: string) {
  const bytes = readFileSync(path);
  const { width, height, channels, pixels } = decodePng(bytes);
  const colours = new Set<number>();
  const coloured = new Set<number>();
  let colouredPixels = 0;
  for (let i = 0; i < width * height; i++) {
    const r = pixels[i * channels];
    const g = pixels[i * channels + 1];
    const b = pixels[i * channels + 2];
    const key = (r << 16) | (g << 8) | b;
    colours.add(key);
    if (Math.max(r, g, b) - Math.min(r, g, b) > 40) {
      coloured.add(key);
      colouredPixels++;
    }
  }
  return { bytes: bytes.length, width, height, colours: colours.size, colouredColours: coloured.size, colouredPixels };
}

const pearson = (x: number[], y: number[]) => {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
};

const tmp = mkdtempSync(join(tmpdir(), 'sacla-notebook-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = () => {};

let python: { ok: boolean; why: string };
let synthRun: Outcome;
let h5pyRun: Outcome;
let synthSummary: any;
let h5pySummary: any;
const goodShots = new Map<number, number>();
const timings: Record<string, number> = {};

beforeAll(async () => {
  const check = spawnSync(PYTHON, ['-c', 'import numpy, h5py, matplotlib, scipy'], { encoding: 'utf8' });
  python = { ok: check.status === 0, why: check.error ? String(check.error) : check.stderr.trim().split('\n').pop() ?? '' };
  if (!python.ok) return;
  let t = performance.now();
  const data = join(tmp, 'data');
  for (const run of RUNS) await writeSyntheticRun({ out: data, run, shots: SHOTS, preset: 'small' });
  timings.synth = (performance.now() - t) / 1000;
  t = performance.now();
  const config = await loadConfig(CONFIG, { dataDir: data });
  for (const run of RUNS) {
    const result = await analyseRun(config, { data, run }, { workers: 1, warn: quiet });
    goodShots.set(run, result.goodShots);
    await writeResult(join(tmp, 'results'), result);
  }
  const fixtureConfig = await loadConfig(CONFIG, { dataDir: H5PY_RUN });
  for (const run of [7, 8]) {
    const result = await analyseRun(fixtureConfig, { data: H5PY_RUN, run }, { workers: 1, warn: quiet });
    goodShots.set(run, result.goodShots);
    await writeResult(join(tmp, 'h5py_results'), result);
  }
  timings.analyse = (performance.now() - t) / 1000;
  [synthRun, h5pyRun] = await Promise.all([
    runCells(join(tmp, 'results'), join(tmp, 'out')),
    runCells(join(tmp, 'h5py_results'), join(tmp, 'out_h5py')),
  ]);
  timings.cells = Math.max(synthRun.seconds, h5pyRun.seconds);
  const read = (p: string) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null);
  synthSummary = read(join(tmp, 'out', 'summary.json'));
  h5pySummary = read(join(tmp, 'out_h5py', 'summary.json'));
  console.log(`notebook test: synth ${timings.synth.toFixed(1)} s, analyse ${timings.analyse.toFixed(1)} s, cells ${synthRun.seconds.toFixed(1)} s / ${h5pyRun.seconds.toFixed(1)} s`);
}, 180_000);

const needPython = () => {
  if (!python.ok) {
    throw new Error(
      `${PYTHON} cannot import numpy, h5py, matplotlib and scipy (${python.why}). Install Debian's packages: ` +
        'bash scripts/ensure-python.sh (as root), or apt-get install -y --no-install-recommends python3-numpy python3-h5py python3-matplotlib python3-scipy',
    );
  }
};
const explain = (o: Outcome) => `exit ${o.code}\n--- stdout\n${o.stdout}\n--- stderr\n${o.stderr}`;

describe('the original notebook cells on nine synthetic runs (a focus scan)', () => {
  test(`${PYTHON} has numpy, h5py, matplotlib and scipy`, () => needPython());

  test('the script exits 0 and says what each cell did', () => {
    needPython();
    expect(synthRun.code, explain(synthRun)).toBe(0);
    const lines = synthRun.stdout.split('\n').filter((l) => l.startsWith('cell '));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['cell result reading', 'cell per-run plots', 'cell focus scan', 'cell attenuator scan', 'cell summary']);
    expect(lines[0]).toContain('9 runs (10..18)');
    expect(lines[2]).toMatch(/focus at sampleZ1 = -?\d/);
  });

  test('summary.json lists the nine runs, each with the documented datasets and their shapes', () => {
    needPython();
    expect(synthSummary, explain(synthRun)).not.toBeNull();
    expect(synthSummary.runs).toEqual(RUNS);
    for (const run of RUNS) {
      const shapes = synthSummary.datasets[String(run)];
      const missing = DOCUMENTED.filter((name) => !(name in shapes));
      expect(missing, `run ${run}`).toEqual([]);
      const good = goodShots.get(run)!;
      expect(good, `run ${run}: good shots`).toBeGreaterThan(SHOTS / 2);
      expect(shapes.runNR).toEqual([]);
      for (const name of ['tag', 'sampleZ1', 'attenuator_eh_5_Si_m', 'side_total', 'forward_total', 'side_bright_pershot']) expect(shapes[name], `run ${run} ${name}`).toEqual([good]);
      expect(shapes.side_mean).toHaveLength(2);
      expect(shapes.forward_mean).toHaveLength(2);
      expect(shapes.forward_top_images).toEqual([5, ...shapes.forward_mean]);
      expect(shapes.side_top_image).toEqual([5, ...shapes.side_mean]);
      expect(shapes.side_hist_mean).toEqual([200]);
      expect(shapes.side_hist_centers).toEqual([200]);
      expect(shapes.spectrum).toEqual([good, shapes.spectrum_mean[0]]);
    }
  });

  test('every plot is a PNG over 5 kB that shows something: image colours, or coloured lines', () => {
    needPython();
    const expected = [...RUNS.flatMap((run) => PER_RUN_PLOTS.map((p) => `run_${run}_${p}.png`)), 'focus_scan.png', 'attenuator_scan.png'];
    expect(synthSummary.plots.map((p: any) => p.file)).toEqual(expected);
    const onDisk = readdirSync(join(tmp, 'out')).filter((f) => f.endsWith('.png'));
    expect(onDisk.sort()).toEqual([...expected].sort());
    for (const plot of synthSummary.plots) {
      const content = pngContent(join(tmp, 'out', plot.file));
      expect(content.bytes, plot.file).toBeGreaterThan(5000);
      expect(content.colours, `${plot.file}: more than one colour`).toBeGreaterThan(1);
      expect(plot.finite, `${plot.file}: finite values drawn`).toBeGreaterThan(1);
      if (plot.kind === 'image') expect(content.colouredColours, `${plot.file}: colour-mapped pixels`).toBeGreaterThan(20);
      else expect(content.colouredPixels, `${plot.file}: line pixels`).toBeGreaterThan(200);
    }
  });

  test('focus scan: the motor positions are the synthetic ones and the fitted focus is within 1.5 mm of z = 0', () => {
    needPython();
    const scan = synthSummary.focus_scan;
    expect(scan.runs).toEqual(RUNS);
    scan.z_mm.forEach((z: number, i: number) => expect(Math.abs(z - ((RUNS[i] % 9) - 4)), `run ${RUNS[i]} sampleZ1`).toBeLessThan(1e-3));
    // The side signal follows the writer's model (with the attenuator, which also changes per run).
    const model = RUNS.map((run) => Math.exp(-ATTENUATOR_MM[run % 11]) * (0.3 + Math.exp(-(((run % 9) - 4) ** 2) / (2 * 2 ** 2))));
    expect(pearson(scan.signal, model), `signal ${scan.signal} vs model ${model}`).toBeGreaterThan(0.95);
    expect(scan.fit, 'the Gaussian fit').not.toBeNull();
    expect(Math.abs(scan.fit.centre_mm), `fitted centre ${scan.fit.centre_mm} mm`).toBeLessThan(1.5);
    expect(scan.fit.sigma_mm).toBeGreaterThan(0.5);
    expect(scan.fit.sigma_mm).toBeLessThan(5);
    expect(Number.isFinite(scan.fit.centre_err_mm)).toBe(true);
    expect(synthRun.stdout).toContain(`focus at sampleZ1 = ${scan.fit.centre_mm.toFixed(3)}`);
  });

  test('attenuator scan: the Si thickness per run is the table entry run mod 11', () => {
    needPython();
    const scan = synthSummary.attenuator_scan;
    expect(scan.runs).toEqual(RUNS);
    scan.attenuator_m.forEach((t: number, i: number) => expect(t, `run ${RUNS[i]}`).toBeCloseTo(ATTENUATOR_MM[RUNS[i] % 11] * 1e-3, 9));
    expect(scan.side_total_median.every((v: number) => v > 0)).toBe(true);
    // The thickest attenuator (3 mm, run 10) lets least through.
    const least = scan.side_total_median.indexOf(Math.min(...scan.side_total_median));
    expect(RUNS[least]).toBe(10);
  });
});

describe('the original notebook cells on the h5py-written runs 7 and 8', () => {
  test('the per-run cells run; the scan cells say they skipped (2 runs are no scan)', () => {
    needPython();
    expect(h5pyRun.code, explain(h5pyRun)).toBe(0);
    expect(h5pySummary.runs).toEqual([7, 8]);
    const expected = [7, 8].flatMap((run) => PER_RUN_PLOTS.map((p) => `run_${run}_${p}.png`));
    expect(h5pySummary.plots.map((p: any) => p.file)).toEqual(expected);
    for (const plot of h5pySummary.plots) {
      const content = pngContent(join(tmp, 'out_h5py', plot.file));
      expect(content.bytes, plot.file).toBeGreaterThan(5000);
      expect(plot.finite, plot.file).toBeGreaterThan(1);
      if (plot.kind === 'image') expect(content.colouredColours, plot.file).toBeGreaterThan(20);
      else expect(content.colouredPixels, plot.file).toBeGreaterThan(200);
    }
    for (const run of [7, 8]) {
      const shapes = h5pySummary.datasets[String(run)];
      expect(DOCUMENTED.filter((name) => !(name in shapes)), `run ${run}`).toEqual([]);
      expect(shapes.side_total).toEqual([goodShots.get(run)]);
    }
    expect(h5pySummary.focus_scan.skipped).toMatch(/2 run/);
    expect(h5pySummary.attenuator_scan.skipped).toMatch(/2 run/);
    expect(h5pyRun.stdout).toMatch(/^cell focus scan: skipped/m);
    expect(existsSync(join(tmp, 'out_h5py', 'focus_scan.png'))).toBe(false);
  });
});

describe('the script fails loudly', () => {
  test('no result files, or a file that is not HDF5: a non-zero exit code and the reason', async () => {
    needPython();
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    const none = await runCells(empty, join(tmp, 'out_empty'));
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no result files');
    const broken = join(tmp, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'run_5.h5'), 'not an HDF5 file');
    const bad = await runCells(broken, join(tmp, 'out_broken'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/OSError|Unable to (open|synchronously open) file/);
    expect(statSync(join(tmp, 'out_broken')).isDirectory()).toBe(true);
    expect(existsSync(join(tmp, 'out_broken', 'summary.json'))).toBe(false);
  });
});
