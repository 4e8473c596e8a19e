import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The integration tests (npm run test:integration), one file at a time, after `npm test`: a real
// one-node Slurm cluster started by scripts/slurm-local.sh with jobs running the built CLI
// (dist/), and the web app's responsiveness under a full-size analysis, which is only meaningful
// with the machine to itself (beside another test file its long-task bound measures that file).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^sacla-analysis\/node$/, replacement: fileURLToPath(new URL('./bindings/node/index.ts', import.meta.url)) },
      { find: /^sacla-analysis$/, replacement: fileURLToPath(new URL('./bindings/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
