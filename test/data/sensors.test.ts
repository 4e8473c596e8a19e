// Detectors as real converter files store them: sensor groups found by detector_name, several
// sensors read as one stack with their own gains, pixel positions from detector_info, and a run
// split into two files. Files are written at test time by independent h5py scripts
// (test/fixtures/sacla/), one shaped like the real listing of a DataConvert 3.20 file.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DetectorGeometry, RunFile, detectorsOf, openRun, resolveDetector, sensorPositions, type SensorGeometry } from 'sacla-analysis';

import { naturalOrder } from '../../bindings/data/h5.js';
const SCRIPTS = fileURLToPath(new URL('../fixtures/sacla/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sacla-sensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function python(script: string, out: string): void {
  execFileSync('/usr/bin/python3', [join(SCRIPTS, script), out], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const geometry = (over: Partial<SensorGeometry>): SensorGeometry => ({
  coordinate: [100, 200, 0],
  rotation: 0,
  stageDirection: 0,
  stageShiftWeight: 0,
  manipulatorPosition: 0,
  pixelSize: [50, 50],
  ...over,
});

describe('pixel positions, by hand', () => {
  // Pixel (row 2, column 3) of a 4 × 5 sensor whose first pixel is at (100, 200) µm, 50 µm pixels.
  const at = (g: SensorGeometry) => {
    const { x, y } = sensorPositions({ geometry: g, rows: 4, cols: 5 });
    return [x[2 * 5 + 3], y[2 * 5 + 3]];
  };
  test('rotation 0: columns run towards −X, rows towards +Y', () => {
    expect(at(geometry({}))).toEqual([100 - 3 * 50, 200 + 2 * 50]);
  });
  test('rotation +90°: rows run towards +X, columns towards +Y', () => {
    const [x, y] = at(geometry({ rotation: 90 }));
    expect(x).toBeCloseTo(100 + 2 * 50, 9);
    expect(y).toBeCloseTo(200 + 3 * 50, 9);
  });
  test('rotation −90°: rows towards −X, columns towards −Y', () => {
    const [x, y] = at(geometry({ rotation: -90 }));
    expect(x).toBeCloseTo(100 - 2 * 50, 9);
    expect(y).toBeCloseTo(200 - 3 * 50, 9);
  });
  test('a stage shift: weight × manipulator along the stage direction', () => {
    const [x, y] = at(geometry({ stageDirection: 90, stageShiftWeight: 0.5, manipulatorPosition: 400 }));
    expect(x).toBeCloseTo(100 - 150, 9);
    expect(y).toBeCloseTo(200 + 200 + 100, 9);
    const [x2, y2] = at(geometry({ stageDirection: 0, stageShiftWeight: 1, manipulatorPosition: -30 }));
    expect([x2, y2]).toEqual([100 - 30 - 150, 300]);
  });
});

describe('assembling two sensors, by hand', () => {
  // Sensor 1 (2 × 3) at rotation 0; sensor 2 rotated by 180° beside it, one empty column between:
  //   picture columns 0..2 = sensor 1's columns 0..2; column 3 = gap; 4..6 = sensor 2's columns 2..0,
  //   rows of sensor 2 upside down.
  const g = new DetectorGeometry([
    { geometry: geometry({ coordinate: [0, 0, 0] }), rows: 2, cols: 3 },
    { geometry: geometry({ coordinate: [-6 * 50, 1 * 50, 0], rotation: 180 }), rows: 2, cols: 3 },
  ]);
  test('shape and map', () => {
    expect(g.shape).toEqual([2, 7]);
    // stack indices: sensor 1 = 0..5 (row-major), sensor 2 = 6..11
    expect(Array.from(g.assemblyMap())).toEqual([0, 1, 2, -1, 11, 10, 9, 3, 4, 5, -1, 8, 7, 6]);
  });
  test('radial bins in picture pixels about the picture centre (row 1, column 3)', () => {
    const centre = g.center(null, null);
    expect(centre).toEqual([1, 3]);
    // sensor 1, pixel (0, 0): picture (0, 0): distance sqrt(1 + 9) = 3.16 → 3
    const bins = g.radialBinMap(centre);
    expect(bins[0]).toBe(3);
    // sensor 2, pixel (0, 0) sits at picture (1, 6): distance 3
    expect(bins[6]).toBe(3);
    // centre given in µm: X = −3 pitches (column 3), Y = +1 pitch (row 1): the same
    expect(g.center(null, [-150, 50])).toEqual([1, 3]);
  });
  test('unequal pixel sizes cannot be assembled', () => {
    expect(() => new DetectorGeometry([{ geometry: geometry({ pixelSize: [50, 75] }), rows: 2, cols: 2 }])).toThrow(/square pixels/);
  });
});

describe('a file shaped like the real listing (octal MPCCD + a 1N0 sensor, NUL-terminated names)', () => {
  let expected: any;
  let file: RunFile;
  beforeAll(async () => {
    python('make_octal_run.py', join(tmp, 'octal'));
    expected = JSON.parse(readFileSync(join(tmp, 'octal', '206178_expected.json'), 'utf8'));
    file = await RunFile.open(join(tmp, 'octal', '206178.h5'));
  }, 60_000);
  afterAll(() => file?.close());

  test('the converter, the run info, the sensors grouped into two detectors', () => {
    expect(file.converter()).toEqual({ format: 'run_data_format', version: '3.20' });
    expect(file.runInfo()).toMatchObject({ photonEnergy: 8054.68, repetitionRate: 30, startTag: 219817020 });
    expect(Array.from(file.tags)).toEqual(expected.tags);
    const detectors = detectorsOf(file);
    expect(detectors.map((d) => [d.id, d.sensors.length, d.shape])).toEqual([
      ['MPCCD-8-2-001', 8, [8, 1024, 512]],
      ['MPCCD-1N0-M01-001', 1, [1024, 512]],
    ]);
    // NUL padding gone, float32 scalar gains read as numbers
    const octal = resolveDetector(file, 'MPCCD-8-2-001');
    expect(octal.sensors.map((s) => s.name)).toEqual(Array.from({ length: 8 }, (_, k) => `MPCCD-8-2-001-${k + 1}`));
    expect(octal.sensors.map((s) => s.absoluteGain)).toEqual(expected.detectors['MPCCD-8-2-001'].sensors.map((s: any) => s.absolute_gain));
  });

  test.each(['MPCCD-8-2-001', 'MPCCD-1N0-M01-001'])('%s: positions, assembled shape and cells equal NumPy\'s', (id) => {
    const ref = expected.detectors[id];
    const layout = resolveDetector(file, id);
    const g = new DetectorGeometry(layout.sensors.map((s) => ({ geometry: s.geometry!, rows: s.shape[0], cols: s.shape[1] })));
    expect(g.shape).toEqual(ref.assembled_shape);
    expect(g.uMin).toBeCloseTo(ref.Umin, 9);
    expect(g.vMin).toBeCloseTo(ref.Vmin, 9);
    const { u, v } = g.coordinates();
    const per = 1024 * 512;
    for (const p of ref.pixels) {
      const s = layout.sensors[p.sensor - 1];
      const { x, y } = sensorPositions({ geometry: s.geometry!, rows: 1024, cols: 512 });
      const i = p.row * 512 + p.col;
      expect(x[i]).toBeCloseTo(p.X, 6);
      expect(y[i]).toBeCloseTo(p.Y, 6);
      const k = (p.sensor - 1) * per + i;
      expect([Math.round(v[k]), Math.round(u[k])]).toEqual(p.assembled);
    }
    const map = g.assemblyMap();
    for (const c of ref.cells) {
      const got = map[c.cell[0] * g.shape[1] + c.cell[1]];
      const want = c.takes ? (c.takes.sensor - 1) * per + c.takes.row * 512 + c.takes.col : -1;
      expect(got, `cell ${c.cell}`).toBe(want);
    }
  });

  test('images: each sensor corrected with its own gain, as a stack', async () => {
    const run = await openRun(join(tmp, 'octal', '206178.h5'), { detectors: { octal: 'MPCCD-8-2-001', spec: 'MPCCD-1N0-M01-001' }, warn: () => {} });
    const octal = run.detectors.octal;
    expect(octal.shape).toEqual([8, 1024, 512]);
    // eV/ADU = gain × 3.65, applied in float32 arithmetic as NumPy does for float32 images.
    expect(octal.evPerAdu.map(Math.fround)).toEqual(expected.detectors['MPCCD-8-2-001'].sensors.map((s: any) => s.ev_per_adu));
    const images = Array.from({ length: run.length }, (_, j) => run.get(j));
    for (const [name, id] of [['octal', 'MPCCD-8-2-001'], ['spec', 'MPCCD-1N0-M01-001']] as const) {
      const per = 1024 * 512;
      for (const m of expected.detectors[id].means) {
        const offset = id === 'MPCCD-8-2-001' ? (m.sensor - 1) * per : 0;
        const values = images.map((s) => (s[name] as Float32Array)[offset + m.row * 512 + m.col]);
        expect(values, `${id} sensor ${m.sensor} (${m.row}, ${m.col})`).toEqual(m.corrected);
      }
    }
    run.close();
  });
});

describe('a run split into two files (run_N_bg.h5 + run_N_sig.h5)', () => {
  let expected: any;
  const dir = join(tmp, 'split');
  beforeAll(() => {
    python('make_split_run.py', dir);
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  }, 60_000);

  test('is never picked silently: the error names both files and the ways out', async () => {
    const err = await openRun(dir, { run: 5 }).catch((e) => e);
    expect(err.message).toMatch(/run 5 is in 2 files: .*run_5_bg\.h5, .*run_5_sig\.h5; analyse one of them .* or read the run from all of them with --combine/);
  });

  test('one file picked by its path', async () => {
    const run = await openRun(join(dir, 'run_5_sig.h5'), { run: 5 });
    expect(Array.from(run.tags)).toEqual(expected.files['run_5_sig.h5'].tags);
    run.close();
  });

  test('combined: the tags of both files in order, each image read from its own file', async () => {
    const names = Object.keys(expected.values).map((k) => k.replace(/\W/g, '_'));
    const run = await openRun(dir, {
      run: 5,
      combine: true,
      detectors: { d: expected.detector },
      values: Object.fromEntries(Object.keys(expected.values).map((k, i) => [names[i], k])),
      evPerAdu: 1,
      warn: () => {},
    });
    expect(run.path).toMatch(/run_5_bg\.h5 \+ .*run_5_sig\.h5/);
    expect(Array.from(run.tags)).toEqual(expected.tags);
    expect(run.detectors.d.shape).toEqual([2, 8, 6]);
    Object.values(expected.values).forEach((values, i) => expect(Array.from(run.values[names[i]]), names[i]).toEqual(values));
    // raw[k, j, r, c] = 1000·k + 10·j + 6·r + c, whichever file (and group number) holds tag j
    for (let j = 0; j < run.length; j++) {
      const img = run.get(j).d as Float32Array;
      for (const [k, r, c] of [[1, 0, 0], [1, 7, 5], [2, 3, 2]]) expect(img[(k - 1) * 48 + r * 6 + c], `tag ${j} sensor ${k}`).toBe(1000 * k + 10 * j + 6 * r + c);
    }
    run.close();
  });
});

describe('finding a detector by its id, never by group number', () => {
  let file: RunFile;
  beforeAll(async () => {
    python('make_groups_run.py', join(tmp, 'groups'));
    file = await RunFile.open(join(tmp, 'groups', '12.h5'));
  }, 60_000);
  afterAll(() => file?.close());

  test('a group named as the id comes first: the converter\'s assembled image over the sensors', () => {
    const d = resolveDetector(file, 'MPCCD-2N0-M02-003');
    expect([d.kind, d.shape, d.sensors.map((s) => s.group)]).toEqual(['assembled', [4, 12], ['detector_2d_assembled_1']]);
  });
  test('sensors <id>-1 … <id>-P otherwise; a hole in the numbering is an error naming what was found', () => {
    expect(() => resolveDetector(file, 'MPCCD-8-2-002')).toThrow(
      /detector "MPCCD-8-2-002" has sensor\(s\) MPCCD-8-2-002-2 missing; sensors found: MPCCD-8-2-002-1 \(detector_2d_3\), MPCCD-8-2-002-3 \(detector_2d_5\)/,
    );
  });
  test('two groups of one name are ambiguous; a group name is not an id', () => {
    expect(() => resolveDetector(file, 'MPCCD-1N0-M01-002')).toThrow(/2 groups are named "MPCCD-1N0-M01-002" \(detector_2d_6, detector_2d_7\)/);
    expect(() => resolveDetector(file, 'detector_2d_3')).toThrow(/no detector "detector_2d_3"/);
  });
  test('cameras: by their detector_name, or by their group name when they have none', async () => {
    const run = await openRun(join(tmp, 'groups', '12.h5'), { detectors: { opal: 'OPAL-23', imperx: 'imperx_2' }, evPerAdu: 1, warn: () => {} });
    expect((run.get(1).opal as Float32Array)[4]).toBe(2100 + 10 + 4);
    expect((run.get(2).imperx as Float32Array)[0]).toBe(2200 + 20);
    expect(detectorsOf(file).filter((d) => d.kind === 'camera').map((d) => d.id)).toEqual(['imperx_2', 'OPAL-23']);
    run.close();
  });
});


// The order of the sensors' groups (and so of a stack's sensors) is the natural one, without ICU.
describe('naturalOrder', () => {
  test('numbers inside names compare as numbers', () => {
    const names = ['detector_2d_10', 'detector_2d_2', 'detector_2d_1', 'detector_2d_assembled_1', 'detector_2d_9'];
    expect([...names].sort(naturalOrder)).toEqual(['detector_2d_1', 'detector_2d_2', 'detector_2d_9', 'detector_2d_10', 'detector_2d_assembled_1']);
    expect(naturalOrder('MPCCD-2N0-M02-003-2', 'MPCCD-2N0-M02-003-10')).toBeLessThan(0);
    expect(naturalOrder('a', 'a')).toBe(0);
    expect(naturalOrder('a1', 'a01')).toBeLessThan(0);
    expect(naturalOrder('a', 'a1')).toBeLessThan(0);
  });
  test("agrees with localeCompare('en', { numeric: true }) on the group names of converter files", () => {
    // (Not on names of mixed case: ICU puts `d` before `M`, code units `M` before `d`. The
    // converter's group names are lower case: docs/real-files/run_206178_listing.txt.)
    const names = [
      ...Array.from({ length: 12 }, (_, k) => `detector_2d_${k + 1}`),
      ...Array.from({ length: 3 }, (_, k) => `detector_2d_assembled_${k + 1}`),
      'opal_1', 'imperx_1', 'imperx_2', 'imperx_10',
    ];
    const shuffled = [...names].reverse();
    expect([...shuffled].sort(naturalOrder)).toEqual([...shuffled].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  });
});
