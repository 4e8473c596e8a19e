// Scans and their fits (bindings/analysis/table/fit.ts, scan.ts, `sacla scan`): the fits
// against scipy.optimize.curve_fit (test/fixtures/fits/make_fit_fixtures.py), the flags of a
// degenerate or unconverged fit, and the command on result files of synthetic focus and
// attenuator scans, against points worked out here by hand.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseRun, loadConfig, writeResult, writeSyntheticRun, type AnalysisResult } from 'sacla-analysis/node';
import { fitModel, modelValue, type ModelName } from '../../bindings/analysis/table/fit.js';
import { Scan } from '../../bindings/analysis/table/scan.js';
import type { ResultSource } from '../../bindings/analysis/table/expression.js';
import { validateColumns } from '../../bindings/analysis/table/columns.js';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../configs/kuschel2023.json', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/fits/fits.json', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

interface FitCase {
  name: string;
  model: ModelName;
  x: number[];
  y: number[];
  params: Record<string, number>;
  errors: Record<string, number | null>;
  covariance: (number | null)[][];
  ssr: number;
  covariance_warning: boolean;
}
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: FitCase[] };
const good = fixture.cases.filter((c) => !c.name.startsWith('degenerate'));
const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

describe('fits against scipy.optimize.curve_fit', () => {
  test.each(good.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const fit = fitModel(c.model, c.x, c.y);
    expect(fit.converged).toBe(true);
    expect(fit.degenerate).toBe(false);
    expect(fit.warnings).toEqual([]);
    expect(fit.dof).toBe(c.x.length - Object.keys(c.params).length);
    for (const [k, v] of Object.entries(c.params)) {
      expect(relClose(fit.params[k], v, 1e-6), `${k}: ${fit.params[k]} vs curve_fit ${v}`).toBe(true);
      expect(relClose(fit.errors[k], c.errors[k]!, 1e-6), `σ(${k}): ${fit.errors[k]} vs curve_fit ${c.errors[k]}`).toBe(true);
    }
    // Every covariance, relative to the scale of its row and column (correlations to 1e-6).
    const names = Object.keys(c.params);
    expect(fit.free).toEqual(names);
    names.forEach((_, i) =>
      names.forEach((_, j) => {
        const scale = Math.sqrt(c.covariance[i][i]! * c.covariance[j][j]!);
        expect(Math.abs(fit.covariance[i][j] - c.covariance[i][j]!) / scale, `cov[${i}][${j}]`).toBeLessThan(1e-6);
      }),
    );
    expect(relClose(fit.ssr, c.ssr, 1e-9)).toBe(true);
    expect(relClose(fit.redchi2, c.ssr / fit.dof, 1e-9)).toBe(true);
    if (c.model === 'gauss') {
      const k = 2 * Math.sqrt(2 * Math.log(2));
      expect(relClose(fit.params.fwhm, k * c.params.sigma, 1e-6)).toBe(true);
      expect(relClose(fit.errors.fwhm, k * c.errors.sigma!, 1e-6)).toBe(true);
      expect(fit.parameters.find((p) => p.name === 'fwhm')!.derived).toBe(true);
    }
  });

  test('no degrees of freedom: the same exact curve, and no uncertainties (curve_fit: infinite, with a warning)', () => {
    const c = fixture.cases.find((f) => f.name === 'degenerate: gauss with 4 points')!;
    expect(c.covariance_warning).toBe(true);
    expect(Object.values(c.errors).every((e) => e === null)).toBe(true);
    const fit = fitModel('gauss', c.x, c.y);
    for (const [k, v] of Object.entries(c.params)) expect(relClose(fit.params[k], v, 1e-6), k).toBe(true);
    for (const k of Object.keys(c.params)) expect(fit.errors[k]).toBe(Infinity);
    expect(fit.dof).toBe(0);
    expect(fit.degenerate).toBe(true);
    expect(fit.warnings).toEqual(['4 points for 4 free parameters: the curve goes through every point, no uncertainties (fit at least 5 points)']);
  });

  test('every x equal: curve_fit gives absurd uncertainties, we say so', () => {
    const c = fixture.cases.find((f) => f.name === 'degenerate: line with every x equal')!;
    for (const [k, v] of Object.entries(c.params)) expect(c.errors[k] === null || c.errors[k]! > 1e6 * Math.abs(v), k).toBe(true);
    const fit = fitModel('line', c.x, c.y);
    expect(fit.degenerate).toBe(true);
    expect(fit.params.a).toBeNaN();
    expect(fit.warnings).toEqual(['all 5 points have the same x (2): nothing to fit against']);
  });
});

