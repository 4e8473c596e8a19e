// Makes the README's screenshots (docs/screenshots/): the run view of a synthetic run (written
// as converter files are: sensor groups) checked and analysed in the app, and the scan view of a
// nine-run synthetic focus scan with its fit.
// Usage: npm run build && node scripts/readme-screenshots.mjs   (needs /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, writeResult, openResult } from '../dist/bindings/index.js';
import { serveStatic, webRoot } from '../dist/bindings/cli/web.js';

const out = new URL('../docs/screenshots/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'sacla-screenshots-'));
const { server, url } = await serveStatic(webRoot(), 0);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => window.sacla?.ready === true, null, { timeout: 90_000 });

  // Run view: a run folder (run file + darks), analysed with the built-in config.
  await writeSyntheticRun({ out: join(tmp, 'run'), run: 22, shots: 120, preset: 'small', seed: 1 });
  await page.setInputFiles('#run-folder', join(tmp, 'run'));
  await page.waitForSelector('#run-select option', { timeout: 60_000 });
  await page.waitForFunction(() => ['ok', 'warning', 'error'].includes(document.querySelector('#run-check')?.dataset.state), null, { timeout: 60_000 });
  await page.click('#analyse');
  await page.waitForFunction(() => document.querySelector('#progress-text')?.dataset.state === 'done', null, { timeout: 180_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(out, 'run-view.png') });

  // Scan view: runs 11, 22, …, 99 share their attenuator and step the focus (sampleZ1) through
  // −4 … +4 mm; y is the mean of the side picture's first sensor (its low columns, up to the
  // gap between the sensors), where its signal is.
  const files = [];
  for (const run of [11, 22, 33, 44, 55, 66, 77, 88, 99]) {
    const data = join(tmp, 'scan');
    await writeSyntheticRun({ out: data, run, shots: 80, preset: 'small', seed: 3 });
    const config = await loadConfig(defaultConfigPath(), { dataDir: data });
    files.push(await writeResult(join(tmp, 'results'), await analyseRun(config, { data, run }, { workers: 1, warn: () => {} })));
  }
  await page.click('button.tab[data-tab="scan"]');
  await page.setInputFiles('#scan-input', files);
  await page.waitForFunction(() => document.querySelectorAll('#scan-points tr').length === 9, null, { timeout: 60_000 });
  const first = await openResult(files[0]);
  const side = first.read('side_mean');
  first.close();
  const [rows, cols] = side.shape;
  const gap = Array.from({ length: cols }, (_, c) => c).find((c) => Array.from({ length: rows }, (_, r) => side.data[r * cols + c]).every(Number.isNaN)) ?? cols;
  for (const [id, value] of [['#roi-r0', '0'], ['#roi-r1', String(rows)], ['#roi-c0', '0'], ['#roi-c1', String(gap)]]) await page.fill(id, value);
  await page.dispatchEvent('#roi-c1', 'change');
  await page.waitForSelector('[data-testid=fit-result] td[data-param="c"]', { timeout: 30_000 });
  await page.screenshot({ path: join(out, 'scan-view.png') });
  console.log(`wrote ${out}run-view.png and ${out}scan-view.png`);
} finally {
  await browser.close();
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
