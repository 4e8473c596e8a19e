// Synthetic SACLA runs in the converter layout, for tests, the demo and benchmarks: the original
// experiment's MPCCDs (a 1N0 spectrometer, two 2N0 detectors of two sensors each, with
// geometry and per-sensor gains) with pedestal, read noise, gain, Poisson photon hits, a
// drifting spectrometer line, a forward scattering spot, bad (NaN) pixels; per-tag database
// values for every key of the original config; dark files around the run. Deterministic for a
// seed. Real users' files come from SACLA's converter: tests read h5py-written ones too.
import { ConfigError, DataError } from '../core/errors.js';
import { files, paths } from '../core/files.js';
import type { ValueSpec } from './calibration.js';
import { DetectorGeometry, type SensorGeometry } from '../image/geometry.js';
import { collectHdf5Diagnostics, guarded, h5lib, hdf5Cause, loadH5 } from './h5.js';
import { encodeNpy } from './npy.js';
import { Rng, normalTable16 } from './random.js';

/** Attenuator motor table of the original experiment: pulses → Si thickness (mm). */
export const ATTENUATOR_PULSES = [226200, 179059, 166522, 154238, 135266, 91636, 79067, 66630, 54075, 41718, 22601];
export const ATTENUATOR_MM = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2.0, 2.5, 3.0];

/** Equipment keys written by `sacla synth`: the original experiment's (its exp_config.py). */
export const KEYS = {
  shutter: 'xfel_bl_3_shutter_1_open_valid/status',
  sampleX2: 'xfel_bl_3_st_5_motor_facility_14/position',
  sampleZ1: 'xfel_bl_3_st_5_motor_user_18/position',
  sampleY: 'xfel_bl_3_st_5_motor_facility_10/position',
  attenuator: 'xfel_bl_3_st_5_motor_facility_29/position',
  crystalTheta: 'xfel_bl_3_st_1_motor_67/position',
  diode: 'xfel_bl_3_st_5_direct_bm_1_pd/charge',
} as const;

/** Detector ids of the original experiment. */
export const DETECTOR_IDS = {
  spectrometer: 'MPCCD-1N0-M07-006',
  side_ccd: 'MPCCD-2N0-M02-003',
  forward_ccd: 'MPCCD-2N0-M02-001',
} as const;

/** The data half of the original (kuschel2023) experiment config, as the synthetic runs follow it. */
export const KUSCHEL2023: {
  detectors: Record<string, string>;
  values: Record<string, ValueSpec>;
  darkFolders: Record<string, string>;
} = {
  detectors: { ...DETECTOR_IDS },
  values: {
    sampleX2: [KEYS.sampleX2, 0.5e-6],
    sampleZ1: [KEYS.sampleZ1, 0.05e-6],
    sampleY: [KEYS.sampleY, 0.25e-6],
    attenuator_eh_5_Si_m: { key: KEYS.attenuator, nearest: { x: ATTENUATOR_PULSES, y: ATTENUATOR_MM.map((mm) => mm * 1e-3) } },
    crystalTheta_pulses: KEYS.crystalTheta,
    diode: KEYS.diode,
    shutter_open: KEYS.shutter,
  },
  darkFolders: { spectrometer: 'darks/spectrometer', side_ccd: 'darks/side_ccd', forward_ccd: 'darks/forward_ccd' },
};

type DetKind = 'spectrometer' | 'side' | 'forward';

interface DetPreset {
  name: keyof typeof DETECTOR_IDS;
  kind: DetKind;
  /** Rows × columns of one sensor. */
  sensor: [number, number];
  /** absolute_gain of each sensor (the detector has this many sensors). */
  gains: number[];
  /** Mean photons per shot at full pulse energy and transmission. */
  photons: number;
}

