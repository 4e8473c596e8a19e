// The README's library example runs as written (on a small synthetic run in place of `runs/`).
import { test, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRun } from 'sacla-analysis';

const root = fileURLToPath(new URL('..', import.meta.url));

test('the README example analyses a run, reads the result back and averages shots by hand', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(typeof example, 'README.md has a ```ts example').toBe('string');
  const dir = mkdtempSync(join(tmpdir(), 'sacla-readme-'));
  try {
    await writeSyntheticRun({ out: join(dir, 'runs'), run: 100, shots: 40, preset: 'small', seed: 4 });
    // Its relative paths, made absolute; and what it computed, handed back to the test.
    const code =
      example!
        .replaceAll("'runs'", JSON.stringify(join(dir, 'runs')))
        .replaceAll("'results'", JSON.stringify(join(dir, 'results')))
        .replaceAll("'configs/kuschel2023.json'", JSON.stringify(join(root, 'configs', 'kuschel2023.json')))
        .replaceAll('console.log(', '(() => {})(') + '\nexport { result, mean, median, picture, profile };\n';
    const file = join(root, 'test', '.readme-example.tmp.ts');
    writeFileSync(file, code);
    try {
      const { result, mean, median, picture, profile } = await import(/* @vite-ignore */ file);
      expect(result.run).toBe(100);
      expect(existsSync(join(dir, 'results', 'run_100.h5'))).toBe(true);
      expect(mean.n).toBeGreaterThan(30); // shots with the shutter open
      expect(median.n).toBe(mean.n);
      // Two 64 × 32 sensors six columns apart: a 64 × 70 picture, NaN in the gap.
      expect(picture.shape).toEqual([64, 70]);
      expect(Number.isNaN(picture.data[35]) && Number.isFinite(picture.data[0])).toBe(true);
      expect(profile.profile.length).toBe(Math.round(Math.hypot(32, 35)) + 1); // radii up to the far corner
    } finally {
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
