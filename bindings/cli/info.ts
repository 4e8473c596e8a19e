// `sacla info PATH [--run N] [--search REGEX] [--json]`: what a run file or a folder of runs holds.
import type { Command } from 'commander';
import { existingPath, runNumber } from './options.js';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { closestDark, listDarks } from '../data/darks.js';
import { RunFile, listRunFiles, searchKeys, summariseRuns, type RunEntry } from '../data/runfile.js';
import { detectorsOf, type DetectorLayout } from '../data/sensors.js';
import { DataError } from '../core/errors.js';


const iso = (t: number | null) => (t === null ? null : new Date(t * 1000).toISOString());

interface RunSummary {
  run: number;
  path: string;
  tags: { count: number; first: number | null; last: number | null; high: number | null };
  time: { start: string | null; end: string | null; seconds: number | null };
}

function summary(f: RunFile): RunSummary {
  const n = f.tags.length;
  return {
    run: f.run,
    path: f.path,
    tags: { count: n, first: n ? f.tags[0] : null, last: n ? f.tags[n - 1] : null, high: f.highTag },
    time: {
      start: iso(f.startTime),
      end: iso(f.endTime),
      seconds: f.startTime === null || f.endTime === null ? null : f.endTime - f.startTime,
    },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => '  ' + r.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/** Dark folders next to a run file: `<dir>/darks/<detector>/`. */
async function darkInfo(f: RunFile): Promise<{ detector: string; folder: string; files: number; closest: string | null }[]> {
  const base = join(dirname(f.path), 'darks');
  if (!existsSync(base) || !statSync(base).isDirectory()) return [];
  const { readdirSync } = await import('node:fs');
  const out = [];
  for (const name of readdirSync(base).sort()) {
    const folder = join(base, name);
    if (!statSync(folder).isDirectory()) continue;
    const files = await listDarks(folder);
    const closest = files.length && f.middleTime !== null ? await closestDark(folder, f, () => {}) : null;
    out.push({ detector: name, folder, files: files.length, closest });
  }
  return out;
}

/** "16.9–18.1" for a range of numbers, one number when they are all equal. */
function span(values: (number | null)[], digits: number): string {
  const v = values.filter((x): x is number => x !== null);
  if (!v.length) return '-';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? lo.toFixed(digits) : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`;
}

/** "detector_2d_1…8" for consecutive groups, else a list. */
function groupNames(d: DetectorLayout): string {
  const g = d.sensors.map((s) => s.group);
  if (g.length < 3) return g.join(', ');
  const m = g.map((x) => /^(.*_)(\d+)$/.exec(x));
  const consecutive = m.every((x, i) => x && x[1] === m[0]![1] && Number(x[2]) === Number(m[0]![2]) + i);
  return consecutive ? `${g[0]}…${m[m.length - 1]![2]}` : g.join(', ');
}

function detectorJson(d: DetectorLayout) {
  return {
    id: d.id,
    kind: d.kind,
    sensors: d.sensors.map((s) => ({
      name: s.name,
      group: s.group,
      shape: s.shape,
      dtype: s.dtype,
      absoluteGain: s.absoluteGain,
      evPerAdu: s.evPerAdu,
      pixelSize: s.pixelSize,
      geometry: s.geometry,
      detectorType: s.detectorType,
      tags: s.tagCount,
      missingTags: s.missingTags,
      chunks: s.chunks,
    })),
    shape: d.shape,
    dtype: d.dtype === 'f64' ? 'float64' : d.sensors[0].dtype,
  };
}

async function details(entry: RunEntry, search: string | undefined, json: boolean): Promise<void> {
  const f = await RunFile.open(entry.path, entry.run);
  try {
    const s = summary(f);
    const layouts = detectorsOf(f);
    const detectors = layouts.filter((d) => d.kind !== 'camera');
    const cameras = layouts.filter((d) => d.kind === 'camera');
    const info = f.runInfo();
    const converter = f.converter();
    const keys = search ? searchKeys(f.databaseKeys(), search) : f.databaseKeys();
    const darks = await darkInfo(f);
    if (json) {
      const out = {
        ...s,
        files: entry.paths,
        converter,
        runInfo: info,
        photonEnergy: f.photonEnergy,
        detectors: detectors.map(detectorJson),
        cameras: cameras.map(detectorJson),
        databaseKeys: keys,
        search: search ?? null,
        darks,
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    const lines: string[] = [];
    lines.push(`run ${s.run}  (${s.path})`);
    if (entry.paths.length > 1) lines.push(`  also in ${entry.paths.slice(1).join(', ')} (the run is split into ${entry.paths.length} files: --combine reads all)`);
    if (converter.format || converter.version) lines.push(`  converter  ${[converter.format, converter.version].filter(Boolean).join(' ')}`);
    const range = info.startTag !== null ? `; run_info: ${info.startTag} … ${info.endTag ?? '-'}` : '';
    lines.push(`  tags   ${s.tags.count}  (${s.tags.first ?? '-'} … ${s.tags.last ?? '-'}${s.tags.high !== null ? `, high tag ${s.tags.high}` : ''}${range})`);
    lines.push(`  time   ${s.time.start ?? 'no time_stamp'}${s.time.end ? ` … ${s.time.end}  (${s.time.seconds!.toFixed(1)} s)` : ''}`);
    const machine = [
      info.photonEnergy !== null ? `photon energy ${info.photonEnergy} eV (nominal)` : null,
      info.electronEnergy !== null ? `electron energy ${info.electronEnergy.toExponential(4)} eV` : null,
      info.kParameter !== null ? `K ${info.kParameter}` : null,
      info.repetitionRate !== null ? `${info.repetitionRate} Hz` : null,
    ].filter(Boolean);
    if (machine.length) lines.push(`  machine  ${machine.join(', ')}`);
    if (info.comment) lines.push(`  comment  ${info.comment}`);
    const rows = (list: DetectorLayout[]) =>
      table([
        ['id', 'sensors', 'shape', 'dtype', 'gain', 'eV/ADU', 'geometry', 'tags', 'missing', 'groups', 'storage'],
        ...list.map((d) => [
          (d.id || '-') + (d.kind === 'assembled' ? ' (assembled)' : ''),
          String(d.sensors.length),
          d.shape.join('×') || '-',
          d.sensors[0].dtype || '-',
          span(d.sensors.map((x) => x.absoluteGain), 4),
          span(d.sensors.map((x) => x.evPerAdu), 3),
          d.sensors.every((x) => x.geometry) ? 'yes' : 'no',
          String(Math.min(...d.sensors.map((x) => x.tagCount))),
          String(Math.max(...d.sensors.map((x) => x.missingTags))),
          groupNames(d),
          d.sensors[0].chunks ? `chunked ${d.sensors[0].chunks.join('×')}` : 'contiguous',
        ]),
      ]);
    lines.push('', `detectors (${detectors.length}; a detector of several sensors is read as one stack [sensors, rows, cols])`);
    if (detectors.length) lines.push(rows(detectors));
    if (cameras.length) lines.push('', `cameras (${cameras.length})`, rows(cameras));
    lines.push('', `database keys (${keys.length}${search ? ` matching /${search}/i of ${f.databaseKeys().length}` : ''})`);
    for (const k of keys) lines.push(`  ${k}`);
    if (darks.length) {
      lines.push('', 'darks');
      for (const d of darks) {
        lines.push(`  ${d.detector}: ${d.files} file(s) in ${d.folder}${d.closest ? `; closest to this run: ${d.closest}` : ''}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    f.close();
  }
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('What a SACLA run file or a folder of runs holds: runs, tags, times, detectors, database keys (like lsxfel)')
    .argument('<path>', 'a run file (<N>.h5, or a file holding several runs) or a folder of run files', existingPath('path', 'any'))
    .option('--run <n>', 'the run to describe (negative: counted back from the newest, -1 = newest)', runNumber('--run'))
    .option('--search <regex>', 'only database keys matching this regular expression (case-insensitive); without --run, in the newest run')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { run?: number; search?: string; json?: boolean }) => {
      if (opts.search !== undefined) searchKeys([], opts.search); // a bad regex is a usage error before any work
      const entries = await listRunFiles(path);
      if (!entries.length) throw new DataError(`${path}: no SACLA runs found (expected <N>.h5 files in the converter layout)`);
      if (opts.run !== undefined || entries.length === 1 || opts.search !== undefined) {
        // --search without --run on a folder of runs: the keys of the newest run.
        const entry =
          opts.run === undefined
            ? entries[entries.length - 1]
            : opts.run < 0
              ? entries[entries.length + opts.run]
              : entries.find((e) => e.run === opts.run);
        if (!entry) {
          throw new DataError(`${path}: no run ${opts.run} (runs present: ${summariseRuns(entries.map((e) => e.run))})`);
        }
        await details(entry, opts.search, !!opts.json);
        return;
      }
      const rows: RunSummary[] = [];
      for (const e of entries) {
        const f = await RunFile.open(e.path, e.run);
        try {
          rows.push(summary(f));
        } finally {
          f.close();
        }
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ path, runs: rows }, null, 2) + '\n');
        return;
      }
      const lines = [
        `${path}: ${rows.length} runs (${summariseRuns(rows.map((r) => r.run))})`,
        table([
          ['run', 'tags', 'first tag', 'last tag', 'start (UTC)', 'seconds', 'file'],
          ...rows.map((r) => [
            String(r.run),
            String(r.tags.count),
            String(r.tags.first ?? '-'),
            String(r.tags.last ?? '-'),
            r.time.start ?? '-',
            r.time.seconds === null ? '-' : r.time.seconds.toFixed(1),
            r.path,
          ]),
        ]),
        'use --run N (or -1 for the newest) for detectors and database keys',
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
