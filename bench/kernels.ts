// Kernel benchmarks on a stack of 1024×1024 float32 detector images: each wasm kernel (via
// the public API, images already in wasm memory as the pipeline keeps them) beside its
// plain-TypeScript twin and the memory-copy floor (TypedArray.set of one image). Float64
// rows run the float64 kernels on the same images held as float64. The twins are the tests'
// references (test/reference), each doing what the API call beside it does (zeroing where
// the call zeroes, accumulating where it accumulates); test/reference/twins.test.ts checks
// that they agree on data like this.
import {
  WasmArray,
  Mean,
  Variance,
  Maximum,
  MedianEstimator,
  Covariance,
  Histogrammer,
  RangeCounter,
  NoiseCutter,
  RadialProfiler,
  meanAlongAxis,
  correctImageInWasm,
} from '../bindings/index.js';
import { detectorImage } from '../test/helpers/random.js';
import { measure, row, type BenchContext, type BenchRow } from './harness.js';
import * as twin from '../test/reference/index.js';

const ROWS = 1024;
const COLS = 1024;
const PIXELS = ROWS * COLS;
const STACK = 8;

interface KernelCase {
  name: string;
  /** Untimed calls before timing, when the steady state takes longer to reach. */
  warmup?: number;
  /** Target in ms per image, or as a multiple of the copy floor. */
  target?: { ms?: number; copies?: number };
  /** Images per timed call of `wasm` (times are per image), for kernels that work on several at once. */
  opsPerCall?: number;
  wasm: (image: number) => unknown;
  ts?: (image: number) => unknown;
  setup?: () => void;
  teardown?: () => void;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const reps = ctx.quick ? 5 : 21;
  const warmup = ctx.quick ? 2 : 5;
  const images = Array.from({ length: STACK }, (_, i) => detectorImage(PIXELS, 100 + i, { offset: 50, noise: 30, hits: 0.01 }));
  const wasmImages = images.map((image) => new WasmArray('f32', PIXELS).set(image));
  const images64 = images.map((image) => Float64Array.from(image));
  const wasmImages64 = images64.map((image) => new WasmArray('f64', PIXELS).set(image));
  const shaped = wasmImages.map((data) => ({ data, shape: [ROWS, COLS] }));
  let next = 0;
  const pick = () => (next = (next + 1) % STACK);

  const copyTarget = new Float32Array(PIXELS);
  const copyFloor = await measure(() => copyTarget.set(images[pick()]), { warmup, reps });
  const rows: BenchRow[] = [row('kernels', 'copy floor (TypedArray.set)', 'image 1024×1024', copyFloor, { pixelsPerImage: PIXELS })];

  const spectra = Array.from({ length: STACK }, (_, i) => detectorImage(1024, 900 + i, { offset: 100, noise: 10, hits: 0 }));
  const wasmSpectra = spectra.map((s) => new WasmArray('f32', 1024).set(s));
  const dark = detectorImage(PIXELS, 77, { offset: 100, noise: 5, hits: 0 });
  const wasmDark = new WasmArray('f32', PIXELS).set(dark);
  const scratchOut = new Float32Array(PIXELS);

  let mean = new Mean();
  let mean64 = new Mean();
  const meanTs = { mean: new Float64Array(PIXELS), n: 0 };
  const mean64Ts = { mean: new Float64Array(PIXELS), n: 0 };
  let variance = new Variance();
  const varTs = { mean: new Float64Array(PIXELS), meanSq: new Float64Array(PIXELS), n: 0 };
  let maximum = new Maximum();
  const maxTs = new Float32Array(PIXELS).fill(-Infinity);
  let median = new MedianEstimator();
  let median64 = new MedianEstimator();
  const p2h = new Float64Array(PIXELS * 5);
  const p2p = new Int32Array(PIXELS * 5).map((_, i) => i % 5);
  const p2h64 = new Float64Array(PIXELS * 5);
  const p2p64 = new Int32Array(PIXELS * 5).map((_, i) => i % 5);
  const p2q = Float64Array.from([0, 0.25, 0.5, 0.75, 1]);
  let p2n = 0;
  let p2n64 = 0;
  let covariance = new Covariance();
  const covTs = { mean: new Float64Array(1024), cov: new Float64Array(1024 * 1024), d1: new Float64Array(1024), d2: new Float64Array(1024) };
  let covN = 0;
  const histogrammer = new Histogrammer(200, [0, 50000]);
  const edges32 = Float32Array.from(histogrammer.edges());
  const edges64 = histogrammer.edges();
  const norm = histogrammer.bins / (histogrammer.range[1] - histogrammer.range[0]);
  const countsTs = new Uint32Array(200);
  const bright = new RangeCounter(40, Infinity);
  const cutter = new NoiseCutter(1000, 0);
  const cutOut = new WasmArray('f32', PIXELS);
  const profiler = new RadialProfiler([ROWS, COLS]);
  const map = profiler.binMap();
  const sums = new Float64Array(profiler.bins);
  const counts = new Float64Array(profiler.bins);
  const profileTs = new Float64Array(profiler.bins);
  const spectrometer = wasmImages.map((data) => ({ data, shape: [1024, 1024] }));
  const spectrumOut = new Float32Array(1024);

