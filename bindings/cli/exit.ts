// Exit codes of `sacla`, in one place: 0 success, 1 a data or analysis error, 2 a usage or
// config mistake, 130 interrupted (Ctrl-C, SIGTERM).
import { CommanderError } from 'commander';
import { ConfigError } from '../core/errors.js';

/** What an interrupt aborts the work with (the signal handlers' `AbortController.abort(reason)`). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof Interrupted) return 130;
  if (err instanceof ConfigError) return 2;
  return 1;
}

/** Whether a failure stops everything (a config mistake applies to every run) rather than one run. */
export const stopsEverything = (err: unknown) => err instanceof ConfigError || err instanceof Interrupted;
