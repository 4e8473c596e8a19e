// What the page and the analysis worker say to each other.

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

/** A detector of a run as the page lists it (its sensors grouped). */
export interface DetectorSummary {
  id: string;
  sensors: number;
  /** The file's group of each sensor (detector_2d_N), in sensor order. */
  groups: string[];
  shape: number[];
  dtype: string;
  /** eV per ADU of each sensor (null where the gain is missing). */
  evPerAdu: (number | null)[];
  tags: number;
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
  detectors: DetectorSummary[];
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
