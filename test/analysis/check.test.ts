// `sacla check`: a config held against a run (the h5py-written runs of test/fixtures/analysis)
// reports every detector, value, dark, mask, filter and output — all problems at once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfigPath, encodeNpy, loadConfig } from 'sacla-analysis';
import { checkRun, type CheckReport } from '../../bindings/analysis/check.js';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const FIXTURE = fileURLToPath(new URL('../fixtures/analysis/h5py_run', import.meta.url));

let dir: string;
let data: string;
const original = () => JSON.parse(readFileSync(defaultConfigPath(), 'utf8'));
const itemsOf = (r: CheckReport, level: string) => r.items.filter((i) => i.level === level).map((i) => `${i.kind} ${i.name}: ${i.message}`);

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-check-'));
  data = join(dir, 'data');
  cpSync(FIXTURE, data, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the default config against the h5py runs', () => {
  test.each([7, 8])('run %i: every detector, value, dark and output resolves', async (run) => {
    const config = await loadConfig(defaultConfigPath(), { dataDir: data });
    const r = await checkRun(config, { data, run });
    expect(itemsOf(r, 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    const names = (kind: string) => [...new Set(r.items.filter((i) => i.kind === kind).map((i) => i.name))];
    expect(names('detector')).toEqual(['spectrometer', 'side_ccd', 'forward_ccd']);
    expect(names('value')).toEqual(Object.keys(config.values));
    expect(names('dark')).toEqual(['side_ccd', 'forward_ccd']);
    expect(names('output')).toEqual(config.outputs.map((o) => o.name));
    // The NaN values of the fixture are warnings, with their counts; the filters say what they remove.
    if (run === 7) expect(itemsOf(r, 'warning')).toContain('value sampleY: xfel_bl_3_st_5_motor_facility_10/position: NaN for 3 of 60 shots');
    expect(r.goodShots).toBe(run === 7 ? 39 : 35);
    const side = r.items.find((i) => i.kind === 'output' && i.name === 'side_mean')!;
    expect(side.message).toBe(
      run === 7
        ? 'per shot an array of shape [2, 32, 16] (float32) → mean → writes an array of shape [32, 38] (float64)'
        : 'per shot an array of shape [32, 34] (float64) → mean → writes an array of shape [32, 34] (float64)',
    );
  });

  test('the command: exit 0, a line per item; --json', () => {
    const r = sacla('check', '--data', data, '--run', '7');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kuschel2023\.json against run 7 of .*7\.h5: ok, \d+ warning\(s\) \(39 of 60 shots pass the filters\)/);
    expect(r.stdout).toMatch(/✓ detector side_ccd +MPCCD-2N0-M02-003: 2 sensors \(MPCCD-2N0-M02-003-1 in detector_2d_9, MPCCD-2N0-M02-003-2 in detector_2d_2\)/);
    const j = JSON.parse(sacla('check', '--data', data, '--run', '8', '--json').stdout);
    expect(j).toMatchObject({ run: 8, ok: true, errors: 0, shots: 40, goodShots: 35 });
  });
});

