// Levenberg–Marquardt fit of a Gaussian plus background, the focus-scan model of the original
// notebook: f(x) = |a|·exp(−(x−c)²/(2σ²)) + bg. Parameter uncertainties are the square roots of
// the diagonal of the covariance (JᵀJ)⁻¹·s², with s² = Σ residual² / (n − free parameters), as
// scipy's curve_fit gives without sigma (absolute_sigma=False).

export interface GaussParams {
  a: number;
  c: number;
  sigma: number;
  bg: number;
}

export interface FitOptions {
  /** Starting values (default: guessed from the data). */
  initial?: Partial<GaussParams>;
  /** Fix the background at this value (its uncertainty is then 0). */
  fixedBg?: number | null;
  maxIterations?: number;
}

export interface FitResult {
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

/** Starting values: background = lowest y, amplitude = highest − lowest, centre at the highest y, width from the spread. */
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
  // Width from the second moment of the signal above background, bounded by the x range.
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

/** Solves A·x = b (small dense system, partial pivoting); null when singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[p][col])) p = r;
    if (!(Math.abs(M[p][col]) > 0)) return null;
    [M[col], M[p]] = [M[p], M[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r][col] / M[col][col];
      for (let k = col; k <= n; k++) M[r][k] -= f * M[col][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

function invert(A: number[][]): number[][] | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const x = solve(A, e);
    if (!x) return null;
    cols.push(x);
  }
  return A.map((_, i) => cols.map((c) => c[i]));
}

/** Fits f(x) = |a|·exp(−(x−c)²/(2σ²)) + bg to the finite (x, y) pairs. */
export function fitGaussian(xIn: ArrayLike<number>, yIn: ArrayLike<number>, options: FitOptions = {}): FitResult {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < Math.min(xIn.length, yIn.length); i++) {
    if (Number.isFinite(xIn[i]) && Number.isFinite(yIn[i])) {
      x.push(xIn[i]);
      y.push(yIn[i]);
    }
  }
  const fixedBg = options.fixedBg ?? null;
  const free = fixedBg === null ? 4 : 3;
  if (x.length < free) {
    throw new Error(`${x.length} point${x.length === 1 ? '' : 's'} for ${free} free parameters: load more runs${fixedBg === null ? ' or fix the background' : ''}`);
  }
  const start = { ...guess(x, y, fixedBg), ...options.initial };
  if (fixedBg !== null) start.bg = fixedBg;
  let p = [start.a, start.c, start.sigma, start.bg].slice(0, free);
  const params = (q: number[]): GaussParams => ({ a: q[0], c: q[1], sigma: q[2], bg: fixedBg ?? q[3] });

  const residuals = (q: number[]) => {
    const gp = params(q);
    return y.map((yi, i) => yi - gaussian(x[i], gp));
  };
  const jacobian = (q: number[]) => {
    const { a, c, sigma } = params(q);
    return x.map((xi) => {
      const d = xi - c;
      const g = Math.exp(-(d * d) / (2 * sigma * sigma));
      const row = [Math.sign(a) * g || g, (Math.abs(a) * g * d) / (sigma * sigma), (Math.abs(a) * g * d * d) / (sigma * sigma * sigma)];
      if (free === 4) row.push(1);
      return row;
    });
  };
  const ssrOf = (r: number[]) => r.reduce((s, v) => s + v * v, 0);
  const normal = (J: number[][]) => {
    const JtJ = Array.from({ length: free }, () => new Array<number>(free).fill(0));
    for (const row of J) for (let i = 0; i < free; i++) for (let j = 0; j < free; j++) JtJ[i][j] += row[i] * row[j];
    return JtJ;
  };

  let r = residuals(p);
  let ssr = ssrOf(r);
  let lambda = 1e-3;
  const maxIterations = options.maxIterations ?? 200;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    const J = jacobian(p);
    const JtJ = normal(J);
    const Jtr = new Array<number>(free).fill(0);
    J.forEach((row, k) => row.forEach((v, i) => (Jtr[i] += v * r[k])));
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const A = JtJ.map((row, i) => row.map((v, j) => (i === j ? v + lambda * (v || 1e-300) : v)));
      const step = solve(A, Jtr);
      if (!step) {
        lambda *= 10;
        continue;
      }
      const trial = p.map((v, i) => v + step[i]);
      const rt = residuals(trial);
      const st = ssrOf(rt);
      if (Number.isFinite(st) && st <= ssr) {
        const relative = (ssr - st) / Math.max(ssr, 1e-300);
        const smallStep = step.every((s, i) => Math.abs(s) <= 1e-10 * (Math.abs(trial[i]) + 1e-300));
        p = trial;
        r = rt;
        ssr = st;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (relative < 1e-14 || smallStep) converged = true;
        break;
      }
      lambda *= 10;
    }
    if (!improved) {
      converged = true; // no step lowers the sum of squares: a minimum to machine precision
      break;
    }
    if (converged) break;
  }

  const dof = x.length - free;
  const s2 = dof > 0 ? ssr / dof : NaN;
  const inv = invert(normal(jacobian(p)));
  const covariance = inv ? inv.map((row) => row.map((v) => v * s2)) : Array.from({ length: free }, () => new Array<number>(free).fill(NaN));
  const err = (i: number) => Math.sqrt(covariance[i][i]);
  const out = params(p);
  return {
    params: { a: Math.abs(out.a), c: out.c, sigma: Math.abs(out.sigma), bg: out.bg },
    errors: { a: err(0), c: err(1), sigma: err(2), bg: free === 4 ? err(3) : 0 },
    covariance,
    ssr,
    s2,
    dof,
    iterations,
    converged,
  };
}
