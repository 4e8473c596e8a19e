// Least-squares fits of the scans (docs/table.md, "Fits"): Gaussian plus background (the focus
// scan), exponential plus background (the attenuator scan) and a line, by Levenberg–Marquardt.
// Uncertainties are those of scipy.optimize.curve_fit without sigma (absolute_sigma=False):
// covariance = (JᵀJ)⁻¹ · χ²/(n − free parameters). Portable: the web app's scan view uses it too.

export type ModelName = 'gauss' | 'exp' | 'line';

export const MODELS: readonly ModelName[] = ['gauss', 'exp', 'line'];

interface ModelDef {
  formula: string;
  params: string[];
  f(x: number, p: number[]): number;
  /** ∂f/∂p at x into `out`. */
  grad(x: number, p: number[], out: number[]): void;
  /** Starting values (fixed parameters are already in `fixed`). */
  guess(x: number[], y: number[], fixed: (number | undefined)[]): number[];
  /** Parameters the model uses only by magnitude (|a|, σ²): reported as |p|. */
  magnitude: number[];
  /** Parameters whose value 0 is natural (a centre, an offset): not held to "uncertainty < value". */
  offsets: string[];
  units(x: string, y: string): Record<string, string>;
}

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.log(2));

const gauss: ModelDef = {
  formula: '|a|·exp(−(x−c)²/(2σ²)) + bg',
  params: ['a', 'c', 'sigma', 'bg'],
  f: (x, [a, c, s, bg]) => Math.abs(a) * Math.exp(-((x - c) ** 2) / (2 * s * s)) + bg,
  grad: (x, [a, c, s], out) => {
    const d = x - c;
    const g = Math.exp(-(d * d) / (2 * s * s));
    out[0] = (a < 0 ? -1 : 1) * g;
    out[1] = (Math.abs(a) * g * d) / (s * s);
    out[2] = (Math.abs(a) * g * d * d) / (s * s * s);
    out[3] = 1;
  },
  guess: gaussGrid,
  magnitude: [0, 2],
  offsets: ['c', 'bg'],
  units: (x, y) => ({ a: y, c: x, sigma: x, bg: y, fwhm: x }),
};

const exponential: ModelDef = {
  formula: 'a·exp(−x/τ) + bg',
  params: ['a', 'tau', 'bg'],
  f: (x, [a, t, bg]) => a * Math.exp(-x / t) + bg,
  grad: (x, [a, t], out) => {
    const e = Math.exp(-x / t);
    out[0] = e;
    out[1] = (a * e * x) / (t * t);
    out[2] = 1;
  },
  guess: expGrid,
  magnitude: [],
  offsets: ['bg'],
  units: (x, y) => ({ a: y, tau: x, bg: y }),
};

const line: ModelDef = {
  formula: 'a·x + b',
  params: ['a', 'b'],
  f: (x, [a, b]) => a * x + b,
  grad: (x, _p, out) => {
    out[0] = x;
    out[1] = 1;
  },
  guess: lineGuess,
  magnitude: [],
  offsets: ['b'],
  units: (x, y) => ({ a: y && x ? `${y}/${x}` : y ? y : x ? `1/${x}` : '', b: y }),
};

const DEFS: Record<ModelName, ModelDef> = { gauss, exp: exponential, line };

/** The parameter names of a model, in their order (gauss: a, c, sigma, bg; exp: a, tau, bg; line: a, b). */
export function modelParams(model: ModelName): string[] {
  return [...DEFS[model].params];
}

export function modelFormula(model: ModelName): string {
  return DEFS[model].formula;
}

/** Units of the parameters (and of gauss's fwhm) from the units of x and y ('' for none). */
export function paramUnits(model: ModelName, xUnit: string, yUnit: string): Record<string, string> {
  return DEFS[model].units(xUnit, yUnit);
}

export interface FitOptions {
  /** Starting values (default: the best point of a grid over the nonlinear parameters). */
  initial?: Record<string, number>;
  /** Parameters held at these values (their uncertainty is 0). */
  fixed?: Record<string, number>;
  maxIterations?: number;
}

