import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The integration tests (npm run test:integration): a real one-node Slurm cluster started by
// scripts/slurm-local.sh, jobs running the built CLI (dist/). Not part of `npm test`.
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
