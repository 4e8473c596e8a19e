// `sacla analyse`: runs → result files, with a progress bar and a one-line summary per run.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stopsEverything } from './exit.js';
import { interruptible, shotProgress, type ShotProgress } from './progress.js';
import { ConfigError, DataError } from '../core/errors.js';
import { join, resolve } from 'node:path';
import { loadConfig, defaultConfigPath, configHash } from '../analysis/config/index.js';
import type { AnalyseOptions as RunOptions, AnalysisResult } from '../analysis/pipeline.js';
import { analysePart, analyseRun } from '../node/index.js';
import { partName, writePart } from '../analysis/parts.js';
import { capWorkers, defaultWorkers, endIdleThreads, prestartThreads } from '../node/workers.js';
import { resultName, writeResult, storedConfigHash, removePendingResults, prepareResultFolder } from '../analysis/results.js';
import { files } from '../core/files.js';
import { resolveRun } from '../data/runfile.js';
import { loadH5 } from '../data/h5.js';
import { dataFolder, existingPath, integer, outputFolder, refuseCombineWithFile, runList } from './options.js';

/** `--part K/N`. */
function partOption(v: string): { part: number; parts: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const part = m ? Number(m[1]) : NaN;
  const parts = m ? Number(m[2]) : NaN;
  if (!m || !(parts >= 1 && part >= 1 && part <= parts && parts <= 10_000)) {
    throw new InvalidArgumentError(`--part must be K/N with 1 ≤ K ≤ N ≤ 10000 (e.g. 2/3), got "${v}"`);
  }
  return { part, parts };
}

interface AnalyseOptions {
  data: string;
  run?: number[];
  part?: { part: number; parts: number };
  runs?: number[];
  config?: string;
  out: string;
  workers: number;
  maxShots?: number;
  step?: number;
  json?: boolean;
  force?: boolean;
  quiet?: boolean;
  combine?: boolean;
}

function summary(result: AnalysisResult, path: string): string {
  const rate = result.goodShots / result.seconds;
  const removed = result.filters.length ? ` (${result.filters.map((f) => `${f.kind} ${f.value} −${f.removed}`).join(', ')})` : '';
  return `run ${result.run}: ${result.goodShots} of ${result.shotsInRun} shots good${removed}, ${result.seconds.toFixed(1)} s, ${rate.toFixed(1)} shots/s → ${path}`;
}

