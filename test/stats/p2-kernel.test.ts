// The P² kernel (assembly/quantile.ts: blocked structure-of-arrays state, objects buffered
// eight at a time) against the kernel it replaced (p2-before.ts, line for line), bit for bit:
// heights and positions after every update, and every public getter, on detector-like and
// adversarial data, float32 and float64, every marker count and the filling phase. Then the
// buffering rules (every getter and exportState() flush first, the caller's arrays are
// copied, n counts every object, memory stays flat) and the exported state.
import { describe, expect, it } from 'vitest';
import { CDFEstimator, MedianEstimator, QuantileEstimator, WasmArray, memoryBytes, restoreAccumulator, type NDArray } from 'sacla-analysis';
import { loadFixture } from '../helpers/fixtures.js';
import { P2Before } from './p2-before.js';

/** Objects the estimator buffers, and the length from which it does (bindings/stats/quantile.ts). */
const BUFFERED = 8;
const BUFFER_FROM = 1 << 14;

// ------------------------------------------------------------------------------ data

/** A seeded uniform generator (mulberry32), so the data does not depend on other modules. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Shot k of a detector-like run: a per-pixel pedestal (40–60 ADU), Gaussian noise (σ 8–30),
 * sparse photon hits (1 %, one to three photons of 3650), whole ADU on half of the pixels
 * (ties), saturation at 16383 (ties at the top), bad pixels (NaN in every shot), sporadic
 * NaN (more of them while the markers fill) and sporadic ±Inf.
 */
function detectorShot(length: number, k: number, seed = 1): Float64Array {
  const pixel = uniform(seed);
  const r = uniform(seed * 7919 + k * 104729 + 1);
  const g = gaussian(r);
  const out = new Float64Array(length);
  const sporadicNaN = k < 6 ? 0.002 : 0.0005;
  for (let j = 0; j < length; j++) {
    const pedestal = 40 + 20 * pixel();
    const sigma = 8 + 22 * pixel();
    let v = pedestal + sigma * g();
    const u = r();
    if (u < 0.01) v += 3650 * (1 + Math.floor(r() * 3));
    if (j % 2 === 0) v = Math.round(v);
    if (v > 16383) v = 16383;
    if (j % 997 === 5 || u > 1 - sporadicNaN) v = NaN;
    else if (u > 0.5 && u < 0.5001) v = r() < 0.5 ? Infinity : -Infinity;
    out[j] = v;
  }
  return out;
}

/**
 * Shot k of adversarial data: pixel j follows one of these series (by j mod 17), so every
 * kind is seen at every position within a block and a group of four.
 */
function adversarialShot(length: number, k: number, seed = 2): Float64Array {
  const r = uniform(seed * 31 + k * 977 + 3);
  const g = gaussian(r);
  const out = new Float64Array(length);
  for (let j = 0; j < length; j++) {
    let v: number;
    switch (j % 17) {
      case 0: v = 2.5; break; // constant
      case 1: v = k; break; // increasing ramp
      case 2: v = -k; break; // decreasing ramp
      case 3: v = k % 2 ? -1e300 : 1e300; break; // alternating extremes (±Inf in float32)
      case 4: v = k % 2 ? -Infinity : Infinity; break;
      case 5: v = Math.round(3 * g()); break; // ties
      case 6: v = k % 3 === 0 ? -0 : k % 3 === 1 ? 0 : r() < 0.5 ? -0 : 5e-324; break; // signed zeros, a denormal
      case 7: v = 5e-324 * (k % 7); break; // denormals (zero in float32)
      case 8: v = (r() < 0.5 ? -1 : 1) * 1e308 * r(); break; // differences overflow to ±Inf
      case 9: v = k < 5 && j % 3 === 0 ? NaN : g(); break; // NaN while filling only
      case 10: v = NaN; break; // a bad pixel
      case 11: v = k === 7 ? Infinity : g(); break;
      case 12: v = Math.exp(50 * g()); break; // huge spread, overflow to Inf
      case 13: v = 1e16 + k; break; // beyond float64's integer precision
      case 14: v = k % 2; break; // two values
      case 15: v = k < 20 ? k : 40 - k; break; // up, then down
      default: v = 100 + 20 * g();
    }
    out[j] = v;
  }
  return out;
}

type Shot = (length: number, k: number) => Float64Array;

// ------------------------------------------------------------------------- comparisons

