// The web app's views of many result files, in Debian's Chromium: the logbook table (its user
// columns against values computed here from the files, sorting, rows added as files come), the
// scan (its points and fits against the library's fit of values computed here; the degenerate
// warning; the ROI dragged on the image; CSV and PNG export), H5Web's file browser on a result
// file, and names from a file shown as text, never run as markup.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, writeResult, openResult } from 'sacla-analysis';
import { fitModel, modelParams, type ModelName } from '../../bindings/analysis/table/fit.js';
import { startApp, openPage, axis, figure, untilStill, screenshot, shots, type App } from './app.js';
import type { Page } from 'playwright-core';

const RUNS = [11, 22, 33, 44, 55];
const EVIL = '<img src=x onerror="window.__xss=1">';

let app: App;
let files: string[];
let evilFile: string;
let columnFile: string;

/** What the test computes itself from a result file (no expression evaluator). */
interface Truth {
  run: number;
  sampleZ1: number;
  sideMean: number;
  corner: number;
  perDiode: number;
  roi: (r0: number, r1: number, c0: number, c1: number) => number;
}

const finite = (values: ArrayLike<number>) => Array.from(values).filter(Number.isFinite);
const mean = (values: ArrayLike<number>) => {
  const v = finite(values);
  return v.reduce((a, b) => a + b, 0) / v.length;
};
const median = (values: ArrayLike<number>) => {
  const v = finite(values).sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

async function truthOf(path: string): Promise<Truth> {
  const f = await openResult(path);
  try {
    const side = f.read('side_mean');
    const [, cols] = side.shape;
    const roi = (r0: number, r1: number, c0: number, c1: number) => {
      const v: number[] = [];
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) v.push(side.data[r * cols + c]);
      return mean(v);
    };
    const sum = (d: ArrayLike<number>) => Array.from(d).reduce((a, b) => a + b, 0);
    return {
      run: Number(f.read('runNR').data[0]),
      sampleZ1: median(f.read('sampleZ1').data),
      sideMean: mean(side.data),
      corner: roi(0, 8, 0, 8),
      perDiode: sum(f.read('side_total').data) / sum(f.read('diode').data),
      roi,
    };
  } finally {
    f.close();
  }
}

const close = (a: number, b: number, rel = 1e-12) => Object.is(a, b) || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

