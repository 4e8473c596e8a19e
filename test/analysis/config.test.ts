import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chainType,
  configHash,
  constantValue,
  defaultConfigPath,
  loadConfig,
  toRunOptions,
  validateConfig,
  type ExperimentConfig,
} from '../../bindings/analysis/config/index.js';
import { ConfigError } from '../../bindings/core/errors.js';
import { KUSCHEL2023 } from '../../bindings/data/synth.js';
import { Histogrammer } from '../../bindings/stats/histogram.js';

const tmp = mkdtempSync(join(tmpdir(), 'sacla-config-'));
let counter = 0;
function writeTmp(ext: string, text: string): string {
  const p = join(tmp, `config${counter++}${ext}`);
  writeFileSync(p, text);
  return p;
}

/** A small valid config; tests break one thing in a copy. */
function base(): Record<string, any> {
  return {
    detectors: { cam: { id: 'MPCCD-2N0-M02-003', dark: 'darks/cam' } },
    values: {
      i0: 'xfel_bl_3_st_5_pd_user_10_fitting_peak/voltage',
      x: { key: 'xfel_bl_3_st_5_motor_facility_14/position', scale: 0.5e-6 },
    },
    filters: [{ motorStep: 'x' }],
    constants: { axis: { axis: { length: 4, centerIndex: 2, centerEv: 100, evPerPixel: 2 } } },
    outputs: [
      { name: 'cam_mean', source: 'cam', transforms: [{ noiseCut: {} }], sink: 'mean' },
      { name: 'cam_total', source: 'cam', transforms: [{ noiseCut: { threshold: 500 } }, { sum: {} }], sink: 'perShot' },
    ],
  };
}

