// writeResult reads every dataset back before the file gets its name: a dataset that does not
// hold what was written (here a dataset whose value changes between the write and the read-back,
// as a lost write would look) fails the write, names the dataset, and leaves no file behind;
// the datasets that do hold what was written (float32, float64, int64 tags, scalars, empty) pass.
import { describe, test, expect, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openResult, writeResult } from 'sacla-analysis';

const dir = mkdtempSync(join(tmpdir(), 'sacla-read-back-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outputs = () => ({
  image: { data: Float32Array.from({ length: 1024 * 1024 }, (_, i) => (i % 977) - 300.5), shape: [1024, 1024] },
  mean: { data: Float64Array.from({ length: 1000 }, (_, i) => Math.sqrt(i) * 1e-3), shape: [1000] },
  count: { data: Float64Array.of(42), shape: [] },
  nothing: { data: new Float64Array(0), shape: [0] },
  tags: { data: Float64Array.from({ length: 5 }, (_, i) => 2 ** 40 + i), shape: [5] },
});
const description = { datasets: { tags: { int64: true } }, plots: [] };

describe('the read-back of a written result', () => {
  test('a result that reads back whole is written, every value as given', async () => {
    const path = await writeResult(join(dir, 'good'), { run: 7, outputs: outputs(), attrs: { config: '{}' }, description } as never);
    const back = await openResult(path);
    try {
      expect(Array.from((back.read('image') as { data: Float32Array }).data.subarray(0, 3))).toEqual([-300.5, -299.5, -298.5]);
      expect(Array.from((back.read('tags') as { data: Float64Array }).data)).toEqual([2 ** 40, 2 ** 40 + 1, 2 ** 40 + 2, 2 ** 40 + 3, 2 ** 40 + 4]);
      expect((back.read('nothing') as { shape: number[] }).shape).toEqual([0]);
    } finally {
      back.close();
    }
  });

  test.each([
    ['one float32 pixel', 'image', (d: Float32Array | Float64Array) => (d[d.length - 1] = 1)],
    ['one float64 bit', 'mean', (d: Float32Array | Float64Array) => (d[500] = d[500] * (1 + 2 ** -52))],
    ['a scalar', 'count', (d: Float32Array | Float64Array) => (d[0] = 43)],
  ])('%s differing from what was written fails the write, naming the dataset; no file is left', async (_what, name, change) => {
    const out = join(dir, `bad-${name}`);
    const given = outputs();
    const written = given[name as keyof typeof given];
    const changed = { data: written.data.slice(), shape: written.shape };
    change(changed.data);
    // The write reads the dataset twice (its shape, its data), then the read-back does.
    let reads = 0;
    const result = { run: 7, outputs: { ...given }, attrs: { config: '{}' }, description };
    Object.defineProperty(result.outputs, name, { get: () => (reads++ < 2 ? written : changed), enumerable: true });
    await expect(writeResult(out, result as never)).rejects.toThrow(`cannot write ${join(out, 'run_7.h5')}: reading it back: dataset ${name} does not hold what was written`);
    expect(readdirSync(out)).toEqual([]);
  });
});
