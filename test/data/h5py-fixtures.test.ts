// Reading files written independently by h5py (test/fixtures/h5/make_h5_fixtures.py).
import { DataError } from '../../bindings/core/errors.js';
import { describe, expect, test, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { copyFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H5Reader } from '../../bindings/data/h5.js';
import { Detector, loadH5, RunFile, listRuns, newestRun, openRun, searchEquipment, closestDark, loadDark, ATTENUATOR_MM, ATTENUATOR_PULSES } from '../../bindings/data/index.js';

const fx = fileURLToPath(new URL('../fixtures/h5/', import.meta.url));

/** make_h5_fixtures.py: value = (tag % 1000) * 100 + row * cols + col */
const expectedImage = (tag: number, n: number, k = 0) => Float32Array.from({ length: n }, (_, i) => (tag % 1000) * 100 + i + k);

describe('h5py float32 contiguous run', () => {
  test('run info', async () => {
    const f = await RunFile.open(fx + 'float32_run.h5');
    expect(f.run).toBe(7);
    expect(Array.from(f.tags)).toEqual([100, 102, 104, 106]);
    expect(f.highTag).toBe(201);
    expect(f.startTime).toBe(1700000000);
    expect(f.endTime).toBeCloseTo(1700000000 + 6 / 60, 9);
    expect(f.photonEnergy).toBe(9000);
    const [d] = f.sensors();
    expect(d).toMatchObject({ group: 'detector_2d_1', name: 'MPCCD-2N0-M02-003', kind: 'sensor', shape: [6, 4], dtype: 'float32', tagCount: 4, missingTags: 0, chunks: null, geometry: null });
    expect(d.evPerAdu).toBeCloseTo(2 * 3.65, 6);
    expect(f.databaseKeys()).toContain('xfel_bl_3_st_5_motor_facility_14/position');
    expect(f.databaseKeys()).toContain('event_info/bl_3/oh_2/photon_energy_in_eV');
    expect(f.searchEquipment('motor_facility')).toEqual(['xfel_bl_3_st_3_motor_facility_29/position', 'xfel_bl_3_st_5_motor_facility_14/position']);
    expect(searchEquipment(f, /SHUTTER/i)).toEqual(['xfel_bl_3_shutter_1_open_valid/status']);
    f.close();
  });

  test('detector by id, never by group number; gain and dark', async () => {
    const f = await RunFile.open(fx + 'float32_run.h5', 7);
    const raw = new Detector(f, 'MPCCD-2N0-M02-003', { evPerAdu: 1 });
    expect(raw.length).toBe(4);
    expect(raw.get(1)).toEqual(expectedImage(102, 24));
    expect(raw.get(-1)).toEqual(expectedImage(106, 24));
    expect(raw.get(1)).toBe(raw.get(1)); // last image cached
    const dark = Float32Array.from({ length: 24 }, (_, i) => i);
    const auto = new Detector(f, 'MPCCD-2N0-M02-003', { evPerAdu: 'auto', dark });
    const img = auto.get(0);
    for (let i = 0; i < 24; i++) expect(img[i]).toBeCloseTo(100 * 100 * 2 * 3.65 * 0 + 10000 * 7.3, 1);
    const lazy = auto.lazy(2);
    expect(lazy.loaded).toBe(false);
    expect(lazy.value[0]).toBeCloseTo(10400 * 7.3, 1);
    expect(lazy.loaded).toBe(true);
    expect(() => raw.get(4)).toThrow(RangeError);
    expect(() => new Detector(f, 'MPCCD-NOPE')).toThrow(/no detector "MPCCD-NOPE" .*detectors present: MPCCD-2N0-M02-003/);
    expect(() => new Detector(f, 'detector_2d_1')).toThrow(/no detector "detector_2d_1"/);
    expect(() => new Detector(f, 'MPCCD-2N0-M02-003', { dark: new Float32Array(5) })).toThrow(/dark has 5 pixels/);
    f.close();
  });

  test('Run with database values from daq_info, event_info path and a sidecar', async () => {
    const run = await openRun(fx + 'float32_run.h5', {
      detectors: { side: 'MPCCD-2N0-M02-003' },
      values: {
        sampleX2: { key: 'xfel_bl_3_st_5_motor_facility_14/position', scale: 0.5e-6 },
        att: { key: 'xfel_bl_3_st_3_motor_facility_29/position', nearest: { x: ATTENUATOR_PULSES, y: ATTENUATOR_MM.map((m) => m * 1e-3) } },
        shutter_open: 'xfel_bl_3_shutter_1_open_valid/status',
        pulse: { key: 'xfel_bl_3_tc_bm_1_pd/charge', linear: { x: [0, 100], y: [0, 650] } },
        energy: 'event_info/bl_3/oh_2/photon_energy_in_eV',
        i0: { key: 'xfel_bl_3_st_5_pd_user_9_fitting_peak/voltage', sidecar: 'float32_run_i0.txt' },
      },
      evPerAdu: 1,
    });
    expect(run.length).toBe(4);
    expect(run.runNumber).toBe(7);
    expect(Array.from(run.values.sampleX2)).toEqual([5e-4, 1e-3, 1.5e-3, 2e-3]);
    expect(Array.from(run.values.shutter_open)).toEqual([0, 1, 1, 0]);
    expect(Array.from(run.values.pulse)).toEqual([0, 162.5, 325, 650]);
    expect(Array.from(run.values.energy)).toEqual([9000, 9001, 9002, 9003]);
    expect(Array.from(run.values.i0)).toEqual([0.1, 0.2, 0.3, 0.4]);
    const att = Array.from(run.values.att);
    [0, 0.4e-3, 3e-3, 2e-3].forEach((v, i) => expect(att[i]).toBeCloseTo(v, 15));
    expect(run.sampleX2).toBe(run.values.sampleX2); // by friendly name on the run
    const shots = [...run];
    expect(shots.map((s) => s.tag)).toEqual([100, 102, 104, 106]);
    expect(shots[2]).toMatchObject({ index: 2, tag: 104, shutter_open: 1, energy: 9002 });
    expect(shots[2].side).toEqual(expectedImage(104, 24));
    expect(run.db.get(1)).toMatchObject({ tag: 102, sampleX2: 1e-3 });
    run.close();
  });

  test('lazy shots read images on first access', async () => {
    const run = await openRun(fx + 'float32_run.h5', { detectors: { side: 'MPCCD-2N0-M02-003' }, evPerAdu: 1, lazy: true });
    const det = run.detectors.side;
    const spy = vi.spyOn(det, 'get');
    const s = run.get(3);
    expect(spy).not.toHaveBeenCalled();
    expect((s.side as Float32Array)[0]).toBe(10600);
    expect(s.side).toBe(s.side);
    expect(spy).toHaveBeenCalledTimes(1);
    run.close();
  });

  test('missing keys: one error names every missing value, its key and the closest keys present', async () => {
    const err = await openRun(fx + 'float32_run.h5', {
      values: { x: 'xfel_bl_3_st_5_motor_facility_41/position', y: 'nope/position', shutter: 'xfel_bl_3_shutter_1_open_valid/status' },
      origin: 'my.json',
    }).catch((e) => e);
    expect(err.message).toMatch(/^my\.json: 2 configured value\(s\) not found in run 7 \(.*float32_run\.h5/);
    expect(err.message).toMatch(/\n {2}x → xfel_bl_3_st_5_motor_facility_41\/position \(closest keys present: xfel_bl_3_st_5_motor_facility_14\/position/);
    expect(err.message).toMatch(/\n {2}y → nope\/position \(closest keys present: /);
    expect(err.message).not.toMatch(/shutter →/);
    expect(err).toBeInstanceOf(DataError);
  });

  test('an optional value the run lacks is NaN, with one notice', async () => {
    const warn = vi.fn();
    const run = await openRun(fx + 'float32_run.h5', { values: { x: { key: 'nope/position', optional: true }, s: 'xfel_bl_3_shutter_1_open_valid/status' }, warn });
    expect(Array.from(run.values.x)).toEqual([NaN, NaN, NaN, NaN]);
    expect(run.db.absent).toEqual(['x']);
    expect(warn.mock.calls.map((c) => c[0]).filter((m) => /value x \(nope\/position\) is not in this run; it is marked optional/.test(m))).toHaveLength(1);
    run.close();
  });

  test('a value array of the wrong length is an error', async () => {
    await expect(openRun(fx + 'float32_run.h5', { values: { b: 'bad_length/position' } })).rejects.toThrow(
      /database key "bad_length\/position" .* has 3 values but run 7 has 4 tags/,
    );
  });

  test('an .h5 dark (/dark) chosen by the naming rule', async () => {
    const f = await RunFile.open(fx + 'float32_run.h5');
    const p = await closestDark(fx + 'darks_h5', f);
    expect(p).toMatch(/dark_1700000000\.h5$/);
    const d = await loadDark(p!, [6, 4]);
    expect(d.data[0]).toBe(7);
    await expect(loadDark(p!, [4, 4])).rejects.toThrow(/dark has shape \[6,4\] but the detector images are \[4,4\]/);
    f.close();
    const run = await openRun(fx + 'float32_run.h5', { detectors: { side: 'MPCCD-2N0-M02-003' }, evPerAdu: 1, darks: { side: fx + 'darks_h5' } });
    expect(run.get(0).side).toEqual(expectedImage(100, 24, -7));
    run.close();
  });
});

describe('h5py stored dtypes, chunked and gzip datasets', () => {
  for (const [id, label] of [
    ['U16-GZIP', 'uint16 chunked+gzip'],
    ['F64', 'float64'],
    ['I32-BE-GZIP', 'big-endian int32 chunked+gzip+shuffle'],
    ['I16', 'int16'],
  ]) {
    test(label, async () => {
      const f = await RunFile.open(fx + 'dtypes_run.h5');
      const d = new Detector(f, id, { evPerAdu: 2 });
      expect(d.shape).toEqual([16, 8]);
      // float64 data stays float64; every other dtype is corrected in float32.
      expect(d.dtype).toBe(id === 'F64' ? 'f64' : 'f32');
      for (let i = 0; i < d.length; i++) {
        const expected = expectedImage(d.tags[i], 128).map((v) => v * 2);
        expect(d.get(i)).toEqual(id === 'F64' ? Float64Array.from(expected) : expected);
      }
      f.close();
    });
  }
  test('dtype and chunks reported', async () => {
    const f = await RunFile.open(fx + 'dtypes_run.h5');
    expect(f.sensors().map((d) => [d.name, d.dtype, d.chunks])).toEqual([
      ['U16-GZIP', 'uint16', [4, 8]],
      ['F64', 'float64', null],
      ['I32-BE-GZIP', 'int32', [8, 8]],
      ['I16', 'int16', null],
    ]);
    f.close();
  });
});

describe('missing tags', () => {
  test('skipped by default with one warning counting them', async () => {
    const warn = vi.fn();
    const run = await openRun(fx + 'missing_tag.h5', {
      detectors: { side: 'MPCCD-2N0-M02-003', forward: 'MPCCD-2N0-M02-001' },
      values: { motor: 'motor/position' },
      evPerAdu: 1,
      warn,
    });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/missing_tag\.h5: run 9: skipping 1 of 5 shots .*side \(MPCCD-2N0-M02-003\) lacks 1 \(first: 304\)/);
    expect(run.length).toBe(4);
    expect(Array.from(run.tags)).toEqual([300, 302, 306, 308]);
    expect(Array.from(run.values.motor)).toEqual([0, 10, 30, 40]); // values stay aligned with their tags
    expect((run.get(2).forward as Float32Array)[0]).toBe(30600);
    expect((run.get(2).side as Float32Array)[0]).toBe(30600);
    run.close();
  });
  test("option 'fail' makes it an error", async () => {
    await expect(openRun(fx + 'missing_tag.h5', { detectors: { side: 'MPCCD-2N0-M02-003' }, evPerAdu: 1, missingTags: 'fail' })).rejects.toThrow(
      /missing_tag\.h5: run 9: 1 of 5 tags have no image: side \(MPCCD-2N0-M02-003\) lacks 1 \(first: 304\)/,
    );
  });
});

describe('a file holding several runs, and folders', () => {
  test('runs of one file; negative run numbers', async () => {
    expect(await listRuns(fx + 'multi_run.h5')).toEqual([10, 11]);
    const r11 = await openRun(fx + 'multi_run.h5', { run: -1, values: { m: 'motor/position' } });
    expect(r11.runNumber).toBe(11);
    expect(Array.from(r11.values.m)).toEqual([11, 12, 13]);
    r11.close();
    const r10 = await openRun(fx + 'multi_run.h5', { run: 10 });
    expect(Array.from(r10.tags)).toEqual([400, 402]);
    r10.close();
    await expect(openRun(fx + 'multi_run.h5')).rejects.toThrow(/holds 2 runs \(10–11\): give a run number/);
    await expect(openRun(fx + 'multi_run.h5', { run: 12 })).rejects.toThrow(/no run 12 \(runs present: 10–11\)/);
  });

  test('folder: <N>.h5 files, a multi-run file, non-run files ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sacla-folder-'));
    copyFileSync(fx + 'float32_run.h5', join(dir, '7.h5'));
    copyFileSync(fx + 'multi_run.h5', join(dir, 'runs_10_11.h5'));
    copyFileSync(fx + 'darks_h5/dark_1600000000.h5', join(dir, 'run_99.h5')); // a non-run HDF5 file
    mkdirSync(join(dir, 'darks'));
    expect(await listRuns(dir)).toEqual([7, 10, 11]);
    expect(await newestRun(dir)).toBe(11);
    const r = await openRun(dir, { run: -3 });
    expect(r.runNumber).toBe(7);
    r.close();
    const r10 = await openRun(dir, { run: 10 });
    expect(r10.path).toMatch(/runs_10_11\.h5$/);
    r10.close();
    await expect(openRun(dir, { run: -4 })).rejects.toThrow(/holds only 3 runs/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('corrupt input', () => {
  test('a truncated file: error names the file, nothing hangs', async () => {
    let err: Error | null = null;
    try {
      const run = await openRun(fx + 'truncated.h5', { detectors: { d: 'MPCCD-2N0-M02-003' }, evPerAdu: 1 });
      for (const s of run) void s.d;
    } catch (e) {
      err = e as Error;
    }
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(/truncated\.h5/);
    expect(err!.message).toMatch(/cannot read|truncated/);
  });
  test('a corrupt gzip chunk: the error names the file and the dataset', async () => {
    const run = await openRun(fx + 'corrupt_chunk.h5', { detectors: { d: 'MPCCD-2N0-M02-003' }, evPerAdu: 1 });
    expect((run.get(0).d as Float32Array)[5]).toBe(70005);
    expect(() => run.get(1)).toThrow(/corrupt_chunk\.h5: cannot read dataset \/run_13\/detector_2d_1\/tag_702\/detector_data/);
    expect(run.detectors.d.read(0)[5]).toBe(70005); // the file is still usable afterwards (fresh read, not the cache)
    run.close();
  });
  test('not an HDF5 file', async () => {
    await expect(openRun(fx + 'float32_run_i0.txt')).rejects.toThrow(/float32_run_i0\.txt: cannot read the file/);
  });
  test('no such path', async () => {
    await expect(openRun(fx + 'nope.h5')).rejects.toThrow(/nope\.h5: no such file or folder/);
  });
});

describe('file handles', () => {
  test('the same file opened twice; closing one leaves the other readable; reading a closed run names the file', async () => {
    const p = fx + 'float32_run.h5';
    const a = await openRun(p, { detectors: { d: 'MPCCD-2N0-M02-003' }, evPerAdu: 1 });
    const b = await openRun(p, { detectors: { d: 'MPCCD-2N0-M02-003' }, evPerAdu: 1 });
    a.close();
    expect((b.get(1).d as Float32Array)[0]).toBe(10200);
    b.close();
    expect(() => b.detectors.d.read(0)).toThrow(/float32_run\.h5/);
  });
});

describe('H5Reader.numbers on every numeric dtype h5py writes (numbers.h5)', () => {
  const open = async () => {
    await loadH5();
    return H5Reader.open(fx + 'numbers.h5');
  };
  // Little-endian plain numbers take the direct read; big-endian and bools go through h5wasm's
  // own conversion: both must give the values make_h5_fixtures.py wrote.
  for (const dt of ['le_f4', 'le_f8', 'be_f8', 'be_f4', 'le_i1', 'le_u1', 'le_i2', 'le_u2', 'le_i4', 'le_u4', 'le_i8', 'le_u8', 'be_i4', 'be_u8']) {
    test(dt, async () => {
      const h5 = await open();
      const signed = dt[3] === 'i' || dt[3] === 'f';
      expect(Array.from(h5.numbers(`/by_dtype/${dt}`))).toEqual([0, 1, 2, 100, ...(signed ? [-1, -100] : [200])]);
      h5.close();
    });
  }
  test('scalars, int64 tags, uint64 beyond 2^53, a matrix, empty, bools, gzip chunks, NaN and infinities', async () => {
    const h5 = await open();
    expect(Array.from(h5.numbers('/scalar_f8'))).toEqual([-1755.25]);
    expect(Array.from(h5.numbers('/scalar_i8'))).toEqual([219817020]);
    const tags = h5.numbers('/tags_i8');
    expect(tags.length).toBe(600);
    expect([tags[0], tags[1], tags[599]]).toEqual([219817020, 219817022, 219817020 + 2 * 599]);
    expect(Array.from(h5.numbers('/large_u8'))).toEqual([2 ** 53, 2 ** 60]);
    expect(Array.from(h5.numbers('/matrix_f8'))).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(h5.numbers('/empty_f8').length).toBe(0);
    expect(Array.from(h5.numbers('/flags_bool'))).toEqual([1, 0, 1]);
    const chunked = h5.numbers('/chunked_gzip_f4');
    expect(chunked.length).toBe(1000);
    expect(chunked.every((v, i) => v === i * 0.5)).toBe(true);
    expect(Array.from(h5.numbers('/special_f8'))).toEqual([NaN, Infinity, -Infinity, -0]);
    expect(Object.is(h5.numbers('/special_f8')[3], -0)).toBe(true);
    h5.close();
  });
  test('a group or a missing path is an error naming the file and the path', async () => {
    const h5 = await open();
    expect(() => h5.numbers('/by_dtype')).toThrow(/numbers\.h5: .*\/by_dtype/);
    expect(() => h5.numbers('/nope')).toThrow(/numbers\.h5: .*\/nope/);
    h5.close();
  });
});