const fmt = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/** The same float64 bit patterns (−0 is not 0; NaN payloads count too). */
function expectBits(actual: Float64Array, expected: Float64Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, 2 * actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, 2 * expected.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (a[2 * i] !== e[2 * i] || a[2 * i + 1] !== e[2 * i + 1]) {
      if (bad.length < 6) bad.push(`[${i}] ${fmt(actual[i])} vs ${fmt(expected[i])}`);
      count++;
    }
  }
  expect(bad, `${label}: ${count} values differ`).toEqual([]);
}

function expectInts(actual: Int32Array, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < actual.length && bad.length < 6; i++) if (actual[i] !== expected[i]) bad.push(`[${i}] ${actual[i]} vs ${expected[i]}`);
  expect(bad, label).toEqual([]);
}

const data = (v: unknown) => (v instanceof Float64Array ? v : (v as NDArray<Float64Array>).data);

/** Heights and positions, from the exported state (flushes). */
function expectState(est: CDFEstimator<any>, ref: P2Before, label: string): void {
  const state = est.exportState();
  expect(state.n, `${label}: n`).toBe(ref.n);
  expect(est.n).toBe(ref.n);
  expectBits(state.arrays.heights as Float64Array, ref.markerMajor('heights'), `${label}: heights`);
  expectInts(state.arrays.positions as Int32Array, ref.markerMajor('positions'), `${label}: positions`);
}

/**
 * Every public getter against the old getters on the reference state; `interpolations`:
 * cdf_interp, quantile_interp and pdf at several points, at one, or not at all.
 */
function expectGetters(est: CDFEstimator<any>, ref: P2Before, label: string, { interpolations = 'all' as 'all' | 'few' | 'none' } = {}): void {
  const m = ref.m;
  const heights = ref.heightsValue;
  const q = ref.qActual;
  expectBits(data(est.heights), heights, `${label}: heights`);
  expectBits(data(est.q_actual), q, `${label}: q_actual`);
  const [ch, cq] = est.cdf!;
  expectBits(data(ch), heights, `${label}: cdf[0]`);
  expectBits(data(cq), q, `${label}: cdf[1]`);
  const [qq, qh] = est.quantile!;
  expectBits(data(qq), q, `${label}: quantile[0]`);
  expectBits(data(qh), heights, `${label}: quantile[1]`);
  expectBits(data(est.min), ref.markerHeights(0), `${label}: min`);
  expectBits(data(est.max), ref.markerHeights(m - 1), `${label}: max`);
  if (est instanceof QuantileEstimator) expectBits(data(est.value), ref.markerHeights(2), `${label}: value`);
  else expectBits(data((est.value as [unknown, unknown])[0]), heights, `${label}: value[0]`);
  if (interpolations === 'none') return;
  const few = interpolations === 'few';
  for (const v of few ? [50] : [0, 50, 1e9, -Infinity]) expectBits(data(est.cdf_interp(v)), ref.cdfInterp(v), `${label}: cdf_interp(${v})`);
  for (const p of few ? [0.5] : [0, 0.3, 0.5, 1]) expectBits(data(est.quantile_interp(p)), ref.quantileInterp(p), `${label}: quantile_interp(${p})`);
  const [ph, pd] = est.pdf!;
  const [rh, rd] = ref.pdf;
  expectBits(data(ph), rh, `${label}: pdf[0]`);
  expectBits(data(pd), rd, `${label}: pdf[1]`);
}

type Make = () => CDFEstimator<any>;

/**
 * Feeds `shots` objects of `length` to a new estimator (as float32 or float64, `{data, shape}`)
 * and to the reference; compares the state after the objects listed in `at` (or after every
 * one), and every getter at the end.
 */
function run(make: Make, shot: Shot, length: number, shots: number, dtype: 'f32' | 'f64', at: 'every' | number[], label: string, getters = true, interpolations: 'all' | 'few' = 'all'): void {
  const est = make();
  const ref = new P2Before(length, est.markers);
  const checks = new Set(at === 'every' ? Array.from({ length: shots }, (_, k) => k + 1) : at);
  for (let k = 0; k < shots; k++) {
    const x = dtype === 'f32' ? Float32Array.from(shot(length, k)) : shot(length, k);
    est.accumulate({ data: x, shape: [length] });
    ref.update(x);
    if (checks.has(k + 1)) expectState(est, ref, `${label}, after ${k + 1}`);
  }
  expectState(est, ref, `${label}, final`);
  if (getters) expectGetters(est, ref, `${label}, final`, { interpolations });
  est.dispose();
}

