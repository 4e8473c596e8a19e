// `sacla check`: a config held against a run without analysing it. Every detector, value,
// dark, mask, filter and output is resolved or reported (all problems at once, not the
// first), in a report the command line prints and the web app shows.
import { files } from '../core/files.js';
import { resolveRun } from '../data/runfile.js';
import { RunSource } from '../data/source.js';
import { openRun, type Run } from '../data/run.js';
import { selectPresentTags } from '../data/detector.js';
import { closestDark, listDarks, loadDark, loadMask } from '../data/darks.js';
import { detectorGeometry, type DetectorLayout } from '../data/sensors.js';
import { normaliseSpec } from '../data/calibration.js';
import { alignSidecar, readSidecar } from '../data/sidecar.js';
import { applyFilters, nanEffect, thin } from './filters.js';
import { Plan } from './plan.js';
import { maskFiles, type ExperimentConfig } from './config/index.js';
import type { RunRef } from './pipeline.js';

export type CheckLevel = 'ok' | 'warning' | 'error';

export interface CheckItem {
  kind: 'run' | 'detector' | 'dark' | 'value' | 'filter' | 'mask' | 'output';
  /** The config's name for it (a detector, value or output name; the run number). */
  name: string;
  /** Where the config says it (`detectors.side_ccd`, `values.diode`, `outputs[3]`), or null. */
  path: string | null;
  level: CheckLevel;
  message: string;
}

