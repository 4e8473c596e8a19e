// `sacla synth` and `sacla info`, run in-process through commander (as bindings/cli/main.ts does).
import { afterAll, describe, expect, test, vi } from 'vitest';
import { Command } from 'commander';
import { exitCodeOf } from '../../bindings/cli/exit.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerSynth } from '../../bindings/cli/synth.js';
import { registerInfo } from '../../bindings/cli/info.js';

const fx = fileURLToPath(new URL('../fixtures/h5/', import.meta.url));

async function sacla(...args: string[]): Promise<{ out: string; code: number; err: string }> {
  const program = new Command('sacla').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSynth(program);
  registerInfo(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'sacla', ...args]);
    return { out, code: 0, err: '' };
  } catch (e) {
    // main.ts maps every error to its exit code with exitCodeOf
    return { out, code: exitCodeOf(e), err: (e as Error).message };
  } finally {
    spy.mockRestore();
  }
}

describe('sacla synth / info', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sacla-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('synth writes a run and darks', async () => {
    const r = await sacla('synth', '--out', dir, '--run', '3', '--shots', '5', '--preset', 'small', '--seed', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`wrote ${join(dir, '3.h5')}: run 3, 5 shots, preset small, layout sensors, seed 2`));
    expect(r.out).toMatch(/side_ccd: 4 files, matching .*darks\/side_ccd\/dark_\d+\.npy/);
    const j = await sacla('synth', '--out', dir, '--run', '4', '--shots', '3', '--preset', 'small', '--json');
    expect(JSON.parse(j.out)).toMatchObject({ run: 4, shots: 3, preset: 'small', layout: 'sensors', seed: 1 });
  });

  test('synth usage errors exit 2', async () => {
    expect((await sacla('synth', '--out', dir, '--run', 'x')).code).toBe(2);
    expect((await sacla('synth', '--out', dir, '--run', '1', '--preset', 'huge')).code).toBe(2);
    expect((await sacla('synth', '--run', '1')).code).toBe(2);
  });

  test('info on a folder lists runs; --run gives details; --search filters keys', async () => {
    const list = await sacla('info', dir);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/2 runs \(3–4\)/);
    const d = await sacla('info', dir, '--run', '-2');
    expect(d.out).toMatch(/^run 3 /);
    // Sensors grouped into detectors: the 2N0 detector of two sensor groups, with their gains.
    expect(d.out).toMatch(/MPCCD-2N0-M02-001 +2 +2×64×32 +float32 +4\.3000–4\.4000 +15\.695–16\.060 +yes +5 +0 +detector_2d_4, detector_2d_5 +contiguous/);
    expect(d.out).toMatch(/MPCCD-1N0-M07-006 +1 +1024×8 +float32 +4\.2000 +15\.330 +yes/);
    expect(d.out).toMatch(/converter {2}run_data_format 3\.20/);
    expect(d.out).toMatch(/machine {2}photon energy 10000 eV \(nominal\), electron energy 8\.0000e\+9 eV, K 2\.1, 30 Hz/);
    expect(d.out).toMatch(/xfel_bl_3_st_5_motor_facility_14\/position/);
    expect(d.out).toMatch(/side_ccd: 8 file\(s\) .*closest to this run: .*dark_\d+\.npy/);
    const s = await sacla('info', dir, '--run', '3', '--search', 'motor_facility_1[04]', '--json');
    const j = JSON.parse(s.out);
    expect(j.databaseKeys).toEqual(['xfel_bl_3_st_5_motor_facility_10/position', 'xfel_bl_3_st_5_motor_facility_14/position']);
    expect(j.tags.count).toBe(5);
    expect(j.detectors.map((x: any) => [x.id, x.sensors.length, x.shape])).toEqual([
      ['MPCCD-1N0-M07-006', 1, [1024, 8]],
      ['MPCCD-2N0-M02-003', 2, [2, 64, 32]],
      ['MPCCD-2N0-M02-001', 2, [2, 64, 32]],
    ]);
    expect(j.detectors[1].sensors[1]).toMatchObject({ name: 'MPCCD-2N0-M02-003-2', group: 'detector_2d_3', geometry: { rotation: 180 } });
    expect(j.runInfo).toMatchObject({ photonEnergy: 10000, repetitionRate: 30 });
    expect(j.cameras).toEqual([]);
    const newest = await sacla('info', dir, '--search', 'shutter');
    expect(newest.out).toMatch(/^run 4 /);
    expect(newest.out).toMatch(/database keys \(1 matching \/shutter\/i of 11\)\n  xfel_bl_3_shutter_1_open_valid\/status/);
  });

  test('info on an h5py file, and errors', async () => {
    const r = await sacla('info', fx + 'dtypes_run.h5');
    expect(r.out).toMatch(/U16-GZIP +1 +16×8 +uint16 .*detector_2d_1 +chunked 4×8/);
    const bad = await sacla('info', fx + 'truncated.h5');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/truncated\.h5/);
    const none = await sacla('info', dir, '--run', '99');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no run 99 \(runs present: 3–4\)/);
    const re = await sacla('info', dir, '--search', '(');
    expect(re.code).toBe(2);
    expect(re.err).toMatch(/invalid regular expression/);
  });
});