// ------------------------------------------------------------------------------ tests

describe('bit for bit the kernel it replaced', () => {
  it('detector-like 1024×1024, 40 float32 shots from one reused wasm buffer (the pipeline): state at 1–7, 13, 21, 32, 40; every getter', () => {
    const L = 1024 * 1024;
    const est = new MedianEstimator();
    const ref = new P2Before(L, est.markers);
    const image = new WasmArray('f32', L);
    const checks = new Set([1, 2, 3, 4, 5, 6, 7, 13, 21, 32, 40]);
    for (let k = 0; k < 40; k++) {
      const x = Float32Array.from(detectorShot(L, k));
      image.set(x); // the same wasm array every shot: pending copies must not change
      est.accumulate({ data: image, shape: [1024, 1024] });
      ref.update(x);
      if (checks.has(k + 1)) expectState(est, ref, `after ${k + 1}`);
    }
    expectGetters(est, ref, 'final', { interpolations: 'few' });
    expect((est.value as NDArray<Float64Array>).shape).toEqual([1024, 1024]);
    est.dispose();
    image.dispose();
  }, 300_000);

  it('detector-like 1024×1024, 44 float64 shots: state at 5, 6, 17, 44; every getter', () => {
    run(() => new MedianEstimator(), detectorShot, 1024 * 1024, 44, 'f64', [5, 6, 17], 'float64', true, 'few');
  }, 300_000);

  for (const dtype of ['f32', 'f64'] as const) {
    it(`detector-like ${BUFFER_FROM + 2003} elements (buffered, ragged last block), ${dtype}: after every one of 60 updates, and read only now and then`, () => {
      const L = BUFFER_FROM + 2003;
      run(() => new MedianEstimator(), detectorShot, L, 60, dtype, 'every', 'every update', false);
      // Flushes of 1 to 8 objects, the first one across filling, sorting and the steady state.
      run(() => new MedianEstimator(), detectorShot, L, 60, dtype, [8, 11, 12, 19, 27, 28, 41, 42, 43, 60], 'now and then');
    }, 300_000);

    for (const L of [4099, BUFFER_FROM + 1]) {
      it(`adversarial data, ${L} elements, ${dtype}: median after every one of 45 updates; CDFEstimator(4) and (11)`, () => {
        run(() => new MedianEstimator(), adversarialShot, L, 45, dtype, 'every', 'median');
        run(() => new CDFEstimator(4), adversarialShot, L, 45, dtype, [3, 4, 5, 12], 'CDFEstimator(4)');
        run(() => new CDFEstimator(11), adversarialShot, L, 45, dtype, [10, 11, 12], 'CDFEstimator(11)');
      }, 300_000);
    }
  }

  const general: [string, Make][] = [
    ['CDFEstimator(3)', () => new CDFEstimator(3)],
    ['CDFEstimator(6)', () => new CDFEstimator(6)],
    ['CDFEstimator(21)', () => new CDFEstimator(21)],
    ['QuantileEstimator(0.01)', () => new QuantileEstimator(0.01)],
    ['QuantileEstimator(0.99)', () => new QuantileEstimator(0.99)],
    ['markers [0, 1e-20, 0.5, 1]', () => new CDFEstimator([0, 1e-20, 0.5, 1])],
    ['markers [0, 0, 0.5, 1, 1]', () => new CDFEstimator([0, 0, 0.5, 1, 1])],
    ['markers [0, 0.3, 0.3, 0.999999, 1]', () => new CDFEstimator([0, 0.3, 0.3, 0.999999, 1])],
  ];
  for (const [name, make] of general) {
    it(`${name}: detector-like ${BUFFER_FROM + 5} elements over 50 float32 updates, adversarial 517 elements after every one of 50 float64 updates`, () => {
      run(make, detectorShot, BUFFER_FROM + 5, 50, 'f32', [1, 2, 3, 9, 21, 22, 23, 24, 25, 26], name, false);
      run(make, adversarialShot, 517, 50, 'f64', 'every', name);
    }, 300_000);
  }

  it('scalars and tiny lengths (1, 2, 3, 5, 7 elements), 5 and 11 markers: after every one of 40 updates', () => {
    for (const L of [1, 2, 3, 5, 7]) {
      run(() => new MedianEstimator(), adversarialShot, L, 40, 'f64', 'every', `median of ${L}`);
      run(() => new CDFEstimator(11), detectorShot, L, 40, 'f32', 'every', `CDFEstimator(11) of ${L}`);
    }
    const est = new MedianEstimator();
    const ref = new P2Before(1, est.markers);
    for (let k = 0; k < 30; k++) {
      const v = adversarialShot(17, k)[k % 17];
      est.accumulate(v);
      ref.update([v]);
      expectBits(est.heights as Float64Array, ref.heightsValue, `scalar after ${k + 1}`);
      expectBits(Float64Array.of(est.value as number), ref.markerHeights(2), `scalar value after ${k + 1}`);
    }
    est.dispose();
  });

  for (const [fixture, dtype] of [['p2', 'f32'], ['p2_f64', 'f64']] as const) {
    it(`${fixture}.json (NumPy's P2Vector), every case with each object tiled past ${BUFFER_FROM} elements: every tile as the fixture`, () => {
      for (const c of loadFixture(fixture).cases) {
        const est = c.kind === 'MedianEstimator' ? new MedianEstimator() : c.kind === 'QuantileEstimator' ? new QuantileEstimator(c.p) : new CDFEstimator(c.points ?? Array.from(c.markers.data as Float64Array));
        const [K, L] = c.inputs.shape as number[];
        const tiles = Math.ceil(BUFFER_FROM / L) + 1;
        const ref = new P2Before(L, est.markers);
        for (let k = 0; k < K; k++) {
          const object = c.inputs.data.subarray(k * L, (k + 1) * L);
          const tiled = dtype === 'f32' ? new Float32Array(L * tiles) : new Float64Array(L * tiles);
          for (let t = 0; t < tiles; t++) tiled.set(object, t * L);
          est.accumulate(tiled);
          ref.update(object);
        }
        const m = est.markers.length;
        const heights = est.heights as NDArray<Float64Array>;
        const positions = est.exportState().arrays.positions as Int32Array;
        const refHeights = ref.heightsValue;
        for (let t = 0; t < tiles; t++) {
          const tile = new Float64Array(m * L);
          const tilePositions = new Int32Array(m * L);
          for (let k = 0; k < m; k++) {
            tile.set(heights.data.subarray(k * L * tiles + t * L, k * L * tiles + (t + 1) * L), k * L);
            tilePositions.set(positions.subarray(k * L * tiles + t * L, k * L * tiles + (t + 1) * L), k * L);
          }
          expectBits(tile, refHeights, `${c.name}, tile ${t}: heights`);
          expectInts(tilePositions, c.positions.data, `${c.name}, tile ${t}: positions as NumPy's`);
          for (let i = 0; i < m * L; i++) {
            const e = c.heights.data[i];
            if (!(Math.abs(tile[i] - e) <= 1e-300 + 1e-12 * Math.abs(e) || (e !== e && tile[i] !== tile[i]))) {
              expect.fail(`${c.name}, tile ${t}: height ${i} is ${tile[i]}, NumPy's ${e}`);
            }
          }
        }
        est.dispose();
      }
    });
  }
});

