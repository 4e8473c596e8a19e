// Detector.readRows: a block of rows of an image (through the sensors of a stack), as a worker
// that owns those pixels reads them — the same numbers as the same rows of Detector.read (whose
// images reference.test.ts checks against NumPy), on the h5py-written run 7 (two sensors with
// their own gains and dark slices, chunked + gzip, and a float32 single-sensor spectrometer).
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { WasmArray, loadConfig, defaultConfigPath, openConfiguredRun } from 'sacla-analysis';

const DATA = fileURLToPath(new URL('../fixtures/analysis/h5py_run', import.meta.url));

describe('Detector.readRows', () => {
  test('every block of rows equals those rows of the whole image, for every detector and shot', async () => {
    const config = await loadConfig(defaultConfigPath(), { dataDir: DATA });
    const run = await openConfiguredRun(config, DATA, 7, () => {});
    try {
      for (const [name, d] of Object.entries(run.detectors)) {
        const cols = d.shape[d.shape.length - 1];
        const rows = d.size / cols;
        const whole = new WasmArray(d.dtype as 'f32', d.size);
        const blocks: [number, number][] = [[0, rows], [0, 1], [rows - 1, rows], [1, Math.ceil(rows / 2) + 1], [Math.floor(rows / 3), rows]];
        for (let shot = 0; shot < Math.min(d.length, 6); shot++) {
          d.read(shot, whole);
          for (const [a, b] of blocks) {
            const part = new WasmArray(d.dtype as 'f32', (b - a) * cols);
            d.readRows(shot, [a, b], part);
            const expected = whole.view().slice(a * cols, b * cols);
            expect(Array.from(part.view()), `${name} shot ${shot} rows [${a}, ${b})`).toEqual(Array.from(expected));
            part.dispose();
          }
        }
        whole.dispose();
      }
    } finally {
      run.close();
    }
  });

  test('rows outside the image and buffers of the wrong size are refused', async () => {
    const config = await loadConfig(defaultConfigPath(), { dataDir: DATA });
    const run = await openConfiguredRun(config, DATA, 7, () => {});
    try {
      const d = run.detectors.side_ccd;
      const cols = d.shape[d.shape.length - 1];
      const rows = d.size / cols;
      const buffer = new WasmArray('f32', cols);
      expect(() => d.readRows(0, [rows, rows + 1], buffer)).toThrow(/rows \[\d+, \d+\) are not rows/);
      expect(() => d.readRows(0, [0, 2], buffer)).toThrow(/must be f32\[/);
      buffer.dispose();
    } finally {
      run.close();
    }
  });
});
