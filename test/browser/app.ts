// What the web app's browser tests share: the app built with Vite into a temporary folder and
// served by `sacla web`'s server, Debian's Chromium (bench/browser.ts: its WebGL flags), the
// page's readiness, its check and analysis states, and reading H5Web's plots: their axes' ticks
// (SVG), the value under the cursor (the tooltip's read-out).
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../bindings/cli/web.js';
import { launchChromium, openApp as open, analyseInApp } from '../../bench/browser.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const shots = join(repo, 'test-output', 'screenshots');

export interface App {
  url: string;
  browser: Browser;
  tmp: string;
  close(): Promise<void>;
}

/** Builds the app, serves it and starts Chromium. */
export async function startApp(): Promise<App> {
  const tmp = await mkdtemp(join(tmpdir(), 'sacla-web-'));
  const outDir = join(tmp, 'app');
  await build({ configFile: join(repo, 'web', 'vite.config.ts'), logLevel: 'error', mode: 'production', build: { outDir, emptyOutDir: true } });
  const { server, url } = await serveStatic(outDir, 0);
  const browser = await launchChromium();
  return {
    url,
    browser,
    tmp,
    async close() {
      await browser.close();
      await new Promise((resolve) => (server as Server).close(resolve));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** A new page of the app, ready, with the page's uncaught errors collected. */
export async function openPage(app: App): Promise<{ page: Page; errors: string[] }> {
  const errors: string[] = [];
  const page = await open(app.browser, app.url);
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

/** Waits for the check of `run` against the config named `config` to be shown; its state. */
export async function waitForCheck(page: Page, config: string, run: number): Promise<string> {
  await page.waitForFunction(
    ({ config, run }) => {
      const box = document.querySelector<HTMLElement>('#run-check');
      return ['ok', 'warning', 'error'].includes(box?.dataset.state ?? '') && (box?.querySelector('.verdict')?.textContent ?? '').includes(`${config} against run ${run}`);
    },
    { config, run },
    { timeout: 120_000 },
  );
  return (await page.getAttribute('#run-check', 'data-state'))!;
}

/** The check items of one kind, as [name, level, mark, message]. */
export function checkItems(page: Page, kind: string): Promise<[string, string, string, string][]> {
  return page.$$eval(`#run-check li.check-item[data-kind="${kind}"]`, (items) =>
    items.map((li) => [(li as HTMLElement).dataset.name!, (li as HTMLElement).dataset.level!, li.querySelector('.mark')!.textContent!, li.querySelector('.msg')!.textContent!]),
  );
}

export const analyse = (page: Page, timeout?: number) => analyseInApp(page, timeout);

/** A plot's figure (`data-dataset` names what it draws). */
export const figure = (dataset: string) => `figure.plot[data-dataset="${dataset}"]`;

export interface Tick {
  value: number;
  /** Where on screen (x for the abscissa, y for the ordinate). */
  at: number;
  text: string;
}

/** The ticks and the label of a plot's axis, as H5Web draws them (SVG). */
/** Scrolls to a plot's place (plots are drawn once on screen) and waits for it. */
export async function showPlot(page: Page, dataset: string): Promise<void> {
  const spot = page.locator(`[data-panel="${dataset}"]`);
  if (await spot.count()) await spot.first().scrollIntoViewIfNeeded();
  await page.waitForSelector(figure(dataset), { timeout: 60_000 });
}

/**
 * Waits until a plot stands still on the page (the same box over ten animation frames): a panel
 * above it that is drawn again (a fit's table) moves it, and a drag planned from its axes before
 * that lands elsewhere.
 */
export async function untilStill(page: Page, dataset: string): Promise<void> {
  await showPlot(page, dataset);
  await page.waitForFunction(
    (selector) =>
      new Promise<boolean>((resolve) => {
        const box = () => JSON.stringify(document.querySelector(selector)?.getBoundingClientRect());
        const first = box();
        let frames = 0;
        const next = () => {
          if (box() !== first) return resolve(false);
          if (++frames === 10) return resolve(true);
          requestAnimationFrame(next);
        };
        requestAnimationFrame(next);
      }),
    figure(dataset),
    { timeout: 30_000 },
  );
}

export async function axis(page: Page, dataset: string, type: 'abscissa' | 'ordinate'): Promise<{ ticks: Tick[]; label: string }> {
  await showPlot(page, dataset);
  await page.waitForSelector(`${figure(dataset)} svg[data-type="${type}"] .visx-axis-tick`, { timeout: 60_000 });
  return page.$eval(
    `${figure(dataset)} svg[data-type="${type}"]`,
    (svg, type) => {
      const box = svg.getBoundingClientRect();
      const ticks = [...svg.querySelectorAll('.visx-axis-tick')].map((g) => {
        const line = g.querySelector('line')!;
        const text = g.querySelector('text')!.textContent ?? '';
        const at = type === 'abscissa' ? box.left + Number(line.getAttribute('x1')) : box.top + Number(line.getAttribute('y1'));
        return { value: Number(text), at, text };
      });
      return { ticks, label: svg.querySelector('.visx-axis-label')?.textContent ?? '' };
    },
    type,
  );
}

/** Screen position of a data coordinate on an axis, from its first and last ticks. */
function place(ticks: Tick[], value: number): number {
  const [a, b] = [ticks[0], ticks[ticks.length - 1]];
  return a.at + ((value - a.value) * (b.at - a.at)) / (b.value - a.value);
}

/**
 * Moves the mouse over a data point of a plot (a heatmap's pixel centre is (col + ½, row + ½);
 * y null: halfway up the plot, for curves read by x) and returns the tooltip's read-out: its
 * data attributes and text. Linear axes only.
 */
export async function hoverAt(page: Page, dataset: string, x: number, y: number | null): Promise<Record<string, string>> {
  await showPlot(page, dataset);
  await page.locator(figure(dataset)).scrollIntoViewIfNeeded();
  const [ax, ay] = [await axis(page, dataset, 'abscissa'), await axis(page, dataset, 'ordinate')];
  const at = { x: place(ax.ticks, x), y: y === null ? (ay.ticks[0].at + ay.ticks[ay.ticks.length - 1].at) / 2 : place(ay.ticks, y) };
  if (!Number.isFinite(at.x + at.y)) throw new Error(`(${x}, ${y}) is no point of ${dataset}'s axes ${JSON.stringify([ax, ay])}`);
  await page.mouse.move(at.x + 3, at.y + 3);
  await page.mouse.move(at.x, at.y);
  const readout = page.locator(`${figure(dataset)} .readout`);
  await readout.waitFor({ timeout: 10_000 });
  return readout.evaluate((r) => ({ ...(r as HTMLElement).dataset, text: r.textContent ?? '' }) as Record<string, string>);
}

/** The read-out of pixel (row, col) of a heatmap. */
export const hoverPixel = (page: Page, dataset: string, row: number, col: number) => hoverAt(page, dataset, col + 0.5, row + 0.5);

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}
