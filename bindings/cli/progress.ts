// What the long commands (analyse, darks, synth) share on the terminal: a progress bar on a
// terminal, a plain line at the start and every 5 s elsewhere (batch logs, pipes), notices that
// do not tear the bar; and Ctrl-C / SIGTERM turned into an abort of the work.
import cliProgress from 'cli-progress';
import { Interrupted } from './exit.js';
import type { Progress } from '../analysis/pipeline.js';

const LINE_MS = 5000;

export interface ShotProgress {
  onProgress(p: Progress): void;
  /** A notice on stderr (the bar is stopped first, so the line stands on its own). */
  warn(message: string): void;
  stop(): void;
}

/** Progress of one run's shots, labelled `label` (e.g. `run 12`, `darks run 99`). */
export function shotProgress(label: string, quiet = false): ShotProgress {
  const bar =
    !quiet && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {value}/{total} shots | {speed} shots/s | ETA {eta_formatted}`,
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let started = false;
  let lastLine = -Infinity;
  return {
    onProgress(p) {
      if (bar) {
        if (!started) {
          bar.start(p.total, 0, { speed: '-' });
          started = true;
        }
        bar.update(p.done, { speed: p.shotsPerSecond.toFixed(1) });
        return;
      }
      const now = performance.now();
      if (quiet || (now - lastLine < LINE_MS && p.done > 0)) return;
      lastLine = now;
      const eta = Number.isFinite(p.etaSeconds) ? `, ETA ${p.etaSeconds.toFixed(0)} s` : '';
      process.stderr.write(`${label}: ${p.done}/${p.total} shots, ${p.shotsPerSecond.toFixed(1)} shots/s${eta}\n`);
    },
    warn(message) {
      bar?.stop();
      process.stderr.write(`sacla: ${message}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

/**
 * An abort signal that SIGINT and SIGTERM fire (with `Interrupted`, exit code 130), after
 * `cleanup` (removing files under way). `release()` takes the handlers off again.
 */
export function interruptible(cleanup: () => void = () => {}): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const interrupt = () => {
    controller.abort(new Interrupted());
    cleanup();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}
