// The web app's copies of run files in the browser's storage (web/src/worker/storedCopies.ts):
// an analysis read from a copy writes the same result file, byte for byte in every dataset, as
// one read from the user's File, with copies off; a file rewritten under the same name is not
// served from its old copy (its result is Node's of the new file); the copies can be removed.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticRun, loadConfig, defaultConfigPath, analyseRun, openResult } from 'sacla-analysis';
import { startApp, openPage, waitForCheck, analyse, type App } from './app.js';
import type { Page } from 'playwright-core';

let app: App;

beforeAll(async () => {
  app = await startApp();
}, 300_000);

afterAll(async () => {
  await app?.close();
});

/** Analyses the selected run, saves its result file and returns its path and where the run was read from. */
async function analyseAndSave(page: Page, name: string): Promise<{ path: string; source: string | null }> {
  expect(await analyse(page)).toBe('done');
  expect(await page.textContent('#analysis-errors')).toBe('');
  const source = await page.getAttribute('#progress-text', 'data-source');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const path = join(app.tmp, 'saved', name);
  await download.saveAs(path);
  return { path, source };
}

/** Every dataset of a result file: name → [shape, bytes]. */
async function datasets(path: string): Promise<Map<string, [number[], Uint8Array]>> {
  const file = await openResult(path);
  try {
    return new Map(
      file.names.map((n) => {
        const d = file.read(n);
        const view = d.data as ArrayBufferView;
        return [n, [d.shape, new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice()]];
      }),
    );
  } finally {
    file.close();
  }
}

const stored = (page: Page) => page.waitForFunction(() => document.querySelector<HTMLElement>('#copy-status')?.dataset.state === 'stored', null, { timeout: 120_000 });

test('a run read from its copy in the browser gives the result read from the File, dataset for dataset; a rewritten file gets a new copy; copies are removed', async () => {
  const data = join(app.tmp, 'copies-data');
  await writeSyntheticRun({ out: data, run: 31, shots: 48, preset: 'small', seed: 4 });
  await mkdir(join(app.tmp, 'saved'), { recursive: true });
  const { page, errors } = await openPage(app);

  // Copies off: read from the File.
  await page.uncheck('#keep-copies');
  await page.setInputFiles('#run-folder', data);
  expect(await waitForCheck(page, 'kuschel2023.json', 31)).toBe('ok');
  expect(await page.$$eval('#copy-status li', (l) => l.length)).toBe(0);
  const fromFile = await analyseAndSave(page, 'file.h5');
  expect(fromFile.source).toBe('file');

  // Copies on (the choice is kept): the run is copied, then read from the copy.
  await page.check('#keep-copies');
  await page.setInputFiles('#run-folder', data);
  await stored(page);
  expect(await page.textContent('#copy-status')).toContain("31.h5: read from the browser's copy");
  await waitForCheck(page, 'kuschel2023.json', 31);
  const fromCopy = await analyseAndSave(page, 'copy.h5');
  expect(fromCopy.source).toBe('copy');
  expect(await page.textContent('#progress-text')).toMatch(/ · read from the browser's copy$/);
  const a = await datasets(fromFile.path);
  const b = await datasets(fromCopy.path);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, [shape, bytes]] of a) {
    expect(b.get(name)![0], name).toEqual(shape);
    expect(Buffer.compare(Buffer.from(b.get(name)![1]), Buffer.from(bytes)), name).toBe(0);
  }

  // The same file name rewritten (another seed, as a converter run again): a new copy, and the
  // result is Node's of the new file.
  await writeSyntheticRun({ out: data, run: 31, shots: 48, preset: 'small', seed: 5 });
  await page.setInputFiles('#run-folder', data);
  await stored(page);
  await waitForCheck(page, 'kuschel2023.json', 31);
  const rewritten = await analyseAndSave(page, 'rewritten.h5');
  expect(rewritten.source).toBe('copy');
  const node = await analyseRun(await loadConfig(defaultConfigPath(), { dataDir: data }), { data, run: 31 }, { warn: () => {} });
  const c = await datasets(rewritten.path);
  expect(Array.from(c.get('tag')![1])).toEqual(Array.from(new Uint8Array(node.outputs.tag.data.buffer, node.outputs.tag.data.byteOffset, node.outputs.tag.data.byteLength)));
  const sideMax = node.outputs.side_max.data as Float32Array | Float64Array;
  const back = await openResult(rewritten.path);
  try {
    expect(Array.from(back.read('side_max').data, Number)).toEqual(Array.from(sideMax, Number));
  } finally {
    back.close();
  }
  expect(Buffer.compare(Buffer.from(c.get('side_max')![1]), Buffer.from(a.get('side_max')![1]))).not.toBe(0);

  // Both copies (the old one and the new one) go.
  await page.click('#remove-copies');
  await page.waitForFunction(() => /^removed \d+ cop/.test(document.querySelector('#copy-status')?.textContent ?? ''), null, { timeout: 30_000 });
  expect(await page.textContent('#copy-status')).toMatch(/^removed 2 copies/);
  expect(errors).toEqual([]);
  await page.close();
}, 300_000);
