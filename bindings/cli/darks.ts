// `sacla darks`: a dark run → one dark file and one bad-pixel mask per configured detector, where
// `closestDark` and the `mask` transform find them.
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig, defaultConfigPath } from '../analysis/config/index.js';
import { defaultDarksFolder, makeDarks, removePendingDarks, type DarkRunResult, type DetectorDark } from '../analysis/darkRun.js';
import { checkWritable, files, isStaleTemporary, paths } from '../core/files.js';
import { ConfigError } from '../core/errors.js';
import { resolveRun } from '../data/runfile.js';
import { dataFolder, existingPath, outputFolder, runNumber } from './options.js';
import { interruptible, shotProgress, type ShotProgress } from './progress.js';

interface DarksOptions {
  data: string;
  run: number;
  config?: string;
  out?: string;
  detectors?: string[];
  maskSigma: number;
  json?: boolean;
  force?: boolean;
  quiet?: boolean;
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!v.trim() || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${v}"`);
    return n;
  };
}

function nameList(name: string) {
  return (v: string): string[] => {
    const names = v.split(',').map((s) => s.trim());
    if (names.some((n) => !n)) throw new InvalidArgumentError(`${name} must be a comma-separated list of detector names, got "${v}"`);
    return names;
  };
}

/** Temporary dark and mask files (`<run>_<start>.npy.<host>.<pid>.tmp`) left by killed writes. */
function staleDarkWrites(out: string, detectors: string[]): string[] {
  const folders = detectors.flatMap((d) => [paths.join(out, d), paths.join(out, d, 'masks')]).filter((f) => files().stat(f)?.kind === 'folder');
  return folders.flatMap((folder) =>
    files()
      .list(folder)
      .filter((name) => /\.npy\..+\.tmp$/.test(name))
      .map((name) => paths.join(folder, name))
      .filter((path) => isStaleTemporary(path)),
  );
}

function detectorLines(d: DetectorDark): string[] {
  const m = d.masked;
  return [
    `  ${d.name} (${d.id}) [${d.shape.join(', ')}] ${d.dtype}, ${d.shots} shots → ${d.dark}`,
    `    mask: ${m.total} of ${d.pixels} pixels (NaN ${m.nan}, stuck ${m.stuck}, mean outlier ${m.mean}, spread outlier ${m.std}) → ${d.mask}`,
  ];
}

function summary(r: DarkRunResult): string {
  const shutter =
    r.shutter === null
      ? 'shutter not checked'
      : r.shutter.open
        ? `shutter open on ${r.shutter.open} shots (forced)`
        : r.shutter.nan
          ? `shutter unknown (${r.shutter.value} NaN) on ${r.shutter.nan} shots, closed on the others`
          : `shutter closed on all (${r.shutter.value})`;
  const start = new Date(r.startTime * 1000).toISOString();
  return [`run ${r.run}: ${r.shots} shots averaged, ${shutter}, start ${start}, ${r.seconds.toFixed(1)} s`, ...Object.values(r.detectors).flatMap(detectorLines)].join('\n');
}

export function registerDarks(program: Command): void {
  program
    .command('darks')
    .description('Average a dark run (raw ADU) per configured detector into DARKS/<detector>/<run>_<start>.npy, with a bad-pixel mask in DARKS/<detector>/masks/')
    .requiredOption('--data <dir>', 'folder of run files (<N>.h5), or one run file', existingPath('--data', 'any'))
    .requiredOption('--run <n>', 'the dark run (negative counts back from the newest)', runNumber('--run'))
    .option('--config <file>', 'experiment config: its detectors and shutter value (default: configs/kuschel2023.json)', existingPath('--config', 'file'))
    .option('--out <dir>', 'folder of the dark folders (default: DATA/darks, or darks next to a run file)', outputFolder('--out'))
    .option('--detectors <names>', 'only these configured detectors (comma-separated friendly names)', nameList('--detectors'))
    .option('--mask-sigma <s>', 'mask pixels whose dark mean or spread lies more than S robust σ from their sensor\'s median', positiveNumber('--mask-sigma'), 6)
    .option('--json', 'print one JSON object on stdout')
    .option('--force', 'average a run with the shutter open on some shots, and replace existing dark files of the same name')
    .option('--quiet', 'no progress bar')
    .action(async (opts: DarksOptions) => {
      const configPath = resolve(opts.config ?? defaultConfigPath());
      const config = await loadConfig(configPath, { dataDir: dataFolder(opts.data) });
      // Where the darks go is checked before the run is averaged.
      const out = opts.out ? paths.resolve(opts.out) : defaultDarksFolder(opts.data);
      try {
        checkWritable(out);
      } catch (err) {
        throw new ConfigError(`${opts.out ? '--out' : 'the darks folder'} ${out}: ${(err as Error).message}`);
      }
      for (const path of staleDarkWrites(out, Object.keys(config.detectors).filter((n) => !opts.detectors || opts.detectors.includes(n)))) {
        files().remove(path);
        process.stderr.write(`sacla: removed ${path}, left by a write that was killed\n`);
      }
      const stop = interruptible(removePendingDarks);
      let progress: ShotProgress | undefined;
      try {
        const run = (await resolveRun(opts.data, opts.run)).run;
        progress = shotProgress(`darks run ${run}`, opts.quiet);
        const result = await makeDarks(config, { data: opts.data, run }, {
          out: opts.out,
          detectors: opts.detectors,
          maskSigma: opts.maskSigma,
          force: opts.force,
          signal: stop.signal,
          warn: progress.warn,
          onProgress: progress.onProgress,
        });
        progress.stop();
        process.stdout.write((opts.json ? JSON.stringify(result) : summary(result)) + '\n');
      } catch (err) {
        progress?.stop();
        if (stop.signal.aborted) throw stop.signal.reason;
        throw err;
      } finally {
        stop.release();
      }
    });
}