export interface CheckReport {
  /** The config file (or null for a config given as an object). */
  config: string | null;
  data: string;
  run: number | null;
  files: string[];
  /** Tags in the run, and shots the filters keep (null when they could not run). */
  shots: number | null;
  goodShots: number | null;
  errors: number;
  warnings: number;
  ok: boolean;
  items: CheckItem[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function detectorText(d: DetectorLayout): string {
  const sensors =
    d.sensors.length > 1 ? `${d.sensors.length} sensors (${d.sensors.map((s) => `${s.name} in ${s.group}`).join(', ')})` : `1 sensor (${d.sensors[0].group})`;
  const ev = d.sensors.map((s) => (s.evPerAdu === null ? 'no gain' : s.evPerAdu.toFixed(3))).join(', ');
  const shape = (x: number[]) => `[${x.join(', ')}]`;
  let geometry = 'no geometry';
  try {
    const g = detectorGeometry(d);
    if (g && d.sensors.every((s) => s.geometry)) geometry = `geometry: assembled picture ${shape(g.shape)}`;
  } catch (err) {
    geometry = `geometry unusable: ${message(err)}`;
  }
  return `${sensors}, images ${shape(d.shape)} ${d.sensors[0].dtype}, eV/ADU ${ev}, ${geometry}`;
}

/** Holds `config` against run `ref.run` of `ref.data` and says what resolves and what does not. */
export async function checkRun(config: ExperimentConfig, ref: RunRef, { combine = false }: { combine?: boolean } = {}): Promise<CheckReport> {
  const items: CheckItem[] = [];
  const outputIndex = new Map(config.outputs.map((o, i) => [o.name, i]));
  const pathOf = (kind: CheckItem['kind'], name: string): string | null => {
    if (kind === 'detector') return `detectors.${name}`;
    if (kind === 'dark') return `detectors.${name}.dark`;
    if (kind === 'value') return `values.${name}`;
    if (kind === 'output') return outputIndex.has(name) ? `outputs[${outputIndex.get(name)}]` : null;
    return null;
  };
  const add = (kind: CheckItem['kind'], name: string, level: CheckLevel, text: string, path = pathOf(kind, name)) =>
    items.push({ kind, name, path, level, message: text });
  const report = (run: number | null, files: string[], shots: number | null, goodShots: number | null): CheckReport => {
    const errors = items.filter((i) => i.level === 'error').length;
    const warnings = items.filter((i) => i.level === 'warning').length;
    return { config: config.source, data: ref.data, run, files, shots, goodShots, errors, warnings, ok: errors === 0, items };
  };

  let source: RunSource;
  let runFiles: string[];
  try {
    const entry = await resolveRun(ref.data, ref.run, { combine });
    runFiles = entry.paths;
    source = await RunSource.open(entry.paths, entry.run);
  } catch (err) {
    add('run', String(ref.run), 'error', message(err));
    return report(ref.run, [], null, null);
  }
  let run: Run | null = null;
  try {
    const n = source.tags.length;
    add('run', String(source.run), 'ok', `${n} tags (${n ? `${source.tags[0]} … ${source.tags[n - 1]}` : 'none'}) in ${source.path}`);

    // Detectors, their tags and gains.
    const found: { name: string; layouts: DetectorLayout[] }[] = [];
    for (const [name, d] of Object.entries(config.detectors)) {
      try {
        const layouts = source.resolveDetector(d.id);
        const layout = layouts[0];
        if (d.evPerAdu === 'auto') {
          const bad = layout.sensors.filter((s) => !(Number.isFinite(s.absoluteGain) && s.absoluteGain! > 0));
          if (bad.length) throw new Error(`${bad.map((s) => `${s.name}: absolute_gain ${s.absoluteGain ?? 'missing'}`).join('; ')}: evPerAdu "auto" needs a positive gain per sensor`);
        }
        add('detector', name, 'ok', `${d.id}: ${detectorText(layout)}`);
        found.push({ name, layouts });
        const lacking: string[] = [];
        selectPresentTags(source, [{ name, layouts }], 'skip', (m) => lacking.push(m));
        for (const m of lacking) add('detector', name, 'warning', m);
      } catch (err) {
        add('detector', name, 'error', message(err));
      }
    }

    // Darks: the file the run would use, and its shape.
    const darks: Record<string, string | null> = {};
    for (const [name, d] of Object.entries(config.detectors)) {
      if (d.dark === null) continue;
      darks[name] = null;
      const layout = found.find((f) => f.name === name)?.layouts[0];
      try {
        const st = files().stat(d.dark);
        if (!st) {
          add('dark', name, 'error', `dark folder or file ${d.dark} does not exist (sacla analyse refuses it; "dark": null for no dark)`);
          continue;
        }
        let path: string | null = d.dark;
        let why = '';
        if (st.kind === 'folder') {
          const all = await listDarks(d.dark);
          path = await closestDark(d.dark, source, () => {});
          if (!path) {
            add('dark', name, 'error', `no dark file (<name>_<unix time>.npy or .h5) in ${d.dark} (sacla analyse refuses it; "dark": null for no dark)`);
            continue;
          }
          const chosen = all.find((f) => f.path === path)!;
          const offset = source.middleTime === null ? NaN : chosen.timestamp - source.middleTime;
          why = `: the closest of ${all.length} dark file(s), ${Math.round(offset)} s from the run's middle`;
        }
        const dark = await loadDark(path, layout?.shape);
        darks[name] = path;
        add('dark', name, 'ok', `${path}${why}, [${dark.shape.join(', ')}]`);
      } catch (err) {
        add('dark', name, 'error', message(err));
      }
    }

    // Values: where each key is, its NaN shots, optional ones the run lacks.
    const values: Record<string, Float64Array> = {};
    for (const [name, spec] of Object.entries(config.values)) {
      try {
        const s = normaliseSpec(name, spec);
        let raw = source.rawValues(s.key);
        const found = raw ? source.files[0].valuePath(s.key)!.replace(`${source.files[0].base}/`, '') : '';
        // Where the key was found: daq_info/, event_info/, or its own path under the run group.
        let where = found === s.key ? 'the run group' : found.slice(0, found.length - s.key.length);
        if (!raw && s.sidecar) {
          raw = alignSidecar(await readSidecar(s.sidecar), source.tags, `${s.sidecar} (database key "${s.key}")`);
          where = `sidecar ${s.sidecar}`;
        }
        if (!raw) {
          const near = source.files[0].closestKeys(s.key).join(', ') || 'none';
          if (s.optional) {
            add('value', name, 'warning', `${s.key}: not in this run; marked optional, so its column would be NaN (closest keys present: ${near})`);
            values[name] = new Float64Array(source.tags.length).fill(NaN);
          } else add('value', name, 'error', `${s.key}: not found (looked in daq_info/, event_info/ and the run group); closest keys present: ${near}`);
          continue;
        }
        const v = s.calibrate(raw);
        values[name] = v;
        let nan = 0;
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of v) {
          if (x !== x) nan++;
          else {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
          }
        }
        const num = (x: number) => String(+x.toPrecision(6));
        add('value', name, 'ok', `${s.key} in ${where} (${s.describe}): ${nan === v.length ? 'all NaN' : lo === hi ? num(lo) : `${num(lo)} … ${num(hi)}`}`);
        if (nan) add('value', name, 'warning', `${s.key}: NaN for ${nan} of ${v.length} shots`);
      } catch (err) {
        add('value', name, 'error', message(err));
      }
    }

    // Filters, on the values read (every tag; shots without images are left out by the analysis).
    let goodShots: number | null = null;
    // The shots the analysis would stream: what per-shot lists grow with.
    let analysed = source.tags.length;
    const filterValues = config.filters.map((f) => ('shutter' in f ? f.shutter : 'motorStep' in f ? f.motorStep : f.value));
    const read = (v: string) => Object.hasOwn(values, v);
    if (filterValues.every(read)) {
      const { good, outcomes } = applyFilters(config.filters, values, source.tags.length);
      goodShots = good.length;
      analysed = thin(good, config.thinning).length;
      outcomes.forEach((o, i) => {
        add('filter', `${o.kind} ${o.value}`, 'ok', `removes ${o.removed} shot(s)`, `filters[${i}]`);
        if (o.nan) add('filter', `${o.kind} ${o.value}`, 'warning', `${o.nan} shot(s) have a NaN value; ${nanEffect(o)}`, `filters[${i}]`);
      });
      if (config.filters.length && goodShots === 0) add('filter', 'all', 'warning', 'the filters keep no shot of this run');
    } else if (config.filters.length) {
      add('filter', 'all', 'error', `cannot run the filters: ${filterValues.filter((v) => !read(v)).join(', ')} not read`);
    }

    // Masks, then every output's chain with the run's real shapes.
    const masks: Record<string, Awaited<ReturnType<typeof loadMask>>> = {};
    for (const file of maskFiles(config)) {
      try {
        masks[file] = await loadMask(file, source);
        add('mask', file, 'ok', `${masks[file].path}: [${masks[file].shape}], ${masks[file].data.reduce((a, b) => a + b, 0)} masked pixel(s)`);
      } catch (err) {
        add('mask', file, 'error', message(err));
      }
    }
    const usable = found.filter((f) => !items.some((i) => i.kind === 'detector' && i.name === f.name && i.level === 'error'));
    try {
      run = await openRun(ref.data, {
        run: source.run,
        combine,
        detectors: Object.fromEntries(usable.map((f) => [f.name, config.detectors[f.name].id])),
        darks: Object.fromEntries(usable.map((f) => [f.name, Object.hasOwn(darks, f.name) ? darks[f.name] : null])),
        evPerAdu: Object.fromEntries(usable.map((f) => [f.name, config.detectors[f.name].evPerAdu])),
        warn: () => {},
      });
    } catch (err) {
      add('output', 'all', 'error', `the outputs were not checked: the run does not open with the detectors: ${message(err)}`);
      return report(source.run, runFiles, source.tags.length, goodShots);
    }
    const detectors = Object.fromEntries(
      Object.entries(run.detectors).map(([name, d]) => [name, { shape: d.shape, size: d.size, dtype: d.dtype, geometry: () => d.geometry }]),
    );
    const configured = (s: string) => Object.hasOwn(config.detectors, s);
    let checked = 0;
    for (const [i, output] of config.outputs.entries()) {
      const sources = [output.source, ...(typeof output.sink === 'object' && 'topK' in output.sink ? Object.values(output.sink.topK.payloads).map((p) => p.source) : [])];
      const missing = [...new Set(sources.filter((s) => configured(s) && !Object.hasOwn(detectors, s)))];
      if (missing.length) {
        add('output', output.name, 'error', `outputs[${i}]: not checked: detector(s) ${missing.join(', ')} did not resolve`);
        continue;
      }
      const unloaded = maskFiles({ ...config, outputs: [output] }).filter((f) => !Object.hasOwn(masks, f));
      if (unloaded.length) {
        add('output', output.name, 'error', `outputs[${i}]: not checked: mask ${unloaded.join(', ')} did not load`);
        continue;
      }
      // Each output on its own, so that every one that does not fit is reported. Its item names
      // the output already; its plan knows it as outputs[0].
      const itemText = (err: unknown) => message(err).replace(/^output \S+: /, '').replace(/outputs\[0\]/g, `outputs[${i}]`);
      let plan: Plan | null = null;
      try {
        plan = new Plan([output], { detectors, masks, shots: analysed });
        const [c] = plan.check();
        add('output', output.name, 'ok', `per shot ${c.perShot} → ${c.sink} → writes ${c.written}`);
        checked++;
      } catch (err) {
        add('output', output.name, 'error', itemText(err));
      } finally {
        plan?.dispose();
      }
    }
    // Then all of them together: what fits output by output may not fit as a whole.
    if (checked === config.outputs.length && checked > 1) {
      let plan: Plan | null = null;
      try {
        plan = new Plan(config.outputs, { detectors, masks, shots: analysed });
        plan.check();
      } catch (err) {
        add('output', 'all', 'error', message(err));
      } finally {
        plan?.dispose();
      }
    }
    return report(source.run, runFiles, source.tags.length, goodShots);
  } finally {
    run?.close();
    source.close();
  }
}

/** The report as lines for a terminal: a ✓ / ! / ✗ per item, grouped as the config is. */
export function formatCheck(r: CheckReport): string {
  const mark: Record<CheckLevel, string> = { ok: '✓', warning: '!', error: '✗' };
  const verdict = r.ok ? (r.warnings ? `ok, ${r.warnings} warning(s)` : 'ok') : `${r.errors} error(s), ${r.warnings} warning(s)`;
  const head = `${r.config ?? 'config'} against run ${r.run ?? '?'} of ${r.files.join(' + ') || r.data}: ${verdict}` + (r.goodShots !== null ? ` (${r.goodShots} of ${r.shots} shots pass the filters)` : '');
  const width = Math.max(...r.items.map((i) => i.name.length), 4);
  const lines = r.items.map((i) => `  ${mark[i.level]} ${i.kind.padEnd(8)} ${i.name.padEnd(width)}  ${i.message.replace(/\n/g, '\n' + ' '.repeat(width + 14))}`);
  return [head, ...lines].join('\n');
}