export interface FitParameter {
  name: string;
  value: number;
  /** One standard deviation: 0 when fixed, Infinity when the data do not determine it. */
  error: number;
  fixed: boolean;
  /** Computed from the others (gauss's fwhm). */
  derived: boolean;
}

export interface FitResult {
  model: ModelName;
  formula: string;
  /** Every parameter by name (gauss also has fwhm); NaN when no fit was possible. */
  params: Record<string, number>;
  errors: Record<string, number>;
  parameters: FitParameter[];
  /** Free parameters in model order, and their covariance (scaled by the reduced χ²). */
  free: string[];
  covariance: number[][];
  /** Finite points used, degrees of freedom, sum of squared residuals, reduced χ² (ssr / dof). */
  n: number;
  dof: number;
  ssr: number;
  redchi2: number;
  iterations: number;
  converged: boolean;
  /** Too few points, all x equal, σ ≤ 0, an undetermined parameter, an uncertainty above its value. */
  degenerate: boolean;
  /** Why the fit is degenerate or not converged, and other things worth knowing. */
  warnings: string[];
}

/** The fitted curve at x (NaN when no fit was possible). */
export function modelValue(fit: Pick<FitResult, 'model' | 'params'>, x: number): number {
  const def = DEFS[fit.model];
  return def.f(x, def.params.map((p) => fit.params[p]));
}

