// The bad-config suite: each config of test/fixtures/bad/configs (make_bad_configs.py) is one
// mistake. `sacla analyse` must refuse every one with exit code 2, naming the file and the entry
// at fault, with no stack trace and no result file; what only the run can reveal is found
// before its first shot. Then the library's side: limits and memory estimates on plans built
// by hand, names that are keys of every JavaScript object, and errors of steps and sinks named
// after their output and config entry.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig, type OutputConfig } from '../../bindings/analysis/config/index.js';
import { checkMemory, type MemoryEntry } from '../../bindings/analysis/config/limits.js';
import { Plan, type DetectorShape } from '../../bindings/analysis/plan.js';
import { ConfigError, DataError } from '../../bindings/core/errors.js';
import type { Run } from '../../bindings/data/run.js';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const CONFIGS = fileURLToPath(new URL('../fixtures/bad/configs', import.meta.url));
const DATA = fileURLToPath(new URL('../fixtures/analysis/h5py_run', import.meta.url));

/** Each case: the entry its message must name, and what it must say is wrong there. */
const LOADED: Record<string, [entry: string, why: string]> = {
  'histogram-centers-bins-huge': ['constants.centers.histogramCenters.bins', 'expected a positive integer ≤ 10,000,000, got 2000000000'],
  'axis-length-huge': ['constants.energy.axis.length', 'expected a positive integer ≤ 10,000,000, got 3000000000'],
  'histogram-bins-huge': ['outputs[0].transforms[0].histogram.bins', 'expected a positive integer ≤ 10,000,000, got 300000000'],
  'histogram-bins-negative': ['outputs[0].transforms[0].histogram.bins', 'got -200'],
  'histogram-bins-fraction': ['outputs[0].transforms[0].histogram.bins', 'got 12.5'],
  'histogram-range-reversed': ['outputs[0].transforms[0].histogram.range', 'lo ≤ hi, got [50000, 0]'],
  'quantile-p-above-one': ['outputs[0].sink.quantile.p', 'expected a number with 0 < p < 1, got 1.5'],
  'quantile-p-zero': ['outputs[0].sink.quantile.p', 'expected a number with 0 < p < 1, got 0'],
  'topk-k-zero': ['outputs[0].sink.topK.k', 'expected a positive integer ≤ 10,000, got 0'],
  'topk-k-huge': ['outputs[0].sink.topK.k', 'expected a positive integer ≤ 10,000, got 1000000'],
  'topk-of-images': ['outputs[0].sink.topK', 'a chain that ends in a number'],
  'unknown-source': ['outputs[0].source', '(did you mean "side_ccd"?), got "side_cdd"'],
  'chain-types': ['outputs[0].transforms[1].roi', 'expected a 2-D input, got a number (the output of sum)'],
  'transform-of-a-value': ['outputs[0].transforms[0].noiseCut', 'got a number (the value "diode")'],
  'after-with-perShot': ['outputs[0].after', 'no after transforms with a perShot sink'],
  'unknown-transform': ['outputs[0].transforms[0].noisecut', '(did you mean "noiseCut"?)'],
  'unknown-sink': ['outputs[0].sink', '(did you mean "mean"?), got "meen"'],
  'roi-reversed': ['outputs[0].transforms[0].roi.rows', '0 ≤ r0 < r1 (end exclusive), got [10, 5]'],
  'roi-negative': ['outputs[0].transforms[0].roi.cols', 'got [-1, 4]'],
  'radial-os-zero': ['outputs[0].transforms[0].radialProfile.os', 'expected a positive number, got 0'],
  'radial-center-and-centerUm': ['outputs[0].transforms[0].radialProfile', 'not both, got both'],
  'radial-center-three-numbers': ['outputs[0].transforms[0].radialProfile', 'expected a center of 2 numbers'],
  'range-count-empty': ['outputs[0].transforms[0].rangeCount', 'expected low < high, got low 5 and high 5'],
  'mean-along-axis-2': ['outputs[0].transforms[0].meanAlongAxis.axis', 'expected axis 0 or 1, got 2'],
  'duplicate-output-name': ['outputs[1].name', 'not already used by another root dataset (outputs[0])'],
  'filter-on-a-detector': ['filters[0].shutter', 'expected the name of a value (diode), got "side_ccd"'],
  'thinning-step-zero': ['thinning.step', 'expected a positive integer, got 0'],
  'threshold-infinite': ['outputs[0].transforms[0].noiseCut.threshold', 'expected a number, got Infinity'],
  'threshold-nan': ['line 5, column 92', 'expected valid JSON, got NaN, which JSON does not have'],
  'detector-named-proto': ['detectors.__proto__', 'as name, got "__proto__"'],
  'output-named-proto': ['outputs[0].name', 'as name, got "__proto__"'],
};