  const cases: KernelCase[] = [
    {
      name: 'Mean',
      target: { copies: 2 },
      wasm: (i) => mean.accumulate(wasmImages[i]),
      ts: (i) => twin.meanUpdate(meanTs.mean, images[i], 1 / ++meanTs.n),
    },
    {
      name: 'Mean (from a JS array, incl. copy into wasm)',
      wasm: (i) => mean.accumulate(images[i]),
    },
    {
      name: 'Mean (float64 image)',
      wasm: (i) => mean64.accumulate(wasmImages64[i]),
      ts: (i) => twin.meanUpdate(mean64Ts.mean, images64[i], 1 / ++mean64Ts.n),
    },
    {
      name: 'Variance (Welford)',
      target: { copies: 3 },
      wasm: (i) => variance.accumulate(wasmImages[i]),
      ts: (i) => twin.varianceUpdate(varTs.mean, varTs.meanSq, images[i], 1 / ++varTs.n),
    },
    {
      name: 'Maximum',
      wasm: (i) => maximum.accumulate(wasmImages[i]),
      ts: (i) => twin.maximumUpdate(maxTs, images[i]),
    },
    {
      name: 'Histogram (200 bins)',
      target: { ms: 1.5 },
      wasm: (i) => histogrammer.histogramInWasm(wasmImages[i]),
      // histogramInWasm zeroes its counts, then the kernel adds to them.
      ts: (i) => {
        countsTs.fill(0);
        twin.histogramAccumulate(images[i], edges32, norm, countsTs);
      },
    },
    {
      name: 'Histogram (200 bins, float64 image)',
      wasm: (i) => histogrammer.histogramInWasm(wasmImages64[i]),
      ts: (i) => {
        countsTs.fill(0);
        twin.histogramAccumulate(images64[i], edges64, norm, countsTs);
      },
    },
    {
      name: 'RangeCounter (bright pixels)',
      wasm: (i) => bright.count(wasmImages[i]),
      ts: (i) => twin.rangeCountRef(images[i], 40, Infinity),
    },
    {
      name: 'NoiseCutter',
      wasm: (i) => cutter.cutInWasm(wasmImages[i], cutOut),
      ts: (i) => twin.noiseCutRef(images[i], 1000, 0, scratchOut),
    },
    {
      name: 'Radial profile (precomputed map)',
      target: { ms: 1.5 },
      wasm: (i) => profiler.profile(shaped[i]),
      // profile() zeroes the sums, lets the kernel add to them, and finishes the profile.
      ts: (i) => {
        sums.fill(0);
        counts.fill(0);
        twin.radialAccumulate(images[i], map, sums, counts);
        twin.radialFinish(sums, counts, profileTs);
      },
    },
    {
      name: 'P² median (5 markers)',
      target: { ms: 6 },
      // Past the first 5 objects (filling and sorting the markers) and into the steady state.
      warmup: 12,
      // The estimator applies objects eight at a time (each block of its state through all
      // eight while in cache): a timed call is the eight images, the last one runs the kernel.
      opsPerCall: STACK,
      wasm: (i) => {
        for (let k = 0; k < STACK; k++) median.accumulate(wasmImages[(i + k) % STACK]);
      },
      ts: (i) => twin.p2Update(p2h, p2p, p2q, images[i], 5, p2n++),
    },
    {
      name: 'P² median (5 markers, float64 image)',
      warmup: 12,
      opsPerCall: STACK,
      wasm: (i) => {
        for (let k = 0; k < STACK; k++) median64.accumulate(wasmImages64[(i + k) % STACK]);
      },
      ts: (i) => twin.p2Update(p2h64, p2p64, p2q, images64[i], 5, p2n64++),
    },
    {
      name: 'Mean along axis 1 (spectrum)',
      wasm: (i) => meanAlongAxis(spectrometer[i], 1),
      ts: (i) => twin.reduceAxisRef(images[i], 1024, 1024, 1, true, spectrumOut),
    },
    {
      name: 'Dark + gain correction',
      wasm: (i) => correctImageInWasm(wasmImages[i], cutOut, { dark: wasmDark, gain: 3.65 }),
      ts: (i) => twin.correctRef(images[i], dark, 3.65, scratchOut),
    },
    {
      name: 'Covariance update (1024-point spectrum)',
      wasm: (i) => covariance.accumulate(wasmSpectra[i]),
      ts: (i) => twin.covarianceUpdate(covTs.mean, covTs.cov, spectra[i], 1 / ++covN, covTs.d1, covTs.d2),
    },
  ];

  for (const c of cases) {
    const wasm = await measure(() => c.wasm(pick()), { warmup: c.warmup ?? warmup, reps, opsPerCall: c.opsPerCall });
    const ts = c.ts ? await measure(() => c.ts!(pick()), { warmup: c.warmup ?? Math.min(warmup, 2), reps: Math.max(5, reps >> 1) }) : undefined;
    const extra: Record<string, number | string> = { copies: wasm.median / copyFloor.median };
    if (ts) {
      extra.tsMs = ts.median;
      extra.speedup = ts.median / wasm.median;
    }
    if (c.target?.ms !== undefined) {
      extra.target = `≤ ${c.target.ms} ms`;
      extra.met = wasm.median <= c.target.ms ? 'yes' : 'no';
    } else if (c.target?.copies !== undefined) {
      extra.target = `≤ ${c.target.copies}× copy`;
      extra.met = wasm.median <= c.target.copies * copyFloor.median ? 'yes' : 'no';
    }
    if (ts && wasm.median >= ts.median) extra.met = 'no (slower than TS)';
    rows.push(row('kernels', c.name, c.name.startsWith('Covariance') ? 'spectrum 1024' : 'image 1024×1024', wasm, extra));
  }

  for (const a of [mean, mean64, variance, maximum, median, median64, covariance]) a.dispose();
  mean = mean64 = variance = maximum = median = median64 = covariance = undefined as never;
  histogrammer.dispose();
  profiler.dispose();
  cutOut.dispose();
  for (const w of [...wasmImages, ...wasmImages64, ...wasmSpectra, wasmDark]) w.dispose();
  return rows;
}
