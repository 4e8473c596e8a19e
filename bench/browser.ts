// The web app against the command line on the same run and machine: `sacla analyse` (a process,
// all cores) and the app in Debian's Chromium (playwright-core; all cores: the default of
// navigator.hardwareConcurrency workers), each from start to a written result file (the app
// writes it into memory), with the longest main-thread task of the page while it ran, and the
// speed at which browser workers read the run file: the floor under the app's time when it reads
// the user's File; the app reads from its copy in the browser's storage (a Chromium profile on
// disk, as a user's) once it has one, and both are measured.
// Also the one Chromium launch of the browser tests and the README's screenshots.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { measure, measurePairs, row, timing, type BenchContext, type BenchRow } from './harness.js';
import { writeSyntheticRun } from '../bindings/node/index.js';
import { serveStatic, webRoot } from '../bindings/cli/web.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium draws H5Web's WebGL with ANGLE on SwiftShader (no GPU here): the flags ask
 * for that renderer and allow it (Chromium refuses the software fallback for WebGL unless told:
 * --enable-unsafe-swiftshader). --disable-gpu is left out: it is what turns WebGL off elsewhere.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PAGE = { viewport: { width: 1400, height: 900 }, acceptDownloads: true };

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Chromium with a profile on disk in `dir`, as a user's browser has: its origin-private file
 * system (where the app keeps copies of run files) is then a folder of the profile. Without
 * one (launchChromium: a fresh context per page, like a private window) it is held in memory,
 * ~20× slower to read.
 */
export function launchChromiumProfile(dir: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...PAGE });
}

/** Collects the page's long tasks (over 50 ms) from now on, in `window.longTasks`. */
export function watchLongTasks(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { longTasks: [number, number][] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask' });
  });
}

/**
 * The durations of the long tasks since the last call that began before the analysis's final
 * state (the page notes its time: #progress-text's data-at), and forgets them all. What the
 * page draws after the analysis is not part of it.
 */
export async function takeLongTasks(page: Page): Promise<number[]> {
  // A task is reported once it has ended.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  return page.evaluate(() => {
    const w = window as unknown as { longTasks: [number, number][] };
    const end = Number(document.getElementById('progress-text')?.dataset.at ?? Infinity);
    const tasks = w.longTasks.filter(([start]) => start < end).map(([, duration]) => duration);
    w.longTasks = [];
    return tasks;
  });
}

/** Opens the app and waits for it (its workers started, its plots' start-up done). */
export async function openApp(browser: Browser | BrowserContext, url: string): Promise<Page> {
  const page = 'newContext' in browser ? await browser.newPage(PAGE) : await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { sacla?: { ready?: boolean } }).sacla?.ready === true, null, { timeout: 120_000 });
  return page;
}

/**
 * Presses Analyse and waits for the final state ('done' or 'failed'). The press is the button's
 * own click(), not Playwright's (which first measures, scrolls and hit-tests the page in its
 * main thread: a task of its own in a page full of plots).
 */
export async function analyseInApp(page: Page, timeout = 600_000): Promise<string> {
  await page.$eval('#analyse', (b) => (b as HTMLButtonElement).click());
  await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector<HTMLElement>('#progress-text')?.dataset.state ?? ''), null, { timeout });
  return (await page.getAttribute('#progress-text', 'data-state'))!;
}

/**
 * The floor under the app's speed: how fast a browser worker reads the user's file (Emscripten's
 * WORKERFS reads with FileReaderSync), 4 MiB slices of the whole file in `workers` workers at
 * once, each reading its own half of the slices as the app's two shares of a run do. A blank page:
 * the app's CSP forbids the blob: worker this needs. The time to read the file once.
 */
async function browserReadTime(browser: BrowserContext, file: string, workers: number): Promise<number> {
  const page = await browser.newPage();
  try {
    await page.setContent('<input type="file" id="file">');
    await page.setInputFiles('#file', file);
    return await page.evaluate(async (workers) => {
      const file = (document.getElementById('file') as HTMLInputElement).files![0];
      const source = `onmessage = (e) => {
        const [file, k, n] = e.data; const reader = new FileReaderSync(); const slice = 4 << 20;
        for (let at = k * slice; at < file.size; at += n * slice) reader.readAsArrayBuffer(file.slice(at, at + slice));
        postMessage('done');
      }`;
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const started = Array.from({ length: workers }, () => new Worker(url));
      const t0 = performance.now();
      await Promise.all(
        started.map(
          (w, k) =>
            new Promise((resolve) => {
              w.onmessage = resolve;
              w.postMessage([file, k, workers]);
            }),
        ),
      );
      const ms = performance.now() - t0;
      started.forEach((w) => w.terminate());
      return ms;
    }, workers);
  } finally {
    await page.close();
  }
}

const exec = promisify(execFile);

