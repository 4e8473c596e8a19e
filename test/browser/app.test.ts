// The web app end to end in Debian's Chromium (playwright-core, no downloaded browser): build it
// with Vite, serve it with `sacla web`'s server, open a synthetic run folder, analyse it with the
// default config, and check what the page shows against the same run analysed in Node; save the
// result file and read it back; load three result files into the scan view and check the fit;
// reload offline. Screenshots go to test-output/screenshots/ (the README's are made by
// scripts/readme-screenshots.mjs).
import { test, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Server } from 'node:http';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, writeResult, openResult, type AnalysisResult } from 'sacla-analysis';
import { serveStatic } from '../../bindings/cli/web.js';
import { fitGaussian } from '../../web/src/fit.js';
import { median, roiMean } from '../../web/src/scan.js';

const CHROMIUM = '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(repo, 'test-output', 'screenshots');

let tmp: string;
let server: Server;
let browser: Browser;
let url: string;
let runDir: string;
let nodeResult: AnalysisResult;
const resultFiles: string[] = [];

async function analyseInNode(dir: string, run: number): Promise<AnalysisResult> {
  const config = await loadConfig(defaultConfigPath(), { dataDir: dir });
  return analyseRun(config, { data: dir, run }, { warn: () => {} });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  tmp = await mkdtemp(join(tmpdir(), 'sacla-web-'));
  const outDir = join(tmp, 'app');
  await build({ configFile: join(repo, 'web', 'vite.config.ts'), logLevel: 'error', mode: 'production', build: { outDir, emptyOutDir: true } });
  ({ server, url } = await serveStatic(outDir, 0));

  // The run of the run view, and three runs of a focus scan (sampleZ2 = −2, 0, +2 mm; runs
  // 11, 22, 33 share the attenuator setting, run mod 11 = 0) analysed into result files.
  runDir = join(tmp, 'data');
  await writeSyntheticRun({ out: runDir, run: 22, shots: 60, preset: 'small' });
  nodeResult = await analyseInNode(runDir, 22);
  const scanData = join(tmp, 'scan');
  for (const run of [11, 22, 33]) {
    await writeSyntheticRun({ out: scanData, run, shots: 100, preset: 'small' });
    resultFiles.push(await writeResult(join(tmp, 'results'), await analyseInNode(scanData, run)));
  }
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function openApp(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { sacla?: { ready?: boolean } }).sacla?.ready === true, null, { timeout: 90_000 });
  return { page, errors };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

test('analyses a synthetic run in the browser: good shots and a mean-image pixel as in Node; saves the same result file', async () => {
  const { page, errors } = await openApp();
  await page.setInputFiles('#run-folder', runDir);
  await page.waitForSelector('#run-select option', { timeout: 60_000 });
  expect(await page.textContent('#run-select')).toContain('run 22');
  expect(await page.textContent('#run-info')).toContain('MPCCD-2N0-M02-003');
  await page.fill('#key-search', 'facility_16');
  expect((await page.textContent('#key-list'))?.trim()).toBe('xfel_bl_3_st_5_motor_facility_16/position');
  await page.click('#analyse');
  await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector<HTMLElement>('#progress-text')?.dataset.state ?? ''), null, { timeout: 180_000 });
  expect(await page.textContent('#analysis-errors')).toBe('');
  expect(await page.textContent('#progress-text')).toMatch(/^\d+ \/ \d+ shots · [\d.]+ shots\/s/);
  // No warnings: the darks were found next to the run, as `--data` finds them.
  expect(await page.textContent('#analysis-warnings')).toBe('');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(nodeResult.goodShots);

  // A pixel of the side mean image under the cursor: the brightest one, against Node's value.
  const sideMean = nodeResult.outputs.side_mean;
  const [rows, cols] = sideMean.shape;
  let best = 0;
  for (let i = 0; i < sideMean.data.length; i++) if (sideMean.data[i] > sideMean.data[best]) best = i;
  const [row, col] = [Math.floor(best / cols), best % cols];
  const canvas = page.locator('figure[data-dataset="side_mean"] canvas.img');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + ((col + 0.5) * box.width) / cols, box.y + ((row + 0.5) * box.height) / rows);
  const readout = page.locator('figure[data-dataset="side_mean"] .readout');
  expect(await readout.getAttribute('data-row')).toBe(String(row));
  expect(await readout.getAttribute('data-col')).toBe(String(col));
  const shown = Number(await readout.getAttribute('data-value'));
  expect(shown).toBeGreaterThan(0);
  expect(Math.abs(shown - sideMean.data[best])).toBeLessThan(1e-9 * Math.abs(sideMean.data[best]));
  expect(await readout.textContent()).toContain(`row ${row}, col ${col}:`);
  await screenshot(page, 'run-view');
  await page.screenshot({ path: join(shots, 'run-view-full.png'), fullPage: true });

  // Save: the same datasets as `sacla analyse` writes, readable with the package's reader.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  expect(download.suggestedFilename()).toBe('run_22.h5');
  const saved = join(tmp, 'saved', 'run_22.h5');
  await download.saveAs(saved);
  const file = await openResult(saved);
  try {
    expect(file.run).toBe(22);
    expect(Number(file.attrs.good_shots)).toBe(nodeResult.goodShots);
    expect(file.names.sort()).toEqual(Object.keys(nodeResult.outputs).sort());
    const d = file.read('side_mean');
    expect(d.shape).toEqual(sideMean.shape);
    expect(Math.abs(d.data[best] - sideMean.data[best])).toBeLessThan(1e-9 * sideMean.data[best]);
    expect(Array.from(file.read('tag').data)).toEqual(Array.from(nodeResult.outputs.tag.data));
  } finally {
    file.close();
  }
  expect(errors).toEqual([]);
  await page.close();
}, 300_000);

