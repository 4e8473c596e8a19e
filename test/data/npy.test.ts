import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeNpy, parseNpy, readNpy, npyToFloat32 } from '../../bindings/data/index.js';

const dir = fileURLToPath(new URL('../fixtures/h5/npy/', import.meta.url));

// The same formulas as make_h5_fixtures.py, on base = arange(12).reshape(3, 4).
const expected: Record<string, (b: number) => number> = {
  f4: (b) => b * 1.5 - 4.25,
  f8: (b) => b * 1.5 - 4.25,
  i2: (b) => b * 300 - 1000,
  u2: (b) => b * 5000 + 7,
  i4: (b) => b * 100000 - 500000,
};
const dtypeNames: Record<string, string> = { f4: 'float32', f8: 'float64', i2: 'int16', u2: 'uint16', i4: 'int32' };

describe('.npy reader against NumPy-written files', () => {
  for (const code of Object.keys(expected)) {
    for (const endian of ['le', 'be']) {
      for (const order of ['C', 'F']) {
        for (const version of [1, 2]) {
          const name = `a_${endian}${code}_${order}_v${version}.npy`;
          test(name, async () => {
            const a = await readNpy(dir + name);
            expect(a.shape).toEqual([3, 4]);
            expect(a.dtype).toBe(dtypeNames[code]);
            expect(a.fortranOrder).toBe(order === 'F');
            expect(Array.from(a.data as ArrayLike<number>)).toEqual(Array.from({ length: 12 }, (_, i) => expected[code](i)));
          });
        }
      }
    }
  }

  test('3-D Fortran order is returned in C order', async () => {
    const a = await readNpy(dir + 'b_3d_F.npy');
    expect(a.shape).toEqual([2, 3, 4]);
    expect(a.fortranOrder).toBe(true);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  test('1-D int32', async () => {
    const a = await readNpy(dir + 'c_1d.npy');
    expect(a.shape).toEqual([5]);
    expect(Array.from(a.data as Int32Array)).toEqual([0, 1, 2, 3, 4]);
  });

  test("a file's native, aligned data is a view of the bytes read (no copy); given bytes are copied unless owned", async () => {
    const name = dir + 'a_lef4_C_v1.npy';
    const bytes = new Uint8Array(readFileSync(name));
    const values = Array.from({ length: 12 }, (_, i) => expected.f4(i));
    const read = await readNpy(name);
    // The file's bytes (a small file's may sit in Node's buffer pool), not a copy of 48 bytes.
    expect(read.data.buffer.byteLength).toBeGreaterThanOrEqual(bytes.length);
    expect(Array.from(read.data as Float32Array)).toEqual(values);
    const owned = parseNpy(bytes, name, true);
    expect(owned.data.buffer).toBe(bytes.buffer);
    const copied = parseNpy(bytes, name);
    expect(copied.data.buffer).not.toBe(bytes.buffer);
    bytes.fill(0, bytes.length - 48);
    expect(Array.from(copied.data as Float32Array)).toEqual(values);
    // Misaligned in its buffer: a copy, the same values.
    const shifted = new Uint8Array(readFileSync(name).length + 1);
    shifted.set(readFileSync(name), 1);
    const odd = parseNpy(shifted.subarray(1), name, true);
    expect(odd.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(odd.data as Float32Array)).toEqual(values);
  });

  test('round trip of the writer', () => {
    const data = Float32Array.from({ length: 6 }, (_, i) => i / 3);
    const a = parseNpy(encodeNpy(data, [2, 3]));
    expect(a.shape).toEqual([2, 3]);
    expect(npyToFloat32(a)).toEqual(data);
  });

  test('bad input names the file', async () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(/x\.npy: not a \.npy file/);
    const good = readFileSync(dir + 'a_lef8_C_v1.npy');
    expect(() => parseNpy(good.subarray(0, good.length - 8), 'cut.npy')).toThrow(/cut\.npy: truncated \.npy data/);
    await expect(readNpy(dir + 'nope.npy')).rejects.toThrow(/nope\.npy: cannot read/);
  });
});
