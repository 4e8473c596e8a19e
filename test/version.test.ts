import { test, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { VERSION } from 'sacla-analysis';

test('VERSION matches package.json (it is written into every result file)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(VERSION).toBe(pkg.version);
});
