// An experiment config in its validated form (docs/config.md): every default filled in, the
// transforms and sinks in the forms of their ops (analysis/ops).
import type { ValueSpec } from '../../data/calibration.js';
import type { PayloadConfig, SinkConfig, TransformConfig } from '../ops/index.js';

export type { PayloadConfig, SinkConfig, TransformConfig };
export type { DataType } from '../ops/index.js';

/** One detector: its id, optional dark folder / file, eV per ADU. */
export interface DetectorConfig {
  id: string;
  /** Folder of dark files or one dark file; relative paths are resolved against the data folder. */
  dark: string | null;
  evPerAdu: number | 'auto';
}

/** One database value: the ValueSpec forms of bindings/data/calibration.ts. */
export type ValueConfig = ValueSpec;

/** Keep shots whose value is > 0 / drop a scanned motor's acceleration / keep min ≤ v ≤ max. */
export type FilterConfig =
  | { shutter: string }
  | { motorStep: string }
  /** min / max are ±Infinity when omitted or null in the file; NaN is removed. */
  | { value: string; min: number; max: number };

export type FilterKind = 'shutter' | 'motorStep' | 'value';

/** The filter's kind and the value it looks at. */
export function filterInfo(f: FilterConfig): { kind: FilterKind; value: string } {
  if ('shutter' in f) return { kind: 'shutter', value: f.shutter };
  if ('motorStep' in f) return { kind: 'motorStep', value: f.motorStep };
  return { kind: 'value', value: f.value };
}

export type ConstantConfig =
  | { axis: { length: number; centerIndex: number; centerEv: number; evPerPixel: number } }
  | { histogramCenters: { bins: number; range: [number, number] } }
  | { values: number[] };

export interface OutputConfig {
  name: string;
  /** A detector, a value, 'index' or 'tag'. */
  source: string;
  transforms: TransformConfig[];
  sink: SinkConfig;
  /** Applied once to the sink's value (only for sinks that allow it: mean, variance, min, max, median, quantile). */
  after: TransformConfig[];
  /** A constant to plot a 1-D output against (its last axis for a per-shot list): the result file's NXdata axes. */
  axis?: string;
}

export interface ThinningConfig {
  maxShots: number | null;
  step: number;
}

export interface ExperimentConfig {
  /** The file the config was read from (named in errors), or null. Not stored, not hashed. */
  source: string | null;
  name: string | null;
  description: string | null;
  detectors: Record<string, DetectorConfig>;
  values: Record<string, ValueConfig>;
  filters: FilterConfig[];
  constants: Record<string, ConstantConfig>;
  outputs: OutputConfig[];
  thinning: ThinningConfig;
}

export type SourceKind = 'detector' | 'value' | 'index' | 'tag';
