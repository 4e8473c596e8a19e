// `npm run bench [-- --json] [-- --quick] [-- --only kernels|read|analyse]`: every suite, one table per suite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchRow } from './harness.js';

// Suites load lazily, so `--only kernels` does not pay for the others' imports.
const suites: Record<string, () => Promise<{ run: (ctx: BenchContext) => Promise<BenchRow[]> }>> = {
  kernels: () => import('./kernels.js'),
  read: () => import('./read.js'),
  analyse: () => import('./analyse.js'),
  browser: () => import('./browser.js'),
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only && !suites[only]) {
  process.stderr.write(`bench: unknown suite '${only}'; suites: ${Object.keys(suites).join(', ')}\n`);
  process.exit(2);
}

// This machine's speed drifts from hour to hour (a shared host): a plain loop timed before and
// after the suites puts each run's figures beside the speed of the machine at the time.
function loopMs(): number {
  const times: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    let sum = 0;
    for (let i = 0; i < 1e8; i++) sum += i;
    times.push(performance.now() - t0);
    if (sum !== 4999999950000000) throw new Error('the loop went wrong');
  }
  return times.sort((a, b) => a - b)[2];
}
const loopAtStart = loopMs();
const tmpDir = mkdtempSync(join(tmpdir(), 'sacla-bench-'));
const rows: BenchRow[] = [];
// A suite that fails is named and the others still run and print: a bench run is minutes long.
const failed: string[] = [];
try {
  for (const [name, suite] of Object.entries(suites)) {
    if (only && name !== only) continue;
    if (!json) process.stderr.write(`bench: ${name} ...\n`);
    try {
      rows.push(...(await (await suite()).run({ quick, tmpDir })));
    } catch (err) {
      failed.push(name);
      process.stderr.write(`bench: the ${name} suite failed: ${(err as Error).stack ?? err}\n`);
    }
  }
} finally {
  rmSync(tmpDir, { recursive: true, force: true });
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; a plain loop of 10⁸ additions: ${loopAtStart.toFixed(0)} ms before the suites, ${loopMs().toFixed(0)} ms after (medians of 5)`;

const fmt = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) : String(v ?? ''));

if (json) {
  process.stdout.write(JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2) + '\n');
} else {
  process.stdout.write(`\nMachine: ${machine}\n\n`);
  for (const suite of new Set(rows.map((r) => r.suite))) {
    const suiteRows = rows.filter((r) => r.suite === suite);
    const extraKeys = [...new Set(suiteRows.flatMap((r) => Object.keys(r.extra ?? {})))];
    const header = ['benchmark', 'unit', 'median ms', 'min ms', 'max ms', 'per s', ...extraKeys];
    process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
    for (const r of suiteRows) {
      const cells = [r.name, r.unit, fmt(r.ms.median), fmt(r.ms.min), fmt(r.ms.max), fmt(r.perSecond), ...extraKeys.map((k) => fmt(r.extra?.[k]))];
      process.stdout.write(`| ${cells.join(' | ')} |\n`);
    }
    process.stdout.write('\n');
  }
}

if (failed.length) {
  process.stderr.write(`bench: ${failed.length} suite${failed.length === 1 ? '' : 's'} failed (${failed.join(', ')}); the tables above are the others'\n`);
  process.exitCode = 1;
}