export const PRESETS: Record<'kuschel2023' | 'small', DetPreset[]> = {
  kuschel2023: [
    { name: 'spectrometer', kind: 'spectrometer', sensor: [1024, 512], gains: [4.2], photons: 1500 },
    { name: 'side_ccd', kind: 'side', sensor: [1024, 512], gains: [4.6, 4.75], photons: 1200 },
    { name: 'forward_ccd', kind: 'forward', sensor: [1024, 512], gains: [4.4, 4.3], photons: 4000 },
  ],
  small: [
    { name: 'spectrometer', kind: 'spectrometer', sensor: [1024, 8], gains: [4.2], photons: 200 },
    { name: 'side_ccd', kind: 'side', sensor: [64, 32], gains: [4.6, 4.75], photons: 150 },
    { name: 'forward_ccd', kind: 'forward', sensor: [64, 32], gains: [4.4, 4.3], photons: 400 },
  ],
};

export type PresetName = keyof typeof PRESETS;

/**
 * How detectors are stored: `sensors` as converter files do (a group per sensor, named
 * `<id>-1`, `<id>-2` for the 2N0 detectors, with geometry and a gain each); `single` as
 * re-written files often are (one 2-D group per detector, the sensors side by side, no gap).
 */
export type Layout = 'sensors' | 'single';

export interface SynthOptions {
  /** Output folder: writes `<out>/<run>.h5` and `<out>/darks/<detector>/dark_<unix time>.npy`. */
  out: string;
  run: number;
  shots?: number;
  preset?: PresetName;
  layout?: Layout;
  seed?: number;
  /** Called after each shot. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the writing (the partial file is removed) when aborted. */
  signal?: AbortSignal;
}

export interface SynthResult {
  path: string;
  run: number;
  shots: number;
  tags: number[];
  startTime: number;
  endTime: number;
  darks: Record<string, string[]>;
  /** The dark of each detector that matches the run's pedestal. */
  matchingDarks: Record<string, string>;
  bytes: number;
}

const PEDESTAL = 1200; // ADU
const READ_NOISE = 4; // ADU
const INCIDENT_EV = 10000;
const FLUORESCENCE_EV = 6404; // Fe Kα1
const SPEC_EV_PER_PX = 0.346;
const SPEC_CENTRE_EV = 6390.4;
const PIXEL_UM = 50;
/** Columns of picture between the two sensors of a 2N0 detector (1024 + 46 = 1070 wide in all). */
const GAP_PX = { kuschel2023: 46, small: 6 };
/** Dark timestamps relative to the run's middle (s) and their pedestal offsets (ADU). */
const DARK_TIMES: [number, number][] = [
  [-5400, 37],
  [-1500, -23],
  [300, 0],
  [3600, 61],
];
const START_EPOCH = 1686000000; // 2023-06-05
const TAG0 = 1_300_000_000;

/**
 * Where the sensors of a synthetic detector lie: sensor 1 at rotation 0, sensor 2 rotated by
 * 180° beside it across a gap, so the picture is rows × (2·cols + gap) and each sensor's
 * readout edge is outside.
 */
function sensorGeometry(k: number, [rows, cols]: [number, number], gap: number): SensorGeometry {
  const base = { rotation: 0, stageDirection: 0, stageShiftWeight: 0, manipulatorPosition: 0, pixelSize: [PIXEL_UM, PIXEL_UM] as [number, number] };
  // Centred on the beam: the picture's middle at X = Y = 0.
  const x1 = (PIXEL_UM * (2 * cols + gap - 1)) / 2;
  const y1 = (-PIXEL_UM * (rows - 1)) / 2;
  if (k === 0) return { ...base, coordinate: [x1, y1, 0] };
  return { ...base, rotation: 180, coordinate: [x1 - PIXEL_UM * (2 * cols + gap - 1), y1 + PIXEL_UM * (rows - 1), 0] };
}

