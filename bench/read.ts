// Reading speed of run files: float32 1024×1024 images through the Detector, beside the raw
// file read speed (fs.readFileSync) of the same run file. Files are in the page cache (just
// written), so this measures the reader's overhead, not the disk.
import { readFileSync, statSync } from 'node:fs';
import { measure, row, type BenchContext, type BenchRow } from './harness.js';
import { writeSyntheticRun } from '../bindings/data/synth.js';
import { RunFile } from '../bindings/data/runfile.js';
import { Detector } from '../bindings/data/detector.js';
import { loadDark } from '../bindings/data/darks.js';
import { h5lib } from '../bindings/data/h5.js';
import type { Dataset } from 'h5wasm';
import { WasmArray } from '../bindings/index.js';

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const shots = ctx.quick ? 8 : 32;
  const reps = ctx.quick ? 3 : 7;
  const res = await writeSyntheticRun({ out: ctx.tmpDir, run: 1, shots, preset: 'kuschel2023', seed: 1 });
  const file = await RunFile.open(res.path);
  const rows: BenchRow[] = [];
  const unit = 'image 1024×1024 float32';
  const mb = (1024 * 1024 * 4) / 1e6;
  const rate = (msPerImage: number) => +(mb / (msPerImage / 1000)).toFixed(0);
  try {
    const raw = new Detector(file, 'MPCCD-2N0-M02-001', { evPerAdu: 1 });
    const out = new Float32Array(raw.size);
    const tRaw = await measure(() => {
      for (let i = 0; i < raw.length; i++) raw.read(i, out);
    }, { warmup: 1, reps, opsPerCall: raw.length });
    rows.push(row('read', 'Detector.read (raw ADU, reused buffer)', unit, tRaw, { 'MB/s': rate(tRaw.median) }));

    const dark = await loadDark(res.matchingDarks.forward_ccd, raw.shape);
    const corr = new Detector(file, 'MPCCD-2N0-M02-001', { evPerAdu: 'auto', dark });
    const tCorrReuse = await measure(() => {
      for (let i = 0; i < corr.length; i++) corr.read(i, out);
    }, { warmup: 1, reps, opsPerCall: corr.length });
    rows.push(row('read', 'Detector.read ((raw − dark) × eV/ADU, reused buffer)', unit, tCorrReuse, { 'MB/s': rate(tCorrReuse.median) }));
    const tCorr = await measure(() => {
      for (let i = 0; i < corr.length; i++) corr.get(i);
    }, { warmup: 1, reps, opsPerCall: corr.length });
    rows.push(row('read', 'Detector.get ((raw − dark) × eV/ADU, new array)', unit, tCorr, { 'MB/s': rate(tCorr.median) }));
    // Straight into kernel memory, where the pipeline keeps its shots.
    const inWasm = new WasmArray('f32', corr.size);
    const tWasm = await measure(() => {
      for (let i = 0; i < corr.length; i++) corr.read(i, inWasm);
    }, { warmup: 1, reps, opsPerCall: corr.length });
    inWasm.dispose();
    rows.push(row('read', 'Detector.read ((raw − dark) × eV/ADU, into wasm memory)', unit, tWasm, { 'MB/s': rate(tWasm.median) }));

    // The naive h5wasm way, for comparison: get() + .value per image.
    const paths = Array.from(raw.tags, (t) => file.imagePath(raw.layout.sensors[0].group, t));
    const h5 = file.h5.file;
    void h5lib();
    const tValue = await measure(() => {
      for (const p of paths) void (h5.get(p) as Dataset).value;
    }, { warmup: 1, reps, opsPerCall: paths.length });
    rows.push(row('read', 'h5wasm dataset.value (for comparison)', unit, tValue, { 'MB/s': rate(tValue.median) }));
    raw.free();
    corr.free();
  } finally {
    file.close();
  }
  const bytes = statSync(res.path).size;
  const tFile = await measure(() => readFileSync(res.path), { warmup: 1, reps });
  rows.push(
    row('read', `fs.readFileSync of the run file (raw bytes, ${(bytes / 1e6).toFixed(0)} MB, ${shots} shots × 3 detectors)`, 'file', tFile, {
      'MB/s': +(bytes / 1e6 / (tFile.median / 1000)).toFixed(0),
    }),
  );
  return rows;
}