/** The ConfigError message of validating `raw`. */
function mistakes(raw: unknown, origin = 'test.json'): string {
  try {
    validateConfig(raw, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configs/kuschel2023.json', () => {
  it('holds the original analysis', async () => {
    const config = await loadConfig(defaultConfigPath());
    expect(config.name).toBe('kuschel2023');
    expect(config.description).toMatch(/NaN/);
    expect(config.description).toMatch(/exp_config\.py/);
    expect(config.outputs.map((o) => o.name).sort()).toEqual(
      [
        'spectrum_mean',
        'spectrum',
        'side_mean',
        'forward_mean',
        'side_max',
        'side_hist_mean',
        'forward_hist_mean',
        'side_bright_pershot',
        'side_total',
        'forward_total',
        'i_top_images',
        'side_radial',
        'side_median',
      ].sort(),
    );
    // Every root dataset of design.md "Results" (besides values, tag, runNR).
    const top = config.outputs.find((o) => o.name === 'i_top_images')!;
    expect(top.sink).toMatchObject({ topK: { k: 5 } });
    const payloads = (top.sink as { topK: { payloads: Record<string, unknown> } }).topK.payloads;
    expect(Object.keys(payloads).sort()).toEqual(['forward_top_image_sum', 'forward_top_images', 'side_top_image', 'side_top_image_sum']);
    expect(Object.keys(config.constants).sort()).toEqual(['forward_hist_centers', 'side_hist_centers', 'spectrum_axis', 'spectrum_axis_iron']);
    expect(config.filters).toEqual([{ motorStep: 'sampleX2' }, { shutter: 'shutter_open' }]);

    // Detectors, darks, values: the original exp_config.py's (docs/data.md), as the synthetic runs have them.
    expect(config.detectors).toEqual({
      spectrometer: { id: 'MPCCD-1N0-M07-006', dark: null, evPerAdu: 'auto' },
      side_ccd: { id: 'MPCCD-2N0-M02-003', dark: 'darks/side_ccd', evPerAdu: 'auto' },
      forward_ccd: { id: 'MPCCD-2N0-M02-001', dark: 'darks/forward_ccd', evPerAdu: 'auto' },
    });
    expect(config.values).toEqual(KUSCHEL2023.values);

    // The gold axis, by hand: (i − 512) × 0.817 + 9674.6.
    const axis = constantValue(config.constants.spectrum_axis);
    expect(axis.length).toBe(1024);
    expect(axis[0]).toBeCloseTo(9256.296, 9);
    expect(axis[512]).toBeCloseTo(9674.6, 9);
    expect(axis[1023]).toBeCloseTo(10092.087, 9);
    // Histogram centres as the Histogrammer's.
    const centers = constantValue(config.constants.side_hist_centers);
    expect(Array.from(centers)).toEqual(Array.from(new Histogrammer(200, [0, 50000]).centers()));
    expect(centers[0]).toBe(125);

    // Defaults and the raw side image for the bright count and the maximum.
    const by = Object.fromEntries(config.outputs.map((o) => [o.name, o]));
    expect(by.side_bright_pershot.transforms).toEqual([{ rangeCount: { low: 40, high: Infinity } }]);
    expect(by.side_max.transforms).toEqual([]);
    expect(by.side_median).toMatchObject({ source: 'side_ccd', transforms: [], sink: 'median' });
    expect(by.side_radial.after).toEqual([{ radialProfile: { center: null, centerUm: null, os: 1 } }]);
    // Pictures are the sensors assembled into one image.
    for (const name of ['side_mean', 'forward_mean', 'side_max', 'side_median']) expect(by[name].after, name).toEqual([{ assemble: {} }]);
    const iron = constantValue(config.constants.spectrum_axis_iron);
    expect(iron[0]).toBeCloseTo(6390.4 - 512 * 0.346, 9);
    expect(by.side_total.transforms).toEqual([{ noiseCut: { threshold: 1000, fill: 0 } }, { sum: { nan: 'skip' } }]);
    expect(by.spectrum.transforms).toEqual([{ meanAlongAxis: { axis: 1 } }]);
    expect(chainType(config, 'spectrometer', by.spectrum.transforms)).toEqual({ kind: 'array', ndim: 1 });
    expect(config.thinning).toEqual({ maxShots: null, step: 1 });
  });

  it('gives openRun its options, darks resolved against the data folder', async () => {
    const config = await loadConfig(defaultConfigPath(), { dataDir: '/data/beamtime' });
    const opts = toRunOptions(config);
    expect(opts.detectors).toEqual(KUSCHEL2023.detectors);
    expect(opts.darks).toEqual({ spectrometer: null, side_ccd: '/data/beamtime/darks/side_ccd', forward_ccd: '/data/beamtime/darks/forward_ccd' });
    expect(opts.evPerAdu).toEqual({ spectrometer: 'auto', side_ccd: 'auto', forward_ccd: 'auto' });
    expect(opts.values).toEqual(KUSCHEL2023.values);
  });

  it('the validated config round-trips through JSON (as stored in result files)', async () => {
    const config = await loadConfig(defaultConfigPath());
    // Stored without `source` (where it was read from): the result file keeps that apart.
    const again = validateConfig(JSON.parse(JSON.stringify({ ...config, source: undefined })), 'stored');
    expect(again).toEqual({ ...config, source: 'stored' });
    expect(await configHash(again)).toBe(await configHash(config));
  });
});

describe('mistakes', () => {
  it('bad JSON: file name, line and column', async () => {
    const p = writeTmp('.json', '{\n  "detectors": {},\n  "outputs": [\n    { "name": "a" "source": "b" }\n  ]\n}\n');
    const err = await loadConfig(p).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(p);
    expect(err.message).toMatch(/line 4, column 19/);
    const p2 = writeTmp('.json', '{ "outputs": [');
    expect((await loadConfig(p2).catch((e) => e)).message).toMatch(/line 1, column 15/);
  });

  it('missing file names it', async () => {
    const err = await loadConfig(join(tmp, 'nope.json')).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('nope.json');
  });

  it('unknown top-level key', () => {
    const c = base();
    c.output = c.outputs;
    const msg = mistakes(c);
    expect(msg).toContain('test.json: output: expected one of the keys');
    expect(msg).toContain('(did you mean "outputs"?)');
    expect(msg).toContain('got an unknown key');
  });

  it('unknown transform', () => {
    const c = base();
    c.outputs[0].transforms = [{ noiseCutt: { threshold: 1000 } }];
    const msg = mistakes(c);
    expect(msg).toContain('test.json: outputs[0].transforms[0].noiseCutt: expected a transform (noiseCut, roi,');
    expect(msg).toContain('did you mean "noiseCut"?');
  });

  it('unknown parameter and unknown output key', () => {
    const c = base();
    c.outputs[0].transforms = [{ noiseCut: { treshold: 1000 } }];
    c.outputs[1].sinks = 'mean';
    const msg = mistakes(c);
    expect(msg).toContain('outputs[0].transforms[0].noiseCut.treshold: expected one of the keys threshold, fill (did you mean "threshold"?), got an unknown key');
    expect(msg).toContain('outputs[1].sinks: expected one of the keys name, source, transforms, sink, after');
  });

  it('wrong parameter type', () => {
    const c = base();
    c.outputs[0].transforms = [{ noiseCut: { threshold: '1000' } }];
    expect(mistakes(c, 'kuschel2023.json')).toBe(
      'kuschel2023.json: outputs[0].transforms[0].noiseCut.threshold: expected a number, got "1000"',
    );
  });

  it('missing required field', () => {
    const c = base();
    delete c.outputs[1].sink;
    delete c.detectors.cam.id;
    const msg = mistakes(c);
    expect(msg).toContain('test.json: outputs[1].sink: expected a sink: "mean", "variance"');
    expect(msg).toMatch(/outputs\[1\]\.sink: .*, got nothing/);
    expect(msg).toContain('test.json: detectors.cam.id: expected a facility id (e.g. "MPCCD-2N0-M02-003") or group name, got nothing');
  });

  it('source naming nothing', () => {
    const c = base();
    c.outputs[0].source = 'cma';
    const msg = mistakes(c);
    expect(msg).toBe(
      'test.json: outputs[0].source: expected a detector (cam), a value (i0, x), "index" or "tag" (did you mean "cam"?), got "cma"',
    );
  });

  it('filter on an unknown value', () => {
    const c = base();
    c.filters = [{ motorStep: 'x' }, { shutter: 'shutter_open' }];
    const msg = mistakes(c);
    expect(msg).toBe('test.json: filters[1].shutter: expected the name of a value (i0, x), got "shutter_open"');
    c.filters = [{ shutter: 'cam' }];
    expect(mistakes(c)).toContain('filters[0].shutter: expected the name of a value');
  });

  it('duplicate dataset names: output vs value, payload vs output, output vs tag', () => {
    const c = base();
    c.outputs[0].name = 'i0';
    c.outputs[1].sink = { topK: { k: 3, payloads: { cam_mean: { source: 'cam' }, best: { source: 'cam' } } } };
    c.outputs[1].name = 'tag';
    c.outputs[0].name = 'i0';
    c.outputs.push({ name: 'cam_mean', source: 'cam', sink: 'max' });
    const msg = mistakes(c);
    expect(msg).toContain('outputs[0].name: expected a name not already used by another root dataset (values.i0), got "i0"');
    expect(msg).toContain('outputs[1].name: expected a name not already used by another root dataset (the tag dataset), got "tag"');
    expect(msg).toContain(
      'outputs[1].sink.topK.payloads.cam_mean: expected a name not already used by another root dataset (outputs[2]), got "cam_mean"',
    );
  });

  it('number through an array transform', () => {
    const c = base();
    c.outputs[0] = { name: 'bad', source: 'i0', transforms: [{ noiseCut: {} }], sink: 'mean' };
    c.outputs[1].transforms.push({ meanAlongAxis: { axis: 1 } });
    const msg = mistakes(c);
    expect(msg).toContain('outputs[0].transforms[0].noiseCut: expected an array input (it keeps the shape), got a number (the value "i0")');
    expect(msg).toContain('outputs[1].transforms[2].meanAlongAxis: expected a 2-D input, got a number (the output of sum)');
  });

  it('after transforms apply to the sink value', () => {
    const c = base();
    c.outputs[0].after = [{ radialProfile: { center: [10, 20] } }, { sum: {} }];
    c.outputs[1].after = [{ sum: {} }];
    c.outputs.push({ name: 'r3', source: 'cam', sink: 'variance', after: [{ radialProfile: { center: [1, 2, 3] } }] });
    const msg = mistakes(c);
    expect(msg).toContain('outputs[1].after: expected no after transforms with a perShot sink (after applies to mean, variance, min, max, median and quantile)');
    expect(msg).toContain(
      'outputs[2].after[0].radialProfile: expected a center of 2 numbers for a detector image ([row, col]), got an array (2-D for one sensor, 3-D for several) (the variance over the run)',
    );
    expect(msg).not.toContain('outputs[0]');
  });

  it('topK over an image chain', () => {
    const c = base();
    c.outputs[0].sink = { topK: { k: 5, payloads: { img: { source: 'cam' } } } };
    const msg = mistakes(c);
    expect(msg).toContain(
      'outputs[0].sink.topK: expected a chain that ends in a number (e.g. add {"sum": {}}) to rank shots by, got an array (2-D for one sensor, 3-D for several)',
    );
  });

  it('invalid names', () => {
    const c = base();
    c.outputs[0].name = 'cam mean';
    c.values['2x'] = 'some/key';
    c.detectors.index = { id: 'MPCCD-1N0-M07-006' };
    const msg = mistakes(c);
    expect(msg).toContain('outputs[0].name: expected an identifier ([A-Za-z_][A-Za-z0-9_]*) as name, got "cam mean"');
    expect(msg).toContain('values["2x"]: expected an identifier');
    expect(msg).toContain('detectors.index: expected a name other than the reserved "index" and "tag", got "index"');
  });

  it('bad calibration table (x/y lengths differ) and two calibrations', () => {
    const c = base();
    c.values.att = { key: 'xfel_bl_3_st_3_motor_facility_29/position', nearest: { x: [1, 2, 3], y: [0, 1] } };
    c.values.pe = { key: 'k', scale: 2, linear: { x: [0, 1], y: [0, 1] } };
    const msg = mistakes(c);
    expect(msg).toContain('test.json: values.att.nearest: expected x and y of the same non-zero length, got 3 x and 2 y');
    expect(msg).toContain('test.json: values.pe: expected one calibration (scale, nearest, linear or fn), got scale and linear together');
  });

  it('several mistakes reported together, one per line', () => {
    const c = base();
    c.detector = {};
    c.values.x.scale = 'half';
    c.filters[0] = { motorStep: 'y' };
    c.outputs[0].transforms = [{ histogram: { bins: 0, range: [0, 10] } }];
    c.outputs[1].source = 'nothing';
    c.thinning = { step: 0 };
    const lines = mistakes(c).split('\n');
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l.startsWith('test.json: ')).toBe(true);
    const text = lines.join('\n');
    expect(text).toContain('detector: expected one of the keys');
    expect(text).toContain('values.x.scale: expected a finite number, got "half"');
    expect(text).toContain('filters[0].motorStep: expected the name of a value');
    expect(text).toContain('outputs[0].transforms[0].histogram.bins: expected a positive integer ≤ 10,000,000, got 0');
    expect(text).toContain('outputs[1].source: expected a detector');
    expect(text).toContain('thinning.step: expected a positive integer, got 0');
  });

  it('not an object at all', () => {
    expect(mistakes([1, 2])).toBe('test.json: (top level): expected a config object {detectors, values, filters, constants, outputs, …}, got [1, 2]');
  });
});

