// `sacla synth`: write a realistic synthetic SACLA run (converter HDF5 layout) and its darks.
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { writeSyntheticRun, type Layout, type PresetName } from '../data/synth.js';
import { integer, formatBytes, outputFolder } from './options.js';
import { checkWritable } from '../core/files.js';
import { ConfigError } from '../core/errors.js';
import { interruptible } from './progress.js';

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'Write a realistic synthetic SACLA run DIR/<N>.h5 (converter layout: three MPCCDs, database values) ' +
        'and dark files under DIR/darks/<detector>/',
    )
    .requiredOption('--out <dir>', 'output folder', outputFolder('--out'))
    .requiredOption('--run <n>', 'run number', integer('--run', 0))
    .option('--shots <n>', 'number of shots (tags)', integer('--shots', 1), 200)
    .addOption(
      new Option('--preset <name>', 'kuschel2023: full-size detectors (spectrometer 1024×512, side/forward 1024×1024); small: for tests')
        .choices(['kuschel2023', 'small'])
        .default('kuschel2023'),
    )
    .addOption(
      new Option(
        '--layout <layout>',
        'sensors: as SACLA\'s converter writes them (a group per sensor, <id>-1, <id>-2 for the 2N0 detectors, with geometry and per-sensor gains); single: one 2-D group per detector, as re-written files often are',
      )
        .choices(['sensors', 'single'])
        .default('sensors'),
    )
    .option('--seed <s>', 'random seed (same seed → same files)', integer('--seed', 0), 1)
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'no progress bar')
    .action(async (opts: { out: string; run: number; shots: number; preset: PresetName; layout: Layout; seed: number; json?: boolean; quiet?: boolean }) => {
      try {
        checkWritable(opts.out);
      } catch (err) {
        throw new ConfigError(`--out ${opts.out}: ${(err as Error).message}`);
      }
      const t0 = performance.now();
      const showBar = !opts.quiet && process.stderr.isTTY && opts.shots >= 20;
      const bar = showBar
        ? new cliProgress.SingleBar(
            { format: `synth run ${opts.run} [{bar}] {percentage}% | {value}/{total} shots | ETA {eta}s`, stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(opts.shots, 0);
      const stop = interruptible();
      let res;
      try {
        res = await writeSyntheticRun({
          out: opts.out,
          run: opts.run,
          shots: opts.shots,
          preset: opts.preset,
          layout: opts.layout,
          seed: opts.seed,
          onProgress: (done) => bar?.update(done),
          signal: stop.signal,
        });
      } finally {
        bar?.stop();
        stop.release();
      }
      const seconds = (performance.now() - t0) / 1000;
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...res, preset: opts.preset, layout: opts.layout, seed: opts.seed, seconds }, null, 2) + '\n');
        return;
      }
      const lines = [
        `wrote ${res.path}: run ${res.run}, ${res.shots} shots, preset ${opts.preset}, layout ${opts.layout}, seed ${opts.seed}, ${formatBytes(res.bytes)} in ${seconds.toFixed(1)} s`,
        `tags ${res.tags[0]} … ${res.tags[res.tags.length - 1]}, ${new Date(res.startTime * 1000).toISOString()} … ${new Date(res.endTime * 1000).toISOString()}`,
        'darks (the closest to the middle of the run matches its pedestal):',
        ...Object.entries(res.darks).map(([name, files]) => `  ${name}: ${files.length} files, matching ${res.matchingDarks[name]}`),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
