import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../bindings/core/errors.js';
import { closestKeys, editDistance, normaliseSpec, parseSidecar, alignSidecar, ATTENUATOR_MM, ATTENUATOR_PULSES } from '../../bindings/data/index.js';

const cal = (spec: Parameters<typeof normaliseSpec>[1], raw: number[]) => Array.from(normaliseSpec('v', spec).calibrate(Float64Array.from(raw)));

describe('calibrations (hand-computed values)', () => {
  test('plain key and scale', () => {
    expect(cal('k/position', [1, 2.5])).toEqual([1, 2.5]);
    expect(cal({ key: 'k', scale: 0.5e-6 }, [1000, -2000])).toEqual([5e-4, -1e-3]);
    expect(cal(['k', 2], [3])).toEqual([6]);
  });

  test('nearest: the attenuator table', () => {
    const spec = { key: 'att', nearest: { x: ATTENUATOR_PULSES, y: ATTENUATOR_MM.map((m) => m * 1e-3) } };
    // 226150 → 0 mm; 135300 → 0.4 mm; 22601 → 3 mm; 60000 is nearer 54075 (2.0 mm) than 66630 (1.5 mm)
    const out = cal(spec, [226150, 135300, 22601, 60000, NaN, 1e9, -1e9]);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.4e-3, 15);
    expect(out[2]).toBeCloseTo(3e-3, 15);
    expect(out[3]).toBeCloseTo(2e-3, 15);
    expect(out[4]).toBeNaN();
    expect(out[5]).toBe(0); // above the table: nearest is 226200
    expect(out[6]).toBeCloseTo(3e-3, 15);
    // a tie takes the first table entry
    expect(cal({ key: 'k', nearest: { x: [0, 10], y: [1, 2] } }, [5])).toEqual([1]);
  });

  test('linear: like numpy.interp, clamped, unsorted table accepted', () => {
    const spec = { key: 'k', linear: { x: [100, 0, 50], y: [650, 0, 300] } };
    expect(cal(spec, [-5, 0, 25, 50, 75, 100, 150])).toEqual([0, 0, 150, 300, 475, 650, 650]);
    expect(cal(spec, [NaN])[0]).toBeNaN();
  });

  test('functions', () => {
    expect(cal({ key: 'k', fn: (r) => r.map((x) => x * x) }, [1, 2, 3])).toEqual([1, 4, 9]);
    expect(cal(['k', (r: Float64Array) => Array.from(r, (x) => -x)], [1, 2])).toEqual([-1, -2]);
    expect(() => cal({ key: 'k', fn: () => [1] }, [1, 2])).toThrow(/returned 1 values for 2 shots/);
  });

  test('anything else is a config error naming the value', () => {
    expect(() => normaliseSpec('sampleX', { key: 'k', scale: 'x' as unknown as number })).toThrow(/"sampleX": scale must be a finite number/);
    expect(() => normaliseSpec('a', { key: 'k', scale: 1, linear: { x: [0], y: [0] } })).toThrow(/give one calibration/);
    expect(() => normaliseSpec('a', { key: 'k', nearest: { x: [0, 1], y: [0] } })).toThrow(/same non-zero length/);
    expect(() => normaliseSpec('a', 42 as unknown as string)).toThrow(/"a": no key/);
    expect(() => normaliseSpec('a', { key: 'k', factor: 2 } as never)).toThrow(/unknown field\(s\) factor/);
    expect(() => normaliseSpec('a', { key: '' })).toThrow(ConfigError);
  });

  test('edit distance and closest keys', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestKeys('motor_facility_41/position', ['motor_facility_14/position', 'shutter/status', 'motor_facility_40/position'], 2)).toEqual([
      'motor_facility_40/position',
      'motor_facility_14/position',
    ]);
  });
});

describe('sidecar text files', () => {
  test('parses tag, value lines with comments, a header and words', () => {
    const sc = parseSidecar('# c\ntag,value\n10, 1.5\n12\t2\n\n14 open\n16, nan\n', 's.txt');
    expect(Array.from(sc.tags)).toEqual([10, 12, 14, 16]);
    expect(Array.from(sc.values).slice(0, 3)).toEqual([1.5, 2, 1]);
    expect(sc.values[3]).toBeNaN();
  });
  test('aligns to the run tags; a missing tag is an error', () => {
    const sc = parseSidecar('12, 2\n10, 1\n', 's.txt');
    expect(Array.from(alignSidecar(sc, [10, 12]))).toEqual([1, 2]);
    expect(() => alignSidecar(sc, [10, 12, 14, 16], 's.txt')).toThrow(/s\.txt: 2 of the run's 4 tags have no value \(first: 14, 16\)/);
  });
  test('bad lines name the file and line', () => {
    expect(() => parseSidecar('10, 1\n12, x\n', 'f.txt')).toThrow(/f\.txt: line 2: value "x" is not a number/);
    expect(() => parseSidecar('', 'f.txt')).toThrow(/f\.txt: no "tag, value" lines/);
  });
});