beforeAll(async () => {
  app = await startApp();
  const data = join(app.tmp, 'scan');
  files = [];
  for (const run of RUNS) {
    await writeSyntheticRun({ out: data, run, shots: 60, preset: 'small', seed: 3 });
    const config = await loadConfig(defaultConfigPath(), { dataDir: data });
    const result = await analyseRun(config, { data, run }, { workers: 1, warn: () => {} });
    files.push(await writeResult(join(app.tmp, 'results'), result));
    if (run === 22) {
      // A result file whose file name and one dataset's name are markup.
      const good = result.goodShots;
      const outputs = { ...result.outputs, [EVIL]: { data: Float64Array.from({ length: good }, (_, i) => i), shape: [good] } };
      const written = await writeResult(join(app.tmp, 'evil'), { ...result, outputs });
      evilFile = join(app.tmp, 'evil', '<img src=x onerror="window.__xss=2">.h5');
      await writeFile(evilFile, await readFile(written));
    }
  }
  columnFile = join(app.tmp, 'logbook.json');
  await writeFile(
    columnFile,
    JSON.stringify({
      columns: [
        { name: 'corner', expr: 'nanmean(roi(side_mean, 0, 8, 0, 8))', unit: 'eV' },
        { name: 'per diode', expr: 'sum(side_total) / sum(diode)' },
      ],
    }),
  );
  await mkdir(shots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await app?.close();
});

/** The table's cells of a column, by run: their full-precision values. */
function columnValues(page: Page, column: string): Promise<[number, number][]> {
  return page.$$eval(`table.logbook tbody tr`, (trs, column) => trs.map((tr) => [Number((tr as HTMLElement).dataset.run), Number(tr.querySelector(`td[data-column="${column}"]`)?.getAttribute('data-value'))] as [number, number]), column);
}

test('the logbook table: default and user columns equal the values computed from the files, units in the header, sortable, new files add rows', async () => {
  const { page, errors } = await openPage(app);
  await page.click('button.tab[data-tab="table"]');
  await page.setInputFiles('[data-testid=table-input]', files.slice(0, 4));
  await page.waitForFunction(() => document.querySelectorAll('table.logbook tbody tr').length === 4, null, { timeout: 60_000 });
  await page.setInputFiles('[data-testid=columns-input]', columnFile);
  await page.waitForSelector('table.logbook th[data-column="corner"]', { timeout: 30_000 });
  expect(await page.textContent('table.logbook th[data-column="corner"]')).toBe('corner (eV)');
  const truths = await Promise.all(files.map(truthOf));
  const byRun = new Map(truths.map((t) => [t.run, t]));
  for (const [run, v] of await columnValues(page, 'corner')) expect(close(v, byRun.get(run)!.corner)).toBe(true);
  for (const [run, v] of await columnValues(page, 'per diode')) expect(close(v, byRun.get(run)!.perDiode)).toBe(true);
  for (const [run, v] of await columnValues(page, 'sampleZ1')) expect(v).toBe(byRun.get(run)!.sampleZ1);
  expect((await columnValues(page, 'run')).map(([r]) => r)).toEqual(RUNS.slice(0, 4));

  // Sorting by a column, both ways.
  await page.click('table.logbook th[data-column="corner"]');
  await page.waitForSelector('table.logbook[data-sort="corner:ascending"]');
  const up = (await columnValues(page, 'corner')).map(([, v]) => v);
  expect(up).toEqual([...up].sort((a, b) => a - b));
  await page.click('table.logbook th[data-column="corner"]');
  await page.waitForSelector('table.logbook[data-sort="corner:descending"]');
  const down = (await columnValues(page, 'corner')).map(([, v]) => v);
  expect(down).toEqual([...up].reverse());

  // Another result file: another row.
  await page.setInputFiles('[data-testid=table-input]', files[4]);
  await page.waitForFunction(() => document.querySelectorAll('table.logbook tbody tr').length === 5, null, { timeout: 60_000 });
  expect((await columnValues(page, 'corner')).some(([run]) => run === RUNS[4])).toBe(true);
  await screenshot(page, 'table-view');
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

/** The fit as the page shows it: parameter → [value, error]. */
function shownFit(page: Page): Promise<Record<string, [number, number]>> {
  return page.$$eval('[data-testid=fit-result] td[data-param]', (tds) => Object.fromEntries(tds.map((td) => [(td as HTMLElement).dataset.param!, [Number((td as HTMLElement).dataset.value), Number((td as HTMLElement).dataset.error)]])));
}

/**
 * Shift-drags a rectangle on `dataset`'s picture from data point `from` to `to` ([x, y]), planned
 * from its axes, waits two frames before letting go (so that the last move is handled) and then
 * until the scan's y is an ROI mean. The input is what can go wrong here, not the ROI: the
 * picture can still move while the page settles (the fit's table above it is drawn anew), and a
 * fresh clone's full run twice ended the drag two rows short. So when y is not `expected`, it
 * is set back and the drag made again on freshly read axes, at most three times in all; a
 * wrong ROI from the app itself stays wrong every time, and the caller's assertion fails.
 */
async function dragRoi(page: Page, dataset: string, from: [number, number], to: [number, number], expected: string): Promise<void> {
  const at = (ticks: { value: number; at: number }[], v: number) => ticks[0].at + ((v - ticks[0].value) * (ticks[ticks.length - 1].at - ticks[0].at)) / (ticks[ticks.length - 1].value - ticks[0].value);
  const frames = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  for (let attempt = 1; ; attempt++) {
    await untilStill(page, dataset);
    const ax = await axis(page, dataset, 'abscissa');
    const ay = await axis(page, dataset, 'ordinate');
    await page.keyboard.down('Shift');
    await page.mouse.move(at(ax.ticks, from[0]), at(ay.ticks, from[1]));
    await page.mouse.down();
    await page.mouse.move(at(ax.ticks, (from[0] + to[0]) / 2), at(ay.ticks, (from[1] + to[1]) / 2), { steps: 5 });
    await page.mouse.move(at(ax.ticks, to[0]), at(ay.ticks, to[1]), { steps: 5 });
    await frames();
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForFunction(() => (document.querySelector('[data-testid=scan-y]') as HTMLInputElement).value.startsWith('nanmean(roi('), null, { timeout: 30_000 });
    if ((await page.inputValue('[data-testid=scan-y]')) === expected || attempt === 3) return;
    await page.fill('[data-testid=scan-y]', 'nanmean(side_mean)');
  }
}

async function waitForScan(page: Page, title: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('[data-testid=scan-title]')?.textContent?.startsWith(t), title, { timeout: 30_000 });
}

test('the scan: points and Gaussian, exponential and line fits as the library fits the values computed from the files; a degenerate fit warned; the ROI dragged; log axes; CSV and PNG', async () => {
  const { page, errors } = await openPage(app);
  await page.click('button.tab[data-tab="table"]');
  await page.setInputFiles('[data-testid=table-input]', files);
  await page.waitForFunction(() => document.querySelectorAll('table.logbook tbody tr').length === 5, null, { timeout: 60_000 });
  await page.click('button.tab[data-tab="scan"]');
  await waitForScan(page, 'nanmean(side_mean) against median(sampleZ1)');
  expect(await page.inputValue('[data-testid=scan-x]')).toBe('median(sampleZ1)');
  const truths = (await Promise.all(files.map(truthOf))).sort((a, b) => a.sampleZ1 - b.sampleZ1);
  const points = await page.$$eval('[data-testid=scan-points] tr', (trs) => trs.map((tr) => [Number((tr as HTMLElement).dataset.x), Number((tr as HTMLElement).dataset.y)]));
  expect(points.map(([x]) => x)).toEqual(truths.map((t) => t.sampleZ1));
  points.forEach(([, y], k) => expect(close(y, truths[k].sideMean)).toBe(true));

  const xs = truths.map((t) => t.sampleZ1);
  const ys = truths.map((t) => t.sideMean);
  for (const model of ['gauss', 'exp', 'line'] as ModelName[]) {
    await page.selectOption('[data-testid=scan-model]', model);
    await page.waitForFunction((m) => document.querySelector('[data-testid=fit-result] .formula')?.textContent?.startsWith(`fit ${m}:`), model, { timeout: 30_000 });
    const expected = fitModel(model, xs, ys);
    const shown = await shownFit(page);
    expect(Object.keys(shown).sort()).toEqual([...modelParams(model), ...(model === 'gauss' ? ['fwhm'] : [])].sort());
    for (const p of expected.parameters) {
      expect(close(shown[p.name][0], p.value, 1e-9)).toBe(true);
      expect(close(shown[p.name][1], p.error, 1e-9)).toBe(true);
    }
    expect(await page.getAttribute('[data-testid=fit-result]', 'data-degenerate')).toBe(String(expected.degenerate));
  }
  await page.selectOption('[data-testid=scan-model]', 'gauss');
  await page.selectOption('[data-testid=scan-fix]', 'bg');
  await page.fill('[data-testid=scan-fix-value]', '0');
  await page.waitForFunction(() => document.querySelector('[data-testid=fit-result] td[data-param="bg"]')?.getAttribute('data-error') === '0', null, { timeout: 30_000 });
  const fixed = fitModel('gauss', xs, ys, { fixed: { bg: 0 } });
  expect(close((await shownFit(page)).c[0], fixed.params.c, 1e-9)).toBe(true);
  await page.selectOption('[data-testid=scan-fix]', '');
  // The fit again with bg free: its table is drawn anew above the picture.
  await page.waitForFunction(() => document.querySelector('[data-testid=fit-result] td[data-param="bg"]')?.getAttribute('data-error') !== '0', null, { timeout: 30_000 });

  // Shift-drag a rectangle on the picture: y becomes the mean over it, as computed here.
  await dragRoi(page, 'roi-side_mean', [2.5, 3.5], [12.5, 20.5], 'nanmean(roi(side_mean, 3, 21, 2, 13))');
  expect(await page.inputValue('[data-testid=scan-y]')).toBe('nanmean(roi(side_mean, 3, 21, 2, 13))');
  await waitForScan(page, 'nanmean(roi(side_mean, 3, 21, 2, 13))');
  const roiPoints = await page.$$eval('[data-testid=scan-points] tr', (trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.y)));
  roiPoints.forEach((y, k) => expect(close(y, truths[k].roi(3, 21, 2, 13))).toBe(true));
  await page.click('button.tab[data-tab="scan"]');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'scan-view');

  // Log axes change the axes, not the fit.
  await page.check('[data-testid=scan-logy]');
  expect(await page.getAttribute(figure('scan'), 'data-yscale')).toBe('log');
  await page.check('[data-testid=scan-logx]');
  expect(await page.getAttribute(figure('scan'), 'data-xscale')).toBe('log');

  // Export: the points as CSV (full precision) and the plot as PNG.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=scan-csv]')]);
  const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\r\n');
  expect(lines[0]).toBe('run,median(sampleZ1),"nanmean(roi(side_mean, 3, 21, 2, 13))",fit,residual');
  expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).map(Number))).toEqual(truths.map((t, k) => [t.run, t.sampleZ1, roiPoints[k]]));
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=scan-png]')]);
  const bytes = await readFile((await png.path())!);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.length).toBeGreaterThan(5000);

  // A scan with nothing to fit against (every run at the same x): the warning is on the page.
  await page.uncheck('[data-testid=scan-logx]');
  await page.fill('[data-testid=scan-x]', '1');
  await page.waitForSelector('[data-testid=fit-warning]', { timeout: 30_000 });
  expect(await page.getAttribute('[data-testid=fit-result]', 'data-degenerate')).toBe('true');
  expect(await page.textContent('[data-testid=fit-warning]')).toBe('Degenerate fit: all 5 points have the same x (1): nothing to fit against. Do not trust these numbers.');
  expect(errors).toEqual([]);
  await page.close();
}, 240_000);

