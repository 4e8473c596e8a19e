// The package inside a browser worker: the wasm core loads from the bundle's asset URL.
import { Mean, Variance, Histogrammer, MedianEstimator, radialProfile, memoryBytes } from 'sacla-analysis';

self.onmessage = (event: MessageEvent<{ length: number }>) => {
  try {
    const { length } = event.data;
    const mean = new Mean();
    const variance = new Variance();
    const median = new MedianEstimator();
    // Image k holds the value (i % 7) + k at pixel i: easy to check by hand.
    const image = new Float32Array(length);
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < length; i++) image[i] = (i % 7) + k;
      mean.accumulate(image);
      variance.accumulate(image);
      median.accumulate(image);
    }
    const histogram = new Histogrammer(7, [0, 7]).histogram(image);
    const profile = radialProfile(new Float32Array(25).fill(2), [5, 5]);
    const m = mean.value as Float64Array;
    const v = variance.value as Float64Array;
    const q = median.value as Float64Array;
    self.postMessage({
      mean: [m[0], m[6], m[length - 1]],
      variance: v[3],
      median: [q[0], q[6]],
      histogram: Array.from(histogram),
      profile: Array.from(profile.profile),
      counts: Array.from(profile.counts),
      memoryBytes: memoryBytes(),
      crossOriginIsolated: self.crossOriginIsolated,
    });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};

self.postMessage({ ready: true });
