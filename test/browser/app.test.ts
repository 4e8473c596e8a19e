// The web app end to end in Debian's Chromium (playwright-core, no downloaded browser): build it
// with Vite, serve it with `sacla web`'s server, open a synthetic run folder (converter layout:
// sensor groups), check it against the built-in config, analyse it, and check what the page
// shows against the same run analysed in Node; save the result file and read it back; configs
// whose mistakes only the run reveals; the h5py-written runs (real layout, single groups);
// load three result files into the scan view and check the fit; reload offline. Screenshots
// go to test-output/screenshots/ (the README's are made by scripts/readme-screenshots.mjs).
import { test, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Server } from 'node:http';
import { mkdtemp, rm, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, writeResult, openResult, RunFile, detectorsOf, type AnalysisResult } from 'sacla-analysis';
import { checkRun, type CheckReport } from '../../bindings/analysis/check.js';
import { serveStatic } from '../../bindings/cli/web.js';
import { fitGaussian } from '../../web/src/fit.js';
import { median, roiMean } from '../../web/src/scan.js';

const CHROMIUM = '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(repo, 'test-output', 'screenshots');
const h5pyRun = join(repo, 'test/fixtures/analysis/h5py_run');

let tmp: string;
let server: Server;
let browser: Browser;
let url: string;
let runDir: string;
let nodeResult: AnalysisResult;
const resultFiles: string[] = [];
// Configs as files the page loads: one with a mistake only a run reveals (an roi larger than the
// spectrometer's images), one with an output of the raw sensor stack (no `assemble`).
let roiConfig: string;
let stackConfig: string;

async function analyseInNode(dir: string, run: number, configPath = defaultConfigPath()): Promise<AnalysisResult> {
  const config = await loadConfig(configPath, { dataDir: dir });
  return analyseRun(config, { data: dir, run }, { warn: () => {} });
}

/** The report `sacla check` gives in Node for the same run and config. */
async function checkInNode(dir: string, run: number, configPath = defaultConfigPath()): Promise<CheckReport> {
  return checkRun(await loadConfig(configPath, { dataDir: dir }), { data: dir, run });
}

/** The detectors table the page should show, from the package in Node: id → [sensors, shape, dtype]. */
async function detectorRows(path: string, run: number): Promise<Record<string, string[]>> {
  const rf = await RunFile.open(path, run);
  try {
    return Object.fromEntries(detectorsOf(rf).map((d) => [d.id, [String(d.sensors.length), d.shape.join('×'), d.sensors[0].dtype]]));
  } finally {
    rf.close();
  }
}

/** The detectors table as the page shows it: id → [sensors, shape, dtype, eV/ADU, tags] and the id cell's title. */
async function shownDetectors(page: Page): Promise<Record<string, { cells: string[]; title: string }>> {
  const rows = await page.$$eval('#run-info table.detectors tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent ?? '', td.title] as [string, string])),
  );
  return Object.fromEntries(rows.map((r) => [r[0][0], { cells: r.slice(1).map(([t]) => t), title: r[0][1] }]));
}

/** Waits for the check of `run` against the config named `config` to be shown. */
async function waitForCheck(page: Page, config: string, run: number): Promise<string> {
  await page.waitForFunction(
    ({ config, run }) => {
      const box = document.querySelector<HTMLElement>('#run-check');
      return ['ok', 'warning', 'error'].includes(box?.dataset.state ?? '') && (box?.querySelector('.verdict')?.textContent ?? '').includes(`${config} against run ${run}`);
    },
    { config, run },
    { timeout: 60_000 },
  );
  return (await page.getAttribute('#run-check', 'data-state'))!;
}

/** The check items of one kind, as [name, level, mark, message]. */
function checkItems(page: Page, kind: string): Promise<[string, string, string, string][]> {
  return page.$$eval(`#run-check li.check-item[data-kind="${kind}"]`, (items) =>
    items.map((li) => [
      (li as HTMLElement).dataset.name!,
      (li as HTMLElement).dataset.level!,
      li.querySelector('.mark')!.textContent!,
      li.querySelector('.msg')!.textContent!,
    ]),
  );
}

