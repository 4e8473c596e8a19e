// Makes the README's screenshots (docs/screenshots/) of every view of the web app: a full-size
// synthetic run (converter files: sensor groups, 1024 × 512 sensors) analysed in the app, its
// live preview, the run view's sections, the top-k gallery with one image enlarged, the logbook
// table and the scan of a nine-run synthetic focus scan with its fit, and H5Web's file browser.
// Usage: npm run build && node scripts/readme-screenshots.mjs   (needs /usr/bin/chromium)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, writeResult } from '../dist/bindings/index.js';
import { serveStatic, webRoot } from '../dist/bindings/cli/web.js';
import { launchChromium, openApp } from '../dist/bench/browser.js';

const out = new URL('../docs/screenshots/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'sacla-screenshots-'));
const { server, url } = await serveStatic(webRoot(), 0);
const browser = await launchChromium();
const written = [];

/** A screenshot of the viewport with `selector` at its top (the page scrolled to it). */
async function shot(page, name, selector = null, settleMs = 2500) {
  if (selector) await page.locator(selector).first().evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8));
  else await page.evaluate(() => window.scrollTo(0, 0));
  // The plots on screen mount one per frame, and draw.
  await page.waitForTimeout(settleMs);
  await page.screenshot({ path: join(out, `${name}.png`) });
  written.push(`${name}.png`);
}

try {
  const page = await openApp(browser, url);

  // The run view: a full-size run folder (run file + darks), analysed with the built-in config.
  const run = join(tmp, 'run');
  await writeSyntheticRun({ out: run, run: 22, shots: 60, preset: 'kuschel2023', seed: 1 });
  await page.setInputFiles('#run-folder', run);
  await page.waitForFunction(() => ['ok', 'warning', 'error'].includes(document.querySelector('#run-check')?.dataset.state), null, { timeout: 120_000 });
  await page.$eval('#analyse', (b) => b.click());
  await page.waitForSelector('.live-image canvas.colour-image', { timeout: 120_000 });
  // While it runs: the live preview is plain canvases, drawn at once; the run takes a few seconds.
  await page.waitForTimeout(300);
  await shot(page, 'live-preview', null, 200);
  await page.waitForFunction(() => document.querySelector('#progress-text')?.dataset.state === 'done', null, { timeout: 300_000 });
  await shot(page, 'run-view');
  await shot(page, 'run-view-images', 'section.images [data-panel="side_mean"]');
  await shot(page, 'run-view-curves', 'section.curves');
  await page.locator('section.traces').scrollIntoViewIfNeeded();
  await page.selectOption('[data-testid=trace-x]', 'tag');
  await shot(page, 'run-view-traces', 'section.traces');
  await shot(page, 'run-view-gallery', 'section.topk');
  await page.locator('section.topk button.thumbnail').first().click();
  await page.waitForSelector('[role=dialog] svg[data-type="abscissa"]', { timeout: 60_000 });
  await page.waitForTimeout(2500);
  await page.screenshot({ path: join(out, 'run-view-enlarged.png') });
  written.push('run-view-enlarged.png');
  await page.click('[role=dialog] button.close');

  // The logbook and the scan, in a page of their own (the run above would be a row too): runs
  // 11, 22, …, 99 share their attenuator and step the focus
  // (sampleZ1) through −4 … +4 mm; a column file adds the side picture's first sensor (its
  // columns up to the gap between the sensors), where its signal is, and the ratio to the diode.
  const files = [];
  for (const r of [11, 22, 33, 44, 55, 66, 77, 88, 99]) {
    const data = join(tmp, 'scan');
    await writeSyntheticRun({ out: data, run: r, shots: 80, preset: 'small', seed: 3 });
    const config = await loadConfig(defaultConfigPath(), { dataDir: data });
    files.push(await writeResult(join(tmp, 'results'), await analyseRun(config, { data, run: r }, { workers: 1, warn: () => {} })));
  }
  const columns = join(tmp, 'logbook.json');
  writeFileSync(
    columns,
    JSON.stringify({
      columns: [
        { name: 'signal', expr: 'nanmean(roi(side_mean, 0, 64, 0, 32))', unit: 'eV' },
        { name: 'per diode', expr: 'sum(side_total) / sum(diode)', format: '.4e' },
      ],
    }),
  );
  const logbook = await openApp(browser, url);
  await logbook.click('button.tab[data-tab="table"]');
  await logbook.setInputFiles('[data-testid=table-input]', files);
  await logbook.setInputFiles('[data-testid=columns-input]', columns);
  await logbook.waitForSelector('table.logbook th[data-column="signal"]', { timeout: 60_000 });
  await shot(logbook, 'table-view');

  await logbook.click('button.tab[data-tab="scan"]');
  await logbook.fill('[data-testid=scan-y]', 'nanmean(roi(side_mean, 0, 64, 0, 32))');
  await logbook.waitForFunction(() => document.querySelector('[data-testid=scan-title]')?.textContent?.includes('roi(side_mean'), null, { timeout: 60_000 });
  await logbook.waitForSelector('[data-testid=fit-result] td[data-param="c"]', { timeout: 60_000 });
  await shot(logbook, 'scan-view');

  // H5Web's file browser on the result of the full-size run analysed above, showing side_mean.
  await page.click('button.tab[data-tab="browse"]');
  await page.locator('[data-testid=browse-list] button', { hasText: 'run_22.h5 (analysed here)' }).click();
  await page.locator('[data-testid=h5web]').getByRole('treeitem', { name: 'side_mean' }).click({ timeout: 60_000 });
  await page.waitForSelector('[data-testid=h5web] svg[data-type="abscissa"]', { timeout: 60_000 });
  await shot(page, 'browse-view');
  console.log(`wrote ${written.map((n) => out + n).join(', ')}`);
} finally {
  await browser.close();
  server.close();
  rmSync(tmp, { recursive: true, force: true });
}
