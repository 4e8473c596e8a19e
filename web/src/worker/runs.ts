// What the run files the user opened hold: every run of every HDF5 file, its tags, times,
// photon energy, detectors (sensor groups as one detector) and database keys.
import { RunFile, listRunFiles } from '../../../bindings/data/runfile.js';
import { detectorsOf } from '../../../bindings/data/sensors.js';
import { ResultFile } from '../../../bindings/analysis/results.js';
import { h5ready } from './setup.js';
import type { MountFile, OpenedRuns, RunSummary } from '../types.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
export const isH5 = (name: string) => /\.(h5|hdf5|nxs)$/i.test(name);

async function isResultFile(path: string): Promise<boolean> {
  const h5wasm = await h5ready;
  let f: InstanceType<typeof h5wasm.File> | null = null;
  try {
    f = new h5wasm.File(path, 'r');
    return ResultFile.holdsResult(f);
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

async function summary(path: string, name: string, run: number): Promise<RunSummary> {
  const rf = await RunFile.open(path, run);
  try {
    return {
      path,
      name,
      run,
      tags: rf.tags.length,
      firstTag: Number(rf.tags[0]),
      lastTag: Number(rf.tags[rf.tags.length - 1]),
      startTime: rf.startTime,
      endTime: rf.endTime,
      photonEnergy: rf.photonEnergy,
      detectors: detectorsOf(rf).map((d) => ({
        id: d.id,
        sensors: d.sensors.length,
        groups: d.sensors.map((x) => x.group),
        shape: d.shape,
        dtype: d.sensors[0].dtype,
        evPerAdu: d.sensors.map((x) => x.evPerAdu),
        tags: Math.min(...d.sensors.map((x) => x.tagCount)),
      })),
      keys: rf.databaseKeys(),
    };
  } finally {
    rf.close();
  }
}

/** The runs of the files mounted under `folder` (in run order), and what could not be read. */
export async function listRuns(folder: string, files: MountFile[]): Promise<OpenedRuns> {
  const runs: RunSummary[] = [];
  const problems: string[] = [];
  const darks = files.filter((f) => /\.npy$/i.test(f.path)).map((f) => f.path);
  for (const { path: name } of files) {
    if (!isH5(name)) {
      if (!/\.(npy|txt|csv|dat)$/i.test(name)) problems.push(`${name}: not an HDF5 run file (skipped)`);
      continue;
    }
    const path = `${folder}/${name}`;
    try {
      const entries = await listRunFiles(path);
      if (!entries.length) {
        problems.push(
          (await isResultFile(path))
            ? `${name}: a result file, not a run file: open it with "open result file…" (or in the Table, Scan and Browse tabs)`
            : `${name}: no runs in this file (not a SACLA converter file: no /run_N groups)`,
        );
        continue;
      }
      for (const e of entries) runs.push(await summary(path, name, e.run));
    } catch (err) {
      problems.push(`${name}: ${message(err)}`);
    }
  }
  runs.sort((a, b) => a.run - b.run);
  return { runs, problems, darks };
}
