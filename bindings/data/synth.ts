// Synthetic SACLA runs in the converter layout, for tests, the demo and benchmarks: the original
// experiment's three MPCCDs with pedestal, read noise, gain, Poisson photon hits, a drifting
// spectrometer line, a forward scattering spot, bad (NaN) pixels; per-tag database values for
// every key of the original config; dark files around the run. Deterministic for a seed.
import { UsageError } from '../cli/errors.js';
import type { ValueSpec } from './calibration.js';
import { guarded, h5lib, loadH5 } from './h5.js';
import { encodeNpy } from './npy.js';
import { Rng, normalTable16 } from './random.js';

/** Attenuator motor table of the original experiment: pulses → Si thickness (mm). */
export const ATTENUATOR_PULSES = [226200, 179059, 166522, 154238, 135266, 91636, 79067, 66630, 54075, 41718, 22601];
export const ATTENUATOR_MM = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2.0, 2.5, 3.0];

/** Equipment keys written by `sacla synth` (and used by the kuschel2023 config). */
export const KEYS = {
  shutter: 'xfel_bl_3_shutter_1_open_valid/status',
  sampleX2: 'xfel_bl_3_st_5_motor_facility_14/position',
  sampleY2: 'xfel_bl_3_st_5_motor_facility_15/position',
  sampleZ2: 'xfel_bl_3_st_5_motor_facility_16/position',
  attenuator: 'xfel_bl_3_st_3_motor_facility_29/position',
  i0: 'xfel_bl_3_st_5_pd_user_10_fitting_peak/voltage',
  beamMonitor: 'xfel_bl_3_tc_bm_1_pd/charge',
  photonEnergy: 'event_info/bl_3/oh_2/photon_energy_in_eV',
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
    shutter_open: KEYS.shutter,
    sampleX2: { key: KEYS.sampleX2, scale: 0.5e-6 },
    sampleY2: { key: KEYS.sampleY2, scale: 0.5e-6 },
    sampleZ2: { key: KEYS.sampleZ2, scale: 0.5e-6 },
    attenuator: { key: KEYS.attenuator, nearest: { x: ATTENUATOR_PULSES, y: ATTENUATOR_MM.map((mm) => mm * 1e-3) } },
    i0: KEYS.i0,
    pulse_energy: { key: KEYS.beamMonitor, linear: { x: [0, 100], y: [0, 650] } },
    photon_energy: KEYS.photonEnergy,
  },
  darkFolders: { spectrometer: 'darks/spectrometer', side_ccd: 'darks/side_ccd', forward_ccd: 'darks/forward_ccd' },
};

type DetKind = 'spectrometer' | 'side' | 'forward';

interface DetPreset {
  name: keyof typeof DETECTOR_IDS;
  kind: DetKind;
  shape: [number, number];
  absoluteGain: number;
  /** Mean photons per shot at full pulse energy and transmission. */
  photons: number;
}

export const PRESETS: Record<'kuschel2023' | 'small', DetPreset[]> = {
  kuschel2023: [
    { name: 'spectrometer', kind: 'spectrometer', shape: [1024, 512], absoluteGain: 4.2, photons: 1500 },
    { name: 'side_ccd', kind: 'side', shape: [1024, 1024], absoluteGain: 4.6, photons: 1200 },
    { name: 'forward_ccd', kind: 'forward', shape: [1024, 1024], absoluteGain: 4.4, photons: 4000 },
  ],
  small: [
    { name: 'spectrometer', kind: 'spectrometer', shape: [128, 32], absoluteGain: 4.2, photons: 200 },
    { name: 'side_ccd', kind: 'side', shape: [64, 64], absoluteGain: 4.6, photons: 150 },
    { name: 'forward_ccd', kind: 'forward', shape: [64, 64], absoluteGain: 4.4, photons: 400 },
  ],
};

export type PresetName = keyof typeof PRESETS;

export interface SynthOptions {
  /** Output folder: writes `<out>/<run>.h5` and `<out>/darks/<detector>/dark_<unix time>.npy`. */
  out: string;
  run: number;
  shots?: number;
  preset?: PresetName;
  seed?: number;
  /** Called after each shot. */
  onProgress?: (done: number, total: number) => void;
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
/** Dark timestamps relative to the run's middle (s) and their pedestal offsets (ADU). */
const DARK_TIMES: [number, number][] = [
  [-5400, 37],
  [-1500, -23],
  [300, 0],
  [3600, 61],
];
const START_EPOCH = 1686000000; // 2023-06-05
const TAG0 = 1_300_000_000;

/** Writes a synthetic run and its darks. */
export async function writeSyntheticRun(opts: SynthOptions): Promise<SynthResult> {
  const { out, run } = opts;
  const shots = opts.shots ?? 200;
  const preset = opts.preset ?? 'kuschel2023';
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(run) || run < 0) throw new UsageError(`--run must be a non-negative integer, got ${run}`);
  if (!Number.isInteger(shots) || shots < 1) throw new UsageError(`--shots must be a positive integer, got ${shots}`);
  if (!(preset in PRESETS)) throw new UsageError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  if (!Number.isFinite(seed)) throw new UsageError(`--seed must be a number, got ${seed}`);
  const dets = PRESETS[preset];
  const fs = await import('node:fs');
  const nodePath = await import('node:path');
  fs.mkdirSync(out, { recursive: true });
  await loadH5();
  const h5 = h5lib();

