// The public API of sacla-analysis, portable (Node and browsers); sacla-analysis/node adds worker threads.
export { core, memoryBytes, WasmArray } from './core/wasm.js';
export type { ArrayInput, NDArray, NumericArray, WasmImage, Form } from './core/input.js';

export { Accumulator, ElementwiseAccumulator, type AccumulatorState } from './stats/accumulator.js';
export { Counter } from './stats/counter.js';
export { CacheAccumulator } from './stats/cache.js';
export { Minimum, Maximum, Mean, RunningMean, Variance, RunningVariance, type Value } from './stats/elementwise.js';
export { Covariance, RunningCovariance } from './stats/covariance.js';
export { CDFEstimator, QuantileEstimator, MedianEstimator, type MarkerValue } from './stats/quantile.js';
export { BinSorter, DynamicBinSorter, digitize, type BinSorterOptions } from './stats/binsorter.js';
export { Histogrammer, RangeCounter } from './stats/histogram.js';
export { TopK, type TopKEntry, type TopKState } from './stats/topk.js';
export { restoreAccumulator } from './stats/restore.js';

export { NoiseCutter } from './image/noiseCut.js';
export { radialProfile, RadialProfiler, type RadialOptions, type RadialProfile } from './image/radialProfile.js';
export { DetectorGeometry, sensorPositions, assemble, type SensorGeometry, type PlacedSensor } from './image/geometry.js';
export { meanAlongAxis, sumAlongAxis, imageSum, roiSum, roiMean, cropImage, correctImage, correctImageInWasm, type ROI, type Correction } from './image/reduce.js';

export {
  openRun,
  Run,
  searchEquipment,
  Detector,
  DBReader,
  RunFile,
  RunSource,
  resolveDetector,
  detectorsOf,
  listRuns,
  listRunFiles,
  newestRun,
  resolveRun,
  closestDark,
  listDarks,
  loadDark,
  parseNpy,
  readNpy,
  encodeNpy,
  readSidecar,
  nearestCalibration,
  linearCalibration,
  loadH5,
  useH5wasm,
  writeSyntheticRun,
  KUSCHEL2023,
  SYNTH_PRESETS,
  EV_PER_ADU_PER_GAIN,
} from './data/index.js';
export type {
  Shot,
  RunConfig,
  OpenRunOptions,
  DetectorOptions,
  LazyImage,
  DBReaderOptions,
  SensorInfo,
  DetectorLayout,
  RunInfo,
  Image,
  RunEntry,
  Dark,
  DarkFile,
  NpyArray,
  ValueSpec,
  CalibrationFn,
  SynthOptions,
  SynthResult,
  PresetName,
} from './data/index.js';

export * as filters from './analysis/filters.js';
export { loadConfig, validateConfig, configHash, defaultConfigPath, type ExperimentConfig } from './analysis/config/index.js';
export { analyseRun, openConfiguredRun, type AnalysisResult, type AnalysisPhases, type ShareSeconds, type AnalyseOptions, type Progress, type RunRef, type Dataset } from './analysis/pipeline.js';
export { ResultFile, fillResultFile, resultName } from './analysis/results.js';
export { writeResult, readResults, openResult } from './analysis/results.js';
export * as table from './analysis/table/index.js';
export { makeDarks, badPixelMask, type MakeDarksOptions, type DarkRunResult, type DetectorDark, type MaskCounts, type SensorSpread, type RobustSpread } from './analysis/darkRun.js';

export { VERSION } from './version.js';
