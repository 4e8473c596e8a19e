// Runs written by the synthetic-run writer (`sacla synth`), read back through the public API.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../bindings/core/errors.js';
import {
  KUSCHEL2023,
  SYNTH_KEYS,
  RunFile,
  detectorsOf,
  detectorGeometry,
  closestDark,
  listDarks,
  listRuns,
  newestRun,
  openRun,
  writeSyntheticRun,
  type SynthResult,
} from '../../bindings/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sacla-synth-'));
const cleanup: string[] = [dir];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));
const SHOTS = 24;
let res: SynthResult;

const darkFolders = () => Object.fromEntries(Object.entries(KUSCHEL2023.darkFolders).map(([k, v]) => [k, join(dir, v)]));

beforeAll(async () => {
  res = await writeSyntheticRun({ out: dir, run: 42, shots: SHOTS, preset: 'small', seed: 7 });
  await writeSyntheticRun({ out: dir, run: 43, shots: 6, preset: 'small', seed: 7 });
});

describe('synthetic run layout', () => {
  test('converter layout, detectors and keys', async () => {
    expect(res.path).toBe(join(dir, '42.h5'));
    expect(await listRuns(dir)).toEqual([42, 43]);
    expect(await newestRun(dir)).toBe(43);
    const f = await RunFile.open(res.path);
    expect(f.tags.length).toBe(SHOTS);
    expect(Array.from(f.tags)).toEqual(res.tags);
    // 30 Hz on the 60 Hz tag clock, with one gap
    const steps = new Set(Array.from(f.tags).slice(1).map((t, i) => t - f.tags[i]));
    expect([...steps].sort()).toEqual([2, 8]);
    expect(f.startTime).toBe(res.startTime);
    // The real layout: the 2N0 detectors as two sensor groups <id>-1, <id>-2, with geometry and a gain each.
    expect(f.sensors().map((d) => [d.name, d.shape, d.dtype, d.absoluteGain !== null ? +d.absoluteGain.toFixed(4) : null, d.geometry?.rotation])).toEqual([
      ['MPCCD-1N0-M07-006', [1024, 8], 'float32', 4.2, 0],
      ['MPCCD-2N0-M02-003-1', [64, 32], 'float32', 4.6, 0],
      ['MPCCD-2N0-M02-003-2', [64, 32], 'float32', 4.75, 180],
      ['MPCCD-2N0-M02-001-1', [64, 32], 'float32', 4.4, 0],
      ['MPCCD-2N0-M02-001-2', [64, 32], 'float32', 4.3, 180],
    ]);
    expect(detectorsOf(f).map((d) => [d.id, d.shape])).toEqual([
      ['MPCCD-1N0-M07-006', [1024, 8]],
      ['MPCCD-2N0-M02-003', [2, 64, 32]],
      ['MPCCD-2N0-M02-001', [2, 64, 32]],
    ]);
    // Two sensors 6 columns apart: the picture is 64 × (32 + 6 + 32).
    const side = detectorGeometry(detectorsOf(f)[1])!;
    expect(side.shape).toEqual([64, 70]);
    for (const key of Object.values(SYNTH_KEYS)) expect(f.databaseKeys()).toContain(key);
    expect(f.converter()).toEqual({ format: 'run_data_format', version: '3.20' });
    f.close();
  });

  test('the single layout: one 2-D group per detector, the sensors side by side', async () => {
    const single = mkdtempSync(join(tmpdir(), 'sacla-synth-single-'));
    cleanup.push(single);
    await writeSyntheticRun({ out: single, run: 5, shots: 4, preset: 'small', layout: 'single' });
    const f = await RunFile.open(join(single, '5.h5'));
    expect(f.sensors().map((d) => [d.name, d.shape, d.geometry])).toEqual([
      ['MPCCD-1N0-M07-006', [1024, 8], null],
      ['MPCCD-2N0-M02-003', [64, 64], null],
      ['MPCCD-2N0-M02-001', [64, 64], null],
    ]);
    f.close();
  });

  test('darks: several timestamps; the closest to the run middle matches the pedestal', async () => {
    const f = await RunFile.open(res.path);
    for (const name of Object.keys(KUSCHEL2023.darkFolders)) {
      const folder = join(dir, 'darks', name);
      const darks = await listDarks(folder);
      expect(darks.length).toBe(8); // 4 per run, two runs
      const mid = f.middleTime!;
      const chosen = await closestDark(folder, f);
      const byRule = darks.reduce((a, b) => (Math.abs(b.timestamp - mid) < Math.abs(a.timestamp - mid) ? b : a));
      expect(chosen).toBe(byRule.path);
      expect(chosen).toBe(res.matchingDarks[name]);
    }
    f.close();
  });

  test('a dark folder that does not exist is a config mistake; null is no dark; closestDark of an empty folder is null', async () => {
    const err = await openRun(dir, { run: 42, detectors: { side: 'MPCCD-2N0-M02-003' }, darks: { side: join(dir, 'nowhere') } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/detectors\.side\.dark: the dark folder or file .*nowhere of detector side does not exist/);
    const run = await openRun(dir, { run: 42, detectors: { side: 'MPCCD-2N0-M02-003' }, darks: { side: null } });
    expect(run.detectors.side.dark).toBeNull();
    run.close();
    const notes: string[] = [];
    const empty = mkdtempSync(join(tmpdir(), 'sacla-nodark-'));
    cleanup.push(empty);
    expect(await closestDark(empty, 1e9, (m) => notes.push(m))).toBeNull();
    expect(notes[notes.length - 1]).toMatch(/no dark file .* in .*sacla-nodark-/);
  });

  test('database values follow the original config', async () => {
    const run = await openRun(dir, { run: 42, values: KUSCHEL2023.values });
    const v = run.values;
    // shutter closed for some shots
    const closed = Array.from(v.shutter_open).filter((x) => x === 0).length;
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThan(SHOTS / 2);
    // sampleX2: metres, constant speed in the middle, slower at both ends (acceleration phases)
    const dx = Array.from(v.sampleX2).slice(1).map((x, i) => x - v.sampleX2[i]);
    const mid = dx[Math.floor(dx.length / 2)];
    expect(Math.abs(mid - 40 * 0.5e-6)).toBeLessThan(2e-6); // ±1 pulse encoder jitter
    expect(dx[0]).toBeLessThan(mid * 0.9);
    expect(dx[dx.length - 1]).toBeLessThan(mid * 0.9);
    // attenuator: a table thickness (run 42 → table index 42 % 11 = 9 → 2.5 mm)
    for (const a of v.attenuator_eh_5_Si_m) expect(a).toBeCloseTo(2.5e-3, 12);
    expect(v.diode.every((x) => x > 0 && x < 200)).toBe(true);
    // sampleZ1 (focus): 20000 pulses per step of the scan, 0.05 µm per pulse: run 42 → (42 % 9 − 4) mm
    for (const z of v.sampleZ1) expect(Math.abs(z - ((42 % 9) - 4) * 1e-3)).toBeLessThan(1e-7);
    expect(new Set(v.crystalTheta_pulses).size).toBe(1);
    run.close();
  });

  test('images: dark-subtracted noise around 0, photons where the shutter is open, NaN pixels', async () => {
    const run = await openRun(dir, {
      run: 42,
      detectors: KUSCHEL2023.detectors,
      values: KUSCHEL2023.values,
      darks: darkFolders(),
      evPerAdu: 'auto',
    });
    const fwd = run.detectors.forward_ccd;
    expect(fwd.darkPath).toBe(res.matchingDarks.forward_ccd);
    for (const shot of run) {
      const img = shot.forward_ccd as Float32Array;
      let nan = 0;
      let hits = 0;
      const vals: number[] = [];
      for (const x of img) {
        if (Number.isNaN(x)) nan++;
        else if (x > 5000) hits++;
        else vals.push(x);
      }
      expect(nan).toBeGreaterThanOrEqual(1);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      expect(Math.abs(mean)).toBeLessThan(10); // eV; read noise is ~64 eV rms
      if (shot.shutter_open === 0) expect(hits).toBe(0);
      else expect(hits).toBeGreaterThan(10);
    }
    // the spectrometer line (1024 rows, as the energy axis): summed over the second axis, a peak
    // near row 512 + (6404 − 6390.4) / 0.346 = 551.3, drifting by 3·sin(2π·5/97) + 0.05 at shot 5
    const spec = run.get(5).spectrometer as Float32Array;
    const rows = new Float64Array(1024);
    for (let i = 0; i < 1024; i++) for (let j = 0; j < 8; j++) if (!Number.isNaN(spec[i * 8 + j])) rows[i] += spec[i * 8 + j];
    const peak = rows.indexOf(Math.max(...rows));
    expect(Math.abs(peak - 552.3)).toBeLessThanOrEqual(4); // ~16 photons at 2.5 mm of Si: a few rows of scatter
    run.close();
  });

  test('reuseBuffers: the same images, one buffer per detector', async () => {
    const cfg = { run: 42, detectors: KUSCHEL2023.detectors, darks: darkFolders() };
    const a = await openRun(dir, cfg);
    const b = await openRun(dir, { ...cfg, reuseBuffers: true });
    const b3 = b.get(3);
    expect(b3.side_ccd).toEqual(a.get(3).side_ccd);
    const b4 = b.get(4);
    expect(b4.side_ccd).toBe(b3.side_ccd); // reused
    expect(b4.side_ccd).toEqual(a.get(4).side_ccd);
    const c = await openRun(dir, { ...cfg, reuseBuffers: true, lazy: true });
    expect(c.get(5).forward_ccd).toEqual(a.get(5).forward_ccd);
    a.close();
    b.close();
    c.close();
  });

  test('deterministic for a seed, different for another seed', async () => {
    const other = mkdtempSync(join(tmpdir(), 'sacla-synth2-'));
    cleanup.push(other);
    await writeSyntheticRun({ out: other, run: 43, shots: 6, preset: 'small', seed: 7 });
    await writeSyntheticRun({ out: join(other, 'b'), run: 43, shots: 6, preset: 'small', seed: 8 });
    const read = async (p: string) => {
      const run = await openRun(p, { detectors: { s: 'MPCCD-2N0-M02-003' }, evPerAdu: 1 });
      const img = Float32Array.from(run.get(3).s as Float32Array);
      run.close();
      return img;
    };
    const a = await read(join(dir, '43.h5'));
    const b = await read(join(other, '43.h5'));
    const c = await read(join(other, 'b', '43.h5'));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const darkA = readFileSync(join(dir, 'darks', 'side_ccd', readdirSync(join(other, 'darks', 'side_ccd'))[0]));
    const darkB = readFileSync(join(other, 'darks', 'side_ccd', readdirSync(join(other, 'darks', 'side_ccd'))[0]));
    expect(Buffer.compare(darkA, darkB)).toBe(0);
  });

  test('bad options are usage errors', async () => {
    await expect(writeSyntheticRun({ out: dir, run: -1 })).rejects.toThrow(/--run must be a non-negative integer/);
    await expect(writeSyntheticRun({ out: dir, run: 1, shots: 0 })).rejects.toThrow(/--shots must be a positive integer/);
    await expect(writeSyntheticRun({ out: dir, run: 1, preset: 'huge' as never })).rejects.toThrow(/unknown preset "huge"/);
  });
});