/** Writes a synthetic run and its darks. */
export async function writeSyntheticRun(opts: SynthOptions): Promise<SynthResult> {
  const { out, run } = opts;
  const shots = opts.shots ?? 200;
  const preset = opts.preset ?? 'kuschel2023';
  const layout = opts.layout ?? 'sensors';
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(run) || run < 0) throw new ConfigError(`--run must be a non-negative integer, got ${run}`);
  if (!Number.isInteger(shots) || shots < 1) throw new ConfigError(`--shots must be a positive integer, got ${shots}`);
  if (!(preset in PRESETS)) throw new ConfigError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  if (layout !== 'sensors' && layout !== 'single') throw new ConfigError(`unknown layout "${layout}" (known: sensors, single)`);
  if (!Number.isFinite(seed)) throw new ConfigError(`--seed must be a number, got ${seed}`);
  const dets = PRESETS[preset];
  const fs = files();
  fs.mkdir(out);
  await loadH5();
  const h5 = h5lib();

  // ---- per-tag timeline and database values ----
  const rng = new Rng(seed, run, 1);
  const tags: number[] = [];
  let tag = TAG0 + (run % 4200) * 200_000; // within int32, as the files store tags, for seven-digit runs too
  for (let s = 0; s < shots; s++) {
    tags.push(tag);
    tag += 2; // 30 Hz on the 60 Hz tag clock
    if (s === Math.floor(shots * 0.4)) tag += 6; // a gap in the tag list
  }
  const t0 = START_EPOCH + run * 14400;
  const time = tags.map((t) => t0 + (t - tags[0]) / 60);
  const startTime = time[0];
  const endTime = time[time.length - 1];
  const middle = (startTime + endTime) / 2;

  const shutter = new Float64Array(shots);
  const closedA = Math.max(1, Math.round(shots * 0.05));
  const closedB0 = Math.floor(shots * 0.6);
  const closedB1 = closedB0 + Math.max(1, Math.round(shots * 0.05));
  for (let s = 0; s < shots; s++) shutter[s] = s < closedA || (s >= closedB0 && s < closedB1) ? 0 : 1;

  // sampleX2: a continuous scan with acceleration and deceleration phases (motor pulses).
  const sampleX = new Float64Array(shots);
  const vmax = 40; // pulses per shot = 20 µm per shot
  const ramp = Math.max(4, Math.round(shots * 0.08)); // shots of acceleration / deceleration
  let x = 10000 + run * 1000;
  for (let s = 0; s < shots; s++) {
    x += vmax * Math.max(0, Math.min(1, s / ramp, (shots - 1 - s) / ramp));
    sampleX[s] = Math.round(x + rng.normal() * 0.5);
  }
  const sampleY = new Float64Array(shots).map(() => -5000 + 200 * (run % 7) + Math.round(rng.normal() * 0.5));
  const zRun = 20000 * ((run % 9) - 4); // a focus scan across runs: ±4 mm in 1 mm steps (0.05 µm per pulse)
  const sampleZ = new Float64Array(shots).map(() => zRun + Math.round(rng.normal() * 0.5));
  const attIndex = run % ATTENUATOR_PULSES.length;
  const attenuator = new Float64Array(shots).map(() => ATTENUATOR_PULSES[attIndex] + Math.round(rng.normal() * 2));
  const thicknessMm = ATTENUATOR_MM[attIndex];
  const transmission = Math.exp(-thicknessMm / 1.0);
  const theta = new Float64Array(shots).fill(125000 + 150 * (run % 5));
  const pulse = new Float64Array(shots); // relative pulse energy (SASE fluctuations)
  for (let s = 0; s < shots; s++) pulse[s] = Math.max(0.05, 1 + 0.25 * rng.normal());
  const diode = pulse.map((p) => 80 * p + 0.5 * rng.normal());
  const photonEnergy = new Float64Array(shots).map(() => INCIDENT_EV + 5 * rng.normal());
  // Focus: the forward spot widens and the side signal falls away from z = 0.
  const defocus = zRun / 40000;
  const focusGain = 0.3 + Math.exp(-0.5 * defocus * defocus);

  const finalPath = paths.join(out, `${run}.h5`);
  const tmpPath = paths.join(out, `${run}.tmp.h5`);
  const f = guarded(tmpPath, 'a new file for writing', () => new h5.File(tmpPath, 'w'));
  const diagnostics = collectHdf5Diagnostics();
  const darks: Record<string, string[]> = {};
  const matchingDarks: Record<string, string> = {};
  try {
    f.create_group('file_info');
    f.create_dataset({ name: 'file_info/format_type', data: 'run_data_format' });
    f.create_dataset({ name: 'file_info/version', data: '3.20' });
    f.create_dataset({ name: 'file_info/run_number_list', data: BigInt64Array.of(BigInt(run)) });
    const r = f.create_group(`run_${run}`);
    for (const g of ['event_info', 'event_info/bl_3', 'event_info/bl_3/oh_2', 'event_info/bl_3/eh_1', 'event_info/acc']) r.create_group(g);
    for (const g of ['run_info', 'run_info/sacla_config', 'run_info/detector_config', 'daq_info', 'exp_info']) r.create_group(g);
    // Tags as the converter writes them: int32.
    r.create_dataset({ name: 'event_info/tag_number_list', data: Int32Array.from(tags) });
    r.create_dataset({ name: 'event_info/time_stamp', data: Float64Array.from(time) });
    r.create_dataset({ name: 'event_info/bl_3/oh_2/photon_energy_in_eV', data: photonEnergy });
    r.create_dataset({ name: 'event_info/bl_3/eh_1/xfel_pulse_selector_status', data: new Int32Array(shots).fill(1) });
    r.create_dataset({ name: 'event_info/acc/accelerator_status', data: new Int32Array(shots).fill(1) });
    r.create_dataset({ name: 'run_info/start_tag_number', data: Int32Array.of(tags[0]), shape: [] });
    r.create_dataset({ name: 'run_info/end_tag_number', data: Int32Array.of(tags[tags.length - 1]), shape: [] });
    // h5wasm would store a whole-number JS value as an integer: float64 scalars are given as arrays.
    const f64 = (x: number) => ({ data: Float64Array.of(x), shape: [] as number[] });
    r.create_dataset({ name: 'run_info/sacla_config/photon_energy_in_eV', ...f64(INCIDENT_EV) });
    r.create_dataset({ name: 'run_info/sacla_config/electron_energy_in_eV', ...f64(8.0e9) });
    r.create_dataset({ name: 'run_info/sacla_config/k_parameter', ...f64(2.1) });
    r.create_dataset({ name: 'run_info/sacla_config/repetition_rate', ...f64(30) });
    r.create_dataset({ name: 'exp_info/comment', data: `synthetic run ${run} (sacla synth, preset ${preset}, layout ${layout}, seed ${seed})` });
    const daq: [string, Float64Array][] = [
      [KEYS.shutter, shutter],
      [KEYS.sampleX2, sampleX],
      [KEYS.sampleZ1, sampleZ],
      [KEYS.sampleY, sampleY],
      [KEYS.attenuator, attenuator],
      [KEYS.crystalTheta, theta],
      [KEYS.diode, diode],
    ];
    for (const [key, data] of daq) {
      const [grp, ds] = key.split('/');
      r.create_group(`daq_info/${grp}`);
      r.create_dataset({ name: `daq_info/${grp}/${ds}`, data });
    }

    // ---- detectors: fixed pedestal pattern, bad pixels, images ----
    // Photons land on the detector's picture (its sensors as placed by their geometry); a
    // photon in a gap between sensors is lost. In the `single` layout the picture is the image.
    const noise = normalTable16();
    let group = 0;
    const groupList: number[] = [];
    const state = dets.map((d, k) => {
      const [sRows, sCols] = d.sensor;
      const sensors = layout === 'sensors' ? d.gains.length : 1;
      const shape: [number, number] = layout === 'sensors' ? [sRows, sCols] : [sRows, sCols * d.gains.length];
      const per = shape[0] * shape[1];
      const n = per * sensors;
      const geometry =
        layout === 'sensors' && sensors > 1
          ? new DetectorGeometry(d.gains.map((_, j) => ({ geometry: sensorGeometry(j, d.sensor, GAP_PX[preset]), rows: sRows, cols: sCols })))
          : null;
      const picture = geometry ? geometry.shape : shape;
      const map = geometry ? geometry.assemblyMap() : null;
      const dr = new Rng(seed, 1000 + k);
      const ped = new Float32Array(n);
      for (let sensor = 0; sensor < sensors; sensor++) {
        const colOff = new Float32Array(shape[1]).map(() => 8 * dr.normal());
        for (let i = 0; i < shape[0]; i++) {
          for (let j = 0; j < shape[1]; j++) ped[sensor * per + i * shape[1] + j] = PEDESTAL + colOff[j] + 0.02 * i + 15 * dr.normal();
        }
      }
      const nBad = Math.max(3, Math.round(n * 1e-4));
      const bad = new Uint32Array(nBad).map(() => Math.floor(dr.uniform() * n));
      const groups = Array.from({ length: sensors }, (_, j) => {
        const g = r.create_group(`detector_2d_${++group}`);
        groupList.push(group);
        const info = g.create_group('detector_info');
        const id = sensors > 1 ? `${DETECTOR_IDS[d.name]}-${j + 1}` : DETECTOR_IDS[d.name];
        info.create_dataset({ name: 'detector_name', data: id });
        info.create_dataset({ name: 'absolute_gain', data: Float32Array.of(d.gains[j]), shape: [] });
        info.create_dataset({ name: 'pixel_size_in_micro_meter', data: Float64Array.of(PIXEL_UM, PIXEL_UM) });
        if (layout === 'sensors') {
          const geo = sensors > 1 ? sensorGeometry(j, d.sensor, GAP_PX[preset]) : sensorGeometry(0, d.sensor, -d.sensor[1]);
          info.create_dataset({ name: 'detector_coordinate_in_micro_meter', data: Float64Array.from(geo.coordinate) });
          info.create_dataset({ name: 'detector_rotation_angle_in_degree', ...f64(geo.rotation) });
          info.create_dataset({ name: 'detector_stage_direction_in_degree', ...f64(0) });
          info.create_dataset({ name: 'detector_stage_shift_weight', ...f64(0) });
          info.create_dataset({ name: 'manipulator_position_in_micro_meter', ...f64(0) });
          info.create_dataset({ name: 'detector_type', data: Int32Array.of(6), shape: [] });
          info.create_dataset({ name: 'exposure_time_in_sec', ...f64(0.001) });
        }
        return g;
      });
      const evPerAdu = Array.from({ length: sensors }, (_, j) => d.gains[j] * 3.65);
      return { d, shape, per, n, sensors, picture, map, ped, bad, groups, evPerAdu, rng: new Rng(seed, run, 2000 + k) };
    });
    r.create_dataset({ name: 'run_info/detector_config/detector_2d_list', data: Int32Array.from(groupList) });
    const img = state.map((st) => new Float32Array(st.n));
    let lastYield = performance.now();
    for (let s = 0; s < shots; s++) {
      // Let signals in now and then: a full-size run takes minutes.
      if (performance.now() - lastYield > 100) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      for (let k = 0; k < state.length; k++) {
        const st = state[k];
        const im = img[k];
        const rr = st.rng;
        const { n } = st;
        for (let i = 0; i < n; i += 2) {
          const u = rr.nextU32();
          im[i] = st.ped[i] + READ_NOISE * noise[u & 0xffff];
          if (i + 1 < n) im[i + 1] = st.ped[i + 1] + READ_NOISE * noise[u >>> 16];
        }
        if (shutter[s] > 0) {
          const [rows, cols] = st.picture;
          const scale = rows / 1024;
          let lam = st.d.photons * pulse[s] * transmission;
          let ev = FLUORESCENCE_EV;
          if (st.d.kind === 'side') lam *= focusGain;
          if (st.d.kind === 'forward') ev = INCIDENT_EV;
          const nPh = rr.poisson(lam);
          const drift = 3 * Math.sin((2 * Math.PI * s) / 97) + 0.01 * s;
          const lineRow = rows / 2 + ((FLUORESCENCE_EV - SPEC_CENTRE_EV) / SPEC_EV_PER_PX) * scale + drift * scale;
          const spot = Math.max(1, 12 * (rows / 1024) * Math.sqrt(1 + defocus * defocus));
          for (let p = 0; p < nPh; p++) {
            let i: number;
            let j: number;
            if (st.d.kind === 'spectrometer') {
              i = Math.round(lineRow + Math.max(0.6, 2.5 * scale) * rr.normal());
              j = Math.floor(rr.uniform() * cols);
            } else if (st.d.kind === 'forward') {
              const halo = rr.uniform() < 0.2;
              const w = halo ? spot * 8 : spot;
              // The scattering spot lies on the first sensor (the direct beam passes by it).
              i = Math.round(rows / 2 + w * rr.normal());
              j = Math.round(st.d.sensor[1] / 2 + w * rr.normal());
            } else {
              // side: fluorescence, brighter towards the sample side (low column index)
              i = Math.floor(rr.uniform() * rows);
              j = Math.floor(cols * (1 - Math.sqrt(rr.uniform())));
            }
            if (i < 0 || i >= rows || j < 0 || j >= cols) continue;
            const pixel = st.map ? st.map[i * cols + j] : i * cols + j;
            if (pixel < 0) continue;
            const sensor = Math.floor(pixel / st.per);
            im[pixel] += (ev / st.evPerAdu[sensor]) * (1 + 0.03 * rr.normal());
          }
        }
        for (const b of st.bad) im[b] = NaN;
        st.groups.forEach((g, j) => {
          const tg = g.create_group(`tag_${tags[s]}`);
          tg.create_dataset({ name: 'detector_data', data: im.slice(j * st.per, (j + 1) * st.per), shape: st.shape, dtype: '<f' });
          tg.create_dataset({ name: 'detector_status', data: Int32Array.of(1), shape: [] });
          tg.create_dataset({ name: 'temperature', ...f64(-23.5 + 0.1 * j) });
        });
      }
      opts.onProgress?.(s + 1, shots);
    }

    // ---- darks around the run: only the closest one matches the pedestal ----
    for (const st of state) {
      if (!(st.d.name in KUSCHEL2023.darkFolders)) continue;
      const folder = paths.join(out, 'darks', st.d.name);
      fs.mkdir(folder);
      darks[st.d.name] = [];
      const shape = st.sensors > 1 ? [st.sensors, ...st.shape] : st.shape;
      for (const [dt, offset] of DARK_TIMES) {
        const ts = Math.round(middle + dt);
        const data = new Float32Array(st.n);
        for (let i = 0; i < st.n; i++) data[i] = st.ped[i] + offset;
        const p = paths.join(folder, `dark_${ts}.npy`);
        fs.write(p, encodeNpy(data, shape));
        darks[st.d.name].push(p);
        if (offset === 0) matchingDarks[st.d.name] = p;
      }
    }
    f.close();
    // HDF5 reports a failed write (a full disk) on stderr and goes on: its messages mean the file is incomplete.
    const messages = diagnostics.stop();
    if (messages) throw new DataError(`cannot write ${finalPath}: ${hdf5Cause(messages)}`);
  } catch (err) {
    try {
      f.close();
    } catch {
      /* already closed */
    }
    fs.remove(tmpPath);
    // A write HDF5 refused shows up later as a missing group or dataset: its own reason is the cause.
    const messages = diagnostics.stop();
    if (messages && !(err instanceof DataError)) throw new DataError(`cannot write ${finalPath}: ${hdf5Cause(messages)}`);
    throw err;
  }
  fs.rename(tmpPath, finalPath);
  return {
    path: finalPath,
    run,
    shots,
    tags,
    startTime,
    endTime,
    darks,
    matchingDarks,
    bytes: fs.stat(finalPath)!.size,
  };
}