/** Cases only the run's detectors reveal: found by the plan's check, before the first shot. */
const AGAINST_THE_RUN: Record<string, [entry: string, why: string]> = {
  'radial-center-outside': [
    'output result: outputs[0].transforms[0].radialProfile.center',
    '[10000, 10000] lies outside the input of shape [48, 16] (expected 0 ≤ center[0] ≤ 47 and 0 ≤ center[1] ≤ 15)',
  ],
  'radial-centerUm-outside': [
    'output result: outputs[0].transforms[0].radialProfile.centerUm',
    'lies outside the assembled picture [32, 38] of the detector side_ccd',
  ],
  // The farthest corner of [48, 16] from its centre [24, 8] is 25.30 pixels away.
  'radial-os-huge': ['output result: outputs[0].transforms[0].radialProfile.os', '10000000 makes a profile of 252,982,214 bins'],
  'roi-outside-image': ['output result: outputs[0].transforms[0].roi', 'rows [0, 5000) × cols [0, 4) do not fit an array of shape [48, 16]'],
  'roi-of-a-stack': ['output result: outputs[0].transforms[0].roi', 'do not fit an array of shape [2, 32, 16]'],
  // 4 × (56 B of P² state, 32 B of pending copies, 12 B of scratch) × 10⁷ bins, and the histogram's 360 MB.
  'memory-too-large': [
    'the outputs need about 4.06 GiB of kernel (wasm) memory, more than the 3.50 GiB a plan may use',
    'the largest: output q10: outputs[0].sink.quantile (a P² state of 10,000,000 elements): 954 MiB; output q50: outputs[1].sink.quantile',
  ],
};

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-bad-configs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('every config of the folder is a case here', () => {
  const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  expect(files.sort()).toEqual([...Object.keys(LOADED), ...Object.keys(AGAINST_THE_RUN)].sort());
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function analyse(name: string) {
  const out = join(dir, name);
  const r = sacla('analyse', '--data', DATA, '--run', '7', '--config', join(CONFIGS, `${name}.json`), '--out', out, '--workers', '1', '--quiet');
  const written = existsSync(out) ? readdirSync(out) : [];
  return { ...r, written };
}

describe('sacla analyse refuses each with exit code 2, naming the entry', () => {
  test.each(Object.entries(LOADED))('%s: when the config is loaded', (name, [entry, why]) => {
    const r = analyse(name);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${name}.json: ${entry}: `);
    expect(r.stderr).toContain(why);
    // Before any data is read: no notice about the run's values.
    expect(r.stderr).not.toMatch(/run 7/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.written).toEqual([]);
  });

  test.each(Object.entries(AGAINST_THE_RUN))('%s: against the run, before its first shot', (name, [entry, why]) => {
    const r = analyse(name);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${name}.json: ${entry}`);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toMatch(/ — in run 7 \(.*7\.h5\)/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.written).toEqual([]);
  });
});

describe('sacla check says the same', () => {
  test('a config mistake: exit code 2, as for analyse', () => {
    const r = sacla('check', '--data', DATA, '--run', '7', '--config', join(CONFIGS, 'histogram-centers-bins-huge.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('constants.centers.histogramCenters.bins: expected a positive integer ≤ 10,000,000');
  });

  test('what the run reveals is an item of the report, each output on its own and then all together', () => {
    for (const name of ['radial-center-outside', 'roi-outside-image']) {
      const r = sacla('check', '--data', DATA, '--run', '7', '--config', join(CONFIGS, `${name}.json`));
      expect(r.status).toBe(1);
      const [entry, why] = AGAINST_THE_RUN[name];
      expect(r.stdout).toMatch(new RegExp(`✗ output +result +${escape(`${entry.replace('output result: ', '')}: ${why}`)}`));
    }
    const memory = sacla('check', '--data', DATA, '--run', '7', '--config', join(CONFIGS, 'memory-too-large.json'));
    expect(memory.status).toBe(1);
    // Each quantile fits on its own (1.3 GB): only the four together do not.
    for (const q of ['q10', 'q50', 'q90', 'q99']) expect(memory.stdout).toMatch(new RegExp(`✓ output +${q} +per shot an array of shape \\[10000000\\]`));
    expect(memory.stdout).toMatch(new RegExp(`✗ output +all +${escape(AGAINST_THE_RUN['memory-too-large'][0])}`));
  });
});

describe('values JSON cannot hold (a .mjs config can)', () => {
  const config = (transforms: unknown[], sink: unknown = 'mean') => ({
    detectors: { cam: { id: 'MPCCD-1N0-M07-006' } },
    outputs: [{ name: 'x', source: 'cam', transforms, sink }],
  });
  const refused = (raw: unknown) => {
    try {
      validateConfig(raw, 'test.mjs');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };
  test.each([
    [[{ noiseCut: { threshold: NaN } }], 'outputs[0].transforms[0].noiseCut.threshold: expected a number, got NaN'],
    [[{ histogram: { bins: NaN, range: [0, 1] } }], 'outputs[0].transforms[0].histogram.bins: expected a positive integer ≤ 10,000,000, got NaN'],
    [[{ histogram: { bins: 10, range: [0, Infinity] } }], 'outputs[0].transforms[0].histogram.range: expected [lo, hi]: finite numbers with lo ≤ hi, got [0, null]'],
    [[{ radialProfile: { center: [NaN, 3] } }], 'outputs[0].transforms[0].radialProfile.center[0]: expected a list of numbers, one per dimension, got NaN'],
    [[{ radialProfile: { os: Infinity } }], 'outputs[0].transforms[0].radialProfile.os: expected a positive number, got Infinity'],
  ])('%j', (transforms, message) => {
    expect(refused(config(transforms))).toBe(`test.mjs: ${message}`);
  });
});

// Plans built by hand on detectors of made-up shapes: no run file needed.
const out = (o: Partial<OutputConfig> & Pick<OutputConfig, 'name' | 'source' | 'sink'>): OutputConfig => ({ transforms: [], after: [], ...o });
const camera = (shape: number[], dtype: 'f32' | 'f64' = 'f32'): DetectorShape => ({ shape, size: shape.reduce((a, b) => a * b, 1), dtype });

function caught(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

function planError(plan: Plan, f: (plan: Plan) => unknown): Error {
  try {
    return caught(() => f(plan));
  } finally {
    plan.dispose();
  }
}

describe('the plan: limits once the shapes are known', () => {
  test('a radial centre outside the image names the parameter; one on its edge is used', () => {
    const radial = (center: number[]) => new Plan([out({ name: 'p', source: 'cam', transforms: [{ radialProfile: { center, centerUm: null, os: 1 } }], sink: 'mean' })], { detectors: { cam: camera([8, 6]) } });
    const err = planError(radial([8, 2]), (p) => p.check());
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^output p: outputs\[0\]\.transforms\[0\]\.radialProfile\.center: \[8, 2\] lies outside the input of shape \[8, 6\] \(expected 0 ≤ center\[0\] ≤ 7 and 0 ≤ center\[1\] ≤ 5\)/);
    // From [7, 5] the farthest pixel, [0, 0], lies at √74 = 8.60: radii 0 … 9.
    const edge = radial([7, 5]);
    try {
      expect(edge.check()[0].written).toBe('an array of shape [10] (float64)');
    } finally {
      edge.dispose();
    }
  });

  test('a radial profile of a 1-D array is binned by its index, without geometry', () => {
    const plan = new Plan(
      [out({ name: 'p', source: 'cam', transforms: [{ meanAlongAxis: { axis: 0 } }, { radialProfile: { center: null, centerUm: null, os: 1 } }], sink: 'mean' })],
      { detectors: { cam: camera([2, 5]) } },
    );
    try {
      plan.check();
      plan.process(fakeRun({ cam: () => [1, 2, 3, 4, 10, 1, 2, 3, 4, 10] }), 0);
      // About index 2: r = 0 holds 3; r = 1 holds 2 and 4; r = 2 holds 1 and 10.
      expect(Array.from(plan.datasets().p.data)).toEqual([3, 3, 5.5]);
    } finally {
      plan.dispose();
    }
  });

  test('one wasm buffer larger than the allocator gives', () => {
    // A median keeps 56 bytes per element: 1.12 GB for 5000 × 4000.
    const plan = new Plan([out({ name: 'm', source: 'cam', sink: 'median' })], { detectors: { cam: camera([5000, 4000]) } });
    const err = planError(plan, (p) => p.check());
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      'output m: outputs[0].sink.median needs one buffer of 1.04 GiB in kernel (wasm) memory (a P² state of 20,000,000 elements), more than the 1.00 GiB a buffer may have',
    );
  });

  test("per-shot lists counted against the machine's memory", () => {
    const plan = (memory: number) =>
      new Plan([out({ name: 's', source: 'cam', sink: 'perShot' })], { detectors: { cam: camera([100, 100]) }, shots: 10_000, memory });
    // 10,000 shots × 10⁴ float32 pixels, kept and then stacked: 800 MB; the image buffer 40 kB.
    const err = planError(plan(100e6), (p) => p.check());
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      "the outputs need about 763 MiB of memory for this run, more than this machine's 95.4 MiB; the largest: " +
        'output s: outputs[0].sink.perShot (10,000 shots × 10,000 elements): 763 MiB; detectors.cam (its image buffer, an array of shape [100, 100] (float32)): 39.1 KiB',
    );
    const enough = plan(1e9);
    try {
      expect(enough.check()[0].written).toBe('one per shot of an array of shape [100, 100] (float32)');
    } finally {
      enough.dispose();
    }
  });

  test('the budget: the biggest entries are listed, largest first', () => {
    const GiB = 2 ** 30;
    const entry = (where: string, wasm: number): MemoryEntry => ({ where, what: 'buffers', wasm, js: 0, block: 0 });
    const entries = [entry('e', GiB / 8), entry('b', GiB), entry('a', 2 * GiB), entry('d', GiB / 4), entry('c', GiB / 2)];
    const err = caught(() => checkMemory(entries, null));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      "the outputs need about 3.88 GiB of kernel (wasm) memory, more than the 3.50 GiB a plan may use of wasm's 4 GiB; the largest: " +
        'a (buffers): 2.00 GiB; b (buffers): 1.00 GiB; c (buffers): 512 MiB; d (buffers): 256 MiB',
    );
    expect(() => checkMemory(entries.filter((e) => e.where !== 'a'), null)).not.toThrow();
    expect(() => checkMemory([{ ...entry('a', 2 * GiB), block: 2 * GiB }], null)).toThrow(/^a needs one buffer of 2\.00 GiB .*more than the 1\.00 GiB a buffer may have$/);
    expect(() => checkMemory([{ ...entry('a', GiB), js: 2 * GiB }], 2 * GiB)).toThrow(/about 3\.00 GiB of memory for this run, more than this machine's 2\.00 GiB; the largest: a \(buffers\): 3\.00 GiB$/);
  });
});

/** A run of `shots` shots whose detector images and values the test gives. */
function fakeRun(detectors: Record<string, (shot: number) => number[]>, values: Record<string, number[]> = {}): Run {
  return {
    runNumber: 1,
    tags: [10, 11, 12],
    detectors: Object.fromEntries(Object.entries(detectors).map(([n, f]) => [n, { read: (shot: number, data: { set(v: number[]): void }) => data.set(f(shot)) }])),
    values: Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Float64Array.from(v)])),
  } as unknown as Run;
}