  // ---- per-tag timeline and database values ----
  const rng = new Rng(seed, run, 1);
  const tags: number[] = [];
  let tag = TAG0 + run * 200_000;
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
  const zRun = 2000 * ((run % 9) - 4); // a focus scan across runs
  const sampleZ = new Float64Array(shots).map(() => zRun + Math.round(rng.normal() * 0.5));
  const attIndex = run % ATTENUATOR_PULSES.length;
  const attenuator = new Float64Array(shots).map(() => ATTENUATOR_PULSES[attIndex] + Math.round(rng.normal() * 2));
  const thicknessMm = ATTENUATOR_MM[attIndex];
  const transmission = Math.exp(-thicknessMm / 1.0);
  const pulse = new Float64Array(shots); // relative pulse energy (SASE fluctuations)
  for (let s = 0; s < shots; s++) pulse[s] = Math.max(0.05, 1 + 0.25 * rng.normal());
  const i0 = pulse.map((p) => 0.5 * p + 0.005 * rng.normal());
  const charge = pulse.map((p) => 80 * p + 0.5 * rng.normal());
  const photonEnergy = new Float64Array(shots).map(() => INCIDENT_EV + 5 * rng.normal());
  // Focus: the forward spot widens and the side signal falls away from z = 0.
  const defocus = zRun / 4000;
  const focusGain = 0.3 + Math.exp(-0.5 * defocus * defocus);

