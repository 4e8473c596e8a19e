// The datasets a config's constants write (energy axes, histogram centres, lists).
import { histogramCenters } from '../../stats/histogram.js';
import type { ConstantConfig } from './types.js';

/** The values of a constant dataset (float64). */
export function constantValue(c: ConstantConfig): Float64Array {
  if ('axis' in c) {
    const a = c.axis;
    return Float64Array.from({ length: a.length }, (_, i) => (i - a.centerIndex) * a.evPerPixel + a.centerEv);
  }
  if ('histogramCenters' in c) return histogramCenters(c.histogramCenters.bins, c.histogramCenters.range);
  return Float64Array.from(c.values);
}