/** Fits `model` to the finite (x, y) pairs. Never throws for data: problems are `warnings`. */
export function fitModel(model: ModelName, xIn: ArrayLike<number>, yIn: ArrayLike<number>, options: FitOptions = {}): FitResult {
  const def = DEFS[model];
  if (!def) throw new Error(`unknown fit model "${model}" (known: ${MODELS.join(', ')})`);
  const names = def.params;
  for (const k of [...Object.keys(options.fixed ?? {}), ...Object.keys(options.initial ?? {})]) {
    if (!names.includes(k)) throw new Error(`${model} has no parameter "${k}" (parameters: ${names.join(', ')})`);
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < Math.min(xIn.length, yIn.length); i++) {
    if (Number.isFinite(xIn[i]) && Number.isFinite(yIn[i])) {
      x.push(xIn[i]);
      y.push(yIn[i]);
    }
  }
  const fixedValues = names.map((p) => options.fixed?.[p]);
  const freeIdx = names.map((_, i) => i).filter((i) => fixedValues[i] === undefined);
  const m = freeIdx.length;
  const n = x.length;
  const warnings: string[] = [];
  const result = (p: number[], errors: number[], cov: number[][], extra: Partial<FitResult>): FitResult => {
    const params: Record<string, number> = {};
    const errs: Record<string, number> = {};
    const parameters: FitParameter[] = [];
    names.forEach((name, i) => {
      params[name] = p[i];
      errs[name] = errors[i];
      parameters.push({ name, value: p[i], error: errors[i], fixed: fixedValues[i] !== undefined, derived: false });
    });
    if (model === 'gauss') {
      params.fwhm = FWHM_PER_SIGMA * params.sigma;
      errs.fwhm = FWHM_PER_SIGMA * errs.sigma;
      parameters.push({ name: 'fwhm', value: params.fwhm, error: errs.fwhm, fixed: fixedValues[2] !== undefined, derived: true });
    }
    return {
      model,
      formula: def.formula,
      params,
      errors: errs,
      parameters,
      free: freeIdx.map((i) => names[i]),
      covariance: cov,
      n,
      dof: n - m,
      ssr: NaN,
      redchi2: NaN,
      iterations: 0,
      converged: false,
      degenerate: true,
      warnings,
      ...extra,
    };
  };
  const nothing = () => {
    const p = names.map((_, i) => fixedValues[i] ?? NaN);
    const e = names.map((_, i) => (fixedValues[i] !== undefined ? 0 : NaN));
    return result(p, e, freeIdx.map(() => freeIdx.map(() => NaN)), {});
  };
  if (n < m) {
    warnings.push(`${n} point${n === 1 ? '' : 's'} for ${m} free parameters: no fit`);
    return nothing();
  }
  if (n > 0 && x.every((v) => v === x[0])) {
    warnings.push(`all ${n} points have the same x (${x[0]}): nothing to fit against`);
    return nothing();
  }
  if (n === 0) {
    warnings.push('no points');
    return nothing();
  }

  const start = def.guess(x, y, fixedValues);
  const p0 = names.map((name, i) => fixedValues[i] ?? options.initial?.[name] ?? start[i]);
  const full = (q: ArrayLike<number>) => {
    const p = p0.slice();
    freeIdx.forEach((i, k) => (p[i] = q[k]));
    return p;
  };
  const residuals = (q: ArrayLike<number>, out: Float64Array) => {
    const p = full(q);
    let s = 0;
    for (let i = 0; i < n; i++) {
      out[i] = y[i] - def.f(x[i], p);
      s += out[i] * out[i];
    }
    return s;
  };
  const g = new Array<number>(names.length).fill(0);
  const jacobian = (q: ArrayLike<number>, J: Float64Array) => {
    const p = full(q);
    for (let i = 0; i < n; i++) {
      def.grad(x[i], p, g);
      for (let k = 0; k < m; k++) J[i * m + k] = g[freeIdx[k]];
    }
  };

  const lm = levenbergMarquardt(freeIdx.map((i) => p0[i]), n, residuals, jacobian, options.maxIterations ?? 1000);
  const p = full(lm.q);
  for (const i of def.magnitude) if (fixedValues[i] === undefined) p[i] = Math.abs(p[i]);

  const dof = n - m;
  const redchi2 = dof > 0 ? lm.ssr / dof : NaN;
  const J = new Float64Array(n * m);
  jacobian(lm.q, J);
  const unscaled = inverseNormal(J, n, m);
  let cov: number[][];
  if (!unscaled) {
    cov = freeIdx.map(() => freeIdx.map(() => Infinity));
    warnings.push('the data do not determine every parameter (singular covariance): no uncertainties');
  } else if (dof === 0) {
    // curve_fit's convention: no degrees of freedom, no estimate of the scatter.
    cov = freeIdx.map(() => freeIdx.map(() => Infinity));
    warnings.push(`${n} points for ${m} free parameters: the curve goes through every point, no uncertainties (fit at least ${m + 1} points)`);
  } else {
    cov = unscaled.map((row) => row.map((v) => v * redchi2));
    // The reported |p| for a negative p: flip the signs of its covariances.
    for (const i of def.magnitude) {
      const k = freeIdx.indexOf(i);
      const q = lm.q[k];
      if (k >= 0 && q < 0) for (let j = 0; j < m; j++) if (j !== k) (cov[k][j] = -cov[k][j]), (cov[j][k] = -cov[j][k]);
    }
  }
  const errors = names.map((_, i) => {
    const k = freeIdx.indexOf(i);
    return k < 0 ? 0 : Math.sqrt(cov[k][k]);
  });

  let degenerate = !unscaled || dof === 0;
  if (!lm.converged) warnings.push(`did not converge in ${lm.iterations} iteration${lm.iterations === 1 ? '' : 's'}`);
  if (model === 'gauss') {
    if (!(p[2] > 0)) {
      degenerate = true;
      warnings.push(`σ is ${p[2]}: no peak`);
    }
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    if (p[1] < lo || p[1] > hi) warnings.push(`the centre c = ${p[1]} lies outside the scanned x range ${lo}…${hi}`);
  }
  const large = names.filter((name, i) => !def.offsets.includes(name) && fixedValues[i] === undefined && Number.isFinite(errors[i]) && errors[i] > Math.abs(p[i]));
  if (large.length && unscaled && dof > 0) {
    degenerate = true;
    warnings.push(`uncertainty larger than the value: ${large.map((name) => (name === 'sigma' ? 'σ' : name === 'tau' ? 'τ' : name)).join(', ')}`);
  }
  return result(p, errors, cov, {
    ssr: lm.ssr,
    redchi2,
    iterations: lm.iterations,
    converged: lm.converged,
    degenerate,
  });
}

// ---------------------------------------------------------------------------------------------
// Levenberg–Marquardt with Marquardt's scaling (the columns of J scaled to unit norm, so the
// damping does not depend on the parameters' units: metres against counts of 1e5) and each
// step solved by QR of [J̃; √λ·I] rather than the normal equations, which would square the
// condition number.