describe('buffered objects', () => {
  const L = BUFFER_FROM + 3;
  const shots = Array.from({ length: 24 }, (_, k) => Float32Array.from(detectorShot(L, k, 9)));
  const reference = (count: number, markers: ArrayLike<number>) => {
    const ref = new P2Before(L, markers);
    for (let k = 0; k < count; k++) ref.update(shots[k]);
    return ref;
  };

  it('n counts every object, buffered or not', () => {
    const est = new MedianEstimator();
    for (let k = 0; k < 13; k++) {
      est.accumulate(shots[k]);
      expect(est.n).toBe(k + 1);
    }
    expect(String(est)).toBe('<MedianEstimator of 13 objects>');
    expectState(est, reference(13, est.markers), 'after 13');
    est.dispose();
  });

  const join = (...parts: Float64Array[]) => {
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  // Each getter, called first (before anything else reads the estimator), against the reference.
  const getters: [string, (e: CDFEstimator<any>) => Float64Array, (r: P2Before) => Float64Array][] = [
    ['heights', (e) => data(e.heights), (r) => r.heightsValue],
    ['q_actual', (e) => data(e.q_actual), (r) => r.qActual],
    ['cdf', (e) => join(...e.cdf!.map(data)), (r) => join(r.heightsValue, r.qActual)],
    ['quantile', (e) => join(...e.quantile!.map(data)), (r) => join(r.qActual, r.heightsValue)],
    ['value', (e) => data(e.value), (r) => r.markerHeights(2)],
    ['min', (e) => data(e.min), (r) => r.markerHeights(0)],
    ['max', (e) => data(e.max), (r) => r.markerHeights(4)],
    ['cdf_interp', (e) => data(e.cdf_interp(50)), (r) => r.cdfInterp(50)],
    ['quantile_interp', (e) => data(e.quantile_interp(0.5)), (r) => r.quantileInterp(0.5)],
    ['pdf', (e) => join(...e.pdf!.map(data)), (r) => join(...r.pdf)],
    ['exportState', (e) => e.exportState().arrays.heights as Float64Array, (r) => r.heightsValue],
  ];
  for (const [name, get, expected] of getters) {
    it(`${name} applies the pending objects first`, () => {
      // 11 objects: 8 applied, 3 pending.
      const est = new MedianEstimator();
      for (let k = 0; k < 11; k++) est.accumulate(shots[k]);
      const ref = reference(11, est.markers);
      expectBits(get(est), expected(ref), name);
      expectState(est, ref, name);
      est.dispose();
    });
  }

  it("the caller's arrays are copied: changing them (JS or wasm memory) after accumulate changes nothing", () => {
    const est = new MedianEstimator();
    const js = new Float32Array(L);
    const wasm = new WasmArray('f32', L);
    const wasm64 = new WasmArray('f64', L);
    for (let k = 0; k < 21; k++) {
      const target = k % 3 === 0 ? js : null;
      if (target) target.set(shots[k]);
      else if (k % 3 === 1) wasm.set(shots[k]);
      else wasm64.set(shots[k]);
      est.accumulate(target ?? (k % 3 === 1 ? wasm : wasm64));
      js.fill(-1);
      wasm.fill(-2);
      wasm64.fill(-3);
    }
    expectState(est, reference(21, est.markers), 'after 21');
    est.dispose();
    wasm.dispose();
    wasm64.dispose();
  });

  it('a float64 object while float32 objects are pending promotes them exactly', () => {
    const est = new MedianEstimator();
    const ref = new P2Before(L, est.markers);
    for (let k = 0; k < 24; k++) {
      // float32 objects, then from the 11th (3 pending) float64 and float32 mixed
      const x = k >= 10 && k % 2 === 0 ? Float64Array.from(shots[k], (v, j) => v + j * 1e-9) : shots[k];
      est.accumulate(x);
      ref.update(x);
    }
    expect(est.exportState().dtype).toBe('f64');
    expectState(est, ref, 'mixed');
    expectGetters(est, ref, 'mixed', { interpolations: 'none' });
    est.dispose();
  });

  it(`memory stays flat over 10,000 accumulate calls (${BUFFER_FROM} elements, buffered) and values stay right`, () => {
    const length = BUFFER_FROM;
    const inputs = Array.from({ length: 16 }, (_, k) => Float32Array.from(detectorShot(length, k, 4)));
    const est = new MedianEstimator();
    const picks = [0, 1, 2, 3, 511, 512, 4097, length - 1];
    const ref = new P2Before(picks.length, est.markers);
    const feed = (k: number) => {
      est.accumulate(inputs[k % 16]);
      ref.update(picks.map((j) => inputs[k % 16][j]));
    };
    for (let k = 0; k < 10; k++) feed(k);
    void est.value; // the getters' scratch exists from here on
    const before = memoryBytes();
    for (let k = 10; k < 10_010; k++) feed(k);
    expect(est.n).toBe(10_010);
    const heights = data(est.heights);
    const positions = est.exportState().arrays.positions as Int32Array;
    expect(memoryBytes()).toBe(before);
    for (let k = 0; k < 5; k++) {
      expectBits(Float64Array.from(picks, (j) => heights[k * length + j]), ref.markerHeights(k), `marker ${k}`);
      expectInts(Int32Array.from(picks, (j) => positions[k * length + j]), ref.markerPositions(k), `marker ${k} positions`);
    }
    est.dispose();
  }, 120_000);

  it('100 create/accumulate/dispose cycles of buffered estimators leave memory as it was', () => {
    const cycle = () => {
      for (let k = 0; k < 100; k++) {
        const est = new MedianEstimator();
        for (let j = 0; j < 11; j++) est.accumulate(shots[(k + j) % 24]);
        void est.value;
        est.dispose();
      }
    };
    cycle();
    const before = memoryBytes();
    cycle();
    expect(memoryBytes()).toBe(before);
  });
});

describe('exported state', () => {
  const L = BUFFER_FROM + 7;
  const shots = Array.from({ length: 40 }, (_, k) => Float32Array.from(detectorShot(L, k, 11)));

  it('marker-major heights (float64) and positions (int32), marker 0 at position 0, the desired fractions', () => {
    const est = new QuantileEstimator(0.3);
    for (let k = 0; k < 13; k++) est.accumulate(shots[k]);
    const state = est.exportState();
    expect(state.kind).toBe('QuantileEstimator');
    expect(state.n).toBe(13);
    expect(Object.keys(state.arrays).sort()).toEqual(['desired', 'heights', 'positions']);
    expect(state.arrays.heights).toBeInstanceOf(Float64Array);
    expect(state.arrays.positions).toBeInstanceOf(Int32Array);
    expect(state.arrays.heights.length).toBe(5 * L);
    expect(state.arrays.positions.length).toBe(5 * L);
    expect(Array.from(state.arrays.desired)).toEqual(Array.from(est.markers));
    expect(state.arrays.positions.subarray(0, L).every((p) => p === 0)).toBe(true);
    expectState(est, reference(13), 'export');
    est.dispose();
    function reference(count: number) {
      const ref = new P2Before(L, est.markers);
      for (let k = 0; k < count; k++) ref.update(shots[k]);
      return ref;
    }
  });

  it('restoreAccumulator(exportState()) round-trips: every getter, and the export of the copy, are the same', () => {
    const est = new MedianEstimator();
    for (let k = 0; k < 21; k++) est.accumulate(shots[k]);
    const state = est.exportState();
    const copy = restoreAccumulator<MedianEstimator>(structuredClone(state));
    const ref = new P2Before(L, est.markers);
    for (let k = 0; k < 21; k++) ref.update(shots[k]);
    expectGetters(copy, ref, 'restored', { interpolations: 'none' });
    const again = copy.exportState();
    expectBits(again.arrays.heights as Float64Array, state.arrays.heights as Float64Array, 'exported again');
    expectInts(again.arrays.positions as Int32Array, state.arrays.positions as Int32Array, 'exported again');
    est.dispose();
    copy.dispose();
  });

  it('a state restored halfway goes on exactly as the original; restoring drops pending objects; no merge', () => {
    const original = new MedianEstimator();
    for (let k = 0; k < 20; k++) original.accumulate(shots[k]); // 4 pending
    const half = restoreAccumulator<MedianEstimator>(structuredClone(original.exportState()));
    // An estimator with objects of its own pending, restored from the same state.
    const other = new MedianEstimator();
    for (let k = 30; k < 35; k++) other.accumulate(shots[k]);
    other.restoreFrom(original.exportState());
    expect(other.n).toBe(20);
    for (let k = 20; k < 40; k++) for (const e of [original, half, other]) e.accumulate(shots[k]);
    const ref = new P2Before(L, original.markers);
    for (let k = 0; k < 40; k++) ref.update(shots[k]);
    for (const [name, e] of [['original', original], ['restored at 20', half], ['restored over pending objects', other]] as const) {
      expectState(e, ref, name);
      expectGetters(e, ref, name, { interpolations: 'none' });
    }
    expect(() => original.accumulate(half)).toThrow(/cannot be merged/);
    for (const e of [original, half, other]) e.dispose();
  });

  it('a state without its arrays is refused', () => {
    const est = new MedianEstimator();
    for (let k = 0; k < 6; k++) est.accumulate(shots[k]);
    const state = est.exportState();
    const { heights: _, ...rest } = state.arrays;
    expect(() => restoreAccumulator({ ...state, arrays: rest })).toThrow(/array 'heights'/);
    expect(() => restoreAccumulator({ ...state, arrays: { ...state.arrays, positions: new Float64Array(5 * L) } })).toThrow(/'positions'.*Int32Array/);
    est.dispose();
  });
});
