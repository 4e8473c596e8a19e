// What the page and the analysis worker say to each other.
import type { DetectorInfo } from '../../bindings/data/runfile.js';

/** A flat C-order array and its shape ([] for a scalar). */
export interface Data {
  data: Float32Array | Float64Array | Int32Array;
  shape: number[];
}

/** One user file and where it is mounted (its path relative to the mount folder). */
export interface MountFile {
  path: string;
  file: File;
}

export interface RunSummary {
  /** Path of the file in the worker's file system. */
  path: string;
  /** Path relative to what the user opened. */
  name: string;
  run: number;
  tags: number;
  firstTag: number;
  lastTag: number;
  startTime: number | null;
  endTime: number | null;
  photonEnergy: number | null;
  detectors: DetectorInfo[];
  keys: string[];
}

export interface OpenedRuns {
  runs: RunSummary[];
  /** Files that could not be read as run files (message per file). */
  problems: string[];
  darks: string[];
}

export interface ProgressInfo {
  done: number;
  total: number;
  shotsPerSecond: number;
  etaSeconds: number;
  elapsedSeconds: number;
}

/** A run's result, as a result file holds it. */
export interface ResultData {
  id: string;
  /** The file name ("run_12.h5") or the run file it was analysed from. */
  label: string;
  run: number;
  attrs: Record<string, string | number>;
  datasets: Record<string, Data>;
  /** Shapes of every dataset (also of those not read yet). */
  shapes: Record<string, number[]>;
  /** The config it was made with (attrs.config parsed), or null. */
  config: unknown;
  /** True while the analysis is still running (a preview of merged partial results). */
  partial?: boolean;
  warnings?: string[];
}

/** One loaded result file in the scan view: what is needed to choose x and y. */
export interface ScanFile {
  id: string;
  name: string;
  run: number;
  goodShots: number;
  shapes: Record<string, number[]>;
}

export type Stat = 'median' | 'mean';

export interface ROIRect {
  rows: [number, number];
  cols: [number, number];
}

export interface AxisSpec {
  dataset: string;
  stat: Stat;
  /** For an image dataset: mean over this rectangle (end exclusive); null = whole image. */
  roi?: ROIRect | null;
}

export interface ScanPoint {
  id: string;
  run: number;
  x: number;
  y: number;
}