  const finalPath = nodePath.join(out, `${run}.h5`);
  const tmpPath = nodePath.join(out, `${run}.tmp.h5`);
  const f = guarded(tmpPath, 'a new file for writing', () => new h5.File(tmpPath, 'w'));
  const darks: Record<string, string[]> = {};
  const matchingDarks: Record<string, string> = {};
  try {
    f.create_group('file_info');
    f.create_dataset({ name: 'file_info/run_number_list', data: BigInt64Array.of(BigInt(run)) });
    const r = f.create_group(`run_${run}`);
    for (const g of ['event_info', 'event_info/bl_3', 'event_info/bl_3/oh_2', 'event_info/bl_3/eh_1', 'event_info/acc']) r.create_group(g);
    for (const g of ['run_info', 'run_info/sacla_config', 'daq_info']) r.create_group(g);
    r.create_dataset({ name: 'event_info/tag_number_list', data: BigInt64Array.from(tags, (t) => BigInt(t)) });
    r.create_dataset({ name: 'event_info/time_stamp', data: Float64Array.from(time) });
    r.create_dataset({ name: 'event_info/high_tag_number', data: BigInt64Array.of(201n) });
    r.create_dataset({ name: 'event_info/bl_3/oh_2/photon_energy_in_eV', data: photonEnergy });
    r.create_dataset({ name: 'event_info/bl_3/eh_1/xfel_pulse_selector_status', data: new Int32Array(shots).fill(1) });
    r.create_dataset({ name: 'event_info/acc/accelerator_status', data: new Int32Array(shots).fill(1) });
    r.create_dataset({ name: 'run_info/sacla_config/photon_energy_in_eV', data: INCIDENT_EV });
    const daq: [string, Float64Array][] = [
      [KEYS.shutter, shutter],
      [KEYS.sampleX2, sampleX],
      [KEYS.sampleY2, sampleY],
      [KEYS.sampleZ2, sampleZ],
      [KEYS.attenuator, attenuator],
      [KEYS.i0, i0],
      [KEYS.beamMonitor, charge],
    ];
    for (const [key, data] of daq) {
      const [grp, ds] = key.split('/');
      r.create_group(`daq_info/${grp}`);
      r.create_dataset({ name: `daq_info/${grp}/${ds}`, data });
    }

    // ---- detectors: fixed pedestal pattern, bad pixels, images ----
    const noise = normalTable16();
    const state = dets.map((d, k) => {
      const [rows, cols] = d.shape;
      const n = rows * cols;
      const dr = new Rng(seed, 1000 + k);
      const ped = new Float32Array(n);
      const colOff = new Float32Array(cols).map(() => 8 * dr.normal());
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) ped[i * cols + j] = PEDESTAL + colOff[j] + 0.02 * i + 15 * dr.normal();
      }
      const nBad = Math.max(3, Math.round(n * 1e-4));
      const bad = new Uint32Array(nBad).map(() => Math.floor(dr.uniform() * n));
      const g = r.create_group(`detector_2d_${k + 1}`);
      g.create_group('detector_info');
      g.create_dataset({ name: 'detector_info/detector_name', data: DETECTOR_IDS[d.name] });
      g.create_dataset({ name: 'detector_info/absolute_gain', data: d.absoluteGain });
      g.create_dataset({ name: 'detector_info/pixel_size_in_micro_meter', data: Float64Array.of(50, 50) });
      return { d, rows, cols, n, ped, bad, g, rng: new Rng(seed, run, 2000 + k), evPerAdu: d.absoluteGain * 3.65 };
    });
    const img = dets.map((d) => new Float32Array(d.shape[0] * d.shape[1]));
    for (let s = 0; s < shots; s++) {
      for (let k = 0; k < state.length; k++) {
        const st = state[k];
        const im = img[k];
        const rr = st.rng;
        const { rows, cols, n } = st;
        for (let i = 0; i < n; i += 2) {
          const u = rr.nextU32();
          im[i] = st.ped[i] + READ_NOISE * noise[u & 0xffff];
          if (i + 1 < n) im[i + 1] = st.ped[i + 1] + READ_NOISE * noise[u >>> 16];
        }
        if (shutter[s] > 0) {
          const scale = rows / 1024;
          let lam = st.d.photons * pulse[s] * transmission;
          let ev = FLUORESCENCE_EV;
          if (st.d.kind === 'side') lam *= focusGain;
          if (st.d.kind === 'forward') ev = INCIDENT_EV;
          const nPh = rr.poisson(lam);
          const adu = ev / st.evPerAdu;
          const drift = 3 * Math.sin((2 * Math.PI * s) / 97) + 0.01 * s;
          const lineRow = rows / 2 + ((FLUORESCENCE_EV - SPEC_CENTRE_EV) / SPEC_EV_PER_PX) * scale + drift * scale;
          const spot = Math.max(1, 12 * (cols / 1024) * Math.sqrt(1 + defocus * defocus));
          for (let p = 0; p < nPh; p++) {
            let i: number;
            let j: number;
            if (st.d.kind === 'spectrometer') {
              i = Math.round(lineRow + Math.max(0.6, 2.5 * scale) * rr.normal());
              j = Math.floor(rr.uniform() * cols);
            } else if (st.d.kind === 'forward') {
              const halo = rr.uniform() < 0.2;
              const w = halo ? spot * 8 : spot;
              i = Math.round(rows / 2 + w * rr.normal());
              j = Math.round(cols / 2 + w * rr.normal());
            } else {
              // side: fluorescence, brighter towards the sample side (low column index)
              i = Math.floor(rr.uniform() * rows);
              j = Math.floor(cols * (1 - Math.sqrt(rr.uniform())));
            }
            if (i < 0 || i >= rows || j < 0 || j >= cols) continue;
            im[i * cols + j] += adu * (1 + 0.03 * rr.normal());
          }
        }
        for (const b of st.bad) im[b] = NaN;
        const tg = st.g.create_group(`tag_${tags[s]}`);
        tg.create_dataset({ name: 'detector_data', data: im, shape: [rows, cols], dtype: '<f' });
      }
      opts.onProgress?.(s + 1, shots);
    }

    // ---- darks around the run: only the closest one matches the pedestal ----
    for (const st of state) {
      const folder = nodePath.join(out, 'darks', st.d.name);
      fs.mkdirSync(folder, { recursive: true });
      darks[st.d.name] = [];
      for (const [dt, offset] of DARK_TIMES) {
        const ts = Math.round(middle + dt);
        const data = new Float32Array(st.n);
        for (let i = 0; i < st.n; i++) data[i] = st.ped[i] + offset;
        const p = nodePath.join(folder, `dark_${ts}.npy`);
        fs.writeFileSync(p, encodeNpy(data, [st.rows, st.cols]));
        darks[st.d.name].push(p);
        if (offset === 0) matchingDarks[st.d.name] = p;
      }
    }
  } catch (err) {
    try {
      f.close();
    } catch {
      /* ignore */
    }
    fs.rmSync(tmpPath, { force: true });
    throw err;
  }
  f.close();
  fs.renameSync(tmpPath, finalPath);
  return {
    path: finalPath,
    run,
    shots,
    tags,
    startTime,
    endTime,
    darks,
    matchingDarks,
    bytes: fs.statSync(finalPath).size,
  };
}