describe('loading', () => {
  it('.mjs config with a function calibration', async () => {
    const p = writeTmp(
      '.mjs',
      `export default {
        detectors: { cam: { id: 'MPCCD-2N0-M02-003' } },
        values: { twice: { key: 'xfel_bl_3_st_5_pd_user_10_fitting_peak/voltage', fn: (raw) => raw.map((v) => 2 * v) } },
        outputs: [{ name: 'twice_mean', source: 'twice', sink: 'mean' }],
      };`,
    );
    const config = await loadConfig(p);
    const spec = config.values.twice as { fn: (r: Float64Array) => ArrayLike<number> };
    expect(typeof spec.fn).toBe('function');
    expect(Array.from(spec.fn(Float64Array.of(1, 2)))).toEqual([2, 4]);
    expect(config.detectors.cam).toEqual({ id: 'MPCCD-2N0-M02-003', dark: null, evPerAdu: 'auto' });
    // The function's source text is part of the hash.
    const q = writeTmp('.mjs', (await import('node:fs')).readFileSync(p, 'utf8').replace('2 * v', '3 * v'));
    expect(await configHash(await loadConfig(q))).not.toBe(await configHash(config));
  });

  it('.mjs without a default export, and an unknown extension', async () => {
    const p = writeTmp('.mjs', 'export const config = {};');
    expect((await loadConfig(p).catch((e) => e)).message).toContain('expected a default export');
    const y = writeTmp('.yaml', 'a: 1');
    expect((await loadConfig(y).catch((e) => e)).message).toContain('expected a .json, .mjs or .js config file');
  });

  it('relative darks resolve against dataDir, absolute ones are kept', async () => {
    const c = base();
    c.detectors.other = { id: 'MPCCD-2N0-M02-001', dark: '/abs/darks' };
    const p = writeTmp('.json', JSON.stringify(c));
    const config = await loadConfig(p, { dataDir: '/data/run' });
    expect(config.detectors.cam.dark).toBe('/data/run/darks/cam');
    expect(config.detectors.other.dark).toBe('/abs/darks');
    expect((await loadConfig(p)).detectors.cam.dark).toBe('darks/cam');
  });
});

