/** An error the CLI reports as a usage or config mistake (exit code 2). */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** An error in the data or the analysis (exit code 1). */
export class DataError extends Error {
  readonly exitCode = 1;
}