function levenbergMarquardt(
  q0: number[],
  n: number,
  residuals: (q: ArrayLike<number>, out: Float64Array) => number,
  jacobian: (q: ArrayLike<number>, J: Float64Array) => void,
  maxIterations: number,
): { q: number[]; ssr: number; iterations: number; converged: boolean } {
  const m = q0.length;
  let q = q0.slice();
  const r = new Float64Array(n);
  const rTrial = new Float64Array(n);
  let ssr = residuals(q, r);
  if (!Number.isFinite(ssr)) return { q, ssr, iterations: 0, converged: false };
  const J = new Float64Array(n * m);
  const D = new Float64Array(m);
  const A = new Float64Array((n + m) * m);
  const b = new Float64Array(n + m);
  let lambda = 1e-3;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    if (ssr === 0) {
      converged = true;
      break;
    }
    jacobian(q, J);
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += J[i * m + k] ** 2;
      D[k] = Math.max(D[k], Math.sqrt(s)) || 1;
    }
    // Gradient test: every scaled column (nearly) orthogonal to the residuals.
    let gmax = 0;
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += J[i * m + k] * r[i];
      gmax = Math.max(gmax, Math.abs(s) / D[k]);
    }
    if (gmax <= 1e-15 * Math.sqrt(ssr)) {
      converged = true;
      break;
    }
    let improved = false;
    while (lambda < 1e30) {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < m; k++) A[i * m + k] = J[i * m + k] / D[k];
        b[i] = r[i];
      }
      const sl = Math.sqrt(lambda);
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < m; k++) A[(n + j) * m + k] = j === k ? sl : 0;
        b[n + j] = 0;
      }
      const step = qrSolve(A, n + m, m, b);
      const trial = q.map((v, k) => v + (step ? step[k] / D[k] : 0));
      const st = step ? residuals(trial, rTrial) : NaN;
      if (Number.isFinite(st) && st < ssr) {
        let stepNorm = 0;
        let size = 0;
        for (let k = 0; k < m; k++) {
          stepNorm += step![k] ** 2;
          size += (D[k] * trial[k]) ** 2;
        }
        q = trial;
        r.set(rTrial);
        ssr = st;
        lambda = Math.max(lambda / 10, 1e-20);
        improved = true;
        if (Math.sqrt(stepNorm) <= 1e-14 * (Math.sqrt(size) || 1)) converged = true;
        break;
      }
      lambda *= 10;
    }
    // No step lowers the sum of squares: a minimum to machine precision.
    if (!improved) converged = true;
  }
  if (converged) q = polish(q, n, residuals, jacobian);
  return { q, ssr: residuals(q, r), iterations, converged };
}

/**
 * A few Gauss–Newton steps judged by the gradient rather than the sum of squares: near the
 * minimum χ² is flat to rounding along poorly determined parameters (a background with a large
 * uncertainty), so comparing sums stops ~1e-8 of an uncertainty short, wherever the start was;
 * the gradient still points the rest of the way.
 */
function polish(
  q0: number[],
  n: number,
  residuals: (q: ArrayLike<number>, out: Float64Array) => number,
  jacobian: (q: ArrayLike<number>, J: Float64Array) => void,
): number[] {
  const m = q0.length;
  const r = new Float64Array(n);
  const J = new Float64Array(n * m);
  const scaled = new Float64Array(n * m);
  const D = new Float64Array(m);
  const gradient = (q: number[]) => {
    const ssr = residuals(q, r);
    jacobian(q, J);
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += J[i * m + k] ** 2;
      D[k] = Math.sqrt(s) || 1;
    }
    let g = 0;
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += J[i * m + k] * r[i];
      g = Math.max(g, Math.abs(s) / D[k]);
    }
    return Number.isFinite(ssr) ? g : Infinity;
  };
  let q = q0;
  let g = gradient(q);
  for (let k = 0; k < 5 && g > 0; k++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) scaled[i * m + j] = J[i * m + j] / D[j];
    const step = qrSolve(scaled, n, m, r);
    if (!step) break;
    const trial = q.map((v, j) => v + step[j] / D[j]);
    const gt = gradient(trial);
    if (!(gt < g)) break;
    q = trial;
    g = gt;
  }
  return q;
}