export function registerAnalyse(program: Command): void {
  program
    .command('analyse')
    .alias('analyze')
    .description('Analyse runs with an experiment config and write one result file per run (OUT/run_<N>.h5)')
    .requiredOption('--data <dir>', 'folder of run files (<N>.h5) and their darks, or one run file', existingPath('--data', 'any'))
    .option('--run <runs>', 'runs: N, A-B, A,B,C (negative N counts back from the newest)', runList('--run'))
    .addOption(new Option('--runs <runs>', 'the same as --run').argParser(runList('--runs')).conflicts('run'))
    .option('--config <file>', 'experiment config (.json or .mjs; default: configs/kuschel2023.json)', existingPath('--config', 'file'))
    .option('--out <dir>', 'output folder', outputFolder('--out'), 'results')
    .option('--workers <n>', 'worker threads (default and most: the number of cores)', integer('--workers', 1), defaultWorkers())
    .option('--max-shots <m>', 'use at most the first M good shots', integer('--max-shots', 1))
    .option('--step <s>', 'use every S-th good shot', integer('--step', 1))
    .option('--json', 'print one JSON object per run on stdout')
    .option('--force', 'analyse runs again even if their result file was made with the same config, and replace result files made with another config')
    .option('--combine', 'a run split into several files of the folder (run_N_bg.h5 + run_N_sig.h5) is read from all of them')
    .option('--part <K/N>', 'analyse part K of N of each run and write its states to OUT/run_<N>.part<K>of<N>.h5 (join them with sacla merge)', partOption)
    .option('--quiet', 'no progress bar')
    .action(async (opts: AnalyseOptions) => {
      const runs = opts.run ?? opts.runs;
      if (!runs) throw new ConfigError('--run: which runs to analyse? e.g. --run 100, --run 100-120, --run -1 (the newest)');
      const { workers, notice } = capWorkers(opts.workers);
      // The worker threads load while this one reads the config and opens the run (one share
      // runs here), and h5wasm's module compiles meanwhile.
      if (workers > 1) prestartThreads(workers - 1);
      void loadH5().catch(() => {});
      const configPath = resolve(opts.config ?? defaultConfigPath());
      // Config mistakes are reported (exit code 2) before any data is read.
      const config = await loadConfig(configPath, { dataDir: dataFolder(opts.data) });
      refuseCombineWithFile(opts.data, opts.combine);
      const hash = await configHash(config);
      // Where the results go is checked before any data is read: not after an hour of analysis.
      let stale: string[];
      try {
        stale = prepareResultFolder(opts.out);
      } catch (err) {
        throw new ConfigError(`--out ${opts.out}: ${(err as Error).message}`);
      }
      for (const path of stale) process.stderr.write(`sacla: removed ${path}, left by a write that was killed\n`);
      if (notice) process.stderr.write(`sacla: --workers: ${notice}\n`);
      const stop = interruptible(removePendingResults);
      let failures = 0;
      try {
        for (const [k, requested] of runs.entries()) {
          if (stop.signal.aborted) break;
          // After the last run's shots the worker threads have nothing left to do.
          const last = k === runs.length - 1;
          let run = requested;
          let progress: ShotProgress | undefined;
          try {
            run = (await resolveRun(opts.data, requested, { combine: opts.combine })).run;
            const path = resolve(join(opts.out, opts.part ? partName(run, opts.part.part, opts.part.parts) : resultName(run)));
            if (!opts.force && files().stat(path)) {
              const stored = await storedConfigHash(path);
              if (stored === hash) {
                if (opts.json) process.stdout.write(JSON.stringify({ run, skipped: true, reason: 'already analysed with this config', output: path }) + '\n');
                else process.stdout.write(`run ${run}: already analysed with this config → ${path} (--force to redo)\n`);
                continue;
              }
              // Replacing a result made with another config (or an unreadable one) loses it: only when asked.
              const made = stored === null ? 'is not a readable result file with a config hash' : `was made with another config (config_hash ${stored}, this config's is ${hash})`;
              throw new DataError(`${path} ${made}: not replaced (--force replaces it, or choose another --out)`);
            }
            progress = shotProgress(`run ${run}`, opts.quiet);
            const analyseOptions: RunOptions = {
              workers,
              maxShots: opts.maxShots,
              step: opts.step,
              configPath,
              combine: opts.combine,
              signal: stop.signal,
              warn: progress.warn,
              onProgress: progress.onProgress,
            };
            if (opts.part) {
              const t0 = performance.now();
              const part = await analysePart(config, { data: opts.data, run }, opts.part.part, opts.part.parts, analyseOptions);
              progress?.stop();
              if (last) endIdleThreads();
              const written = await writePart(opts.out, part);
              const seconds = (performance.now() - t0) / 1000;
              if (opts.json) process.stdout.write(JSON.stringify({ run, part: part.part, parts: part.parts, goodShots: part.goodShots, seconds, output: written }) + '\n');
              else process.stdout.write(`run ${run}: part ${part.part} of ${part.parts} (${part.goodShots} good shots), ${seconds.toFixed(1)} s → ${written}\n`);
              continue;
            }
            const result = await analyseRun(config, { data: opts.data, run }, analyseOptions);
            progress?.stop();
            if (last) endIdleThreads();
            const writing = performance.now();
            const written = await writeResult(opts.out, result);
            if (opts.json) {
              process.stdout.write(
                JSON.stringify({
                  run,
                  goodShots: result.goodShots,
                  shotsInRun: result.shotsInRun,
                  seconds: result.seconds,
                  shotsPerSecond: result.goodShots / result.seconds,
                  workers: result.workers,
                  filters: result.filters,
                  output: written,
                  // `seconds` phase by phase, and the result file written, read back and renamed.
                  phases: { ...result.phases, write: (performance.now() - writing) / 1000 },
                }) + '\n',
              );
            } else {
              process.stdout.write(summary(result, written) + '\n');
            }
          } catch (err) {
            progress?.stop();
            if (stop.signal.aborted) throw stop.signal.reason;
            const error = err as Error;
            // A config or usage mistake stops everything; a bad run is reported and skipped.
            if (stopsEverything(error)) throw error;
            failures++;
            if (opts.json) process.stdout.write(JSON.stringify({ run, error: error.message }) + '\n');
            process.stderr.write(`sacla: run ${run} failed: ${error.message}\n`);
          }
        }
      } finally {
        stop.release();
      }
      // A signal between two runs: the runs done are written, the rest are not started.
      if (stop.signal.aborted) throw stop.signal.reason;
      if (failures) {
        process.stderr.write(`sacla: ${failures} of ${runs.length} run(s) failed\n`);
        process.exitCode = 1;
      }
    });
}
