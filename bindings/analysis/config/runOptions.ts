// What `openRun` needs of a config: its detectors, values and darks.
import type { OpenRunOptions } from '../../data/run.js';
import type { ExperimentConfig } from './types.js';

/** The options `openRun` needs for a config (detectors, values, darks, evPerAdu). */
export function toRunOptions(config: ExperimentConfig): OpenRunOptions {
  const dets = Object.entries(config.detectors);
  return {
    detectors: Object.fromEntries(dets.map(([n, d]) => [n, d.id])),
    values: { ...config.values },
    darks: Object.fromEntries(dets.map(([n, d]) => [n, d.dark])),
    evPerAdu: Object.fromEntries(dets.map(([n, d]) => [n, d.evPerAdu])),
    origin: config.source ?? undefined,
  };
}