describe('names that are keys of every JavaScript object', () => {
  test('a value "toString" and a detector "constructor" are what the config says', () => {
    const plan = new Plan(
      [
        out({ name: 'valueOf', source: 'toString', sink: 'perShot' }),
        out({ name: 'hasOwnProperty', source: 'constructor', sink: 'mean' }),
      ],
      { detectors: { constructor: camera([2, 2]) } },
    );
    try {
      expect(plan.check().map((c) => c.perShot)).toEqual(['a number', 'an array of shape [2, 2] (float32)']);
      const run = fakeRun({ constructor: (shot: number) => [shot, 1, 2, 3] }, { toString: [5, 6, 7] });
      for (const shot of [0, 2]) plan.process(run, shot);
      const d = new Map(Object.entries(plan.datasets()));
      expect(Array.from(d.get('valueOf')!.data)).toEqual([5, 7]);
      expect(Array.from(d.get('hasOwnProperty')!.data)).toEqual([1, 1, 2, 3]);
    } finally {
      plan.dispose();
    }
  });

  test('a name the config validation lets through as a detector, but the run has none of', () => {
    // No detector "toString" in the run: the source is not mistaken for Object.prototype.toString.
    const plan = new Plan([out({ name: 'x', source: 'toString', sink: 'mean' })], { detectors: {} });
    try {
      expect(plan.check()[0].perShot).toBe('a number');
      expect(() => plan.process(fakeRun({}), 0)).toThrow('no detector or value named "toString" in run 1');
    } finally {
      plan.dispose();
    }
  });
});

