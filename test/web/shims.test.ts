// The CSP-safe stand-ins for ndarray and ndarray-ops (web/src/shims/) against the originals,
// which may compile code here (Node allows it): the same views, values and copies.
import { describe, test, expect } from 'vitest';
import original from 'ndarray';
import { assign as originalAssign } from 'ndarray-ops';
import shim from '../../web/src/shims/ndarray.js';
import { assign } from '../../web/src/shims/ndarray-ops.js';

type View = ReturnType<typeof original>;

/** Everything a view shows: its shape, strides, offset, size, dtype and every value in order. */
function seen(v: View | ReturnType<typeof shim>): unknown {
  const values: unknown[] = [];
  const at = new Array<number>(v.shape.length).fill(0);
  for (let k = 0; k < v.size; k++) {
    values.push(v.get(...at));
    for (let d = at.length - 1; d >= 0; d--) {
      if (++at[d] < v.shape[d]) break;
      at[d] = 0;
    }
  }
  return { shape: [...v.shape], stride: [...v.stride], offset: v.offset, size: v.size, dimension: v.dimension, dtype: v.dtype, values };
}

const data = () => Float64Array.from({ length: 60 }, (_, i) => i * 1.5 - 7);

describe('ndarray stand-in', () => {
  test('construction: default strides, shapes, negative strides, dtypes', () => {
    const cases: [number[], number[]?, number?][] = [[[60]], [[3, 4, 5]], [[4, 15], [-15, 1]], [[5, 3], [1, 5]], [[2, 3], [3, 1], 6]];
    for (const [shape, stride, offset] of cases) expect(seen(shim(data(), shape, stride, offset))).toEqual(seen(original(data(), shape, stride, offset)));
    for (const d of [new Float32Array(6), new Int32Array(6), new Uint8Array(6), new Uint16Array(6), [0, 1, 2, 3, 4, 5]]) {
      expect(shim(d, [2, 3]).dtype).toBe(original(d as Float32Array, [2, 3]).dtype);
    }
  });

  test('views: lo, hi, step (both signs), transpose, pick, as the original computes them', () => {
    const make = (f: typeof original) => f(data(), [3, 4, 5]);
    const ops: ((v: View) => View)[] = [
      (v) => v.lo(1, 2),
      (v) => v.hi(2, 3, 4),
      (v) => v.lo(1, 1, 1).hi(1, 2, 3),
      (v) => v.step(2, -1),
      (v) => v.step(-2, 2, -3),
      (v) => v.transpose(2, 0, 1),
      (v) => v.transpose(1),
      (v) => v.pick(1),
      (v) => v.pick(null as unknown as number, 2),
      (v) => v.pick(2, 3),
      (v) => v.transpose(2, 1, 0).pick(4).step(-1),
    ];
    for (const op of ops) expect(seen(op(make(shim as unknown as typeof original)))).toEqual(seen(op(make(original))));
    // All picked: a 0-d array holding the value.
    expect(shim(data(), [3, 4, 5]).pick(1, 2, 3).get()).toBe(original(data(), [3, 4, 5]).pick(1, 2, 3).get());
  });

  test('set writes where get reads, through any view', () => {
    const a = data();
    const b = data();
    shim(a, [3, 4, 5]).transpose(2, 1, 0).step(-1).set(1, 2, 0, 99);
    original(b, [3, 4, 5]).transpose(2, 1, 0).step(-1).set(1, 2, 0, 99);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  test('order: dimensions by increasing stride', () => {
    expect(shim(data(), [3, 4, 5]).order).toEqual(original(data(), [3, 4, 5]).order);
    expect(shim(data(), [3, 4, 5]).transpose(1, 2, 0).order).toEqual(original(data(), [3, 4, 5]).transpose(1, 2, 0).order);
  });

  test('assign copies a strided view into a dense array, as ndarray-ops does', () => {
    const source = (f: typeof original) => f(data(), [3, 4, 5]).transpose(2, 0, 1).step(-1, 1, 2);
    const mine = shim(new Float64Array(30), [5, 3, 2]);
    const theirs = original(new Float64Array(30), [5, 3, 2]);
    assign(mine, source(shim as unknown as typeof original) as never);
    originalAssign(theirs, source(original));
    expect(Array.from(mine.data as Float64Array)).toEqual(Array.from(theirs.data as Float64Array));
  });
});
