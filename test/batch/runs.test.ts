// `sacla results` takes the run-list syntax of batch, watch, table and scan (`3,5-7,10-`), as
// --runs or --run.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from 'sacla-analysis';

const cli = fileURLToPath(new URL('../../dist/bindings/cli/main.js', import.meta.url));
const sacla = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

let dir: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), 'sacla-runs-'));
  for (const run of [1, 2, 3, 4, 5, 6, 1312758]) {
    await writeResult(dir, { run, outputs: {}, attrs: { run, good_shots: run % 7, shots_in_run: 10 } } as Parameters<typeof writeResult>[1]);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runsOf = (...args: string[]) => {
  const r = sacla('results', dir, '--json', ...args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).run);
};

describe('sacla results --runs', () => {
  test('lists, ranges and open ends; --run is the same', () => {
    expect(runsOf('--runs', '2,4-')).toEqual([2, 4, 5, 6, 1312758]);
    expect(runsOf('--run', '2,4-')).toEqual([2, 4, 5, 6, 1312758]);
    expect(runsOf('--runs', '-3,6')).toEqual([1, 2, 3, 6]);
    expect(runsOf('--runs', '1312758')).toEqual([1312758]);
    expect(runsOf()).toEqual([1, 2, 3, 4, 5, 6, 1312758]);
  });

  test('mistakes: exit code 2, naming the option', () => {
    const both = sacla('results', dir, '--run', '3', '--runs', '4');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--run 3 and --runs 4: give one of them/);
    const empty = sacla('results', dir, '--runs', '5-3');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--runs: 5-3 is an empty range/);
    expect(sacla('results', dir, '--run', '3..5').stderr).toMatch(/--run must be N, A-B, A-, -B or a comma-separated list/);
  });

  test('no result file among the runs asked for: said so, with the selection', () => {
    const r = sacla('results', dir, '--runs', '7-9');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`no result files (run_<N>.h5) in ${dir} for runs 7-9\n`);
  });
});