/**
 * Householder QR of A (rows × m, row-major): R, Qᵀb when b is given, and whether A has full
 * rank (relative to its largest diagonal, so unit-norm columns are assumed).
 */
function householder(Ain: Float64Array, rows: number, m: number, bIn?: Float64Array): { R: Float64Array; qtb: Float64Array | null; rank: boolean } {
  const a = Ain.slice();
  const y = bIn ? bIn.slice() : null;
  const rdiag = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let norm = 0;
    for (let i = j; i < rows; i++) norm += a[i * m + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      rdiag[j] = 0;
      continue;
    }
    const alpha = a[j * m + j] > 0 ? -norm : norm;
    a[j * m + j] -= alpha;
    let v2 = 0;
    for (let i = j; i < rows; i++) v2 += a[i * m + j] ** 2;
    for (let k = j + 1; k < m; k++) {
      let s = 0;
      for (let i = j; i < rows; i++) s += a[i * m + j] * a[i * m + k];
      const f = (2 * s) / v2;
      for (let i = j; i < rows; i++) a[i * m + k] -= f * a[i * m + j];
    }
    if (y) {
      let s = 0;
      for (let i = j; i < rows; i++) s += a[i * m + j] * y[i];
      const f = (2 * s) / v2;
      for (let i = j; i < rows; i++) y[i] -= f * a[i * m + j];
    }
    rdiag[j] = alpha;
  }
  const R = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    R[j * m + j] = rdiag[j];
    for (let k = j + 1; k < m; k++) R[j * m + k] = a[j * m + k];
  }
  let big = 0;
  for (let j = 0; j < m; j++) big = Math.max(big, Math.abs(rdiag[j]));
  // A diagonal this small next to the largest one means dependent columns.
  const rank = big > 0 && rdiag.every((d) => Math.abs(d) > 1e-12 * big);
  return { R, qtb: y, rank };
}

/** x minimising ‖A·x − b‖, or null when A is rank-deficient. */
function qrSolve(A: Float64Array, rows: number, m: number, b: Float64Array): Float64Array | null {
  const { R, qtb, rank } = householder(A, rows, m, b);
  if (!rank) return null;
  const x = new Float64Array(m);
  for (let j = m - 1; j >= 0; j--) {
    let s = qtb![j];
    for (let k = j + 1; k < m; k++) s -= R[j * m + k] * x[k];
    x[j] = s / R[j * m + j];
  }
  return x;
}

/** (JᵀJ)⁻¹ from the QR of J with unit-norm columns, or null when J is rank-deficient. */
function inverseNormal(J: Float64Array, n: number, m: number): number[][] | null {
  const D = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += J[i * m + k] ** 2;
    D[k] = Math.sqrt(s);
    if (!(D[k] > 0) || !Number.isFinite(D[k])) return null;
  }
  const scaled = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) scaled[i * m + k] = J[i * m + k] / D[k];
  const { R, rank } = householder(scaled, n, m);
  if (!rank) return null;
  // R⁻¹ (upper triangular), then (JᵀJ)⁻¹ = D⁻¹ R⁻¹ R⁻ᵀ D⁻¹.
  const Ri = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    Ri[j * m + j] = 1 / R[j * m + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R[i * m + k] * Ri[k * m + j];
      Ri[i * m + j] = -s / R[i * m + i];
    }
  }
  const C: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = Math.max(i, j); k < m; k++) s += Ri[i * m + k] * Ri[j * m + k];
      row.push(s / (D[i] * D[j]));
    }
    C.push(row);
  }
  return C;
}

// ---------------------------------------------------------------------------------------------
// Starting values: the models are linear in their amplitude and background, so for each point
// of a grid over the nonlinear parameters (centre and width; decay length) those two follow by
// linear least squares, and the best grid point starts the fit. This finds the peak of a noisy
// scan where a start at the highest point would fit a neighbouring bump.