describe('configHash', () => {
  it('is the sha256 of the canonical JSON (sorted keys, no description, no source file)', async () => {
    const config = validateConfig({ ...base(), description: 'notes' }, 'h');
    const { description: _d, source: _s, ...rest } = config;
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
    const json = JSON.stringify(sorted(rest));
    expect(await configHash(config)).toBe(createHash('sha256').update(json, 'utf8').digest('hex'));
  });

  it('is stable under key reordering and changes with a threshold', async () => {
    const a = validateConfig(base(), 'a');
    const reordered = base();
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse());
    shuffled.outputs = reordered.outputs.map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse()));
    const b = validateConfig(shuffled, 'b');
    expect(await configHash(b)).toBe(await configHash(a));
    expect(await configHash(a)).toMatch(/^[0-9a-f]{64}$/);
    // Defaults filled in: an explicit default gives the same hash.
    const explicit = base();
    explicit.outputs[0].transforms = [{ noiseCut: { threshold: 1000, fill: 0 } }];
    expect(await configHash(validateConfig(explicit, 'c'))).toBe(await configHash(a));
    const changed = base();
    changed.outputs[0].transforms = [{ noiseCut: { threshold: 1001 } }];
    expect(await configHash(validateConfig(changed, 'd'))).not.toBe(await configHash(a));
    // The description is documentation, not part of what is computed.
    const described = base();
    described.description = 'notes';
    expect(await configHash(validateConfig(described, 'e'))).toBe(await configHash(a));
  });
});

