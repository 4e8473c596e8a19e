// What one and two threads get from the memory system: the bandwidth of a large copy in 1 and
// in 2 worker threads at once (the floor to hold the end-to-end bytes per shot against), and the
// per-shot work of an analysis worker alone and while a second one does the same work.
import { Worker } from 'node:worker_threads';
import { row, timing, type BenchRow } from './harness.js';
import type { ThreadReport, ThreadWork } from './thread-worker.js';

const WORKER = new URL('./thread-worker.js', import.meta.url);
const COPY_BYTES = 256e6;

interface Together {
  reports: ThreadReport[];
  /**
   * CPU time of the process over wall time while the threads worked: below their number when
   * other processes took cores from them (then the figures beside it say little).
   */
  coresBusy: number;
}

/** Runs `work` in `threads` worker threads: all prepare it, then all start at once. */
async function together(threads: number, work: ThreadWork, reps: number): Promise<Together> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { workerData: work }));
  const failed = new Promise<never>((_, reject) => workers.forEach((w) => w.once('error', reject)));
  const next = (w: Worker) => new Promise<unknown>((resolve) => w.once('message', resolve));
  try {
    await Promise.race([Promise.all(workers.map(next)), failed]);
    const done = Promise.all(workers.map(next)) as Promise<ThreadReport[]>;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (const w of workers) w.postMessage(reps);
    const reports = await Promise.race([done, failed]);
    const used = process.cpuUsage(cpu);
    return { reports, coresBusy: +((used.user + used.system) / 1000 / (performance.now() - t0)).toFixed(2) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** TypedArray.set of 256 MB into another buffer, in 1 and in 2 threads at once. */
export async function bandwidthRows(suite: string, quick: boolean): Promise<BenchRow[]> {
  const reps = quick ? 5 : 15;
  const moved = 2 * COPY_BYTES; // read once, written once
  const rows: BenchRow[] = [];
  for (const threads of [1, 2]) {
    const { reports, coresBusy } = await together(threads, { kind: 'copy', bytes: COPY_BYTES }, reps);
    const t = timing(reports.flatMap((r) => r.times));
    const wallMs = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start));
    rows.push(
      row(suite, `memory bandwidth: TypedArray.set of ${COPY_BYTES / 1e6} MB, ${threads === 1 ? '1 thread' : `${threads} threads at once`}`, `copy (${COPY_BYTES / 1e6} MB read + written)`, t, {
        'MB/s': +(moved / 1e6 / (t.median / 1000)).toFixed(0),
        'total MB/s': +((threads * reps * moved) / 1e6 / (wallMs / 1000)).toFixed(0),
        'cores busy': coresBusy,
      }),
    );
  }
  return rows;
}

/**
 * What the machine charges for memory a process touches for the first time (a new ArrayBuffer,
 * one write per 4 KB page): every buffer, state and result a run makes pays it once, and in a
 * virtual machine it can cost as much as copying the same bytes several times.
 */
export function freshMemoryRow(suite: string, quick: boolean): BenchRow {
  const bytes = 128 << 20;
  const page = 4096;
  const times: number[] = [];
  for (let r = 0; r < (quick ? 3 : 9); r++) {
    const t0 = performance.now();
    const fresh = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += page) fresh[i] = 1;
    times.push(performance.now() - t0);
  }
  const t = timing(times);
  return row(suite, `fresh memory: first touch of ${bytes >> 20} MB (a new ArrayBuffer, a write per 4 KB page), 1 thread`, `${bytes >> 20} MB`, t, {
    'MB/s': +(bytes / 1e6 / (t.median / 1000)).toFixed(0),
    'µs per page': +((t.median * 1000) / (bytes / page)).toFixed(2),
  });
}

/**
 * The P² kernel (a third of an analysis share's time) in one thread alone, then in two at once:
 * how much the second core slows the per-shot work that the 2-worker split cannot avoid.
 */
export async function p2Rows(suite: string, quick: boolean): Promise<BenchRow[]> {
  const reps = quick ? 3 : 10;
  const rows: BenchRow[] = [];
  let alone = 0;
  for (const threads of [1, 2]) {
    const { reports, coresBusy } = await together(threads, { kind: 'p2' }, reps);
    const t = timing(reports.flatMap((r) => r.times));
    const extra: Record<string, string | number> = { 'cores busy': coresBusy };
    if (threads === 1) alone = t.median;
    else extra.slowdown = `${t.median >= alone ? '+' : '−'}${Math.abs((t.median / alone - 1) * 100).toFixed(0)} %`;
    rows.push(row(suite, `P² median kernel, detector-like image, ${threads === 1 ? '1 thread alone' : '2 threads together (each)'}`, 'image 1024×1024', t, extra));
  }
  return rows;
}

/**
 * An analysis worker's per-shot work (a fresh plan of the config over the run's good shots, the
 * run already open) in one thread alone, then in two threads at once, each over the same shots.
 */
export async function perShotRows(
  suite: string,
  work: Omit<Extract<ThreadWork, { kind: 'shots' }>, 'kind'>,
  { reps, unit, mbPerSecond }: { reps: number; unit: string; mbPerSecond: (msPerShot: number) => number },
): Promise<BenchRow[]> {
  const shots = work.maxShots & ~7;
  const one = await together(1, { kind: 'shots', ...work }, reps);
  const two = await together(2, { kind: 'shots', ...work }, reps);
  const alone = timing(one.reports.flatMap((r) => r.times));
  const both = timing(two.reports.flatMap((r) => r.times));
  const name = (how: string) => `per-shot analysis, default config (a worker's plan over ${shots} good shots, run open), ${how}`;
  return [
    row(suite, name('1 thread alone'), unit, alone, { 'MB/s': mbPerSecond(alone.median), 'cores busy': one.coresBusy }),
    row(suite, name('2 threads together (each)'), unit, both, {
      'MB/s': mbPerSecond(both.median),
      'cores busy': two.coresBusy,
      slowdown: `${both.median >= alone.median ? '+' : '−'}${Math.abs((both.median / alone.median - 1) * 100).toFixed(0)} %`,
    }),
  ];
}
