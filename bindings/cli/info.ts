// `sacla info PATH [--run N] [--search REGEX] [--json]`: what a run file or a folder of runs holds.
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { closestDark, listDarks } from '../data/darks.js';
import { RunFile, listRunFiles, searchKeys, summariseRuns, type RunEntry } from '../data/runfile.js';
import { DataError } from './errors.js';

function runNumber(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`--run must be an integer (negative counts back from the newest), got "${v}"`);
  return Number(v);
}

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

async function details(entry: RunEntry, search: string | undefined, json: boolean): Promise<void> {
  const f = await RunFile.open(entry.path, entry.run);
  try {
    const s = summary(f);
    const detectors = f.detectors();
    const keys = search ? searchKeys(f.databaseKeys(), search) : f.databaseKeys();
    const darks = await darkInfo(f);
    if (json) {
      const out = { ...s, photonEnergy: f.photonEnergy, detectors, databaseKeys: keys, search: search ?? null, darks };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    const lines: string[] = [];
    lines.push(`run ${s.run}  (${s.path})`);
    lines.push(`  tags   ${s.tags.count}  (${s.tags.first ?? '-'} … ${s.tags.last ?? '-'}${s.tags.high !== null ? `, high tag ${s.tags.high}` : ''})`);
    lines.push(
      `  time   ${s.time.start ?? 'no time_stamp'}${s.time.end ? ` … ${s.time.end}  (${s.time.seconds!.toFixed(1)} s)` : ''}`,
    );
    if (f.photonEnergy !== null) lines.push(`  photon energy  ${f.photonEnergy} eV`);
    lines.push('', `detectors (${detectors.length})`);
    if (detectors.length) {
      lines.push(
        table([
          ['group', 'id', 'shape', 'dtype', 'gain', 'eV/ADU', 'tags', 'missing', 'storage'],
          ...detectors.map((d) => [
            d.group,
            d.id || '-',
            d.shape.join('×') || '-',
            d.dtype || '-',
            d.absoluteGain === null ? '-' : String(+d.absoluteGain.toFixed(4)),
            d.evPerAdu === null ? '-' : d.evPerAdu.toFixed(3),
            String(d.tagCount),
            String(d.missingTags),
            d.chunks ? `chunked ${d.chunks.join('×')}` : 'contiguous',
          ]),
        ]),
      );
    }
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
    .argument('<path>', 'a run file (<N>.h5, or a file holding several runs) or a folder of run files')
    .option('--run <n>', 'the run to describe (negative: counted back from the newest, -1 = newest)', runNumber)
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
