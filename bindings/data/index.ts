// Runs on disk: SACLA converter HDF5 through h5wasm, Run / Shot / Detector / database values,
// calibrations, darks, the .npy reader, sidecar files and synthetic runs.
export { openRun, Run, searchEquipment } from './run.js';
export type { Shot, RunConfig, OpenRunOptions } from './run.js';
export { Detector } from './detector.js';
export type { DetectorOptions, LazyImage, Image } from './detector.js';
export { RunSource } from './source.js';
export { resolveDetector, detectorsOf, detectorGeometry } from './sensors.js';
export type { DetectorLayout } from './sensors.js';
export { DBReader } from './db.js';
export type { DBReaderOptions } from './db.js';
export { RunFile, listRuns, listRunFiles, newestRun, resolveRun, EV_PER_ADU_PER_GAIN } from './runfile.js';
export type { SensorInfo, RunEntry, RunInfo } from './runfile.js';
export { closestDark, listDarks, loadDark } from './darks.js';
export type { Dark, DarkFile } from './darks.js';
export { parseNpy, readNpy, encodeNpy, npyToFloat32 } from './npy.js';
export type { NpyArray, NpyData } from './npy.js';
export { parseSidecar, readSidecar, alignSidecar } from './sidecar.js';
export type { Sidecar } from './sidecar.js';
export { normaliseSpec, nearestCalibration, linearCalibration, closestKeys, editDistance } from './calibration.js';
export type { ValueSpec, XYTable, CalibrationFn, NormalisedSpec } from './calibration.js';
export { loadH5, useH5wasm } from './h5.js';
export { writeSyntheticRun, KUSCHEL2023, KEYS as SYNTH_KEYS, DETECTOR_IDS, ATTENUATOR_PULSES, ATTENUATOR_MM, PRESETS as SYNTH_PRESETS } from './synth.js';
export type { SynthOptions, SynthResult, PresetName, Layout } from './synth.js';
export { Rng } from './random.js';