/** Linear least squares y ≈ A·g + bg (bg given: A only); null for a degenerate basis. */
function amplitudeAndBackground(g: number[], y: number[], fixedBg: number | undefined): { A: number; bg: number; ssr: number } | null {
  const n = y.length;
  let A: number;
  let bg: number;
  if (fixedBg !== undefined) {
    let gg = 0;
    let gy = 0;
    for (let i = 0; i < n; i++) {
      gg += g[i] * g[i];
      gy += g[i] * (y[i] - fixedBg);
    }
    if (!(gg > 0)) return null;
    A = gy / gg;
    bg = fixedBg;
  } else {
    let sg = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sg += g[i];
      sy += y[i];
    }
    const mg = sg / n;
    const my = sy / n;
    let vg = 0;
    let cgy = 0;
    for (let i = 0; i < n; i++) {
      vg += (g[i] - mg) ** 2;
      cgy += (g[i] - mg) * (y[i] - my);
    }
    if (!(vg > 1e-300)) return null;
    A = cgy / vg;
    bg = my - A * mg;
  }
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (y[i] - A * g[i] - bg) ** 2;
  return Number.isFinite(ssr) ? { A, bg, ssr } : null;
}

function geomspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
}

function spread(x: number[]): { lo: number; hi: number; range: number; spacing: number } {
  const u = [...new Set(x)].sort((a, b) => a - b);
  let spacing = Infinity;
  for (let i = 1; i < u.length; i++) spacing = Math.min(spacing, u[i] - u[i - 1]);
  const lo = u[0];
  const hi = u[u.length - 1];
  return { lo, hi, range: hi - lo, spacing: Number.isFinite(spacing) ? spacing : hi - lo };
}

function gaussGrid(x: number[], y: number[], fixed: (number | undefined)[]): number[] {
  const { lo, hi, range, spacing } = spread(x);
  const [fa, fc, fs, fbg] = fixed;
  const u = [...new Set(x)].sort((a, b) => a - b);
  const centres = fc !== undefined ? [fc] : u.length <= 60 ? [...u, ...u.slice(1).map((v, i) => (v + u[i]) / 2)] : Array.from({ length: 60 }, (_, i) => lo + (range * i) / 59);
  const widths = fs !== undefined ? [fs] : geomspace(Math.max(spacing / 4, range / 1000), range * 2, 24);
  let best: number[] | null = null;
  let bestSsr = Infinity;
  const g = new Array<number>(x.length);
  for (const c of centres) {
    for (const s of widths) {
      for (let i = 0; i < x.length; i++) g[i] = Math.exp(-((x[i] - c) ** 2) / (2 * s * s));
      const fit = amplitudeAndBackground(g, y, fbg);
      if (fit && fit.A > 0 && fit.ssr < bestSsr) {
        bestSsr = fit.ssr;
        best = [fa ?? fit.A, c, s, fit.bg];
      }
    }
  }
  if (best) return best;
  const m = guess(x, y, fbg);
  return [fa ?? m.a, fc ?? m.c, fs ?? m.sigma, m.bg];
}

function expGrid(x: number[], y: number[], fixed: (number | undefined)[]): number[] {
  const { lo, range } = spread(x);
  const [fa, ft, fbg] = fixed;
  const lengths = ft !== undefined ? [ft] : geomspace(range / 50, range * 50, 30).flatMap((t) => [t, -t]);
  let best: number[] | null = null;
  let bestSsr = Infinity;
  const g = new Array<number>(x.length);
  for (const t of lengths) {
    // Relative to the lowest x, so exp() stays finite where x is far from 0.
    for (let i = 0; i < x.length; i++) g[i] = Math.exp(-(x[i] - lo) / t);
    const fit = amplitudeAndBackground(g, y, fbg);
    if (fit && fit.ssr < bestSsr) {
      bestSsr = fit.ssr;
      best = [fa ?? fit.A * Math.exp(lo / t), t, fit.bg];
    }
  }
  return best ?? [fa ?? Math.max(...y) - Math.min(...y), ft ?? range, fbg ?? Math.min(...y)];
}

function lineGuess(x: number[], y: number[], fixed: (number | undefined)[]): number[] {
  const [fa, fb] = fixed;
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  if (fb !== undefined) {
    let xx = 0;
    let xy = 0;
    for (let i = 0; i < n; i++) (xx += x[i] * x[i]), (xy += x[i] * (y[i] - fb));
    return [fa ?? (xx > 0 ? xy / xx : 0), fb];
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) (sxx += (x[i] - mx) ** 2), (sxy += (x[i] - mx) * (y[i] - my));
  const a = fa ?? (sxx > 0 ? sxy / sxx : 0);
  return [a, my - a * mx];
}