async function waitForAnalysis(page: Page, timeout = 180_000): Promise<string> {
  await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector<HTMLElement>('#progress-text')?.dataset.state ?? ''), null, { timeout });
  return (await page.getAttribute('#progress-text', 'data-state'))!;
}

/** The image drawn for a dataset: canvas size and the alpha of pixel (row, col). */
function canvasOf(page: Page, dataset: string, at: [number, number] = [0, 0]): Promise<{ width: number; height: number; alpha: number }> {
  return page.$eval(
    `figure[data-dataset="${dataset}"] canvas.img`,
    (c, [row, col]) => {
      const canvas = c as HTMLCanvasElement;
      return { width: canvas.width, height: canvas.height, alpha: canvas.getContext('2d')!.getImageData(col, row, 1, 1).data[3] };
    },
    at,
  );
}

/** Moves the mouse over pixel (row, col) of the drawn image of a dataset; returns the read-out. */
async function hover(page: Page, dataset: string, row: number, col: number): Promise<Record<string, string>> {
  const canvas = page.locator(`figure[data-dataset="${dataset}"] canvas.img`);
  const size = await canvasOf(page, dataset);
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + ((col + 0.5) * box.width) / size.width, box.y + ((row + 0.5) * box.height) / size.height);
  return page.$eval(`figure[data-dataset="${dataset}"] .readout`, (r) => ({ ...(r as HTMLElement).dataset, text: r.textContent ?? '' }) as Record<string, string>);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  tmp = await mkdtemp(join(tmpdir(), 'sacla-web-'));
  const outDir = join(tmp, 'app');
  await build({ configFile: join(repo, 'web', 'vite.config.ts'), logLevel: 'error', mode: 'production', build: { outDir, emptyOutDir: true } });
  ({ server, url } = await serveStatic(outDir, 0));

  // The run of the run view, and three runs of a focus scan (sampleZ1 = −2, 0, +2 mm; runs
  // 11, 22, 33 share the attenuator setting, run mod 11 = 0) analysed into result files.
  runDir = join(tmp, 'data');
  await writeSyntheticRun({ out: runDir, run: 22, shots: 60, preset: 'small' });
  nodeResult = await analyseInNode(runDir, 22);
  const builtin = JSON.parse(await readFile(defaultConfigPath(), 'utf8'));
  await mkdir(join(tmp, 'configs'), { recursive: true });
  roiConfig = join(tmp, 'configs', 'roi.json');
  await writeFile(roiConfig, JSON.stringify({ ...builtin, outputs: [...builtin.outputs, { name: 'spectrum_roi', source: 'spectrometer', transforms: [{ roi: { rows: [0, 5000], cols: [0, 4] } }], sink: 'mean' }] }));
  stackConfig = join(tmp, 'configs', 'stack.json');
  await writeFile(stackConfig, JSON.stringify({ ...builtin, outputs: [...builtin.outputs, { name: 'side_stack', source: 'side_ccd', sink: 'mean' }] }));
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

