// The library's two kinds of failure. They carry no exit codes: the command line maps them
// (bindings/cli/exit.ts), a web page shows them, a caller catches them by class.

/** A mistake in what was asked: a config, an option, an argument. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A problem with the data or the analysis: a file, a run, a value, a dataset. */
export class DataError extends Error {
  override readonly name = 'DataError';
}