describe('a config with mistakes only the run can reveal', () => {
  let report: CheckReport;
  beforeAll(async () => {
    const c = original();
    c.detectors.forward_ccd.id = 'MPCCD-2N0-M02-009';
    c.values.diode = 'xfel_bl_3_st_5_direct_bm_1_pd/chrage';
    c.values.sampleZ1 = { key: 'xfel_bl_3_st_5_motor_user_81/position', optional: true };
    c.outputs.push({ name: 'spec_roi', source: 'spectrometer', transforms: [{ roi: { rows: [0, 10], cols: [0, 99] } }], sink: 'mean' });
    c.outputs.push({ name: 'side_profile', source: 'side_ccd', transforms: [{ meanAlongAxis: { axis: 1 } }], sink: 'mean' });
    c.outputs.push({ name: 'side_masked', source: 'side_ccd', transforms: [{ mask: { file: 'masks/none.npy' } }], sink: 'mean' });
    // A dark of one sensor's shape for a detector of two sensors.
    writeFileSync(join(data, 'darks', 'flat_1690000300.npy'), encodeNpy(new Float32Array(32 * 16), [32, 16]));
    c.detectors.side_ccd.dark = 'darks/flat_1690000300.npy';
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(c));
    report = await checkRun(await loadConfig(join(dir, 'broken.json'), { dataDir: data }), { data, run: 7 });
  });

  test('every problem is reported, each naming what is at fault', () => {
    const errors = itemsOf(report, 'error');
    expect(errors).toHaveLength(11);
    expect(errors[0]).toMatch(/^detector forward_ccd: .*7\.h5: run 7 has no detector "MPCCD-2N0-M02-009" .*detectors present: MPCCD-1N0-M07-006, MPCCD-2N0-M02-001 \(2 sensors\), MPCCD-2N0-M02-003 \(2 sensors\)$/);
    expect(errors).toContainEqual(expect.stringMatching(/^dark side_ccd: .*flat_1690000300\.npy: dark has shape \[32,16\] but the detector images are \[2,32,16\] \(2 sensors of \[32,16\]: a stack, one dark per sensor\)/));
    expect(errors).toContainEqual(expect.stringMatching(/^value diode: xfel_bl_3_st_5_direct_bm_1_pd\/chrage: not found .*closest keys present: xfel_bl_3_st_5_direct_bm_1_pd\/charge/));
    expect(errors).toContainEqual(expect.stringMatching(/^mask .*masks\/none\.npy: mask .*no such file or folder/));
    expect(errors).toContainEqual(expect.stringMatching(/^output spec_roi: outputs\[13\]\.transforms\[0\]\.roi: rows \[0, 10\) × cols \[0, 99\) do not fit an array of shape \[48, 16\]/));
    expect(errors).toContainEqual(expect.stringMatching(/^output side_profile: outputs\[14\]\.transforms\[0\]\.meanAlongAxis: expected a 2-D image, got an array of shape \[2, 32, 16\] .*the detector side_ccd/));
    expect(errors).toContainEqual(expect.stringMatching(/^output side_masked: outputs\[15\]: not checked: mask .*masks\/none\.npy did not load/));
    for (const [name, i] of [['forward_mean', 3], ['forward_hist_mean', 6], ['forward_total', 9], ['i_top_images', 10]] as const) {
      expect(errors).toContain(`output ${name}: outputs[${i}]: not checked: detector(s) forward_ccd did not resolve`);
    }
    expect(itemsOf(report, 'warning')).toContainEqual(expect.stringMatching(/^value sampleZ1: .*user_81\/position: not in this run; marked optional/));
    expect(report.ok).toBe(false);
    // Each item says where in the config it is.
    const diode = report.items.find((i) => i.kind === 'value' && i.name === 'diode')!;
    expect(diode.path).toBe('values.diode');
    expect(report.items.find((i) => i.kind === 'output' && i.name === 'spec_roi')!.path).toBe('outputs[13]');
    expect(report.items.find((i) => i.kind === 'dark')!.path).toBe('detectors.side_ccd.dark');
  });

  test('the command exits 1 and prints them', () => {
    const r = sacla('check', '--data', data, '--run', '7', '--config', join(dir, 'broken.json'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/broken\.json against run 7 .*: \d+ error\(s\)/);
    expect(r.stdout).toMatch(/✗ value +diode +xfel_bl_3_st_5_direct_bm_1_pd\/chrage: not found/);
  });

  test('a run that is not there, and bad options', () => {
    const r = sacla('check', '--data', data, '--run', '99');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/✗ run +99 +.*no run 99 \(runs present: 7–8\)/);
    expect(sacla('check', '--data', data, '--run', '-0').status).toBe(2);
    expect(sacla('check', '--data', data).status).toBe(2);
  });
});
