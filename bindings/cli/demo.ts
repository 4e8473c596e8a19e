// `sacla demo`: the kernels on a synthetic image stack, with what they computed and how fast.
import type { Command } from 'commander';
import { Rng, normalTable16 } from '../data/random.js';
import {
  WasmArray,
  Mean,
  Variance,
  Maximum,
  MedianEstimator,
  Histogrammer,
  RangeCounter,
  NoiseCutter,
  RadialProfiler,
  TopK,
  imageSum,
  meanAlongAxis,
} from '../index.js';
import { integer } from './options.js';

interface DemoOptions {
  shots: number;
  size: number;
  seed: number;
  json?: boolean;
}

/**
 * A detector-like image: read noise (σ 30 eV) on every pixel, Poisson photon hits of
 * 3650 eV concentrated in a ring around the centre (scattering), brighter on odd shots.
 */
function makeImage(out: Float32Array, size: number, shot: number, rng: Rng, noise: Float32Array): void {
  const centre = size / 2;
  const ringRadius = size / 4;
  const brightness = 0.002 * (shot % 2 ? 3 : 1);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const bits = rng.nextU32();
      let v = 30 * noise[bits & 0xffff];
      const distance = Math.hypot(r - centre, c - centre);
      const rate = brightness * Math.exp(-((distance - ringRadius) ** 2) / (2 * (size / 20) ** 2));
      if ((bits >>> 16) / 65536 < rate) v += 3650;
      out[r * size + c] = v;
    }
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the numeric kernels on a synthetic detector image stack and print what they computed')
    // Bounded so that a typo cannot ask for days of work or more memory than a wasm module has.
    .option('--shots <n>', 'number of synthetic images', integer('--shots', 2, 100_000), 100)
    .option('--size <n>', 'image size (n × n pixels)', integer('--size', 8, 4096), 1024)
    .option('--seed <n>', 'random seed', integer('--seed', 0), 1)
    .option('--json', 'print one JSON object')
    .action((options: DemoOptions) => {
      const { shots, size, seed } = options;
      const pixels = size * size;
      const rng = new Rng(seed);
      const noise = normalTable16();
      const host = new Float32Array(pixels);
      const image = new WasmArray('f32', pixels);
      const cut = new WasmArray('f32', pixels);
      const shaped = { data: image, shape: [size, size] };
      const mean = new Mean();
      const variance = new Variance();
      const maximum = new Maximum();
      const median = new MedianEstimator();
      const histogrammer = new Histogrammer(200, [0, 50000]);
      const histogramMean = new Mean();
      const bright = new RangeCounter(40);
      const cutter = new NoiseCutter(1000, 0);
      const profiler = new RadialProfiler([size, size]);
      const brightest = new TopK<number>(3);
      const brightCounts: number[] = [];
      let generateMs = 0;
      let kernelMs = 0;
      for (let shot = 0; shot < shots; shot++) {
        let t = performance.now();
        makeImage(host, size, shot, rng, noise);
        image.set(host);
        generateMs += performance.now() - t;
        t = performance.now();
        mean.accumulate(shaped);
        variance.accumulate(shaped);
        maximum.accumulate(shaped);
        median.accumulate(shaped);
        histogramMean.accumulate(histogrammer.histogram(image));
        brightCounts.push(bright.count(image));
        cutter.cutInWasm(image, cut);
        brightest.add(imageSum(cut), shot);
        kernelMs += performance.now() - t;
        if (!options.json && process.stderr.isTTY) process.stderr.write(`\rdemo: ${shot + 1}/${shots} images`);
      }
      if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
      const meanImage = (mean.value as { data: Float64Array }).data;
      const profile = profiler.profile({ data: Float32Array.from(meanImage), shape: [size, size] }).profile;
      const ringBin = profile.reduce((best, v, r) => (v > profile[best] ? r : best), 0);
      const spectrum = meanAlongAxis({ data: Float32Array.from(meanImage), shape: [size, size] }, 1);
      const histogram = (histogramMean.value as Float64Array).slice(0, 5);
      const medianImage = (median.value as { data: Float64Array }).data;
      const summary = {
        shots,
        shape: [size, size],
        meanOfMeanImage: meanImage.reduce((a, b) => a + b, 0) / pixels,
        meanPixelVariance: (variance.value as { data: Float64Array }).data.reduce((a, b) => a + b, 0) / pixels,
        maxPixel: (maximum.value as { data: Float32Array }).data.reduce((a, b) => Math.max(a, b), -Infinity),
        medianOfMedianImage: [...medianImage].sort((a, b) => a - b)[pixels >> 1],
        meanHistogramFirstBins: Array.from(histogram, (v) => Math.round(v)),
        brightPixelsPerShot: brightCounts.reduce((a, b) => a + b, 0) / shots,
        brightestShots: brightest.entries.map((e) => ({ shot: e.payload, total: Math.round(e.value) })),
        radialPeakRadius: ringBin,
        expectedRingRadius: size / 4,
        spectrumMinMax: [Math.min(...spectrum), Math.max(...spectrum)],
        kernelMsPerImage: kernelMs / shots,
        generateMsPerImage: generateMs / shots,
      };
      for (const a of [mean, variance, maximum, median, histogramMean]) a.dispose();
      histogrammer.dispose();
      profiler.dispose();
      image.dispose();
      cut.dispose();
      if (options.json) {
        process.stdout.write(JSON.stringify(summary) + '\n');
        return;
      }
      const f = (v: number, digits = 2) => v.toFixed(digits);
      process.stdout.write(
        [
          `sacla demo: ${shots} synthetic ${size}×${size} float32 images (seed ${seed})`,
          `  mean image, average pixel        ${f(summary.meanOfMeanImage)} eV`,
          `  variance image, average pixel    ${f(summary.meanPixelVariance, 0)} eV²`,
          `  maximum image, brightest pixel   ${f(summary.maxPixel, 0)} eV`,
          `  P² median image, median pixel    ${f(summary.medianOfMedianImage)} eV`,
          `  mean histogram, bins 0-4         ${summary.meanHistogramFirstBins.join(' ')} (200 bins over 0..50000 eV)`,
          `  bright pixels (> 40 eV) per shot ${f(summary.brightPixelsPerShot, 0)}`,
          `  top-3 shots by noise-cut sum     ${summary.brightestShots.map((s) => `#${s.shot} (${s.total} eV)`).join(', ')}`,
          `  radial profile peak              r = ${ringBin} px (ring put at ${size / 4} px)`,
          `  spectrum (mean along axis 1)     ${f(summary.spectrumMinMax[0])} .. ${f(summary.spectrumMinMax[1])} eV`,
          `  kernels: ${f(summary.kernelMsPerImage)} ms per image (${f(1000 / summary.kernelMsPerImage, 0)} images/s); ` +
            `making the images: ${f(summary.generateMsPerImage)} ms each`,
          '',
        ].join('\n'),
      );
    });
}
