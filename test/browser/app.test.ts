// The web app's run view end to end in Debian's Chromium (playwright-core, no downloaded
// browser): open a synthetic run folder (converter layout: sensor groups), check it against the
// built-in config, analyse it, and check what the page shows against the same run analysed in
// Node: the H5Web heatmap's pixel axes and the pixel under the cursor, the spectrum against its
// eV axis, the histograms, the top-k gallery's tags and good-shot indices; save the result file
// and read it back; configs whose mistakes only the run reveals; the h5py-written runs (real
// layout, single groups); reload offline. Screenshots go to test-output/screenshots/ (the
// README's are made by scripts/readme-screenshots.mjs).
import { test, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, openResult, RunFile, detectorsOf, type AnalysisResult } from 'sacla-analysis';
import { checkRun, type CheckReport } from '../../bindings/analysis/check.js';
import { startApp, openPage, waitForCheck, checkItems, analyse, axis, hoverPixel, hoverAt, figure, showPlot, screenshot, shots, repo, type App } from './app.js';
import type { Page } from 'playwright-core';

const h5pyRun = join(repo, 'test/fixtures/analysis/h5py_run');

let app: App;
let runDir: string;
let nodeResult: AnalysisResult;
let resultFile: string;
// Configs as files the page loads: one with a mistake only a run reveals (an roi larger than the
// spectrometer's images), one with an output of the raw sensor stack (no `assemble`).
let roiConfig: string;
let stackConfig: string;

const numbers = (d: { data: ArrayLike<number | bigint> }) => Array.from(d.data, Number);

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
  const rows = await page.$$eval('#run-info table.detectors tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent ?? '', td.title] as [string, string])));
  return Object.fromEntries(rows.map((r) => [r[0][0], { cells: r.slice(1).map(([t]) => t), title: r[0][1] }]));
}

/** The columns of a picture whose every pixel is NaN (the gaps between the sensors). */
function nanColumns({ data, shape: [rows, cols] }: { data: ArrayLike<number>; shape: number[] }): number[] {
  return Array.from({ length: cols }, (_, c) => c).filter((c) => Array.from({ length: rows }, (_, r) => data[r * cols + c]).every(Number.isNaN));
}

beforeAll(async () => {
  app = await startApp();
  runDir = join(app.tmp, 'data');
  await writeSyntheticRun({ out: runDir, run: 22, shots: 60, preset: 'small' });
  nodeResult = await analyseInNode(runDir, 22);
  const builtin = JSON.parse(await readFile(defaultConfigPath(), 'utf8'));
  await mkdir(join(app.tmp, 'configs'), { recursive: true });
  roiConfig = join(app.tmp, 'configs', 'roi.json');
  await writeFile(roiConfig, JSON.stringify({ ...builtin, outputs: [...builtin.outputs, { name: 'spectrum_roi', source: 'spectrometer', transforms: [{ roi: { rows: [0, 5000], cols: [0, 4] } }], sink: 'mean' }] }));
  stackConfig = join(app.tmp, 'configs', 'stack.json');
  await writeFile(stackConfig, JSON.stringify({ ...builtin, outputs: [...builtin.outputs, { name: 'side_stack', source: 'side_ccd', sink: 'mean' }] }));
  const { writeResult } = await import('sacla-analysis');
  resultFile = await writeResult(join(app.tmp, 'results'), nodeResult);
  await mkdir(shots, { recursive: true });
}, 300_000);

afterAll(async () => {
  await app?.close();
});

