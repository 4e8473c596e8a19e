// End to end: `analyseRun` with the default config (configs/kuschel2023.json) on a synthetic
// run at full detector size, with 1 worker and with all cores, beside what reading alone
// costs: the run file's raw bytes (fs.readFileSync) and the three detectors' images
// (Detector.read into wasm memory, no analysis).
import { readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { measure, row, type BenchContext, type BenchRow } from './harness.js';
import { analyseRun, defaultConfigPath, loadConfig, openConfiguredRun, WasmArray, writeSyntheticRun } from '../bindings/node/index.js';

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const shots = ctx.quick ? 40 : 150;
  const reps = ctx.quick ? 1 : 3;
  const made = await writeSyntheticRun({ out: ctx.tmpDir, run: 1, shots, preset: 'kuschel2023', seed: 1 });
  const config = await loadConfig(defaultConfigPath(), { dataDir: ctx.tmpDir });
  const quiet = () => {};
  const rows: BenchRow[] = [];

  // The image bytes one shot brings in (all three detectors, float32 after correction).
  const opened = await openConfiguredRun(config, made.path, 1, quiet);
  const detectors = Object.values(opened.detectors);
  const bytesPerShot = detectors.reduce((a, d) => a + d.size * 4, 0);
  const buffers = detectors.map((d) => new WasmArray('f32', d.size));
  const read = await measure(
    () => {
      for (let s = 0; s < opened.length; s++) detectors.forEach((d, k) => d.read(s, buffers[k]));
    },
    { warmup: 1, reps, opsPerCall: opened.length },
  );
  buffers.forEach((b) => b.dispose());
  opened.close();
  const mbPerSecond = (msPerShot: number) => +(bytesPerShot / 1e6 / (msPerShot / 1000)).toFixed(0);
  const unit = `shot (3 detectors, ${(bytesPerShot / 1e6).toFixed(1)} MB)`;
  rows.push(row('analyse', 'read only: 3 detectors into wasm memory, corrected', unit, read, { 'MB/s': mbPerSecond(read.median) }));

  const fileBytes = statSync(made.path).size;
  const raw = await measure(() => readFileSync(made.path), { warmup: 1, reps });
  rows.push(
    row('analyse', `fs.readFileSync of the run file (${(fileBytes / 1e6).toFixed(0)} MB)`, 'file', raw, {
      'MB/s': +(fileBytes / 1e6 / (raw.median / 1000)).toFixed(0),
    }),
  );

  // The same config without its P² median image (side_median), to show what that costs.
  const withoutMedian = { ...config, outputs: config.outputs.filter((o) => o.sink !== 'median') };
  const cores = cpus().length;
  const cases = [
    ...[...new Set([1, cores])].map((workers) => ({ label: 'default config', config, workers })),
    { label: 'default config without side_median', config: withoutMedian, workers: cores },
  ];
  for (const c of cases) {
    let good = 0;
    const timing = await measure(
      async () => {
        const result = await analyseRun(c.config, { data: ctx.tmpDir, run: 1 }, { workers: c.workers, warn: quiet });
        good = result.goodShots;
      },
      { warmup: 0, reps },
    );
    const perShot = { ...timing, median: timing.median / good, min: timing.min / good, max: timing.max / good };
    rows.push(
      row('analyse', `analyseRun, ${c.label}, ${c.workers} worker${c.workers > 1 ? 's' : ''} (${good} good of ${shots} shots, whole run)`, unit, perShot, {
        'MB/s': mbPerSecond(perShot.median),
        goal: '≥ 60 shots/s',
      }),
    );
  }
  return rows;
}