describe('defaults', () => {
  it('fills in every default', () => {
    const c: ExperimentConfig = validateConfig(
      {
        detectors: { cam: { id: 'X' } },
        values: { v: 'k' },
        filters: [{ value: 'v', min: 1 }],
        outputs: [
          { name: 'a', source: 'cam', transforms: [{ rangeCount: { high: null } }], sink: { quantile: { p: 0.9 } } },
          { name: 'b', source: 'cam', transforms: [{ mean: {} }], sink: { topK: { k: 2 } } },
          { name: 'c', source: 'index', sink: 'perShot' },
        ],
        thinning: { maxShots: 10 },
      },
      'd',
    );
    expect(c.outputs[0].transforms).toEqual([{ rangeCount: { low: -Infinity, high: Infinity } }]);
    expect(c.outputs[1]).toEqual({ name: 'b', source: 'cam', transforms: [{ mean: { nan: 'skip' } }], sink: { topK: { k: 2, payloads: {} } }, after: [] });
    expect(c.filters).toEqual([{ value: 'v', min: 1, max: Infinity }]);
    expect(c.thinning).toEqual({ maxShots: 10, step: 1 });
    expect(c.detectors.cam).toEqual({ id: 'X', dark: null, evPerAdu: 'auto' });
    expect(c.constants).toEqual({});
  });
});