test('the file browser (H5Web) opens a result file, read in the browser', async () => {
  const { page, errors } = await openPage(app);
  await page.click('button.tab[data-tab="browse"]');
  await page.setInputFiles('[data-testid=browse-input]', files[1]);
  const explorer = page.locator('[data-testid=h5web]');
  await explorer.getByRole('treeitem', { name: 'side_mean' }).click({ timeout: 60_000 });
  // H5Web draws the image (its heatmap: a canvas and its axes).
  await explorer.locator('canvas').first().waitFor({ timeout: 60_000 });
  await explorer.locator('svg[data-type="abscissa"]').first().waitFor({ timeout: 60_000 });
  await screenshot(page, 'browse-view');
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

test('names from a file (a dataset, the file name) are shown as text and never run as markup', async () => {
  const { page, errors } = await openPage(app);
  await page.setInputFiles('#result-input', evilFile);
  await page.waitForSelector('[data-testid=good-shots]', { timeout: 60_000 });
  await page.locator('section.traces').scrollIntoViewIfNeeded();
  // The dataset is a per-shot trace: its name is a label's text, its file name the view's source.
  expect(await page.locator('.trace-pick label', { hasText: EVIL }).count()).toBe(1);
  expect(await page.textContent('.summary .source')).toBe('<img src=x onerror="window.__xss=2">.h5');
  await page.click('button.tab[data-tab="table"]');
  await page.click('button.tab[data-tab="browse"]');
  await page.locator('[data-testid=browse-list] button', { hasText: '<img' }).click();
  await page.locator('[data-testid=h5web]').getByRole('treeitem', { name: EVIL }).waitFor({ timeout: 60_000 });
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);