/** Busy CPU time of the whole machine so far (user + nice + system), in clock ticks; null off Linux. */
function busyTicks(): number | null {
  try {
    const [user, nice, system] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 4).map(Number);
    return user + nice + system;
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is quiet (under a fifth of a core busy for half a second), at most 15 s:
 * after "done" the page draws the result for another 1–1.5 s on both cores (software WebGL),
 * which would otherwise land in the command line's next turn.
 */
async function settle(): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const deadline = performance.now() + 15_000;
  let before = busyTicks();
  if (before === null) {
    await sleep(2000);
    return;
  }
  while (performance.now() < deadline) {
    await sleep(500);
    const now = busyTicks()!;
    // Clock ticks are 1/100 s: 10 ticks in 0.5 s is a fifth of a core.
    if (now - before < 10) return;
    before = now;
  }
}
const cli = fileURLToPath(new URL('../bindings/cli/main.js', import.meta.url));

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const shots = ctx.quick ? 40 : 150;
  const reps = ctx.quick ? 1 : 3;
  // The app from the copy is the figure held against the command line: more turns of both.
  const copyReps = ctx.quick ? 1 : 5;
  const data = join(ctx.tmpDir, 'browser-data');
  await writeSyntheticRun({ out: data, run: 1, shots, preset: 'kuschel2023', seed: 1 });
  const out = join(ctx.tmpDir, 'browser-results');
  const runCli = () => exec(process.execPath, [cli, 'analyse', '--data', data, '--run', '1', '--out', out, '--force', '--quiet']);

  const { server, url } = await serveStatic(webRoot(), 0);
  const browser = await launchChromiumProfile(join(ctx.tmpDir, 'chromium-profile'));
  const longest = { file: [] as number[], copy: [] as number[] };
  let workers = 0;
  try {
    const page = await openApp(browser, url);
    workers = await page.evaluate(() => Number((document.getElementById('workers') as HTMLInputElement).value));
    const checked = () => page.waitForFunction(() => ['ok', 'warning'].includes(document.querySelector<HTMLElement>('#run-check')?.dataset.state ?? ''), null, { timeout: 300_000 });
    await watchLongTasks(page);
    const analysis = (source: 'file' | 'copy') => async () => {
      await takeLongTasks(page);
      const state = await analyseInApp(page);
      if (state !== 'done') throw new Error(`the web app's analysis ${state}: ${await page.textContent('#analysis-errors')}`);
      const read = await page.getAttribute('#progress-text', 'data-source');
      if (read !== source) throw new Error(`the web app read the run from its ${read}, not its ${source}`);
      longest[source].push(Math.max(0, ...(await takeLongTasks(page))));
    };
    // The user's File, as a first analysis reads it (copies off).
    await page.uncheck('#keep-copies');
    await page.setInputFiles('#run-folder', data);
    await checked();
    const fromFile = await measure(analysis('file'), { warmup: 1, reps });
    // The copy in the browser's storage, made once per file.
    await page.check('#keep-copies');
    const copyStart = performance.now();
    await page.setInputFiles('#run-folder', data);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#copy-status')?.dataset.state === 'stored', null, { timeout: 600_000 });
    const copyMs = performance.now() - copyStart;
    // The copy's 1.6 GB of writes flushed to disk first, as they are by the time a stored run is
    // analysed again (just after copying, the kernel's write-back of them competes with the
    // analysis: +0.5–1 s here).
    await exec('sync', []);
    await checked();
    // The command line and the app from the copy in turns: the ratio is the figure.
    const [cliTime, fromCopy] = await measurePairs(runCli, analysis('copy'), { warmup: 1, reps: copyReps, between: settle });
    const runFile = join(data, '1.h5');
    const bytes = statSync(runFile).size;
    const reads = await Promise.all([1, workers].map((n) => measure(() => browserReadTime(browser, runFile, n), { warmup: 1, reps }).then((t) => [n, t] as const)));
    const longestTask = (source: 'file' | 'copy') => {
      const worst = Math.max(...longest[source].slice(-(source === 'copy' ? copyReps : reps)));
      // Chromium reports tasks from 50 ms on.
      return worst ? Math.round(worst) : 'none ≥ 50';
    };
    const appRow = (source: 'file' | 'copy', t: typeof fromFile, label: string) => {
      const ratio = t.median / cliTime.median;
      return row('browser', `web app in Chromium (${workers} workers, Analyse to done, result written in memory), ${label}`, 'run', t, {
        'vs CLI': +ratio.toFixed(2),
        target: '≤ 1.3× CLI',
        met: ratio <= 1.3 ? 'yes' : 'no',
        'longest task ms': longestTask(source),
        'task target': '≤ 100 ms',
      });
    };
    return [
      row('browser', `sacla analyse (${shots} shots, default workers, process start to written file; timed in turns with the app from its copy)`, 'run', cliTime),
      appRow('copy', fromCopy, "the run read from its copy in the browser's storage"),
      appRow('file', fromFile, "the run read from the user's File (copies off)"),
      row('browser', `copying the run file (${(bytes / 1e6).toFixed(0)} MB) into the browser's storage, once per file`, 'run file', timing([copyMs]), {
        'MB/s': Math.round(bytes / 1e3 / copyMs),
      }),
      ...reads.map(([n, t]) =>
        row('browser', `baseline: reading the run file (${(bytes / 1e6).toFixed(0)} MB) in ${n} browser worker${n > 1 ? 's' : ''} at once (FileReaderSync, 4 MiB slices)`, 'run file', t, {
          'MB/s': Math.round(bytes / 1e3 / t.median),
        }),
      ),
    ];
  } finally {
    await browser.close();
    server.close();
  }
}
