// The same package, built by Vite, loads its wasm core inside a module Web Worker of
// Debian's Chromium (driven by playwright-core; no downloaded browser).
import { test, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import type { Browser } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../bench/browser.js';

const root = fileURLToPath(new URL('./page/', import.meta.url));
const packageEntry = fileURLToPath(new URL('../../bindings/index.ts', import.meta.url));
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

let outDir: string;
let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'sacla-browser-'));
  await build({
    root,
    logLevel: 'warn',
    resolve: { alias: { 'sacla-analysis': packageEntry } },
    build: { outDir, emptyOutDir: true, target: 'esnext' },
    worker: { format: 'es' },
  });
  server = createServer(async (req, res) => {
    const path = normalize(join(outDir, decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/$/, '/index.html')));
    if (!path.startsWith(outDir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test('the wasm kernels run in a browser module worker and give the hand-computed values', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result);
  expect(errors).toEqual([]);
  expect(result.error).toBeUndefined();
  const n = 1024 * 1024;
  // Pixel i over images k = 0..4 holds (i % 7) + k: mean (i % 7) + 2, variance 2.5, median (i % 7) + 2.
  expect(result.mean).toEqual([2, 8, ((n - 1) % 7) + 2]);
  expect(result.variance).toBeCloseTo(2.5, 12);
  expect(result.median).toEqual([2, 8]);
  // The last image (k = 4) holds 4..10; 7 unit bins over [0, 7]: bins 4, 5, 6 (6 includes 7).
  const perValue = (v: number) => Array.from({ length: n }, (_, i) => (i % 7) + 4).filter((x) => x === v).length;
  expect(result.histogram).toEqual([0, 0, 0, 0, perValue(4), perValue(5), perValue(6) + perValue(7)]);
  expect(result.profile).toEqual([2, 2, 2, 2]);
  expect(result.counts).toEqual([1, 8, 12, 4]);
  await page.close();
});