test('shows mistakes where they are: config errors with their paths, a run without the configured detectors, a result file opened as a run', async () => {
  const { page, errors } = await openApp();
  await page.click('#config-text >> xpath=ancestor::details/summary');
  const config = JSON.parse((await page.inputValue('#config-text')) as string);
  await page.fill('#config-text', JSON.stringify({ ...config, outputs: [{ ...config.outputs[2], transforms: [{ noiseCut: { threshold: '1000' } }] }] }));
  expect(await page.textContent('#config-errors')).toContain('kuschel2023.json: outputs[0].transforms[0].noiseCut.threshold: expected a number');
  expect(await page.isDisabled('#analyse')).toBe(true);
  await page.fill('#config-text', JSON.stringify({ ...config, detectors: { ...config.detectors, side_ccd: { ...config.detectors.side_ccd, id: 'MPCCD-9N9-X' } } }));
  expect(await page.getAttribute('#config-errors', 'data-ok')).toBe('true');
  await page.setInputFiles('#run-folder', runDir);
  await page.waitForSelector('#run-select option', { timeout: 60_000 });
  await page.click('#analyse');
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#progress-text')?.dataset.state === 'failed', null, { timeout: 60_000 });
  expect(await page.textContent('#analysis-errors')).toMatch(/no detector "MPCCD-9N9-X"; detectors present: detector_2d_1/);
  await page.setInputFiles('#run-input', resultFiles[0]);
  await page.waitForFunction(() => /result file, not a run file/.test(document.querySelector('#run-problems')?.textContent ?? ''), null, { timeout: 30_000 });

  // A result file written by the CLI opens in the run view.
  await page.setInputFiles('#result-input', resultFiles[1]);
  await page.waitForSelector('[data-testid=good-shots]', { timeout: 30_000 });
  expect(await page.textContent('[data-testid=run-number]')).toBe('22');
  expect(await page.locator('figure[data-dataset="side_mean"]').count()).toBe(1);
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

test('scan view: three result files, y = mean of the side mean image, x = median of sampleZ2, Gaussian fit centre', async () => {
  const { page, errors } = await openApp();
  await page.click('button.tab[data-tab="scan"]');
  await page.setInputFiles('#scan-input', resultFiles);
  await page.waitForFunction(() => document.querySelectorAll('#scan-points tr').length === 3, null, { timeout: 60_000 });
  expect(await page.inputValue('#scan-x')).toBe('sampleZ2');
  expect(await page.inputValue('#scan-y')).toBe('side_mean');
  // Four free parameters need more than three runs: the app says so, and fixing bg = 0 fits.
  expect(await page.textContent('[data-testid=fit-result]')).toMatch(/3 points for 4 free parameters/);
  await page.check('#scan-fixbg');
  await page.waitForSelector('[data-testid=fit-result] td[data-param="c"]', { timeout: 30_000 });
  // The same numbers in Node from the files: x = median sampleZ2, y = mean of side_mean.
  const xs: number[] = [];
  const ys: number[] = [];
  for (const path of resultFiles) {
    const f = await openResult(path);
    xs.push(median(f.read('sampleZ2').data));
    ys.push(roiMean(f.read('side_mean'), null));
    f.close();
  }
  const expected = fitGaussian(xs, ys, { fixedBg: 0 });
  const c = Number(await page.getAttribute('[data-testid=fit-result] td[data-param="c"]', 'data-value'));
  expect(Math.abs(c - expected.params.c)).toBeLessThan(1e-9 * expected.params.sigma);
  // The synthetic focus is at sampleZ2 = 0 (runs at ±2 mm).
  expect(Math.abs(c)).toBeLessThan(0.6e-3);

  // An ROI of the side image (drawn as a rectangle): the low columns, where the side signal is.
  await page.fill('#roi-r0', '0');
  await page.fill('#roi-r1', '64');
  await page.fill('#roi-c0', '0');
  await page.fill('#roi-c1', '32');
  await page.dispatchEvent('#roi-c1', 'change');
  await page.waitForFunction(() => /rows 0–64, cols 0–32/.test(document.querySelector('#scan-plot')?.textContent ?? ''), null, { timeout: 30_000 });
  const ysRoi: number[] = [];
  for (const path of resultFiles) {
    const f = await openResult(path);
    ysRoi.push(roiMean(f.read('side_mean'), { rows: [0, 64], cols: [0, 32] }));
    f.close();
  }
  const roiFit = fitGaussian(xs, ysRoi, { fixedBg: 0 });
  await page.waitForFunction(
    (want) => Math.abs(Number(document.querySelector('[data-testid=fit-result] td[data-param="c"]')?.getAttribute('data-value')) - want) < 1e-12,
    roiFit.params.c,
    { timeout: 30_000 },
  );
  await screenshot(page, 'scan-view');
  await page.check('#scan-logy');
  await screenshot(page, 'scan-view-log');
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

test('works offline once loaded (service worker)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { sacla?: { ready?: boolean } }).sacla?.ready === true, null, { timeout: 90_000 });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 });
  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { sacla?: { ready?: boolean } }).sacla?.ready === true, null, { timeout: 90_000 });
  expect(await page.textContent('h1')).toBe('sacla-analysis');
  await context.close();
}, 180_000);