describe('fit flags', () => {
  test('fewer points than parameters: no fit, said why', () => {
    const fit = fitModel('gauss', [0, 1, 2], [1, 3, 1]);
    expect(fit.degenerate).toBe(true);
    expect(fit.params.c).toBeNaN();
    expect(fit.warnings).toEqual(['3 points for 4 free parameters: no fit']);
  });

  test('not converged within the iterations allowed', () => {
    const fit = fitModel('gauss', [0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 5, 2, 1, 1.1, 0.9, 1], { maxIterations: 1 });
    expect(fit.converged).toBe(false);
    expect(fit.warnings).toContain('did not converge in 1 iteration');
  });

  test('a Gaussian on a flat scan: uncertainties larger than the values', () => {
    let seed = 3;
    const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    const x = Array.from({ length: 12 }, (_, i) => i);
    const y = x.map(() => 5 + 0.1 * noise());
    const fit = fitModel('gauss', x, y);
    expect(fit.degenerate).toBe(true);
    expect(fit.warnings.join('; ')).toMatch(/uncertainty larger than the value: .*(a|σ)/);
  });

  test('fixed parameters: their uncertainty is 0, the covariance is of the free ones', () => {
    const fit = fitModel('line', [1, 2, 3, 4], [2, 4, 6.1, 7.9], { fixed: { b: 0 } });
    expect(fit.free).toEqual(['a']);
    expect(fit.errors.b).toBe(0);
    // Least squares through the origin, by hand: a = Σxy / Σx², σ² = s² / Σx².
    const a = (2 + 8 + 18.3 + 31.6) / 30;
    expect(fit.params.a).toBeCloseTo(a, 12);
    const s2 = [2, 4, 6.1, 7.9].reduce((s, y, i) => s + (y - a * (i + 1)) ** 2, 0) / 3;
    expect(fit.errors.a).toBeCloseTo(Math.sqrt(s2 / 30), 12);
  });

  test('a centre outside the scanned range is a warning', () => {
    const x = [0, 1, 2, 3, 4, 5];
    const fit = fitModel('gauss', x, x.map((v) => 3 * Math.exp(-((v - 6.5) ** 2) / 8) + 1 + 0.01 * Math.cos(v * 5)));
    expect(fit.warnings.some((w) => /the centre c = [\d.]+ lies outside the scanned x range 0…5/.test(w))).toBe(true);
  });
});