// ---------------------------------------------------------------------------------------------
// The web app's Gaussian fit (formerly web/src/fit.ts), kept with its interface for the scan
// view until that view moves to fitModel.

export interface GaussParams {
  a: number;
  c: number;
  sigma: number;
  bg: number;
}

export interface GaussFitOptions {
  /** Starting values (default: the best point of a grid over centre and width). */
  initial?: Partial<GaussParams>;
  /** Fix the background at this value (its uncertainty is then 0). */
  fixedBg?: number | null;
  maxIterations?: number;
}

export interface GaussFitResult {
  params: GaussParams;
  /** One standard deviation of each parameter (NaN where there are no degrees of freedom). */
  errors: GaussParams;
  /** Covariance of the free parameters, in the order a, c, σ[, bg]. */
  covariance: number[][];
  /** Sum of squared residuals, s² and degrees of freedom. */
  ssr: number;
  s2: number;
  dof: number;
  iterations: number;
  converged: boolean;
}

export function gaussian(x: number, p: GaussParams): number {
  const d = x - p.c;
  return Math.abs(p.a) * Math.exp(-(d * d) / (2 * p.sigma * p.sigma)) + p.bg;
}

/** Moment-based starting values: background = lowest y, amplitude = highest − lowest, centre at the highest y. */
export function guess(x: ArrayLike<number>, y: ArrayLike<number>, fixedBg?: number | null): GaussParams {
  let iMax = 0;
  let yMin = Infinity;
  let xMin = Infinity;
  let xMax = -Infinity;
  for (let i = 0; i < y.length; i++) {
    if (y[i] > y[iMax]) iMax = i;
    yMin = Math.min(yMin, y[i]);
    xMin = Math.min(xMin, x[i]);
    xMax = Math.max(xMax, x[i]);
  }
  const bg = fixedBg ?? yMin;
  const a = y[iMax] - bg || 1;
  const c = x[iMax];
  let w = 0;
  let m2 = 0;
  for (let i = 0; i < y.length; i++) {
    const v = Math.max(0, y[i] - bg);
    w += v;
    m2 += v * (x[i] - c) ** 2;
  }
  const range = xMax - xMin || Math.abs(c) || 1;
  let sigma = w > 0 ? Math.sqrt(m2 / w) : range / 4;
  if (!(sigma > range / 50)) sigma = range / 4;
  return { a, c, sigma: Math.min(sigma, range), bg };
}

/** Fits f(x) = |a|·exp(−(x−c)²/(2σ²)) + bg to the finite (x, y) pairs; throws when there are too few. */
export function fitGaussian(x: ArrayLike<number>, y: ArrayLike<number>, options: GaussFitOptions = {}): GaussFitResult {
  const fixedBg = options.fixedBg ?? null;
  const free = fixedBg === null ? 4 : 3;
  let n = 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) n++;
  if (n < free) {
    throw new Error(`${n} point${n === 1 ? '' : 's'} for ${free} free parameters: load more runs${fixedBg === null ? ' or fix the background' : ''}`);
  }
  const initial = Object.fromEntries(Object.entries(options.initial ?? {}).filter(([k, v]) => v !== undefined && !(k === 'bg' && fixedBg !== null))) as Record<string, number>;
  const fit = fitModel('gauss', x, y, { initial, fixed: fixedBg === null ? {} : { bg: fixedBg }, maxIterations: options.maxIterations ?? 200 });
  const err = (k: keyof GaussParams) => (k === 'bg' && fixedBg !== null ? 0 : fit.dof > 0 ? fit.errors[k] : NaN);
  return {
    params: { a: fit.params.a, c: fit.params.c, sigma: fit.params.sigma, bg: fit.params.bg },
    errors: { a: err('a'), c: err('c'), sigma: err('sigma'), bg: err('bg') },
    covariance: fit.dof > 0 ? fit.covariance : fit.covariance.map((row) => row.map(() => NaN)),
    ssr: fit.ssr,
    s2: fit.redchi2,
    dof: fit.dof,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}