test('checks and analyses a synthetic run (sensor groups) in the browser: the report, good shots and an assembled side_mean as in Node; saves the same result file', async () => {
  const { page, errors } = await openApp();
  await page.setInputFiles('#run-folder', runDir);
  await page.waitForSelector('#run-select option', { timeout: 60_000 });
  expect(await page.textContent('#run-select')).toContain('run 22');
  // The 2N0 detectors are listed once each, with their two sensors and a gain per sensor.
  const table = await shownDetectors(page);
  const expected = await detectorRows(join(runDir, '22.h5'), 22);
  expect(Object.keys(table)).toEqual(Object.keys(expected));
  for (const [id, cells] of Object.entries(expected)) expect(table[id].cells.slice(0, 3)).toEqual(cells);
  expect(table['MPCCD-2N0-M02-003'].cells[0]).toBe('2');
  expect(table['MPCCD-2N0-M02-003'].cells[1]).toMatch(/^2×\d+×\d+$/);
  expect(table['MPCCD-2N0-M02-003'].cells[3]).toMatch(/^[\d.]+, [\d.]+$/);
  await page.fill('#key-search', 'user_18');
  expect((await page.textContent('#key-list'))?.trim()).toBe('xfel_bl_3_st_5_motor_user_18/position');

  // The built-in config against the run, as `sacla check` prints it: the three detectors ✓.
  expect(await waitForCheck(page, 'kuschel2023.json', 22)).toBe('ok');
  const detectors = await checkItems(page, 'detector');
  expect(detectors.map(([name, level, mark]) => [name, level, mark])).toEqual([
    ['spectrometer', 'ok', '✓'],
    ['side_ccd', 'ok', '✓'],
    ['forward_ccd', 'ok', '✓'],
  ]);
  expect(detectors[1][3]).toMatch(/^MPCCD-2N0-M02-003: 2 sensors .*geometry: assembled picture \[\d+, \d+\]$/);
  // The same report as in Node: every item, and the detectors' words exactly.
  const report = await checkInNode(runDir, 22);
  const all = await page.$$eval('#run-check li.check-item', (lis) => lis.map((li) => `${(li as HTMLElement).dataset.kind} ${(li as HTMLElement).dataset.name} ${(li as HTMLElement).dataset.level}`));
  expect(all).toEqual(report.items.map((i) => `${i.kind} ${i.name} ${i.level}`));
  expect(detectors.map(([, , , m]) => m)).toEqual(report.items.filter((i) => i.kind === 'detector').map((i) => i.message));
  expect(await page.locator('#run-check li.check-item[data-level="error"]').count()).toBe(0);
  expect(await page.textContent('#run-check .shots')).toBe(`${report.goodShots} of 60 shots pass the filters`);
  // What resolved is folded away; open it for the screenshot.
  expect(await page.$eval('#run-check details.check-ok', (d) => (d as HTMLDetailsElement).open)).toBe(false);
  expect(await page.isHidden('#analyse-note')).toBe(true);
  await page.click('#run-check details.check-ok summary');
  await page.locator('#run-check').screenshot({ path: join(shots, 'check-ok.png') });

  await page.click('#analyse');
  expect(await waitForAnalysis(page)).toBe('done');
  expect(await page.textContent('#analysis-errors')).toBe('');
  expect(await page.textContent('#progress-text')).toMatch(/^\d+ \/ \d+ shots · [\d.]+ shots\/s/);
  // No warnings: the darks were found next to the run, as `--data` finds them.
  expect(await page.textContent('#analysis-warnings')).toBe('');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(nodeResult.goodShots);

  // side_mean is the assembled picture: the two sensors [2, rows, cols] placed by their geometry
  // into one 2-D image with NaN columns between them, drawn as it is (gap transparent).
  const sideMean = nodeResult.outputs.side_mean;
  expect(sideMean.shape.length).toBe(2);
  const [rows, cols] = sideMean.shape;
  const gapCols = Array.from({ length: cols }, (_, c) => c).filter((c) => Array.from({ length: rows }, (_, r) => sideMean.data[r * cols + c]).every(Number.isNaN));
  expect(gapCols.length).toBeGreaterThan(0);
  const drawn = await canvasOf(page, 'side_mean', [10, gapCols[0]]);
  expect([drawn.width, drawn.height]).toEqual([cols, rows]);
  expect(drawn.alpha).toBe(0);
  expect((await canvasOf(page, 'side_mean', [10, 2])).alpha).toBe(255);
  expect((await hover(page, 'side_mean', 10, gapCols[0])).value).toBe('NaN');

  // A pixel of the side mean image under the cursor: the brightest one, against Node's value.
  let best = 0;
  for (let i = 0; i < sideMean.data.length; i++) if (sideMean.data[i] > sideMean.data[best] || Number.isNaN(sideMean.data[best])) best = i;
  const [row, col] = [Math.floor(best / cols), best % cols];
  const readout = await hover(page, 'side_mean', row, col);
  expect(readout.row).toBe(String(row));
  expect(readout.col).toBe(String(col));
  const shown = Number(readout.value);
  expect(shown).toBeGreaterThan(0);
  expect(Math.abs(shown - sideMean.data[best])).toBeLessThan(1e-9 * Math.abs(sideMean.data[best]));
  expect(readout.text).toContain(`row ${row}, col ${col}:`);
  // The top-k gallery shows the assembled pictures too.
  expect(await page.locator('section[data-topk="i_top_images"] figure.heatmap').count()).toBe(10);
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

test('shows mistakes where they are: config errors with their paths, the check of a run without the configured detector and of an roi larger than the image, a result file opened as a run', async () => {
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

  // Only the run can tell that the id names no detector: the check says so before analysing.
  expect(await waitForCheck(page, 'kuschel2023.json', 22)).toBe('error');
  const side = (await checkItems(page, 'detector')).find(([name]) => name === 'side_ccd')!;
  expect(side.slice(1, 3)).toEqual(['error', '✗']);
  expect(side[3]).toMatch(/no detector "MPCCD-9N9-X".*detectors present: MPCCD-1N0-M07-006, .*MPCCD-2N0-M02-003 \(2 sensors\)/);
  expect(await page.textContent('#run-check .verdict')).toMatch(/^✗ kuschel2023\.json against run 22: \d+ errors\. The analysis will fail on these errors:$/);
  // Errors come first and are not folded away; the outputs that need side_ccd say why they were not checked.
  expect(await page.$eval('#run-check .check-problems li', (li) => (li as HTMLElement).dataset.name)).toBe('side_ccd');
  expect(await page.isVisible('#run-check .check-problems li[data-name="side_ccd"]')).toBe(true);
  expect((await checkItems(page, 'output')).find(([name]) => name === 'side_mean')?.slice(1)).toEqual(['error', '✗', 'outputs[2]: not checked: detector(s) side_ccd did not resolve']);
  expect(await page.textContent('#analyse-note')).toMatch(/this analysis will fail/);
  // Analyse stays enabled: the analysis says the same, in its own words.
  expect(await page.isDisabled('#analyse')).toBe(false);
  await page.click('#analyse');
  expect(await waitForAnalysis(page, 60_000)).toBe('failed');
  expect(await page.textContent('#analysis-errors')).toMatch(/no detector "MPCCD-9N9-X".*detectors present: MPCCD-1N0-M07-006, MPCCD-2N0-M02-00[13] \(2 sensors\), MPCCD-2N0-M02-00[13] \(2 sensors\)$/);

  // A loaded config that validates but asks for rows 0–5000 of the spectrometer's images: the
  // check names the config file and the path of the mistake in it.
  await page.setInputFiles('#config-input', roiConfig);
  expect(await waitForCheck(page, 'roi.json', 22)).toBe('error');
  const outputs = await checkItems(page, 'output');
  expect(outputs.filter(([, level]) => level === 'error').map(([name]) => name)).toEqual(['spectrum_roi']);
  const roi = outputs.find(([name]) => name === 'spectrum_roi')!;
  expect(roi[2]).toBe('✗');
  expect(roi[3]).toMatch(/^outputs\[13\]\.transforms\[0\]\.roi: rows \[0, 5000\) × cols \[0, 4\) do not fit an array of shape \[\d+, \d+\]/);
  expect(await page.textContent('#run-check .verdict')).toBe('✗ roi.json against run 22: 1 error. The analysis will fail on this error:');
  expect(await page.isVisible('#run-check .check-problems li[data-name="spectrum_roi"]')).toBe(true);
  expect((await checkItems(page, 'detector')).every(([, level]) => level === 'ok')).toBe(true);
  await page.locator('#run-check').screenshot({ path: join(shots, 'check-error.png') });
  // Back to the built-in config: the report follows.
  await page.selectOption('#config-select', 'builtin');
  expect(await waitForCheck(page, 'kuschel2023.json', 22)).toBe('ok');
  expect(await page.isHidden('#analyse-note')).toBe(true);

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

test('scan view: three result files, y = mean of the side mean image, x = median of sampleZ1, Gaussian fit centre', async () => {
  const { page, errors } = await openApp();
  await page.click('button.tab[data-tab="scan"]');
  await page.setInputFiles('#scan-input', resultFiles);
  await page.waitForFunction(() => document.querySelectorAll('#scan-points tr').length === 3, null, { timeout: 60_000 });
  expect(await page.inputValue('#scan-x')).toBe('sampleZ1');
  expect(await page.inputValue('#scan-y')).toBe('side_mean');
  // Four free parameters need more than three runs: the app says so, and fixing bg = 0 fits.
  expect(await page.textContent('[data-testid=fit-result]')).toMatch(/3 points for 4 free parameters/);
  await page.check('#scan-fixbg');
  await page.waitForSelector('[data-testid=fit-result] td[data-param="c"]', { timeout: 30_000 });
  // The same numbers in Node from the files: x = median sampleZ1, y = mean of side_mean.
  const xs: number[] = [];
  const ys: number[] = [];
  for (const path of resultFiles) {
    const f = await openResult(path);
    xs.push(median(f.read('sampleZ1').data));
    ys.push(roiMean(f.read('side_mean'), null));
    f.close();
  }
  const expected = fitGaussian(xs, ys, { fixedBg: 0 });
  const c = Number(await page.getAttribute('[data-testid=fit-result] td[data-param="c"]', 'data-value'));
  expect(Math.abs(c - expected.params.c)).toBeLessThan(1e-9 * expected.params.sigma);
  // The synthetic focus is at sampleZ1 = 0 (runs at ±2 mm).
  expect(Math.abs(c)).toBeLessThan(0.6e-3);

  // An ROI of the side picture (drawn as a rectangle): its low half of columns, where the side signal is.
  const first = await openResult(resultFiles[0]);
  const [rows, cols] = first.read('side_mean').shape;
  first.close();
  const rect = { rows: [0, rows] as [number, number], cols: [0, Math.floor(cols / 2)] as [number, number] };
  await page.fill('#roi-r0', '0');
  await page.fill('#roi-r1', String(rect.rows[1]));
  await page.fill('#roi-c0', '0');
  await page.fill('#roi-c1', String(rect.cols[1]));
  await page.dispatchEvent('#roi-c1', 'change');
  await page.waitForFunction((want) => (document.querySelector('#scan-plot')?.textContent ?? '').includes(want), `rows 0–${rect.rows[1]}, cols 0–${rect.cols[1]}`, { timeout: 30_000 });
  const ysRoi: number[] = [];
  for (const path of resultFiles) {
    const f = await openResult(path);
    ysRoi.push(roiMean(f.read('side_mean'), rect));
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

test('real layouts written with h5py: run 7 (sensor groups, uint16 / int32 images), run 8 (single groups, float64 side); a raw sensor stack drawn side by side; the scan view on their result files', async () => {
  const { page, errors } = await openApp();
  await page.setInputFiles('#run-folder', h5pyRun);
  await page.waitForFunction(() => document.querySelectorAll('#run-select option').length === 2, null, { timeout: 60_000 });
  await page.setInputFiles('#config-input', stackConfig);
  const node7 = await analyseInNode(h5pyRun, 7, stackConfig);
  const node8 = await analyseInNode(h5pyRun, 8, stackConfig);

  // Run 8 (the newest, selected): one group per detector, no geometry; float64 side images.
  expect(await waitForCheck(page, 'stack.json', 8)).toBe('warning');
  expect((await checkItems(page, 'detector')).map(([name, level]) => [name, level])).toEqual([
    ['spectrometer', 'ok'],
    ['side_ccd', 'ok'],
    ['forward_ccd', 'ok'],
  ]);
  const shown8 = await shownDetectors(page);
  expect(Object.fromEntries(Object.entries(shown8).map(([id, r]) => [id, r.cells.slice(0, 3)]))).toEqual(await detectorRows(join(h5pyRun, '8.h5'), 8));
  expect(shown8['MPCCD-2N0-M02-003'].cells.slice(0, 3)).toEqual(['1', '32×34', 'float64']);
  await page.click('#analyse');
  expect(await waitForAnalysis(page)).toBe('done');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(node8.goodShots);
  const [rows8, cols8] = node8.outputs.side_mean.shape;
  expect(await canvasOf(page, 'side_mean')).toMatchObject({ width: cols8, height: rows8 });
  const v8 = await hover(page, 'side_mean', 5, 7);
  expect(Number(v8.value)).toBeCloseTo(node8.outputs.side_mean.data[5 * cols8 + 7], 6);

  // Run 7: the converter layout, sensors in groups out of order (side: detector_2d_9, _2).
  await page.selectOption('#run-select', { index: 0 });
  expect(await waitForCheck(page, 'stack.json', 7)).toBe('warning');
  const shown7 = await shownDetectors(page);
  expect(Object.fromEntries(Object.entries(shown7).map(([id, r]) => [id, r.cells.slice(0, 3)]))).toEqual(await detectorRows(join(h5pyRun, '7.h5'), 7));
  expect(shown7['MPCCD-2N0-M02-003'].cells.slice(0, 4)).toEqual(['2', '2×32×16', 'float32', '16.79, 17.34']);
  expect(shown7['MPCCD-2N0-M02-003'].title).toBe('detector_2d_9, detector_2d_2');
  expect(shown7['MPCCD-2N0-M02-001'].cells[2]).toBe('int32');
  // The same items as `sacla check` gives in Node.
  const report7 = await checkInNode(h5pyRun, 7, stackConfig);
  const all7 = await page.$$eval('#run-check li.check-item', (lis) => lis.map((li) => `${(li as HTMLElement).dataset.kind} ${(li as HTMLElement).dataset.name} ${(li as HTMLElement).dataset.level}`));
  expect(all7).toEqual(report7.items.filter((i) => i.level !== 'ok').concat(report7.items.filter((i) => i.level === 'ok')).map((i) => `${i.kind} ${i.name} ${i.level}`));
  // NaN values on good shots are warnings, not errors: the analysis runs.
  expect((await checkItems(page, 'value')).filter(([, level]) => level === 'warning').map(([name]) => name)).toEqual(['sampleY', 'attenuator_eh_5_Si_m']);
  await page.click('#analyse');
  expect(await waitForAnalysis(page)).toBe('done');
  expect(await page.textContent('#analysis-errors')).toBe('');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(node7.goodShots);
  for (const name of ['side_mean', 'forward_mean']) {
    const [rows, cols] = node7.outputs[name].shape;
    expect(await canvasOf(page, name)).toMatchObject({ width: cols, height: rows });
  }
  // side_stack, the mean of the raw stack [2, rows, cols]: the sensors side by side, NaN columns apart.
  const [sensors, rows, cols] = node7.outputs.side_stack.shape;
  expect(sensors).toBe(2);
  const gap = Math.max(1, Math.round(cols / 16));
  expect(await canvasOf(page, 'side_stack')).toMatchObject({ width: 2 * cols + gap, height: rows });
  expect(await page.textContent('figure[data-dataset="side_stack"] .title')).toContain('2 sensors side by side');
  expect((await hover(page, 'side_stack', 3, cols)).text).toBe('between sensors');
  const s2 = await hover(page, 'side_stack', 3, cols + gap + 5);
  expect([s2.sensor, s2.row, s2.col]).toEqual(['2', '3', '5']);
  expect(Number(s2.value)).toBeCloseTo(node7.outputs.side_stack.data[rows * cols + 3 * cols + 5], 6);
  await screenshot(page, 'run-view-h5py-run7');

  // The scan view on the two runs' result files: the default x exists (sampleZ1), y = side_mean.
  const files = [await writeResult(join(tmp, 'results-h5py'), node7), await writeResult(join(tmp, 'results-h5py'), node8)];
  await page.click('button.tab[data-tab="scan"]');
  await page.setInputFiles('#scan-input', files);
  await page.waitForFunction(() => document.querySelectorAll('#scan-points tr').length === 2, null, { timeout: 60_000 });
  expect(await page.inputValue('#scan-x')).toBe('sampleZ1');
  expect(await page.inputValue('#scan-y')).toBe('side_mean');
  expect(await page.textContent('#scan-point-problems')).toBe('');
  const ys = await page.$$eval('#scan-points tr', (trs) => trs.map((tr) => Number(tr.children[2].textContent)));
  const want = [node7, node8].sort((a, b) => median(a.outputs.sampleZ1.data) - median(b.outputs.sampleZ1.data)).map((r) => roiMean(r.outputs.side_mean, null));
  ys.forEach((y, k) => expect(Math.abs(y - want[k])).toBeLessThan(1e-4 * Math.abs(want[k])));
  // A stack is a y choice too (its statistic over every pixel), without an ROI.
  await page.selectOption('#scan-y', 'side_stack');
  await page.waitForFunction(() => /mean\(side_stack\)/.test(document.querySelector('#scan-plot')?.textContent ?? ''), null, { timeout: 30_000 });
  expect(await page.isHidden('#scan-roi-row')).toBe(true);
  expect(await page.textContent('#scan-point-problems')).toBe('');
  expect(errors).toEqual([]);
  await page.close();
}, 240_000);

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