describe('Scan on in-memory result sources', () => {
  const src = (run: number, values: Record<string, number[]>): ResultSource => ({
    run,
    names: Object.keys(values),
    attrs: { run },
    read: (name) => ({ data: Float64Array.from(values[name]), shape: [values[name].length] }),
  });

  test('points in x order, runs without a value left out with the reason, log axes', () => {
    const scan = new Scan({ x: 'median(z)', y: 'mean(s)', logY: true, fit: 'line' });
    scan.add(src(1, { z: [3, 3, 3], s: [1000, 1000] }));
    scan.add(src(2, { z: [1], s: [10, 10] }));
    scan.add(src(3, { z: [2], s: [100] }));
    scan.add(src(4, { z: [4], s: [-1] }));
    scan.add(src(5, { z: [5], s: [NaN, 1] }));
    scan.add(src(6, { s: [1] }));
    scan.check();
    const r = scan.result();
    expect(r.points).toEqual([
      { run: 2, x: 1, y: 1 },
      { run: 3, x: 2, y: 2 },
      { run: 1, x: 3, y: 3 },
    ]);
    expect(r.y.label).toBe('log10(mean(s))');
    expect(r.problems).toEqual([
      'run 4: y = mean(s) is -1, not > 0, on a log axis: left out',
      'run 5: y = mean(s) is nan: left out (NaN among the values? nanmean, nanmedian, … leave NaN out)',
      'run 6: x = median(z): column 8: no dataset "z" in run 6 (did you mean "s"?); datasets: s',
    ]);
    expect(r.fit!.params.a).toBeCloseTo(1, 12);
    expect(r.fit!.params.b).toBeCloseTo(0, 12);
  });

  test('an axis naming a column of the column file takes its expression and unit', () => {
    const columns = validateColumns({ columns: [{ name: 'z', expr: 'median(z) * 1e3', unit: 'mm' }, { name: 'signal', expr: 'nanmean(s)', unit: 'eV' }] }, 'c.json');
    const scan = new Scan({ x: 'z', y: 'signal', columns, fit: 'gauss' });
    for (let i = 0; i < 7; i++) scan.add(src(i, { z: [(i - 3) * 1e-3], s: [2 + 5 * Math.exp(-((i - 3.2) ** 2) / 2)] }));
    const r = scan.result();
    expect(r.x.unit).toBe('mm');
    expect(r.fitUnits).toEqual({ a: 'eV', c: 'mm', sigma: 'mm', bg: 'eV', fwhm: 'mm' });
    expect(r.fit!.params.c).toBeCloseTo(0.2, 8);
    expect(() => new Scan({ x: 'signal)', y: 'z', columns })).toThrow(/^--x: "signal\)", column 7: expected an operator or the end, got "\)" \(nor a column of the column file: z, signal\)/);
  });

  test('an axis failing in every run is a mistake in it', () => {
    const scan = new Scan({ x: 'median(zz)', y: 'mean(s)' });
    scan.add(src(1, { z: [1], s: [1] }));
    scan.add(src(2, { z: [1], s: [1] }));
    expect(() => scan.check()).toThrow(/^--x, in every run: "median\(zz\)", column 8: no dataset "zz" in run 1 \(did you mean "z"\?\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// sacla scan on result files of synthetic runs, where sampleZ1 is (run mod 9 − 4) mm (the side
// signal largest at 0) and the attenuator is the (run mod 11)-th Si thickness (transmission
// exp(−t / 1 mm)): a focus scan without attenuator (runs 0, 11, …, 88: sampleZ1 −4, −2, 0, 2,
// 4, −3, …) and an attenuator scan in focus (runs 4, 13, …).

const FOCUS = [0, 11, 22, 33, 44, 55, 66, 77, 88];
/** The focus runs in sampleZ1 order. */
const FOCUS_BY_Z = [...FOCUS].sort((a, b) => (a % 9) - (b % 9));
const ATTENUATOR = [4, 13, 22, 31, 40, 49];
let dir: string;
let results: string;
const analysed = new Map<number, AnalysisResult>();

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-scan-'));
  results = join(dir, 'results');
  const data = join(dir, 'data');
  const config = await loadConfig(CONFIG, { dataDir: data });
  for (const run of [...new Set([...FOCUS, ...ATTENUATOR])]) {
    await writeSyntheticRun({ out: data, run, shots: 40, preset: 'small', seed: 100 + run });
    const result = await analyseRun(config, { data, run }, { workers: 1, warn: () => {} });
    await writeResult(results, result);
    analysed.set(run, result);
  }
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const values = (run: number, name: string) => Array.from(analysed.get(run)!.outputs[name].data as ArrayLike<number>);
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
/** The focus scan's y by hand: the NaN-free mean of rows 16–48, columns 0–24 of side_mean (64 × 70). */
function signal(run: number): number {
  const image = values(run, 'side_mean');
  let s = 0;
  let n = 0;
  for (let r = 16; r < 48; r++) {
    for (let c = 0; c < 24; c++) {
      const v = image[r * 70 + c];
      if (!Number.isNaN(v)) (s += v), n++;
    }
  }
  return s / n;
}

const FOCUS_ARGS = ['--x', 'median(sampleZ1)', '--y', 'nanmean(roi(side_mean, 16, 48, 0, 24))', '--fit', 'gauss'];

describe('sacla scan', () => {
  test('the focus scan: points and fit as JSON, the same as by hand', () => {
    const r = sacla('scan', '--results', results, '--runs', FOCUS.join(','), ...FOCUS_ARGS, '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const x = FOCUS_BY_Z.map((run) => median(values(run, 'sampleZ1')));
    const y = FOCUS_BY_Z.map(signal);
    expect(out.points.map((p: { run: number }) => p.run)).toEqual(FOCUS_BY_Z);
    out.points.forEach((p: { run: number; x: number; y: number }, i: number) => {
      expect(p.x).toBe(x[i]);
      expect(Math.abs(p.y - y[i])).toBeLessThan(1e-12 * Math.abs(y[i]));
    });
    const expected = fitModel('gauss', x, y);
    for (const k of ['a', 'c', 'sigma', 'bg', 'fwhm']) {
      expect(relClose(out.fit.params[k].value, expected.params[k], 1e-9), k).toBe(true);
      expect(relClose(out.fit.params[k].error, expected.errors[k], 1e-6), k).toBe(true);
    }
    // The synthetic focus is at sampleZ1 = 0 (runs 1 mm apart).
    expect(Math.abs(out.fit.params.c.value)).toBeLessThan(0.6e-3);
    expect(out.fit).toMatchObject({ model: 'gauss', formula: '|a|·exp(−(x−c)²/(2σ²)) + bg', n: 9, dof: 5, converged: true, degenerate: false, warnings: [] });
    expect(out.x).toEqual({ expr: 'median(sampleZ1)', label: 'median(sampleZ1)', unit: '', log: false });
  });

  test('the human output: aligned points with the curve, then the parameters with uncertainties', () => {
    const r = sacla('scan', '--results', results, '--run', FOCUS.join(','), ...FOCUS_ARGS);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('9 points (runs 0, 11, 22, 33, 44, 55, 66, 77, 88): y = nanmean(roi(side_mean, 16, 48, 0, 24)) against x = median(sampleZ1)');
    expect(lines[2]).toMatch(/^run {2}median\(sampleZ1\) {2}nanmean\(roi\(side_mean, 16, 48, 0, 24\)\) \(eV\) +fit +residual$/);
    const rows = lines.slice(4, 13);
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(FOCUS_BY_Z);
    // Right-aligned: every row as long as the rule.
    for (const row of rows) expect(row.length).toBe(lines[3].length);
    // One format per column: the same number of decimals down the x column.
    expect(new Set(rows.map((l) => l.trim().split(/\s+/)[1].split('.')[1]?.length)).size).toBe(1);
    const text = r.stdout;
    expect(text).toMatch(/\nfit gauss: y = \|a\|·exp\(−\(x−c\)²\/\(2σ²\)\) \+ bg\n {2}parameter {2}value ± 1σ/);
    for (const p of ['a', 'c', 'σ', 'bg', 'FWHM']) expect(text).toMatch(new RegExp(`\\n {2}${p} +[-(\\d.]+.* ± `));
    expect(text).toMatch(/ {2}9 points, 5 degrees of freedom, reduced χ² [\d.e+-]+ \(the uncertainties are scaled by it\), converged in \d+ iterations\n$/);
  });

  test('--csv: the points and the curve parse back in full precision; the fit goes to stderr', () => {
    const r = sacla('scan', '--results', results, '--runs', FOCUS.join(','), ...FOCUS_ARGS, '--csv');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe('run,median(sampleZ1),"nanmean(roi(side_mean, 16, 48, 0, 24)) (eV)",fit');
    const json = JSON.parse(sacla('scan', '--results', results, '--runs', FOCUS.join(','), ...FOCUS_ARGS, '--json').stdout);
    const rows = lines.slice(1, -1).map((l) => l.split(',').map(Number));
    expect(rows.map(([run, x, y]) => ({ run, x, y }))).toEqual(json.points);
    for (const [, x, , curve] of rows) {
      const params = Object.fromEntries(Object.entries(json.fit.params).map(([k, v]) => [k, (v as { value: number }).value]));
      expect(curve).toBe(modelValue({ model: 'gauss', params }, x));
    }
    expect(lines.at(-1)).toBe('');
    expect(r.stderr).toMatch(/^fit gauss: /);
  });

  test('the attenuator scan: exponential, and a line on a log axis', () => {
    const args = ['--results', results, '--runs', ATTENUATOR.join(','), '--x', 'nanmedian(attenuator_eh_5_Si_m)', '--y', 'median(side_total)'];
    const r = sacla('scan', ...args, '--fit', 'exp', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.points).toHaveLength(ATTENUATOR.length);
    const x = ATTENUATOR.map((run) => median(values(run, 'attenuator_eh_5_Si_m').filter((v) => !Number.isNaN(v))));
    const y = ATTENUATOR.map((run) => median(values(run, 'side_total')));
    const byHand = fitModel('exp', x, y);
    expect(relClose(out.fit.params.tau.value, byHand.params.tau, 1e-9)).toBe(true);
    // The synthetic transmission is exp(−t / 1 mm).
    expect(Math.abs(out.fit.params.tau.value - 1e-3)).toBeLessThan(Math.max(4 * out.fit.params.tau.error, 0.15e-3));

    const log = sacla('scan', ...args, '--log-y', '--fit', 'line', '--json');
    expect(log.status, log.stderr).toBe(0);
    const lo = JSON.parse(log.stdout);
    expect(lo.y).toMatchObject({ label: 'log10(median(side_total))', log: true });
    lo.points.forEach((p: { y: number }, i: number) => expect(p.y).toBeCloseTo(Math.log10(y[[...x.keys()].sort((a, b) => x[a] - x[b])[i]]), 12));
    // log10 of a·exp(−x/τ) falls by 1/(τ·ln 10) per metre.
    expect(lo.fit.params.a.value).toBeLessThan(0);
    expect(Math.abs(-1 / (lo.fit.params.a.value * Math.LN10) - 1e-3)).toBeLessThan(0.2e-3);
  });

  test('a column file names the axes and gives the units', () => {
    const columns = join(dir, 'scan-columns.json');
    writeFileSync(columns, JSON.stringify({ columns: [{ name: 'z', expr: 'median(sampleZ1) * 1e3', unit: 'mm' }, { name: 'signal', expr: 'nanmean(roi(side_mean, 16, 48, 0, 24))', unit: 'eV/px' }] }));
    const r = sacla('scan', '--results', results, '--runs', FOCUS.join(','), '--columns', columns, '--x', 'z', '--y', 'signal', '--fit', 'gauss');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nrun {2}z \(mm\) {2}signal \(eV\/px\) +fit +residual\n/);
    expect(r.stdout).toMatch(/\n {2}c +-?[\d.]+ ± [\d.]+ +mm\n/);
    expect(r.stdout).toMatch(/\n {2}FWHM +[\d.]+ ± [\d.]+ +mm\n/);
    expect(r.stdout).toMatch(/\n {2}a +[\d.]+ ± [\d.]+ +eV\/px\n/);
  });

  test('exit codes: 2 for a mistake in an expression (its place shown), 1 when no point could be computed', () => {
    let r = sacla('scan', '--results', results, '--x', 'median(sampleZ1', '--y', 'median(side_total)');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('sacla: --x: "median(sampleZ1", column 16: expected "," or ")" in the arguments of median, got the end\n  median(sampleZ1\n                 ^\n');
    r = sacla('scan', '--results', results, '--x', 'median(sampleZ1)', '--y', 'median(side_totl)');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^sacla: --y, in every run: "median\(side_totl\)", column 8: no dataset "side_totl" in run 0 \(did you mean "side_total"\?\); datasets: /);
    r = sacla('scan', '--results', results, '--x', 'median(sampleZ1)', '--y', '-median(side_total)', '--log-y', '--runs', '0,11,22');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run 0: y = -median\(side_total\) is -[\d.e+]+, not > 0, on a log axis: left out\n/);
    expect(r.stderr).toMatch(/sacla: no point could be computed from the 3 result files \(see above\)\n$/);
    r = sacla('scan', '--results', results, '--x', 'median(sampleZ1)', '--y', 'median(side_total)', '--fit', 'lorentz');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--fit must be one of gauss, exp, line, got "lorentz"/);
    r = sacla('scan', '--results', results, '--y', 'median(side_total)');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option '--x <expr>' not specified/);
    r = sacla('scan', '--results', results, '--runs', '500-600', ...FOCUS_ARGS);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no result files \(run_<N>\.h5\) in .* for runs 500-600/);
  });

  test('too few runs for the fit: the points, and the reason instead of parameters', () => {
    const r = sacla('scan', '--results', results, '--runs', '0,11,22', ...FOCUS_ARGS);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nfit gauss: y = .*\nwarning: 3 points for 4 free parameters: no fit\n$/);
  });
});