test('checks and analyses a synthetic run: the report, good shots, side_mean on pixel axes with the pixel under the cursor, the spectrum against eV, the gallery, as in Node; saves the same result file', async () => {
  const { page, errors } = await openPage(app);
  await page.setInputFiles('#run-folder', runDir);
  await page.waitForSelector('#run-select option', { timeout: 60_000 });
  expect(await page.textContent('#run-select')).toContain('run 22');
  // The 2N0 detectors are listed once each, with their two sensors and a gain per sensor.
  const table = await shownDetectors(page);
  const expected = await detectorRows(join(runDir, '22.h5'), 22);
  expect(Object.keys(table)).toEqual(Object.keys(expected));
  for (const [id, cells] of Object.entries(expected)) expect(table[id].cells.slice(0, 3)).toEqual(cells);
  expect(table['MPCCD-2N0-M02-003'].cells[3]).toMatch(/^[\d.]+, [\d.]+$/);
  await page.fill('#key-search', 'user_18');
  expect((await page.textContent('#key-list'))?.trim()).toBe('xfel_bl_3_st_5_motor_user_18/position');

  // The built-in config against the run, as `sacla check` prints it.
  expect(await waitForCheck(page, 'kuschel2023.json', 22)).toBe('ok');
  const report = await checkInNode(runDir, 22);
  const all = await page.$$eval('#run-check li.check-item', (lis) => lis.map((li) => `${(li as HTMLElement).dataset.kind} ${(li as HTMLElement).dataset.name} ${(li as HTMLElement).dataset.level}`));
  expect(all).toEqual(report.items.map((i) => `${i.kind} ${i.name} ${i.level}`));
  expect((await checkItems(page, 'detector')).map(([, , , m]) => m)).toEqual(report.items.filter((i) => i.kind === 'detector').map((i) => i.message));
  expect(await page.textContent('#run-check .shots')).toBe(`${report.goodShots} of 60 shots pass the filters`);
  await page.click('#run-check details.check-ok summary');
  await page.locator('#run-check').screenshot({ path: join(shots, 'check-ok.png') });

  expect(await analyse(page)).toBe('done');
  expect(await page.textContent('#analysis-errors')).toBe('');
  expect(await page.textContent('#progress-text')).toMatch(/^\d+ \/ \d+ shots · [\d.]+ shots\/s · done in [\d.]+ s with \d workers?( · read from the browser's copy)?$/);
  expect(await page.textContent('#analysis-warnings')).toBe('');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(nodeResult.goodShots);

  // side_mean, the assembled picture, on pixel axes: integer ticks from 0, row 0 at the top.
  const sideMean = nodeResult.outputs.side_mean;
  const [rows, cols] = sideMean.shape;
  const x = await axis(page, 'side_mean', 'abscissa');
  const y = await axis(page, 'side_mean', 'ordinate');
  expect(x.label).toBe('column (pixel)');
  expect(y.label).toBe('row (pixel)');
  for (const t of [...x.ticks, ...y.ticks]) expect(Number.isInteger(t.value)).toBe(true);
  expect(x.ticks.map((t) => t.value)).toContain(0);
  expect(x.ticks.some((t) => t.value > 0 && t.value <= cols)).toBe(true);
  const y0 = y.ticks.find((t) => t.value === 0)!;
  const yMore = y.ticks.find((t) => t.value > 0 && t.value <= rows)!;
  expect(y0.at).toBeLessThan(yMore.at);
  // The gap between the sensors is NaN under the cursor; the brightest pixel is Node's (to
  // rounding: the workers' partial means merge in another order than one worker's sum).
  const gap = nanColumns(sideMean);
  expect(gap.length).toBeGreaterThan(0);
  expect((await hoverPixel(page, 'side_mean', 10, gap[0])).value).toBe('NaN');
  let best = 0;
  for (let i = 0; i < sideMean.data.length; i++) if (sideMean.data[i] > sideMean.data[best] || Number.isNaN(sideMean.data[best])) best = i;
  const [row, col] = [Math.floor(best / cols), best % cols];
  const readout = await hoverPixel(page, 'side_mean', row, col);
  expect([readout.row, readout.col]).toEqual([String(row), String(col)]);
  expect(Number(readout.value)).toBeCloseTo(sideMean.data[best], 9);
  expect(readout.text).toContain(`row ${row}, col ${col}:`);
  await screenshot(page, 'run-view');

  // The spectrum against its energy axis (eV): ticks inside spectrum_axis, the peak under the cursor.
  const energy = numbers(nodeResult.outputs.spectrum_axis);
  const spectrum = numbers(nodeResult.outputs.spectrum_mean);
  const ex = await axis(page, 'spectrum_mean', 'abscissa');
  expect(ex.label).toBe('spectrum_axis (eV)');
  const [lo, hi] = [Math.min(...energy), Math.max(...energy)];
  // (The plot leaves 1 % of the range free at either end.)
  for (const t of ex.ticks) expect(t.value >= lo - 0.02 * (hi - lo) && t.value <= hi + 0.02 * (hi - lo)).toBe(true);
  expect(Math.max(...ex.ticks.map((t) => t.value)) - Math.min(...ex.ticks.map((t) => t.value))).toBeGreaterThan(0.6 * (hi - lo));
  const peak = spectrum.reduce((best, v, i) => (v > spectrum[best] || Number.isNaN(spectrum[best]) ? i : best), 0);
  const atPeak = await hoverAt(page, 'spectrum_mean', energy[peak], null);
  expect(Number(atPeak.x)).toBe(energy[peak]);
  expect(Number(JSON.parse(atPeak.values)[0])).toBeCloseTo(spectrum[peak], 6);
  // A histogram against its bin centres (the axis and its unit as the result file states them),
  // steps on a log y axis; an empty bin between filled ones reads 0 (its step falls through the
  // bottom of the log axis).
  const file = await openResult(resultFile);
  const centresUnit = file.units('side_hist_centers');
  file.close();
  const hist = 'side_hist_mean';
  expect((await axis(page, hist, 'abscissa')).label).toBe(centresUnit ? `side_hist_centers (${centresUnit})` : 'side_hist_centers');
  expect(await page.getAttribute(figure(hist), 'data-scale')).toBe('log');
  const centres = numbers(nodeResult.outputs.side_hist_centers);
  const counts = numbers(nodeResult.outputs.side_hist_mean);
  const empty = counts.findIndex((v, i) => v === 0 && counts.slice(0, i).some((u) => u > 0) && counts.slice(i).some((u) => u > 0));
  expect(empty).toBeGreaterThan(0);
  const atEmpty = await hoverAt(page, hist, centres[empty], null);
  expect(Number(atEmpty.x)).toBe(centres[empty]);
  expect(JSON.parse(atEmpty.values).map(Number)).toEqual([0]);
  await page.locator('section.curves').scrollIntoViewIfNeeded();
  await screenshot(page, 'run-view-curves');

  // The gallery: each kept shot named by its tag and good-shot index, from the run file in Node.
  const rf = await RunFile.open(join(runDir, '22.h5'), 22);
  const runTags = Array.from(rf.tags, Number);
  rf.close();
  const goodTags = numbers(nodeResult.outputs.tag);
  await page.locator('[data-panel="i_top_images"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('section[data-topk="i_top_images"] .topk-card button.thumbnail', { timeout: 30_000 });
  const cards = await page.$$eval('section[data-topk="i_top_images"] .topk-card', (cs) => cs.map((c) => ({ ...(c as HTMLElement).dataset })));
  const kept = numbers(nodeResult.outputs.i_top_images);
  expect(cards.map((c) => Number(c.runIndex))).toEqual(kept);
  expect(cards.map((c) => Number(c.tag))).toEqual(kept.map((i) => runTags[i]));
  expect(cards.map((c) => Number(c.good))).toEqual(kept.map((i) => goodTags.indexOf(runTags[i])));
  await page.locator('section[data-topk="i_top_images"] button.thumbnail').first().click();
  await page.waitForSelector(`[role=dialog] ${figure('forward_top_images#1')} svg[data-type="abscissa"]`, { timeout: 30_000 });
  await screenshot(page, 'run-view-gallery-enlarged');
  await page.click('[role=dialog] button.close');

  // Save: the same datasets as `sacla analyse` writes, readable with the package's reader.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  expect(download.suggestedFilename()).toBe('run_22.h5');
  const saved = join(app.tmp, 'saved', 'run_22.h5');
  await download.saveAs(saved);
  const back = await openResult(saved);
  try {
    expect(Number(back.attrs.good_shots)).toBe(nodeResult.goodShots);
    expect(back.names.sort()).toEqual(Object.keys(nodeResult.outputs).sort());
    const picture = back.read('side_mean').data;
    expect(Array.from(picture, Number.isNaN)).toEqual(Array.from(sideMean.data, Number.isNaN));
    expect(Math.max(...Array.from(picture, (v, i) => (Number.isNaN(v) ? 0 : Math.abs(v - sideMean.data[i]) / Math.abs(sideMean.data[i] || 1))))).toBeLessThan(1e-12);
    expect(numbers(back.read('tag'))).toEqual(goodTags);
  } finally {
    back.close();
  }
  expect(errors).toEqual([]);
  await page.close();
}, 300_000);

test('per-shot traces against the good-shot index, the tag, the time and another value, divided by a value', async () => {
  const { page, errors } = await openPage(app);
  await page.setInputFiles('#result-input', resultFile);
  await page.waitForSelector('[data-testid=good-shots]', { timeout: 60_000 });
  await page.locator('section.traces').scrollIntoViewIfNeeded();
  const trace = 'side_total';
  expect((await axis(page, trace, 'abscissa')).label).toBe('good shot');
  const tags = numbers(nodeResult.outputs.tag);
  const totals = numbers(nodeResult.outputs.side_total);
  const diode = numbers(nodeResult.outputs.diode);
  await page.selectOption('[data-testid=trace-x]', 'tag');
  const k = 7;
  const byTag = await hoverAt(page, trace, tags[k], null);
  expect(Number(byTag.x)).toBe(tags[k]);
  expect(JSON.parse(byTag.values).map(Number)).toEqual([totals[k]]);
  await page.selectOption('[data-testid=trace-x]', 'time');
  expect((await axis(page, trace, 'abscissa')).label).toBe('time since the first good shot (s)');
  const byTime = await hoverAt(page, trace, (tags[k] - tags[0]) / 60, null);
  expect(Number(byTime.x)).toBeCloseTo((tags[k] - tags[0]) / 60, 12);
  await page.selectOption('[data-testid=trace-x]', 'good shot');
  await page.selectOption('[data-testid=trace-norm]', 'diode');
  const normalised = await hoverAt(page, trace, k, null);
  expect(JSON.parse(normalised.values).map(Number)).toEqual([totals[k] / diode[k]]);
  expect(await page.textContent(`${figure(trace)} figcaption`)).toBe('side_total / diode');
  // A scatter against another per-shot value, coloured by the good-shot index.
  await page.selectOption('[data-testid=trace-norm]', '');
  await page.selectOption('[data-testid=trace-x]', 'diode');
  await page.waitForSelector(`figure.plot.scatter[data-dataset="${trace}"]`, { timeout: 30_000 });
  expect((await axis(page, trace, 'abscissa')).label).toBe('diode');
  await screenshot(page, 'run-view-traces');
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

test('shows mistakes where they are: config errors with their paths, the check of a run without the configured detector and of an roi larger than the image, a result file opened as a run', async () => {
  const { page, errors } = await openPage(app);
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
  expect(await page.$eval('#run-check .check-problems li', (li) => (li as HTMLElement).dataset.name)).toBe('side_ccd');
  expect(await page.textContent('#analyse-note')).toMatch(/this analysis will fail/);
  // Analyse stays enabled: the analysis says the same, in its own words, and ends in 'failed'.
  expect(await page.isDisabled('#analyse')).toBe(false);
  expect(await analyse(page, 60_000)).toBe('failed');
  expect(await page.textContent('#analysis-errors')).toMatch(/no detector "MPCCD-9N9-X".*detectors present: MPCCD-1N0-M07-006, MPCCD-2N0-M02-00[13] \(2 sensors\), MPCCD-2N0-M02-00[13] \(2 sensors\)$/);

  // A loaded config that validates but asks for rows 0–5000 of the spectrometer's images.
  await page.setInputFiles('#config-input', roiConfig);
  expect(await waitForCheck(page, 'roi.json', 22)).toBe('error');
  const outputs = await checkItems(page, 'output');
  expect(outputs.filter(([, level]) => level === 'error').map(([name]) => name)).toEqual(['spectrum_roi']);
  expect(outputs.find(([name]) => name === 'spectrum_roi')![3]).toMatch(/^outputs\[13\]\.transforms\[0\]\.roi: rows \[0, 5000\) × cols \[0, 4\) do not fit an array of shape \[\d+, \d+\]/);
  expect(await page.textContent('#run-check .verdict')).toBe('✗ roi.json against run 22: 1 error. The analysis will fail on this error:');
  await page.locator('#run-check').screenshot({ path: join(shots, 'check-error.png') });
  await page.selectOption('#config-select', 'builtin');
  expect(await waitForCheck(page, 'kuschel2023.json', 22)).toBe('ok');
  expect(await page.isHidden('#analyse-note')).toBe(true);

  await page.setInputFiles('#run-input', resultFile);
  await page.waitForFunction(() => /result file, not a run file/.test(document.querySelector('#run-problems')?.textContent ?? ''), null, { timeout: 30_000 });
  // A result file written by the CLI opens in the run view.
  await page.setInputFiles('#result-input', resultFile);
  await page.waitForSelector('[data-testid=good-shots]', { timeout: 30_000 });
  expect(await page.textContent('[data-testid=run-number]')).toBe('22');
  // A picture is drawn once its data has been read (it says 'loading…' until then).
  await page.waitForSelector(figure('side_mean'), { timeout: 30_000 });
  expect(await page.locator(figure('side_mean')).count()).toBe(1);
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);

test('real layouts written with h5py: run 7 (sensor groups, uint16 / int32 images), run 8 (single groups, float64 side); a raw sensor stack drawn side by side', async () => {
  const { page, errors } = await openPage(app);
  await page.setInputFiles('#run-folder', h5pyRun);
  await page.waitForFunction(() => document.querySelectorAll('#run-select option').length === 2, null, { timeout: 60_000 });
  await page.setInputFiles('#config-input', stackConfig);
  const node7 = await analyseInNode(h5pyRun, 7, stackConfig);
  const node8 = await analyseInNode(h5pyRun, 8, stackConfig);

  // Run 8 (the newest, selected): one group per detector, no geometry; float64 side images.
  expect(await waitForCheck(page, 'stack.json', 8)).toBe('warning');
  const shown8 = await shownDetectors(page);
  expect(Object.fromEntries(Object.entries(shown8).map(([id, r]) => [id, r.cells.slice(0, 3)]))).toEqual(await detectorRows(join(h5pyRun, '8.h5'), 8));
  expect(await analyse(page)).toBe('done');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(node8.goodShots);
  const [, cols8] = node8.outputs.side_mean.shape;
  expect(Number((await hoverPixel(page, 'side_mean', 5, 7)).value)).toBeCloseTo(node8.outputs.side_mean.data[5 * cols8 + 7], 9);

  // Run 7: the converter layout, sensors in groups out of order (side: detector_2d_9, _2).
  await page.selectOption('#run-select', { index: 0 });
  expect(await waitForCheck(page, 'stack.json', 7)).toBe('warning');
  const shown7 = await shownDetectors(page);
  expect(Object.fromEntries(Object.entries(shown7).map(([id, r]) => [id, r.cells.slice(0, 3)]))).toEqual(await detectorRows(join(h5pyRun, '7.h5'), 7));
  expect(shown7['MPCCD-2N0-M02-003'].title).toBe('detector_2d_9, detector_2d_2');
  expect((await checkItems(page, 'value')).filter(([, level]) => level === 'warning').map(([name]) => name)).toEqual(['sampleY', 'attenuator_eh_5_Si_m']);
  expect(await analyse(page)).toBe('done');
  expect(await page.textContent('#analysis-errors')).toBe('');
  expect(Number(await page.textContent('[data-testid=good-shots]'))).toBe(node7.goodShots);
  // side_stack, the mean of the raw stack [2, rows, cols]: the sensors side by side, NaN columns apart.
  const [sensors, rows, cols] = node7.outputs.side_stack.shape;
  expect(sensors).toBe(2);
  const gap = Math.max(1, Math.round(cols / 16));
  await showPlot(page, 'side_stack');
  expect(await page.textContent(`${figure('side_stack')} figcaption`)).toContain('2 sensors side by side');
  expect((await hoverPixel(page, 'side_stack', 3, cols)).text).toBe('between sensors');
  const s2 = await hoverPixel(page, 'side_stack', 3, cols + gap + 5);
  expect([s2.sensor, s2.row, s2.col]).toEqual(['2', '3', '5']);
  expect(Number(s2.value)).toBeCloseTo(node7.outputs.side_stack.data[rows * cols + 3 * cols + 5], 9);
  await screenshot(page, 'run-view-h5py-run7');
  expect(errors).toEqual([]);
  await page.close();
}, 240_000);

test('works offline once loaded (service worker)', async () => {
  const context = await app.browser.newContext();
  const page = await context.newPage();
  const ready = () => page.waitForFunction(() => (window as unknown as { sacla?: { ready?: boolean } }).sacla?.ready === true, null, { timeout: 120_000 });
  await page.goto(app.url);
  await ready();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.reload();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 });
  await context.setOffline(true);
  await page.reload();
  await ready();
  expect(await page.textContent('h1')).toBe('sacla-analysis');
  await context.close();
}, 180_000);
