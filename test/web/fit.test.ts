// The scan view's Gaussian fit (web/src/fit.ts: the library's fitModel, as `sacla scan --fit
// gauss`) against known parameters with noise.
import { describe, test, expect } from 'vitest';
import { fitModel, modelValue } from '../../web/src/fit.js';

interface GaussParams {
  a: number;
  c: number;
  sigma: number;
  bg: number;
}

const gaussian = (x: number, p: GaussParams) => modelValue({ model: 'gauss', params: { ...p } }, x);
const fitGaussian = (x: number[], y: number[], options: { fixedBg?: number; initial?: Partial<GaussParams> } = {}) =>
  fitModel('gauss', x, y, { fixed: options.fixedBg === undefined ? {} : { bg: options.fixedBg }, initial: options.initial as Record<string, number> });

/** A small seeded generator (mulberry32) with Box–Muller normals: the same noise every run. */
function normals(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function sample(p: GaussParams, x: number[], noise: number, seed: number): number[] {
  const n = normals(seed);
  return x.map((xi) => gaussian(xi, p) + noise * n());
}

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const names = ['a', 'c', 'sigma', 'bg'] as const;

describe('the scan view\'s Gaussian fit', () => {
  test('recovers known parameters within their stated uncertainties', () => {
    const truth = { a: 5, c: 1.2, sigma: 0.7, bg: 0.5 };
    const x = linspace(-2, 4, 40);
    for (const seed of [1, 2, 3]) {
      const fit = fitGaussian(x, sample(truth, x, 0.1, seed));
      expect(fit.converged).toBe(true);
      expect(fit.dof).toBe(36);
      for (const k of names) {
        expect(fit.errors[k]).toBeGreaterThan(0);
        expect(Math.abs(fit.params[k] - truth[k])).toBeLessThan(4 * fit.errors[k]);
      }
      // The reduced χ² estimates the noise variance (0.01).
      expect(fit.redchi2).toBeGreaterThan(0.005);
      expect(fit.redchi2).toBeLessThan(0.02);
      expect(fit.degenerate).toBe(false);
      // The FWHM and its uncertainty follow from σ.
      expect(fit.params.fwhm).toBeCloseTo(2 * Math.sqrt(2 * Math.log(2)) * fit.params.sigma, 12);
      expect(fit.errors.fwhm).toBeCloseTo(2 * Math.sqrt(2 * Math.log(2)) * fit.errors.sigma, 12);
    }
  });

  test('the uncertainties are calibrated: about 68 % of fits lie within 1σ of the truth', () => {
    const truth = { a: 2, c: -0.3, sigma: 0.5, bg: 1 };
    const x = linspace(-2, 2, 30);
    const within: Record<string, number> = { a: 0, c: 0, sigma: 0, bg: 0 };
    const trials = 300;
    for (let seed = 100; seed < 100 + trials; seed++) {
      const fit = fitGaussian(x, sample(truth, x, 0.05, seed));
      for (const k of names) if (Math.abs(fit.params[k] - truth[k]) < fit.errors[k]) within[k]++;
    }
    for (const k of names) {
      expect(within[k] / trials).toBeGreaterThan(0.6);
      expect(within[k] / trials).toBeLessThan(0.76);
    }
  });

  test('works in the units of a focus scan (metres against counts of 1e5)', () => {
    const truth = { a: 3e5, c: 0.4e-3, sigma: 2e-3, bg: 1.2e5 };
    const x = linspace(-4e-3, 4e-3, 9);
    const fit = fitGaussian(x, sample(truth, x, 2e3, 7));
    for (const k of names) expect(Math.abs(fit.params[k] - truth[k])).toBeLessThan(4 * fit.errors[k]);
    expect(fit.errors.c).toBeLessThan(0.2e-3);
  });

  test('a negative amplitude or width from the solver is reported as |a|, |σ|', () => {
    const truth = { a: 1, c: 0, sigma: 1, bg: 0 };
    const x = linspace(-3, 3, 25);
    const fit = fitGaussian(x, sample(truth, x, 0.01, 5), { initial: { a: -0.5, sigma: -0.8 } });
    expect(fit.params.a).toBeCloseTo(1, 1);
    expect(fit.params.sigma).toBeCloseTo(1, 1);
  });

  test('exact data with a fixed background: three points give the centre exactly, no uncertainties, said so', () => {
    const truth = { a: 4, c: 0.25, sigma: 1.5, bg: 0 };
    const x = [-1, 0, 1];
    const fit = fitGaussian(x, x.map((v) => gaussian(v, truth)), { fixedBg: 0 });
    expect(fit.params.c).toBeCloseTo(0.25, 8);
    expect(fit.params.sigma).toBeCloseTo(1.5, 8);
    expect(fit.params.a).toBeCloseTo(4, 8);
    expect(fit.dof).toBe(0);
    expect(fit.errors.c).toBe(Infinity);
    expect(fit.errors.bg).toBe(0);
    expect(fit.degenerate).toBe(true);
    expect(fit.warnings.join()).toMatch(/3 points for 3 free parameters: the curve goes through every point/);
  });

  test('too few points for the free parameters: no fit, and the warning says why', () => {
    const fit = fitGaussian([0, 1, 2], [1, 2, 1]);
    expect(fit.degenerate).toBe(true);
    expect(Number.isNaN(fit.params.c)).toBe(true);
    expect(fit.warnings).toContain('3 points for 4 free parameters: no fit');
    expect(fitGaussian([0, 1], [1, 2], { fixedBg: 0 }).warnings).toContain('2 points for 3 free parameters: no fit');
  });

  test('NaN points are left out', () => {
    const truth = { a: 1, c: 0.5, sigma: 0.4, bg: 0.1 };
    const x = linspace(-1, 2, 20);
    const y = sample(truth, x, 0.005, 9);
    y[3] = NaN;
    const fit = fitGaussian([...x, NaN], [...y, 1]);
    expect(fit.dof).toBe(19 - 4);
    expect(Math.abs(fit.params.c - 0.5)).toBeLessThan(4 * fit.errors.c);
  });
});
