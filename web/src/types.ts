// What the page and the analysis worker say to each other.

/** A flat C-order array and its shape ([] for a scalar); int64 datasets arrive as float64. */
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

/**
 * A result (a result file, or an analysis written into one in the worker's memory) as the page
 * sees it: everything but the large datasets, which it asks for when it shows them.
 */
export interface ResultMeta {
  id: string;
  /** The file name ("run_12.h5") or the run file it was analysed from. */
  label: string;
  run: number;
  attrs: Record<string, string | number>;
  /** Shapes of every root dataset. */
  shapes: Record<string, number[]>;
  /** The `units` attribute of each dataset that has one. */
  units: Record<string, string>;
  /** From the file's NXdata groups: a signal's axes, one root dataset (or null: its index) per dimension. */
  axes: Record<string, (string | null)[]>;
  /** The datasets small enough to come along (per-shot values, curves, scalars). */
  small: Record<string, Data>;
  /** The config it was made with (attrs.config parsed), or null. */
  config: unknown;
  /** Made by an analysis in this tab (it can be saved), not opened from a file. */
  analysed: boolean;
  /** For an analysis: whether the run was read from its copy in the browser's storage. */
  fromCopy?: boolean;
  warnings: string[];
}

/** The outputs of a running analysis asked for by the page (the ones it shows). */
export interface Preview {
  /** Shots merged so far. */
  done: number;
  /** Every dataset's shape (when every output was asked for: the datasets are then only the small ones). */
  shapes: Record<string, number[]>;
  datasets: Record<string, Data>;
  /** When every output was asked for: units and axes as the result file will state them. */
  units?: Record<string, string>;
  axes?: Record<string, (string | null)[]>;
}

/** The logbook table as the worker computes it (bindings/analysis/table, as `sacla table`). */
export interface TableData {
  columns: { name: string; header: string; unit: string; kind: 'number' | 'text'; user: boolean; expr: string | null }[];
  /** One row per result; `cells` as printed (one number format per column), `values` as computed. */
  rows: { id: string; run: number; cells: string[]; values: (number | string | null)[] }[];
  problems: string[];
  csv: string;
}

export interface ScanRequest {
  x: string;
  y: string;
  fit: 'gauss' | 'exp' | 'line' | null;
  /** Parameters held fixed (e.g. { bg: 0 }). */
  fixed: Record<string, number>;
}

export interface ScanData {
  x: { label: string; unit: string };
  y: { label: string; unit: string };
  points: { id: string; run: number; x: number; y: number }[];
  fit: import('../../bindings/analysis/table/fit.js').FitResult | null;
  fitUnits: Record<string, string>;
  problems: string[];
}
