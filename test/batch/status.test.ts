// The cause of a failed run read from its log, on logs as jobs write them (the lines of the
// job script, sacla analyse, Slurm's and PBS's kill messages, Node's own), and the runs asked
// for that a data folder lacks.
import { describe, test, expect } from 'vitest';
import { failureCause } from '../../bindings/batch/status.js';
import { missingRuns } from '../../bindings/batch/submit.js';

const start = 'sacla batch: run 5, job 12_0 on node1 at 2026-01-01T00:00:00+00:00';
const end = (code: number) => `sacla batch: run 5 finished with exit code ${code} at 2026-01-01T00:10:00+00:00`;

describe('failureCause', () => {
  test('a bad run: sacla analyse\'s report, without its prefix, over warnings and the closing count', () => {
    const log = [start, 'sacla: side_ccd: no dark before the run, using none', 'run 5: 0/40 shots, 0.0 shots/s', 'sacla: run 5 failed: /data/5.h5: truncated file (eof 1000 < 2000)', 'sacla: 1 of 1 run(s) failed', end(1)];
    expect(failureCause(log)).toBe('/data/5.h5: truncated file (eof 1000 < 2000)');
  });

  test('killed by Slurm for time or memory: slurmstepd\'s line', () => {
    const time = [start, 'run 5: 200/1000 shots, 40.0 shots/s, ETA 20 s', 'slurmstepd: error: *** JOB 13 ON node1 CANCELLED AT 2026-01-01T01:00:00 DUE TO TIME LIMIT ***'];
    expect(failureCause(time)).toBe('slurmstepd: error: *** JOB 13 ON node1 CANCELLED AT 2026-01-01T01:00:00 DUE TO TIME LIMIT ***');
    const memory = [start, 'slurmstepd-node1: error: Detected 1 oom_kill event in StepId=14.batch. Some of the step tasks have been OOM Killed.'];
    expect(failureCause(memory)).toBe('slurmstepd-node1: error: Detected 1 oom_kill event in StepId=14.batch. Some of the step tasks have been OOM Killed.');
  });

  test('killed by PBS: its =>> PBS line', () => {
    expect(failureCause([start, '=>> PBS: job killed: walltime 3630 exceeded limit 3600'])).toBe('=>> PBS: job killed: walltime 3630 exceeded limit 3600');
  });

  test('the job script\'s own error', () => {
    expect(failureCause(['sacla batch: error: no run on line 9 of /o/jobs/a.runs (array index 8, job 12_8)'])).toBe('no run on line 9 of /o/jobs/a.runs (array index 8, job 12_8)');
  });

  test('Node itself: an out-of-memory abort, before its stack', () => {
    const log = [start, 'sacla: side_ccd: no dark before the run, using none', '', '<--- Last few GCs --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', ' 1: 0xb8ced0 node::Abort() [node]', end(134)];
    expect(failureCause(log)).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    expect(failureCause([start, 'node:internal/process/esm_loader:40', 'RangeError: WebAssembly.Memory(): could not allocate memory', '    at file:///opt/sacla/dist/bindings/core/wasm.js:12:9', end(1)])).toBe(
      'RangeError: WebAssembly.Memory(): could not allocate memory',
    );
  });

  test('a mistake that stops sacla analyse (exit code 2): the last sacla line', () => {
    const log = [start, 'sacla: side_ccd: no dark before the run, using none', 'sacla: /beam/config.json: outputs.side_mean.source: expected a detector name, got "side"', end(2)];
    expect(failureCause(log)).toBe('/beam/config.json: outputs.side_mean.source: expected a detector name, got "side"');
  });

  test('anything else: the last line that is neither the job\'s nor progress', () => {
    const log = [start, '/var/spool/slurmd/job00012/slurm_script: line 17: /opt/node/bin/node: No such file or directory', end(127)];
    expect(failureCause(log)).toBe('/var/spool/slurmd/job00012/slurm_script: line 17: /opt/node/bin/node: No such file or directory');
    expect(failureCause([start, 'run 5: 10/40 shots, 3.0 shots/s', end(1)])).toBeNull();
    expect(failureCause([])).toBeNull();
  });
});

describe('missingRuns', () => {
  test('bounded ranges only, overlaps merged, as [from, to]', () => {
    const present = [3, 4, 6, 10, 11, 12];
    expect(missingRuns([[1, 7]], present)).toEqual([
      [1, 2],
      [5, 5],
      [7, 7],
    ]);
    expect(missingRuns([[5, 6], [3, 5], [12, Infinity], [-Infinity, 2]], present)).toEqual([[5, 5]]);
    expect(missingRuns([[1312758, 1312760]], [])).toEqual([[1312758, 1312760]]);
    expect(missingRuns([[10, 12]], present)).toEqual([]);
  });
});