describe('errors of steps and sinks name their output and entry', () => {
  const detectors = { cam: camera([2, 2]) };
  const run = fakeRun({ cam: () => [1, 2, 3, 4] });

  test.each([
    [0, 'Histogrammer: bins must be an integer ≥ 1, got 0'],
    // What `sacla analyse` met as "kernel aborted: Allocation too large", now before any allocation.
    [3e8, 'Histogrammer: bins must be ≤ 67,108,862 (4 lanes of counts per edge in one wasm buffer of at most 1 GiB), got 300000000'],
  ])('a step that fails while the plan is made (bins %d, unchecked by a loader)', (bins, message) => {
    const make = () => new Plan([out({ name: 'h', source: 'cam', transforms: [{ histogram: { bins, range: [0, 1] } }], sink: 'mean' })], { detectors });
    const err = caught(make);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(`output h: outputs[0].transforms[0].histogram: ${message}`);
  });

  test('a step and a sink that throw during a shot: a DataError with the original message', () => {
    const plan = new Plan([out({ name: 'a', source: 'cam', transforms: [{ noiseCut: { threshold: 0, fill: 0 } }], sink: 'mean' })], { detectors });
    plan.check();
    plan.nodes[1].step!.apply = () => {
      throw new RangeError('sacla-analysis kernel aborted: memory access out of bounds');
    };
    let err = planError(plan, (p) => p.process(run, 0));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe('output a: outputs[0].transforms[0].noiseCut: sacla-analysis kernel aborted: memory access out of bounds');

    const again = new Plan([out({ name: 'a', source: 'cam', sink: 'variance' })], { detectors });
    again.check();
    again.sinks[0].sink.accumulate = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'ptr')");
    };
    err = planError(again, (p) => p.process(run, 0));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe("output a: outputs[0].sink.variance: Cannot read properties of undefined (reading 'ptr')");
  });

  test('a ConfigError stays one; a payload step is named once, as the payload', () => {
    const plan = new Plan(
      [
        out({
          name: 'top',
          source: 'cam',
          transforms: [{ sum: { nan: 'skip' } }],
          sink: { topK: { k: 2, payloads: { img: { source: 'cam', transforms: [{ noiseCut: { threshold: 0, fill: 0 } }] } } } },
        }),
      ],
      { detectors },
    );
    plan.check();
    const payload = plan.nodes.find((n) => n.where.includes('payloads'))!;
    payload.step!.apply = () => {
      throw new ConfigError('not here');
    };
    // A payload's steps run once the shots are over, for the top shots, read again.
    const err = planError(plan, (p) => {
      p.process(run, 0);
      p.fillPayloads(run);
    });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/, shot 0 \(tag 10\), read again for its top-k payloads: output top: outputs\[0\]\.sink\.topK\.payloads\.img\.transforms\[0\]\.noiseCut: not here$/);
  });

  test('merging states of another sink', () => {
    const plan = new Plan([out({ name: 'a', source: 'cam', sink: 'mean' })], { detectors });
    const err = planError(plan, (p) => p.merge([[{ kind: 'topK', state: { kind: 'TopK', k: 1, entries: [], seen: 0 } }]]));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe('output a: outputs[0].sink.mean: cannot merge a topK sink state into an accumulator');
  });

  test('an after chain that does not fit the value over the run', () => {
    const plan = new Plan([out({ name: 'a', source: 'cam', sink: 'mean', after: [{ roi: { rows: [0, 100], cols: [0, 1] } }] })], { detectors });
    const err = planError(plan, (p) => p.check());
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      'output a: outputs[0].after[0].roi: rows [0, 100) × cols [0, 1) do not fit an array of shape [2, 2] (its input: the mean, an array of shape [2, 2] (float64))',
    );
  });
});
